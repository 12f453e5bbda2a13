/*
 * logs_report.h - the delivery health report of `bouncekit logs`: totals,
 * bounce and hard-bounce rates, and the same by recipient domain, mailbox
 * provider, reason, remote host, hour or day, top failing recipients, and
 * the senders whose bounce rate crosses the line. Shown as aligned text or
 * JSON (logs_html.c writes the HTML page from the JSON form).
 */
#ifndef BK_LOGS_REPORT_H
#define BK_LOGS_REPORT_H

#include "bouncekit.h"
#include "term.h"

#include <jansson.h>
#include <stdio.h>

typedef struct logs_report logs_report;

/* report_new - an empty report; threshold is the bounce rate line (0.02 for
 * 2%), min_volume the messages a sender needs before it can be flagged,
 * top the rows listed per table */
logs_report *report_new(double threshold, unsigned min_volume, unsigned top);

/* report_add - count one outcome */
void report_add(logs_report *rp, const bk_log_event *e);

/* report_json - the whole report as JSON (new reference) */
json_t *report_json(const logs_report *rp, const bk_log_stats *st);

/* report_text - the report for a terminal (styled when t says so) */
void report_text(const logs_report *rp, const bk_log_stats *st, term *t);

/* report_crossed - the overall rate or a sender's crossed the line */
int report_crossed(const logs_report *rp);

/* report_html - write the report (its JSON form) as one self-contained
 * HTML page with inline SVG charts (logs_html.c); 0, or -1 on a write error */
int report_html(const json_t *report, const char *path);

/* report_free - release everything */
void report_free(logs_report *rp);

#endif
