/*
 * svg_chart.h - small charts as inline SVG for HTML pages (no scripts, no
 * external assets): stacked columns over time with a rate line and a dashed
 * threshold, and stacked horizontal bars with an optional rate column.
 * Colours come from CSS classes the page defines; every text is escaped.
 */
#ifndef BK_SVG_CHART_H
#define BK_SVG_CHART_H

#include "buf.h"

#include <stddef.h>

#define CHART_SERIES_MAX 4

/* one column (or row) of a chart */
typedef struct {
    const char *label;                        /* x label or row name */
    unsigned long long v[CHART_SERIES_MAX];   /* stacked values, bottom (left) first */
    double rate;                              /* 0..1, or < 0 when there is none */
} chart_item;

/* what to draw */
typedef struct {
    const char *id;                           /* element id, also the prefix of title/desc ids */
    const char *title, *desc;                 /* the accessible name and description */
    const char *const *series;                /* names of the stacked values */
    const char *const *classes;               /* their CSS classes */
    int n_series;
    const char *rate_name;                    /* e.g. "bounce rate"; NULL for no rate */
    double threshold;                         /* the line (0..1), < 0 for none */
    size_t tick_skip;                         /* leading bytes of labels left off on the axis */
    const chart_item *items;
    size_t n;
} chart_spec;

/* chart_columns - stacked columns (one <g class="bar"> per item) with the
 * rate as a line on a right-hand axis and the threshold dashed */
void chart_columns(bk_buf *b, const chart_spec *c);

/* chart_rows - stacked horizontal bars (one <g class="hbar"> per item), with a
 * second column of rate bars and the threshold when rate_name is set */
void chart_rows(bk_buf *b, const chart_spec *c);

/* chart_count - a count with thousands separators: 1,234,567 */
const char *chart_count(unsigned long long v, char *out, size_t cap);

/* chart_pct - a rate as a per cent with one decimal: 12.3% */
const char *chart_pct(double rate, char *out, size_t cap);

#endif
