# install.sh - `cmake --install` puts the command, both libraries, the header
# and the pkg-config file in place, and a program builds against them with
# pkg-config, linked shared and static.
. "$(dirname "$0")/common.bash"
command -v pkg-config >/dev/null && command -v cc >/dev/null || { echo "SKIP: no pkg-config or cc"; exit 77; }
BUILD=$(dirname "$BK")
PREFIX="$TMP/prefix"
cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; fail "cmake --install"; finish; }
LIBDIR=$(dirname "$(find "$PREFIX" -name bouncekit.pc | head -1)")/..
[ -x "$PREFIX/bin/bouncekit" ] || fail "no bin/bouncekit"
[ -f "$PREFIX/include/bouncekit.h" ] || fail "no include/bouncekit.h"
[ -f "$PREFIX/share/man/man1/bouncekit-serve.1" ] || fail "no share/man/man1/bouncekit-serve.1"
ls "$LIBDIR"/libbouncekit.so* >/dev/null 2>&1 || fail "no shared library"
[ -f "$LIBDIR/libbouncekit.a" ] || fail "no static library"

cat >"$TMP/app.c" <<'C'
#include <bouncekit.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    const char *line = "host mx.example.com[192.0.2.1] said: 550 5.1.1 no such user (in reply to RCPT TO command)";
    bk_reply r;
    char err[256];
    if (!bk_reply_parse(line, strlen(line), &r))
        return 1;
    bk_kb *kb = bk_kb_open(err, sizeof err);
    bk_explanation e;
    if (!kb || bk_kb_explain(kb, r.reply_code, r.status, &e) != 0)
        return 1;
    printf("%s %s %s %s %s\n", BOUNCEKIT_VERSION, e.key, e.bounce, e.action, bk_command_name(r.command));
    bk_kb_close(kb);
    return 0;
}
C
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
# a sanitizer build installs a sanitized library: programs link the runtime too
SAN=
[ "${BK_SANITIZE:-OFF}" = ON ] && SAN="-fsanitize=address,undefined"
[ "$(pkg-config --modversion bouncekit)" = "$("$BK" --version | cut -d' ' -f2)" ] || fail "pkg-config version"
# shared
cc $SAN -o "$TMP/app" "$TMP/app.c" $(pkg-config --cflags --libs bouncekit) || fail "compile shared"
out=$(LD_LIBRARY_PATH="$LIBDIR" "$TMP/app") || fail "run shared"
[ "$out" = "$(pkg-config --modversion bouncekit) 550 5.1.1 hard suppress RCPT" ] || fail "shared app printed '$out'"
# static
# the static library, and what it needs from pkg-config --static
deps=$(pkg-config --static --libs bouncekit | sed 's/-lbouncekit//')
cc $SAN -o "$TMP/app-static" "$TMP/app.c" $(pkg-config --cflags bouncekit) "$LIBDIR/libbouncekit.a" $deps || fail "compile static"
out=$("$TMP/app-static") || fail "run static"
grep -q "550 5.1.1 hard suppress RCPT" <<<"$out" || fail "static app printed '$out'"
finish
