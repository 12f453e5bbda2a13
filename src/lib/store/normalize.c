/*
 * normalize.c - the one normal form of an address, used by every part of
 * the suppression list (docs/suppression.md):
 *   1. white space around it and one pair of angle brackets are dropped;
 *   2. it splits at the last '@': the local part (1..64 bytes, valid UTF-8,
 *      no control bytes) is kept as it is, except that with plus folding
 *      "user+tag" becomes "user", and that it is quoted only when it must be
 *      (a dot-string bare, anything else as a quoted string);
 *   3. the domain loses a final dot, is lower-cased, and when it holds
 *      non-ASCII letters becomes punycode (libidn2, NFC, non-transitional,
 *      IDNA 2008); it must then be a host name or an [address literal].
 */
#include "bouncekit.h"
#include "text.h"

#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCAL_MAX 64
#define DOMAIN_MAX 253

/* set_err - a message in err */
static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

/* strip - white space and one pair of angle brackets off [*p, *p + *len) */
static void strip(const char **p, size_t *len)
{
    bk_trim(p, len);
    if (*len >= 2 && (*p)[0] == '<' && (*p)[*len - 1] == '>') {
        (*p)++;
        *len -= 2;
        bk_trim(p, len);
    }
}

/* host_ok - 1 when d[0..n) is an ASCII host name or an address literal */
static int host_ok(const char *d, size_t n)
{
    if (n == 0 || n > DOMAIN_MAX)
        return 0;
    if (d[0] == '[')
        return n > 2 && d[n - 1] == ']' && !memchr(d, ' ', n);
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)d[i];
        if (c == '.') {
            if (label == 0)
                return 0;
            label = 0;
        } else if (bk_is_alpha(c) || bk_is_digit(c) || c == '-' || c == '_') {
            if (++label > 63)
                return 0;
        } else
            return 0;
    }
    return label > 0;
}

/* domain_form - the normal form of a domain of n bytes into out */
static int domain_form(const char *d, size_t n, char *out, size_t outlen, char *err, size_t errlen)
{
    if (n && d[n - 1] == '.')
        n--;
    if (n == 0 || n > 1024) {
        set_err(err, errlen, n ? "domain too long" : "no domain");
        return -1;
    }
    char lower[1025];
    int ascii = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)d[i];
        if (c == 0 || c < 0x20 || c == 0x7f || bk_is_space(c)) {
            set_err(err, errlen, "white space or control character in the domain");
            return -1;
        }
        if (c >= 0x80)
            ascii = 0;
        lower[i] = (char)bk_lower(c);
    }
    lower[n] = '\0';
    const char *ace = lower;
    char *idn = NULL;
    if (!ascii) {
        for (size_t i = 0; i < n;) {
            size_t k = bk_utf8_seq_len((const unsigned char *)lower + i, n - i);
            if (k == 0) {
                set_err(err, errlen, "the domain is not valid UTF-8");
                return -1;
            }
            i += k;
        }
        int rc = idn2_to_ascii_8z(lower, &idn, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
        if (rc != IDN2_OK) {
            if (err && errlen)
                snprintf(err, errlen, "international domain: %s", idn2_strerror(rc));
            return -1;
        }
        ace = idn;
    }
    size_t an = strlen(ace);
    int ok = host_ok(ace, an) && an < outlen;
    if (ok) {
        for (size_t i = 0; i <= an; i++)
            out[i] = (char)bk_lower((unsigned char)ace[i]);
    } else
        set_err(err, errlen, an >= outlen ? "domain too long" : "not a valid domain");
    idn2_free(idn);
    return ok ? 0 : -1;
}

/* is_atext - a byte of an atom (RFC 5322 atext; with RFC 6531 any byte of
 * a UTF-8 sequence) */
static int is_atext(unsigned char c)
{
    if (c >= 0x80 || bk_is_alnum(c))
        return 1;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}':
    case '~':
        return 1;
    }
    return 0;
}

/* local_form - the local part l[0..n) in its one form, written to out (cap
 * bytes): its text (the quotes and backslashes of a quoted string taken
 * off, "user+tag" cut to "user" with fold_plus) must be 1..64 bytes of valid
 * UTF-8 without control bytes; it is written bare when it is a dot-string
 * and quoted otherwise (RFC 5321 4.1.2). So "jane"@ and jane@ are one
 * address, and so are Postfix's external form "front desk"@ (logs, table
 * lookups) and its internal form front desk@ (policy requests). The length
 * written, or 0 when the local part is not valid. */
static size_t local_form(const char *l, size_t n, int fold_plus, char *out, size_t cap)
{
    char text[LOCAL_MAX];
    size_t tn = 0;
    if (n >= 2 && l[0] == '"' && l[n - 1] == '"') {
        for (size_t i = 1; i + 1 < n; i++) {
            char c = l[i];
            if (c == '\\' && i + 2 < n)
                c = l[++i];
            if (tn == sizeof text)
                return 0;
            text[tn++] = c;
        }
    } else {
        if (n > sizeof text || memchr(l, '"', n) || memchr(l, '\\', n))
            return 0;
        memcpy(text, l, n);
        tn = n;
    }
    if (fold_plus) {
        const char *plus = tn > 1 ? memchr(text + 1, '+', tn - 1) : NULL;
        if (plus)
            tn = (size_t)(plus - text);
    }
    if (tn == 0)
        return 0;
    int bare = text[0] != '.' && text[tn - 1] != '.';
    for (size_t i = 0; i < tn;) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
        if (c == '.' ? i + 1 < tn && text[i + 1] == '.' : !is_atext(c))
            bare = 0;
        size_t k = bk_utf8_seq_len((const unsigned char *)text + i, tn - i);
        if (k == 0)
            return 0;
        i += k;
    }
    size_t o = 0;
    if (!bare && o < cap)
        out[o++] = '"';
    for (size_t i = 0; i < tn && o < cap; i++) {
        if (!bare && (text[i] == '"' || text[i] == '\\') && o + 1 < cap)
            out[o++] = '\\';
        out[o++] = text[i];
    }
    if (!bare && o < cap)
        out[o++] = '"';
    return o < cap ? o : 0;
}

int bk_address_normalize(const char *in, size_t len, int fold_plus, char *out, size_t outlen,
                         char *err, size_t errlen)
{
    const char *p = in;
    size_t n = len;
    strip(&p, &n);
    const char *at = NULL;
    for (size_t i = n; i > 0; i--)
        if (p[i - 1] == '@') {
            at = p + i - 1;
            break;
        }
    if (!at) {
        set_err(err, errlen, n ? "no '@' in the address" : "empty address");
        return -1;
    }
    size_t ln = local_form(p, (size_t)(at - p), fold_plus, out, outlen);
    if (ln == 0) {
        set_err(err, errlen, at == p ? "no local part" : "not a valid local part, or too long");
        return -1;
    }
    if (ln + 2 > outlen) {
        set_err(err, errlen, "address too long");
        return -1;
    }
    out[ln] = '@';
    return domain_form(at + 1, n - (size_t)(at - p) - 1, out + ln + 1, outlen - ln - 1, err,
                       errlen);
}

int bk_domain_normalize(const char *in, size_t len, char *out, size_t outlen, char *err,
                        size_t errlen)
{
    const char *p = in;
    size_t n = len;
    strip(&p, &n);
    if (n >= 2 && p[0] == '*' && p[1] == '@') {
        p += 2;
        n -= 2;
    } else if (n >= 1 && p[0] == '@') {
        p++;
        n--;
    }
    if (memchr(p, '@', n)) {
        set_err(err, errlen, "a domain has no '@' inside");
        return -1;
    }
    return domain_form(p, n, out, outlen, err, errlen);
}
