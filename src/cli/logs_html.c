/*
 * logs_html.c - the delivery health report as one self-contained HTML page,
 * written from the report's JSON form (logs_report.c): the period, a summary
 * band with the bounce rates against the line, three inline SVG charts
 * (svg_chart.c: volume and bounce rate over time, failures by reason, volume
 * and bounce rate by provider) and a table for each group. Inline CSS with a
 * light and a dark scheme, no scripts, no external assets; every text from
 * the logs is escaped. No deliveries gives a short page that says so.
 */
#include "logs_report.h"
#include "render.h"
#include "svg_chart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHART_ROWS_MAX 20 /* rows drawn in the reason and provider charts (the tables have all) */

static const char PAGE_CSS[] =
    ":root{color-scheme:light dark;--fg:#1d232a;--muted:#56606b;--line:#dde2e7;--bg:#fff;"
    "--card:#f5f7f9;--del:#2f6db5;--def:#b26b00;--bnc:#c0362c;--rej:#8a939d;--rate:#1d232a;"
    "--thr:#b3261e;--bad-bg:#fdecea;--bad-fg:#8c1d18;--ok-bg:#e8f5ec;--ok-fg:#14632b}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e4e8ec;--muted:#a9b3bd;--line:#38414a;"
    "--bg:#15191d;--card:#1f252b;--del:#5b9cf0;--def:#e0a238;--bnc:#f07167;--rej:#8d98a3;"
    "--rate:#f2f4f6;--thr:#ff8a80;--bad-bg:#3d1614;--bad-fg:#ffb4ab;--ok-bg:#12301c;--ok-fg:#9fe0b0}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--fg);overflow-wrap:anywhere;"
    "font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}\n"
    "header,main,footer{max-width:64rem;margin:0 auto;padding:0 1rem}\n"
    "h1{font-size:1.6rem;margin:1.2rem 0 .2rem}h2{font-size:1.2rem;margin-top:2rem;"
    "padding-bottom:.25rem;border-bottom:1px solid var(--line)}\n"
    ".period,footer,figcaption,.note{color:var(--muted)}footer{font-size:.85rem;margin-top:2rem;"
    "padding:1rem;border-top:1px solid var(--line)}\n"
    ".verdict{padding:.6rem .9rem;border-radius:6px;font-weight:600}\n"
    ".verdict.bad{background:var(--bad-bg);color:var(--bad-fg)}"
    ".verdict.good{background:var(--ok-bg);color:var(--ok-fg)}"
    ".verdict.none{background:var(--card);border:1px solid var(--line)}\n"
    ".stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(8.5rem,1fr));gap:.6rem;"
    "list-style:none;padding:0;margin:1rem 0}\n"
    ".stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.5rem .75rem}\n"
    ".stat .v{display:block;font-size:1.35rem;font-weight:700;font-variant-numeric:tabular-nums}\n"
    ".stat .v.long{font-size:1rem}.stat .k{color:var(--muted);font-size:.9rem}.stat.crossed{border:2px solid var(--thr)}\n"
    ".mark{display:inline-block;font-size:.8rem;font-weight:700;color:var(--bad-fg);"
    "background:var(--bad-bg);border-radius:4px;padding:0 .35rem;margin-left:.3rem}\n"
    "summary{cursor:pointer;color:var(--fg);padding:.3rem 0}figure{margin:1rem 0}.chart-box,.table-box{overflow-x:auto}\n"
    "svg.chart{display:block;width:100%;min-width:36rem;height:auto;font:13px system-ui,sans-serif}\n"
    "svg text{fill:var(--fg)}svg .tick,svg .head{fill:var(--muted)}svg .head{font-weight:600}\n"
    ".s-del{fill:var(--del)}.s-def{fill:var(--def)}.s-bnc{fill:var(--bnc)}.s-rej{fill:var(--rej)}\n"
    ".grid{stroke:var(--line)}.axis{stroke:var(--muted)}.rate{fill:none;stroke:var(--rate);stroke-width:2}"
    ".dot{fill:var(--rate)}\n.thr{stroke:var(--thr);stroke-width:2;stroke-dasharray:6 4}"
    ".rbar{fill:var(--muted)}.rbar.over{fill:var(--bnc)}\n"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}\n"
    "th,td{padding:.3rem .5rem;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}\n"
    "th:first-child,td:first-child{text-align:left;white-space:normal;min-width:9rem}\n"
    "thead th{color:var(--muted);font-size:.85rem}tr.flagged{background:var(--bad-bg)}\n"
    "tr.flagged th{color:var(--bad-fg)}\n"
    "@media (max-width:40rem){h1{font-size:1.35rem}}\n";

/* jnum - an integer member as a count (0 when missing or negative) */
static unsigned long long jnum(const json_t *o, const char *k)
{
    json_int_t v = json_integer_value(json_object_get(o, k));
    return v > 0 ? (unsigned long long)v : 0;
}

/* jreal - a number member (0 when missing) */
static double jreal(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

/* jstr - a string member ("" when missing) */
static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* when - an ISO time of the report as "2026-12-06 12:20:36 UTC" */
static void when(bk_buf *b, const char *iso)
{
    char s[64];
    size_t n = strlen(iso);
    if (n > 2 && n < 48 && iso[n - 1] == 'Z' && strchr(iso, 'T')) {
        snprintf(s, sizeof s, "%.*s UTC", (int)(n - 1), iso);
        *strchr(s, 'T') = ' ';
    } else
        snprintf(s, sizeof s, "%.48s", iso);
    bk_buf_puts(b, "<time datetime=\"");
    html_escape(b, iso);
    bk_buf_puts(b, "\">");
    html_escape(b, s);
    bk_buf_puts(b, "</time>");
}

/* head - doctype, title, and the style sheet; the empty data: icon keeps the
 * browser from asking the server for /favicon.ico */
static void head(bk_buf *b, const json_t *rp)
{
    bk_buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<link rel=\"icon\" href=\"data:,\"><title>Delivery health");
    if (json_object_get(rp, "first")) {
        bk_buf_puts(b, " \xC2\xB7 ");
        html_escape(b, jstr(rp, "first"));
        bk_buf_puts(b, " to ");
        html_escape(b, jstr(rp, "last"));
    }
    bk_buf_printf(b, "</title>\n<style>\n%s</style></head>\n<body>\n<header><h1>Delivery health</h1>\n",
                  PAGE_CSS);
    if (json_object_get(rp, "first")) {
        bk_buf_puts(b, "<p class=\"period\">From ");
        when(b, jstr(rp, "first"));
        bk_buf_puts(b, " to ");
        when(b, jstr(rp, "last"));
        bk_buf_puts(b, "</p>");
    }
    bk_buf_puts(b, "</header>\n<main>\n");
}

/* flagged_senders - how many senders the report flags */
static size_t flagged_senders(const json_t *rp)
{
    size_t i, n = 0;
    json_t *r;
    json_array_foreach(json_object_get(rp, "senders"), i, r)
        n += json_is_true(json_object_get(r, "flagged"));
    return n;
}

/* overall_over - the overall bounce rate crossed the line. The JSON has no
 * minimum volume, but it follows: a flagged sender means the total has the
 * volume too; with none, "crossed" was said of the total alone. */
static int overall_over(const json_t *rp)
{
    return json_is_true(json_object_get(rp, "crossed")) &&
           jreal(json_object_get(rp, "totals"), "bounce_rate") > jreal(rp, "threshold");
}

/* verdict - one sentence on the line: crossed (by the total, by senders) or not */
static void verdict(bk_buf *b, const json_t *rp)
{
    char r[32], t[32];
    size_t flagged = flagged_senders(rp);
    int over = overall_over(rp), crossed = json_is_true(json_object_get(rp, "crossed"));
    chart_pct(jreal(json_object_get(rp, "totals"), "bounce_rate"), r, sizeof r);
    chart_pct(jreal(rp, "threshold"), t, sizeof t);
    bk_buf_printf(b, "<p class=\"verdict %s\" id=\"verdict\">", crossed ? "bad" : "good");
    if (over)
        bk_buf_printf(b, "\xE2\x9A\xA0 Over the line: the bounce rate is %s, the line is %s.", r, t);
    else
        bk_buf_printf(b, "%s The bounce rate %s is within the line of %s.", crossed ? "\xE2\x9A\xA0" : "\xE2\x9C\x93", r, t);
    if (flagged)
        bk_buf_printf(b, " %zu sender%s over the line (see <a href=\"#senders\">Senders</a>).", flagged,
                      flagged == 1 ? " is" : "s are");
    bk_buf_puts(b, "</p>\n");
}

/* stat - one figure of the summary band; mark adds "over the line" */
static void stat(bk_buf *b, const char *key, const char *label, const char *value, int mark)
{
    bk_buf_printf(b, "<li class=\"stat%s\" data-stat=\"%s\"><span class=\"v%s\">", mark ? " crossed" : "", key,
                  strlen(value) > 9 ? " long" : "");
    html_escape(b, value);
    bk_buf_puts(b, "</span><span class=\"k\">");
    html_escape(b, label);
    if (mark)
        bk_buf_puts(b, " <span class=\"mark\">over the line</span>");
    bk_buf_puts(b, "</span></li>\n");
}

/* summary - the band of totals and rates */
static void summary(bk_buf *b, const json_t *rp)
{
    static const char *const keys[] = {"sent", "delivered", "deferred", "bounced", "expired", "rejected"};
    static const char *const labels[] = {"sent", "delivered", "deferred (pending)", "bounced", "expired",
                                         "rejected at submission"};
    const json_t *t = json_object_get(rp, "totals");
    char s[40];
    bk_buf_puts(b, "<section id=\"summary\" aria-label=\"Summary\"><ul class=\"stats\">\n");
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        stat(b, keys[i], labels[i], chart_count(jnum(t, keys[i]), s, sizeof s), 0);
    stat(b, "bounce_rate", "bounce rate", chart_pct(jreal(t, "bounce_rate"), s, sizeof s), overall_over(rp));
    stat(b, "hard_bounce_rate", "hard-bounce rate", chart_pct(jreal(t, "hard_bounce_rate"), s, sizeof s), 0);
    stat(b, "threshold", "the line", chart_pct(jreal(rp, "threshold"), s, sizeof s), 0);
    bk_buf_puts(b, "</ul></section>\n");
}

/* final_rate - the bounce rate of a row, or -1 when it has no final outcome */
static double final_rate(const json_t *r)
{
    return jnum(r, "delivered") + jnum(r, "bounced") + jnum(r, "expired") ? jreal(r, "bounce_rate") : -1;
}

/* items_of - chart items from up to max rows: delivered, deferred, bounced
 * + expired, rejected (or, for failures, bounced + expired, deferred,
 * rejected); labels point into the JSON. Caller frees. */
static chart_item *items_of(const json_t *rows, const char *keyname, size_t max, int failures, size_t *n)
{
    size_t i, count = json_array_size(rows) < max ? json_array_size(rows) : max;
    chart_item *items = calloc(count ? count : 1, sizeof *items);
    json_t *r;
    *n = items ? count : 0;
    json_array_foreach(rows, i, r) {
        if (i >= *n)
            break;
        chart_item *it = &items[i];
        unsigned long long failed = jnum(r, "bounced") + jnum(r, "expired");
        it->label = jstr(r, keyname);
        it->v[0] = failures ? failed : jnum(r, "delivered");
        it->v[1] = jnum(r, "deferred");
        it->v[2] = failures ? jnum(r, "rejected") : failed;
        it->v[3] = failures ? 0 : jnum(r, "rejected");
        it->rate = final_rate(r);
    }
    return items;
}

/* figure - a chart with its caption, in a box that scrolls on its own when
 * the screen is narrower than the chart */
static void figure(bk_buf *b, chart_spec *c, const json_t *rows, const char *keyname, size_t max, int failures,
                   const char *caption)
{
    chart_item *items = items_of(rows, keyname, max, failures, &c->n);
    if (!items || c->n == 0) {
        free(items);
        return;
    }
    c->items = items;
    bk_buf_puts(b, "<figure><div class=\"chart-box\">");
    if (strcmp(keyname, "time") == 0)
        chart_columns(b, c);
    else
        chart_rows(b, c);
    bk_buf_puts(b, "</div><figcaption>");
    html_escape(b, caption);
    bk_buf_puts(b, "</figcaption></figure>\n");
    free(items);
}

/* charts - volume and bounce rate over time, failures by reason, providers */
static void charts(bk_buf *b, const json_t *rp)
{
    static const char *const vol[] = {"delivered", "deferred", "bounced/expired", "rejected"};
    static const char *const vol_cls[] = {"s-del", "s-def", "s-bnc", "s-rej"};
    static const char *const fail[] = {"bounced/expired", "deferred", "rejected"};
    static const char *const fail_cls[] = {"s-bnc", "s-def", "s-rej"};
    double thr = jreal(rp, "threshold");
    int day = !strcmp(jstr(rp, "timeline_unit"), "day");
    chart_spec time = {"timeline", day ? "Volume and bounce rate per day" : "Volume and bounce rate per hour",
                       "Stacked columns of delivered, deferred, bounced or expired and rejected recipients per time "
                       "bucket; the bounce rate as a line, the line as a dashed line.",
                       vol, vol_cls, 4, "bounce rate", thr, day ? 0 : 5, NULL, 0};
    chart_spec why = {"reasons-chart", "Failures by reason", "Horizontal bars of failed recipients per reason.",
                      fail, fail_cls, 3, NULL, -1, 0, NULL, 0};
    chart_spec prov = {"providers-chart", "Volume and bounce rate by mailbox provider",
                       "Horizontal bars of recipients per provider, and each provider's bounce rate against the line.",
                       vol, vol_cls, 3, "bounce rate", thr, 0, NULL, 0};
    bk_buf_puts(b, "<section id=\"charts\"><h2>Charts</h2>\n");
    figure(b, &time, json_object_get(rp, "timeline"), "time", (size_t)-1, 0,
           day ? "Recipients per day (UTC) with the bounce rate." : "Recipients per hour (UTC) with the bounce rate.");
    figure(b, &why, json_object_get(rp, "reasons"), "key", CHART_ROWS_MAX, 1,
           "Recipients not delivered, by the classifier's reason.");
    figure(b, &prov, json_object_get(rp, "providers"), "key", CHART_ROWS_MAX, 0,
           "Recipients by mailbox provider (rejected ones are left out), and each one's bounce rate.");
    bk_buf_puts(b, "</section>\n");
}

/* table_row - one row of a group table; flagged senders are marked */
static void table_row(bk_buf *b, const json_t *r, const char *keyname)
{
    static const char *const cols[] = {"sent", "delivered", "deferred", "bounced", "expired", "rejected", "hard"};
    int flagged = json_is_true(json_object_get(r, "flagged"));
    char s[40];
    bk_buf_printf(b, "<tr%s><th scope=\"row\">", flagged ? " class=\"flagged\"" : "");
    html_escape(b, jstr(r, keyname));
    if (flagged)
        bk_buf_puts(b, " <span class=\"mark\">\xE2\x9A\x91 over the line</span>");
    bk_buf_puts(b, "</th>");
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
        bk_buf_printf(b, "<td>%s</td>", chart_count(jnum(r, cols[i]), s, sizeof s));
    bk_buf_printf(b, "<td>%s</td>", chart_pct(jreal(r, "bounce_rate"), s, sizeof s));
    bk_buf_printf(b, "<td>%s</td></tr>\n", chart_pct(jreal(r, "hard_bounce_rate"), s, sizeof s));
}

/* table - one group of the report as a table under its heading; folded
 * into a <details> when long (the time line) */
static void table(bk_buf *b, const json_t *rp, const char *name, const char *title, const char *first_col)
{
    int fold = json_array_size(json_object_get(rp, name)) > 24;
    const json_t *rows = json_object_get(rp, name);
    const char *keyname = strcmp(name, "timeline") ? "key" : "time";
    size_t i;
    json_t *r;
    if (json_array_size(rows) == 0)
        return;
    bk_buf_printf(b, "<section id=\"%s\"><h2 id=\"%s-h\">", name, name);
    html_escape(b, title);
    bk_buf_puts(b, "</h2>");
    if (fold)
        bk_buf_printf(b, "<details><summary>Show all %zu rows</summary>", json_array_size(rows));
    bk_buf_printf(b, "<div class=\"table-box\" role=\"region\" tabindex=\"0\" aria-labelledby=\"%s-h\">"
                     "<table><thead><tr><th scope=\"col\">", name);
    html_escape(b, first_col);
    bk_buf_puts(b, "</th><th scope=\"col\">sent</th><th scope=\"col\">delivered</th><th scope=\"col\">deferred</th>"
                   "<th scope=\"col\">bounced</th><th scope=\"col\">expired</th><th scope=\"col\">rejected</th>"
                   "<th scope=\"col\">hard</th><th scope=\"col\">bounce rate</th>"
                   "<th scope=\"col\">hard-bounce rate</th></tr></thead>\n<tbody>\n");
    json_array_foreach(rows, i, r)
        table_row(b, r, keyname);
    bk_buf_printf(b, "</tbody></table></div>%s</section>\n", fold ? "</details>" : "");
}

/* tables - every group of the report */
static void tables(bk_buf *b, const json_t *rp)
{
    int day = !strcmp(jstr(rp, "timeline_unit"), "day");
    table(b, rp, "domains", "By recipient domain", "domain");
    table(b, rp, "providers", "By mailbox provider", "provider");
    table(b, rp, "reasons", "Failures by reason", "reason");
    table(b, rp, "remote_hosts", "Failures by remote host", "remote host");
    table(b, rp, "top_failing_recipients", "Top failing recipients", "recipient");
    table(b, rp, "senders", "Senders", "sender");
    table(b, rp, "timeline", day ? "By day" : "By hour", day ? "day (UTC)" : "hour (UTC)");
}

/* input - what was read: lines used, of other programs, malformed, ... */
static void input(bk_buf *b, const json_t *rp)
{
    static const char *const keys[] = {"lines", "used", "other", "unprefixed", "malformed", "evicted", "bounce_notices",
                                       "probes", "untried", "handoffs", "discarded", "complaints"};
    static const char *const labels[] = {"lines read", "used", "of other programs", "of them in no known form", "malformed (skipped)",
                                         "queue ids evicted", "bounce notices sent",
                                         "address verification results", "recipients queued, not tried",
                                         "recipients handed to a relay on this host",
                                         "recipients discarded on this host",
                                         "complaints (feedback reports)"};
    const json_t *in = json_object_get(rp, "input");
    char s[40];
    bk_buf_puts(b, "<section id=\"input\"><h2>Input</h2><table class=\"input\"><tbody>\n");
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        bk_buf_printf(b, "<tr data-input=\"%s\"><th scope=\"row\">", keys[i]);
        html_escape(b, labels[i]);
        bk_buf_printf(b, "</th><td>%s</td></tr>\n", chart_count(jnum(in, keys[i]), s, sizeof s));
    }
    bk_buf_puts(b, "</tbody></table></section>\n");
}

int report_html(const json_t *report, const char *path)
{
    bk_buf b = BK_BUF_INIT;
    const json_t *t = json_object_get(report, "totals");
    head(&b, report);
    if (jnum(t, "sent") + jnum(t, "rejected") == 0)
        bk_buf_puts(&b, "<p class=\"verdict none\" id=\"empty\">No deliveries in the input: nothing was sent, "
                        "deferred, bounced or rejected in these logs.</p>\n");
    else {
        verdict(&b, report);
        summary(&b, report);
        charts(&b, report);
        tables(&b, report);
    }
    input(&b, report);
    bk_buf_printf(&b, "</main>\n<footer>bouncekit %s \xC2\xB7 delivery health report. Times are UTC; the bounce "
                      "rate is (bounced + expired) / (delivered + bounced + expired).</footer>\n</body></html>\n",
                  bk_version());
    FILE *f = fopen(path, "w");
    int rc = f && !b.oom && fwrite(b.data, 1, b.len, f) == b.len ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    bk_buf_free(&b);
    return rc;
}
