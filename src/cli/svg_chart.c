/*
 * svg_chart.c - inline SVG charts (see svg_chart.h). Drawn in a fixed
 * viewBox that the page scales to its width; sizes are in viewBox units.
 * Counts are unsigned long long (shown exactly in tooltips) and only turned
 * into doubles for geometry, so huge counts draw and print correctly.
 */
#include "svg_chart.h"
#include "render.h"

#include <stdio.h>
#include <string.h>

#define W 760.0         /* viewBox width of every chart */
#define LABEL_CHARS 22  /* row names longer than this are cut (full name in the tooltip) */
#define X_LABELS 6      /* time labels under the columns, at most */
#define ROW_H 24.0      /* height of one horizontal bar row */
#define COLUMN_MAX 56.0 /* widest column, when there are few */

/* plot area of a chart */
typedef struct {
    double x, y, w, h;
} box;

const char *chart_count(unsigned long long v, char *out, size_t cap)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%llu", v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[cap ? (o < cap ? o : cap - 1) : 0] = '\0';
    return out;
}

const char *chart_pct(double rate, char *out, size_t cap)
{
    snprintf(out, cap, "%.1f%%", rate * 100.0);
    return out;
}

/* short_count - an axis label: 950, 1.2k, 3.4M, 5G */
static const char *short_count(double v, char *out, size_t cap)
{
    static const char *const unit[] = {"", "k", "M", "G", "T", "P", "E"};
    int u = 0;
    while (v >= 1000.0 && u < 6)
        v /= 1000.0, u++;
    snprintf(out, cap, v < 10.0 && u && v != (double)(unsigned long long)v ? "%.1f%s" : "%.0f%s", v, unit[u]);
    return out;
}

/* ceil_div - the smallest whole number n with n * step >= v (v, step > 0) */
static double ceil_div(double v, double step)
{
    double n = (double)(unsigned long long)(v / step);
    return n * step < v ? n + 1 : n;
}

/* axis_step - a round tick step (1, 2 or 5 times a power of ten, at least
 * min_step) for values up to max; *top is the axis end, a multiple of it.
 * No libm: the power of ten is found by stepping. */
static double axis_step(double max, double min_step, double *top)
{
    double raw = max / 4.0, p = 1.0, step;
    while (p * 10.0 <= raw)
        p *= 10.0;
    while (p > raw && p > min_step / 10.0)
        p /= 10.0;
    step = raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
    if (step < min_step)
        step = min_step;
    *top = max > 0 ? step * ceil_div(max, step) : step;
    return step;
}

/* clip - at most LABEL_CHARS characters of s (UTF-8 kept whole), ending in
 * "…" when cut; cap must hold 4 * LABEL_CHARS + 4 bytes for nothing else to be cut */
static const char *clip(const char *s, char *out, size_t cap)
{
    size_t i = 0, chars = 0, cut = 0;
    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == LABEL_CHARS - 1)
            cut = i;
    int cutting = chars > LABEL_CHARS;
    if (!cutting)
        cut = i;
    if (cut + 4 > cap)
        for (cut = cap - 4, cutting = 1; cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80; cut--)
            ;
    memcpy(out, s, cut);
    strcpy(out + cut, cutting ? "\xE2\x80\xA6" : ""); /* … */
    return out;
}

/* text - <text> with escaped content */
static void text(bk_buf *b, const char *cls, double x, double y, const char *anchor, const char *s)
{
    bk_buf_printf(b, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", cls, x, y, anchor);
    html_escape(b, s);
    bk_buf_puts(b, "</text>");
}

/* rect - a <rect>, nothing when it has no area */
static void rect(bk_buf *b, const char *cls, double x, double y, double w, double h)
{
    if (w > 0 && h > 0)
        bk_buf_printf(b, "<rect class=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>", cls, x, y, w, h);
}

/* line - a <line> */
static void line(bk_buf *b, const char *cls, double x1, double y1, double x2, double y2)
{
    bk_buf_printf(b, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", cls, x1, y1, x2, y2);
}

/* svg_open - the <svg> element with its accessible name and description */
static void svg_open(bk_buf *b, const chart_spec *c, double h)
{
    bk_buf_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" id=\"");
    html_escape(b, c->id);
    bk_buf_printf(b, "\" viewBox=\"0 0 %.0f %.0f\" aria-labelledby=\"", W, h);
    html_escape(b, c->id);
    bk_buf_puts(b, "-t\"><title id=\"");
    html_escape(b, c->id);
    bk_buf_puts(b, "-t\">");
    html_escape(b, c->title);
    bk_buf_puts(b, "</title><desc>");
    html_escape(b, c->desc);
    bk_buf_puts(b, "</desc>\n");
}

/* tip - the tooltip of an item: its label, each value and the rate */
static void tip(bk_buf *b, const chart_spec *c, const chart_item *it)
{
    char n[40];
    bk_buf_puts(b, "<title>");
    html_escape(b, it->label);
    for (int s = 0; s < c->n_series; s++) {
        bk_buf_printf(b, "%s%s ", s ? ", " : ": ", chart_count(it->v[s], n, sizeof n));
        html_escape(b, c->series[s]);
    }
    if (c->rate_name && it->rate >= 0) {
        bk_buf_puts(b, "; ");
        html_escape(b, c->rate_name);
        bk_buf_printf(b, " %s", chart_pct(it->rate, n, sizeof n));
    }
    bk_buf_puts(b, "</title>");
}

/* legend - one line of swatches and names at y; the rate line (when
 * as_line) and the threshold too when the chart has them */
static void legend(bk_buf *b, const chart_spec *c, double x, double y, int as_line)
{
    for (int s = 0; s < c->n_series; s++) {
        rect(b, c->classes[s], x, y - 10, 12, 12);
        text(b, "lg", x + 17, y, "start", c->series[s]);
        x += 30 + 7.0 * (double)strlen(c->series[s]);
    }
    if (c->rate_name && as_line) {
        line(b, "rate", x, y - 4, x + 20, y - 4);
        text(b, "lg", x + 25, y, "start", c->rate_name);
        x += 40 + 7.0 * (double)strlen(c->rate_name);
    }
    if (c->rate_name && c->threshold >= 0) {
        char p[32], s[48];
        line(b, "thr", x, y - 4, x + 20, y - 4);
        snprintf(s, sizeof s, "the line (%s)", chart_pct(c->threshold, p, sizeof p));
        text(b, "lg", x + 25, y, "start", s);
    }
}

/* total - the stacked height of an item */
static double total(const chart_spec *c, const chart_item *it)
{
    double t = 0;
    for (int s = 0; s < c->n_series; s++)
        t += (double)it->v[s];
    return t;
}

/* max_of - the largest stack and the largest rate of the items */
static void max_of(const chart_spec *c, double *vmax, double *rmax)
{
    *vmax = 0;
    *rmax = c->threshold > 0 ? c->threshold * 1.25 : 0;
    for (size_t i = 0; i < c->n; i++) {
        double t = total(c, &c->items[i]);
        if (t > *vmax)
            *vmax = t;
        if (c->items[i].rate > *rmax)
            *rmax = c->items[i].rate;
    }
}

/* count_axis - horizontal grid lines with count labels on the left; the
 * axis end in *top */
static void count_axis(bk_buf *b, box p, double vmax, double *top)
{
    char s[32];
    double step = axis_step(vmax, 1.0, top);
    for (double v = 0; v <= *top + step / 2; v += step) {
        double y = p.y + p.h - v / *top * p.h;
        line(b, v == 0 ? "axis" : "grid", p.x, y, p.x + p.w, y);
        text(b, "tick", p.x - 6, y + 4, "end", short_count(v, s, sizeof s));
    }
}

/* rate_scale - the end of the rate axis (0..1) for rates up to rmax, and
 * its tick step in per cent */
static double rate_scale(double rmax, double *step)
{
    double top;
    *step = axis_step(rmax * 100.0 > 100.0 ? 100.0 : rmax * 100.0, 0.1, &top);
    return top > 100.0 ? 1.0 : top / 100.0;
}

/* rate_axis - per cent labels on the right; the axis end in *top (0..1) */
static void rate_axis(bk_buf *b, box p, double rmax, double *top)
{
    char s[32];
    double step;
    *top = rate_scale(rmax, &step);
    for (double v = 0; v <= *top * 100.0 + step / 2; v += step) {
        snprintf(s, sizeof s, step < 1 ? "%.1f%%" : "%.0f%%", v);
        text(b, "tick", p.x + p.w + 6, p.y + p.h - v / (*top * 100.0) * p.h + 4, "start", s);
    }
}

/* columns - one stacked <g class="bar"> per item */
static void columns(bk_buf *b, const chart_spec *c, box p, double top)
{
    double slot = p.w / (double)c->n, bw = slot > 3 ? slot * 0.78 : slot;
    if (bw > COLUMN_MAX)
        bw = COLUMN_MAX;
    for (size_t i = 0; i < c->n; i++) {
        const chart_item *it = &c->items[i];
        double x = p.x + slot * (double)i + (slot - bw) / 2, y = p.y + p.h;
        bk_buf_puts(b, "<g class=\"bar\">");
        tip(b, c, it);
        for (int s = 0; s < c->n_series; s++) {
            double h = (double)it->v[s] / top * p.h;
            rect(b, c->classes[s], x, y - h, bw, h);
            y -= h;
        }
        bk_buf_puts(b, "</g>\n");
    }
}

/* rate_line - the rate of each item that has one, joined, with dots when
 * the columns are wide enough */
static void rate_line(bk_buf *b, const chart_spec *c, box p, double rtop)
{
    double slot = p.w / (double)c->n;
    bk_buf_puts(b, "<polyline class=\"rate\" points=\"");
    for (size_t i = 0; i < c->n; i++)
        if (c->items[i].rate >= 0)
            bk_buf_printf(b, "%.1f,%.1f ", p.x + slot * ((double)i + 0.5),
                          p.y + p.h - c->items[i].rate / rtop * p.h);
    bk_buf_puts(b, "\"/>\n");
    for (size_t i = 0; slot >= 6 && i < c->n; i++)
        if (c->items[i].rate >= 0)
            bk_buf_printf(b, "<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>",
                          p.x + slot * ((double)i + 0.5), p.y + p.h - c->items[i].rate / rtop * p.h);
}

/* x_labels - up to X_LABELS item labels spread under the columns */
static void x_labels(bk_buf *b, const chart_spec *c, box p)
{
    size_t k = c->n < X_LABELS ? c->n : X_LABELS;
    double slot = p.w / (double)c->n;
    for (size_t j = 0; j < k; j++) {
        size_t i = k > 1 ? (j * (c->n - 1) + (k - 1) / 2) / (k - 1) : 0;
        double x = p.x + slot * ((double)i + 0.5);
        const char *anchor = k > 1 && j == 0 ? "start" : k > 1 && j == k - 1 ? "end" : "middle";
        if (k > 1 && j == 0)
            x = x - slot / 2 > p.x ? x - slot / 2 : p.x;
        else if (k > 1 && j == k - 1)
            x = x + slot / 2 < p.x + p.w ? x + slot / 2 : p.x + p.w;
        const char *label = c->items[i].label;
        text(b, "tick", x, p.y + p.h + 18, anchor, strlen(label) > c->tick_skip ? label + c->tick_skip : label);
    }
}

void chart_columns(bk_buf *b, const chart_spec *c)
{
    box p = {58, 40, W - 58 - 52, 220};
    double vmax, rmax, top, rtop = 1;
    if (c->n == 0)
        return;
    max_of(c, &vmax, &rmax);
    svg_open(b, c, p.y + p.h + 30);
    legend(b, c, p.x, 18, 1);
    count_axis(b, p, vmax, &top);
    if (c->rate_name)
        rate_axis(b, p, rmax, &rtop);
    columns(b, c, p, top);
    if (c->rate_name && c->threshold >= 0 && c->threshold <= rtop)
        line(b, "thr", p.x, p.y + p.h - c->threshold / rtop * p.h, p.x + p.w, p.y + p.h - c->threshold / rtop * p.h);
    if (c->rate_name)
        rate_line(b, c, p, rtop);
    x_labels(b, c, p);
    bk_buf_puts(b, "</svg>\n");
}

/* hbar - one row: the name, the stacked bar in [x0, x0+len] and its total */
static void hbar(bk_buf *b, const chart_spec *c, const chart_item *it, double y, double x0, double len, double top)
{
    char s[4 * LABEL_CHARS + 8];
    double x = x0;
    text(b, "name", x0 - 8, y + ROW_H / 2 + 4, "end", clip(it->label, s, sizeof s));
    for (int k = 0; k < c->n_series; k++) {
        double w = top > 0 ? (double)it->v[k] / top * len : 0;
        rect(b, c->classes[k], x, y + 4, w, ROW_H - 8);
        x += w;
    }
    text(b, "val", x + 5, y + ROW_H / 2 + 4, "start", short_count(total(c, it), s, sizeof s));
}

/* rate_bar - the rate of a row as a bar in [x0, x0+len], marked over the line */
static void rate_bar(bk_buf *b, const chart_spec *c, const chart_item *it, double y, double x0, double len, double rtop)
{
    char s[32];
    double r = it->rate < 0 ? 0 : it->rate;
    rect(b, c->threshold >= 0 && r > c->threshold ? "rbar over" : "rbar", x0, y + 6, r / rtop * len, ROW_H - 12);
    text(b, "val", x0 + r / rtop * len + 5, y + ROW_H / 2 + 4, "start", it->rate < 0 ? "n/a" : chart_pct(r, s, sizeof s));
}

void chart_rows(bk_buf *b, const chart_spec *c)
{
    double vmax, rmax, rtop = 1, step, y0 = 52;
    double x0 = 200, len = c->rate_name ? 250 : W - x0 - 70, rx0 = x0 + len + 70, rlen = W - rx0 - 60;
    if (c->n == 0)
        return;
    max_of(c, &vmax, &rmax);
    if (c->rate_name)
        rtop = rate_scale(rmax, &step);
    svg_open(b, c, y0 + ROW_H * (double)c->n + 8);
    legend(b, c, 8, 18, 0);
    text(b, "head", x0, 44, "start", "volume");
    if (c->rate_name)
        text(b, "head", rx0, 44, "start", c->rate_name);
    for (size_t i = 0; i < c->n; i++) {
        double y = y0 + ROW_H * (double)i;
        bk_buf_puts(b, "<g class=\"hbar\">");
        tip(b, c, &c->items[i]);
        hbar(b, c, &c->items[i], y, x0, len, vmax);
        if (c->rate_name)
            rate_bar(b, c, &c->items[i], y, rx0, rlen, rtop);
        bk_buf_puts(b, "</g>\n");
    }
    if (c->rate_name && c->threshold >= 0 && c->threshold <= rtop)
        line(b, "thr", rx0 + c->threshold / rtop * rlen, y0, rx0 + c->threshold / rtop * rlen, y0 + ROW_H * (double)c->n);
    bk_buf_puts(b, "</svg>\n");
}
