/*
 * term.h - terminal output for the command: word wrapping to the screen
 * width, and bold/colour only on a terminal (never when NO_COLOR is set).
 */
#ifndef BK_TERM_H
#define BK_TERM_H

#include <stdio.h>

typedef struct {
    FILE *out;
    int width;  /* columns to wrap at */
    int styled; /* 1: emit ANSI bold and colour */
} term;

/* term_init - set up for a stream: width from the terminal or 80 */
void term_init(term *t, FILE *out);

/* term_heading - a section heading */
void term_heading(term *t, const char *text);

/* term_wrap - print text wrapped, each line starting with indent spaces;
 * first_prefix (e.g. "- ") replaces the indent on the first line */
void term_wrap(term *t, int indent, const char *first_prefix, const char *text);

/* term_style - start ("1", "31", ...) or end (NULL) a style when styled */
void term_style(term *t, const char *sgr);

#endif
