# common.bash - helpers for the CLI tests: each test script is run by ctest as
# `bash SCRIPT PATH_TO_BOUNCEKIT SOURCE_DIR` and exits 0 pass, 1 fail, 77 skip.
BK=${1:?usage: SCRIPT PATH_TO_BOUNCEKIT SOURCE_DIR}
SRC=${2:?usage: SCRIPT PATH_TO_BOUNCEKIT SOURCE_DIR}
FAILS=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# fail MESSAGE - record a failure
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# run ARGS... - run bouncekit, keeping stdout in $OUT, stderr in $ERR, status in $RC
run() {
    "$BK" "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

# expect_rc N WHAT - the last run exited N
expect_rc() { [ "$RC" -eq "$1" ] || fail "$2: exit status $RC, want $1 (stderr: $ERR)"; }

# expect_out TEXT WHAT - stdout contains TEXT
expect_out() { grep -qF -- "$1" <<<"$OUT" || fail "$2: stdout lacks '$1'"; }

# expect_err TEXT WHAT - stderr contains TEXT
expect_err() { grep -qF -- "$1" <<<"$ERR" || fail "$2: stderr lacks '$1'"; }

# jq_is [-s] FILTER WANT WHAT - jq FILTER on stdout gives WANT (-s: slurp lines)
jq_is() {
    local got slurp=
    if [ "$1" = -s ]; then slurp=-s; shift; fi
    got=$(jq $slurp -r "$1" <<<"$OUT" 2>&1)
    [ "$got" = "$2" ] || fail "$3: jq '$1' gave '$got', want '$2'"
}

# expect_lines FILTER FILE WHAT - jq -r FILTER on stdout gives exactly the lines of FILE
expect_lines() {
    local got
    got=$(jq -r "$1" <<<"$OUT" 2>&1)
    [ "$got" = "$(cat "$2")" ] || fail "$3: got
$got
want
$(cat "$2")"
}

# finish - exit with the verdict
finish() {
    if [ "$FAILS" -gt 0 ]; then
        echo "$FAILS check(s) failed" >&2
        exit 1
    fi
    echo "all checks passed"
    exit 0
}
