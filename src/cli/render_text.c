/*
 * render_text.c - an explanation as a terminal page, laid out like a good
 * reference page: headline, at-a-glance table, meaning, log example,
 * causes, fixes, provider notes, questions and answers, related codes.
 */
#include "labels.h"
#include "render.h"

#include <string.h>

/* row - one line of the at-a-glance table */
static void row(term *t, const char *name, const char *value)
{
    if (!value || !value[0])
        return;
    char label[64];
    snprintf(label, sizeof label, "  %-14s", name);
    /* values wrap under their own column */
    term_wrap(t, 16, label, value);
}

/* glance_row - row() as a glance_fn */
static void glance_row(void *ctx, const char *name, const char *value)
{
    row(ctx, name, value);
}

/* bullets - a heading and a wrapped list */
static void bullets(term *t, const char *heading, const bk_list *l)
{
    if (l->n == 0)
        return;
    term_heading(t, heading);
    for (size_t i = 0; i < l->n; i++)
        term_wrap(t, 4, "- ", l->items[i]);
}

/* parsed_section - what the parser found in the user's reply line */
static void parsed_section(term *t, const bk_reply *r)
{
    char num[16], host[600];
    term_heading(t, "In the text you gave");
    if (r->reply_code) {
        snprintf(num, sizeof num, "%d", r->reply_code);
        row(t, "Reply code", num);
    }
    row(t, "Enhanced code", r->status);
    row(t, "Command", bk_command_name(r->command));
    if (r->host.len || r->address.len) {
        snprintf(host, sizeof host, "%.*s%s%.*s%s", (int)r->host.len,
                 r->host.ptr ? r->host.ptr : "", r->address.len ? " [" : "",
                 (int)r->address.len, r->address.ptr ? r->address.ptr : "",
                 r->address.len ? "]" : "");
        row(t, "Remote host", host);
    }
    row(t, "Text", r->text);
    row(t, "Decided by", r->decision);
    if (r->bad_reply_code) {
        snprintf(host, sizeof host, "%d is not an SMTP reply code and was ignored",
                 r->bad_reply_code);
        row(t, "Note", host);
    }
    if (r->bad_status[0]) {
        snprintf(host, sizeof host, "%s is not an enhanced status code (the class must be 2, 4 or 5) and was ignored",
                 r->bad_status);
        row(t, "Note", host);
    }
}

void render_text(term *t, const bk_explanation *e, const bk_reply *parsed)
{
    char cap[64], cat[64], line[512];
    term_style(t, "1");
    fprintf(t->out, "%s", e->key);
    term_style(t, NULL);
    fprintf(t->out, "  %s\n", e->title);
    snprintf(line, sizeof line, "%s · %s · %s severity · %s · %s",
             label_permanence(e->permanence),
             e->bounce && strcmp(e->bounce, "hard") == 0   ? "Hard bounce"
             : e->bounce && strcmp(e->bounce, "soft") == 0 ? "Soft bounce"
                                                            : "Not a bounce",
             label_capital(e->severity, cap, sizeof cap), label_capital(e->category, cat, sizeof cat),
             e->standard);
    term_wrap(t, 0, NULL, line);
    if (e->summary) {
        fputc('\n', t->out);
        term_wrap(t, 0, NULL, e->summary);
    }

    term_heading(t, "At a glance");
    glance_rows(e, glance_row, t);

    if (parsed)
        parsed_section(t, parsed);

    if (e->meaning.n) {
        term_heading(t, "What it means");
        for (size_t i = 0; i < e->meaning.n; i++) {
            if (i)
                fputc('\n', t->out);
            term_wrap(t, 2, NULL, e->meaning.items[i]);
        }
    }
    if (e->log.n) {
        term_heading(t, "What it looks like in your mail logs");
        for (size_t i = 0; i < e->log.n; i++)
            term_wrap(t, 4, "> ", e->log.items[i]);
    }
    bullets(t, "Common causes", &e->cause);
    bullets(t, "How to fix it", &e->fix);
    bullets(t, "Provider notes", &e->provider);
    if (e->n_faq) {
        term_heading(t, "Frequently asked questions");
        for (size_t i = 0; i < e->n_faq; i++) {
            term_style(t, "1");
            term_wrap(t, 2, NULL, e->faq[i].question);
            term_style(t, NULL);
            term_wrap(t, 4, NULL, e->faq[i].answer);
        }
    }
    if (e->related.n) {
        term_heading(t, "Related codes");
        line[0] = '\0';
        size_t used = 0;
        for (size_t i = 0; i < e->related.n && used < sizeof line - 40; i++) {
            int k = snprintf(line + used, sizeof line - used, "%s%s", i ? ", " : "",
                             e->related.items[i]);
            if (k > 0)
                used += (size_t)k;
        }
        term_wrap(t, 2, NULL, line);
    }
}
