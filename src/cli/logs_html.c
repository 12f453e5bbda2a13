/*
 * logs_html.c - the delivery health report as one self-contained HTML page
 * (no external assets): the totals and each table of the report's JSON form.
 */
#include "logs_report.h"
#include "render.h"

#include <stdio.h>

/* table_html - one array of rows as an HTML table */
static void table_html(bk_buf *b, const char *title, const json_t *rows, const char *keyname)
{
    if (!json_is_array(rows) || json_array_size(rows) == 0)
        return;
    bk_buf_puts(b, "<h2>");
    html_escape(b, title);
    bk_buf_puts(b, "</h2>\n<table><tr><th></th><th>sent</th><th>delivered</th><th>deferred</th>"
                   "<th>bounced</th><th>expired</th><th>rejected</th><th>bounce rate</th></tr>\n");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        bk_buf_puts(b, "<tr><td>");
        html_escape(b, json_string_value(json_object_get(r, keyname)) ? json_string_value(json_object_get(r, keyname)) : "");
        bk_buf_printf(b, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%.1f%%</td></tr>\n",
                      (long long)json_integer_value(json_object_get(r, "sent")),
                      (long long)json_integer_value(json_object_get(r, "delivered")),
                      (long long)json_integer_value(json_object_get(r, "deferred")),
                      (long long)json_integer_value(json_object_get(r, "bounced")),
                      (long long)json_integer_value(json_object_get(r, "expired")),
                      (long long)json_integer_value(json_object_get(r, "rejected")),
                      json_real_value(json_object_get(r, "bounce_rate")) * 100.0);
    }
    bk_buf_puts(b, "</table>\n");
}

int report_html(const json_t *report, const char *path)
{
    bk_buf b = BK_BUF_INIT;
    bk_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<title>Delivery health</title></head><body>\n<h1>Delivery health</h1>\n");
    table_html(&b, "By recipient domain", json_object_get(report, "domains"), "key");
    table_html(&b, "By mailbox provider", json_object_get(report, "providers"), "key");
    table_html(&b, "Failures by reason", json_object_get(report, "reasons"), "key");
    table_html(&b, "Over time", json_object_get(report, "timeline"), "time");
    bk_buf_puts(&b, "</body></html>\n");
    FILE *f = fopen(path, "w");
    int rc = f && !b.oom && fwrite(b.data, 1, b.len, f) == b.len ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    bk_buf_free(&b);
    return rc;
}
