/*
 * term.c - terminal output helpers (see term.h).
 */
#include "term.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void term_init(term *t, FILE *out)
{
    t->out = out;
    t->width = 80;
    t->styled = 0;
    int fd = fileno(out);
    if (fd >= 0 && isatty(fd)) {
        struct winsize ws;
        if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
            t->width = ws.ws_col > 100 ? 100 : ws.ws_col;
        const char *nc = getenv("NO_COLOR");
        const char *tt = getenv("TERM");
        t->styled = !(nc && nc[0]) && !(tt && strcmp(tt, "dumb") == 0);
    }
}

void term_style(term *t, const char *sgr)
{
    if (!t->styled)
        return;
    if (sgr)
        fprintf(t->out, "\033[%sm", sgr);
    else
        fputs("\033[0m", t->out);
}

void term_heading(term *t, const char *text)
{
    fputc('\n', t->out);
    term_style(t, "1");
    fputs(text, t->out);
    term_style(t, NULL);
    fputc('\n', t->out);
}

/* display_width - columns taken by n bytes of UTF-8 (one per character) */
static int display_width(const char *p, size_t n)
{
    int w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] & 0xC0) != 0x80)
            w++;
    return w;
}

void term_wrap(term *t, int indent, const char *first_prefix, const char *text)
{
    int col = 0;
    int avail = t->width - indent;
    if (avail < 20)
        avail = 20;
    if (first_prefix) {
        int pl = (int)strlen(first_prefix);
        fprintf(t->out, "%*s%s", indent - pl > 0 ? indent - pl : 0, "", first_prefix);
    } else
        fprintf(t->out, "%*s", indent, "");
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        int w = display_width(p, (size_t)(e - p));
        if (col > 0 && col + 1 + w > avail) {
            fprintf(t->out, "\n%*s", indent, "");
            col = 0;
        } else if (col > 0) {
            fputc(' ', t->out);
            col++;
        }
        fwrite(p, 1, (size_t)(e - p), t->out);
        col += w;
        p = e;
    }
    fputc('\n', t->out);
}
