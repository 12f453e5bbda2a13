# site.sh - `bouncekit site DIR` writes a complete offline reference: an
# index, one page per code, one stylesheet, links that all resolve, no
# external assets. (The same site is checked in a real browser by
# tests/site/run.sh.)
. "$(dirname "$0")/common.bash"

run site "$TMP/site"
expect_rc 0 "site"
expect_out "code pages" "site summary"
[ -f "$TMP/site/index.html" ] || fail "no index.html"
[ -f "$TMP/site/style.css" ] || fail "no style.css"
[ -f "$TMP/site/550.html" ] || fail "no 550.html"
[ -f "$TMP/site/x-1-1.html" ] || fail "no x-1-1.html"
[ -f "$TMP/site/550-5-1-1.html" ] || fail "no 550-5-1-1.html"
pages=$(ls "$TMP/site"/*.html | wc -l)
listed=$("$BK" explain --list | wc -l)
[ "$pages" -eq $((listed + 1)) ] || fail "$pages pages for $listed codes (+ index)"

# every local link resolves; nothing points outside
for f in "$TMP/site"/*.html; do
    grep -o 'href="[^"]*"' "$f" | sed 's/^href="//; s/"$//' | while read -r href; do
        case "$href" in
        http:* | https:* | //*) echo "external link $href in $(basename "$f")" ;;
        *) [ -f "$TMP/site/${href%%#*}" ] || echo "broken link $href in $(basename "$f")" ;;
        esac
    done
done >"$TMP/links"
[ -s "$TMP/links" ] && fail "links: $(head -5 "$TMP/links")"
grep -l '<script' "$TMP/site"/*.html >/dev/null && fail "pages must not need scripts"

# the 550 page holds the same sections as the terminal page
for section in "At a glance" "What it means" "What it looks like in your mail logs" \
    "Common causes" "How to fix it" "Related codes"; do
    grep -qF "$section" "$TMP/site/550.html" || fail "550.html lacks '$section'"
done
grep -qF "Frequently asked questions" "$TMP/site/550-5-1-1.html" || fail "550 5.1.1 page lacks FAQ"
grep -qF 'name="viewport"' "$TMP/site/550.html" || fail "no viewport meta"

# errors name the problem
run site
expect_rc 2 "site without DIR"
touch "$TMP/file"
run site "$TMP/file/sub"
expect_rc 1 "site into a file"
expect_err "$TMP/file/sub" "site error names the directory"

finish
