/*
 * token.h - the text a delivery's token is the SHA-1 of: sender, recipient
 * and time, as a decoded bounce (record_set_token) and a log event
 * (set_token in logs.c) both make it, so the two name one delivery alike.
 */
#ifndef BK_TOKEN_H
#define BK_TOKEN_H

#include <glib.h>
#include <stddef.h>

/* the room token_input needs for a sender and a recipient of at most
 * addr_max bytes each */
#define TOKEN_INPUT_MAX(addr_max) (2 * (size_t)(addr_max) + 32)

/* token_input - "\x02" sender "\x1e" recipient "\x1e" time (decimal) "\x03"
 * into buf, which holds TOKEN_INPUT_MAX of the longer of ls and lr; returns
 * its length */
size_t token_input(char *buf, const char *sender, size_t ls, const char *recipient, size_t lr,
                   long long time);

/* token_hex - the token itself: the SHA-1 of token_input (sender and
 * recipient of at most BK_ADDR_MAX bytes each), in lower-case hex, into out
 * (cap bytes, cut to fit; 41 hold it), made with sum, a SHA-1 checksum the
 * caller keeps from one token to the next (reset here) */
void token_hex(GChecksum *sum, const char *sender, size_t ls, const char *recipient, size_t lr,
               long long time, char *out, size_t cap);

#endif
