/*
 * reply_key.c - the key under which the log reader remembers the verdict on
 * a failure's reply.
 *
 * Replies repeat across a log, but rarely byte for byte: most carry the
 * recipient's address, a per-message id of the remote server (Gmail's
 * "x12si1234567abc.123 - gsmtp", Microsoft's "[host 2026-12-06T10:11:12.123Z
 * 08DC...]") and, in Postfix's wording, "host NAME[IP] said:" before the reply.
 * None of these decide a verdict: rules name addresses only by their shape,
 * never match a server's message id or time stamp, and the relay's name counts
 * only through the provider it belongs to. reply_key() writes the text with
 * each of them replaced by a one-byte mark, so that one classification serves
 * every reply that differs only there:
 *   - a leading "host NAME[ADDR] said: " whose NAME is the relay host given
 *     (the caller keys on that host's provider instead);
 *   - the local part of an address (local@domain; a multi-line reply's code
 *     before it, "550-bob@...", is not part of it), and its domain when that is
 *     the recipient's domain given (the caller keys on its provider: a
 *     provider is recognised by the domain in a reply, as "user@docomo.ne.jp");
 *   - a run of 12 or more letters and digits holding both;
 *   - an RFC 3339 time stamp (2026-12-06T10:11:12.123Z).
 * tests/unit/test_reply_key.c checks that texts differing only in these parts
 * get the same key and the same verdict.
 */
#include "logs_internal.h"
#include "text.h"

#include <string.h>

enum { MARK_HOST = 1, MARK_ADDRESS = 2, MARK_ID = 3, MARK_TIME = 4, MARK_RECIPIENT = 5 };

/* local_char - may be part of an address's local part, as written in replies */
static int local_char(unsigned char c)
{
    return bk_is_alpha(c) || bk_is_digit(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
           c == '=' || c == '-' || c == '\'';
}

/* domain_char - may be part of an address's domain */
static int domain_char(unsigned char c)
{
    return bk_is_alpha(c) || bk_is_digit(c) || c == '.' || c == '-';
}

/* host_prefix - the length of "host HOST[...] said: " at the start of t, or 0 */
static size_t host_prefix(const char *t, size_t len, const char *host, size_t hlen)
{
    if (!hlen || len < 5 + hlen || memcmp(t, "host ", 5) != 0 ||
        !bk_ci_prefix(t + 5, len - 5, host) || t[5 + hlen] != '[')
        return 0;
    const char *close = memchr(t + 5 + hlen, ']', len - 5 - hlen);
    if (!close)
        return 0;
    size_t at = (size_t)(close - t) + 1;
    if (len - at < 7 || memcmp(t + at, " said: ", 7) != 0)
        return 0;
    return at + 7;
}

/* time_stamp - the length of an RFC 3339 date-time at p (YYYY-MM-DDThh:mm:ss,
 * then fraction digits and Z), or 0 */
static size_t time_stamp(const char *p, size_t avail)
{
    static const char shape[] = "0000-00-00T00:00:00";
    size_t n = sizeof shape - 1;
    if (avail < n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (shape[i] == '0' ? !bk_is_digit(c) : c != (unsigned char)shape[i])
            return 0;
    }
    if (n < avail && p[n] == '.')
        for (n++; n < avail && bk_is_digit((unsigned char)p[n]); n++)
            ;
    if (n < avail && p[n] == 'Z')
        n++;
    return n;
}

/* id_run - the length of the run of letters and digits at p when it is 12 or
 * more long and holds both, or 0 */
static size_t id_run(const char *p, size_t avail)
{
    size_t n = 0;
    int letters = 0, digits = 0;
    while (n < avail && bk_is_alnum((unsigned char)p[n])) {
        if (bk_is_digit((unsigned char)p[n]))
            digits = 1;
        else
            letters = 1;
        n++;
    }
    return n >= 12 && letters && digits ? n : 0;
}

/* address_at - the length of the local part of an address starting at p
 * (local@domain), or 0 when no address starts there */
static size_t address_at(const char *p, size_t avail)
{
    size_t n = 0;
    while (n < avail && local_char((unsigned char)p[n]))
        n++;
    return n && n + 1 < avail && p[n] == '@' && domain_char((unsigned char)p[n + 1]) ? n : 0;
}

/* code_prefix - 4 when p starts with a multi-line reply's code and hyphen
 * ("550-"), which an address may follow unspaced ("550-bob@example.net is
 * not ..."): the code is no part of the local part, and stays in the key */
static size_t code_prefix(const char *p, size_t avail)
{
    return avail > 4 && p[0] >= '2' && p[0] <= '5' && bk_is_digit((unsigned char)p[1]) &&
                   bk_is_digit((unsigned char)p[2]) && p[3] == '-'
               ? 4
               : 0;
}

size_t reply_key(const char *text, size_t len, const char *host, const char *domain, char *out,
                 size_t cap)
{
    size_t dlen = domain ? strlen(domain) : 0;
    size_t o = 0, i = host_prefix(text, len, host, host ? strlen(host) : 0);
    if (i) {
        if (cap < 1)
            return 0;
        out[o++] = MARK_HOST;
    }
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        size_t n;
        if (o + 1 > cap)
            return 0;
        size_t code = i == 0 || !local_char((unsigned char)text[i - 1]) ? code_prefix(text + i, len - i) : 0;
        if ((i == 0 || !local_char((unsigned char)text[i - 1])) &&
            (n = address_at(text + i + code, len - i - code)) != 0) {
            /* an address: its local part masked; its domain too when it is
             * the recipient's (the caller keys on that domain's provider) */
            if (o + code + 1 > cap)
                return 0;
            memcpy(out + o, text + i, code);
            o += code;
            i += code;
            out[o++] = MARK_ADDRESS;
            i += n + 1;
            size_t d = 0;
            while (i + d < len && domain_char((unsigned char)text[i + d]))
                d++;
            if (dlen && d == dlen && bk_ci_prefix(text + i, d, domain)) {
                out[o - 1] = MARK_RECIPIENT;
                i += d;
            } else if (o + 1 > cap)
                return 0;
            else
                out[o++] = '@';
            continue;
        }
        /* ids and time stamps only at the start of a word */
        int word_start = i == 0 || !bk_is_alnum((unsigned char)text[i - 1]);
        if (word_start && bk_is_digit(c) && (n = time_stamp(text + i, len - i)) != 0) {
            out[o++] = MARK_TIME;
            i += n;
            continue;
        }
        if (word_start && bk_is_alnum((unsigned char)c) && (n = id_run(text + i, len - i)) != 0) {
            out[o++] = MARK_ID;
            i += n;
            continue;
        }
        out[o++] = (char)c;
        i++;
    }
    return o;
}
