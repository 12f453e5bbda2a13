/*
 * reply.c - SMTP reply and diagnostic text parser.
 *
 * bk_reply_parse(text, len, &reply) finds, in whatever a log line, a DSN
 * Diagnostic-Code or a bounce body says about a failure:
 *   - the basic reply code (RFC 5321 4.2), e.g. 550;
 *   - the enhanced status code (RFC 3463), e.g. 5.1.1, paired with the reply
 *     code when it follows it ("550 5.1.1", "550-5.1.1"), or standing alone
 *     ("#5.1.1", "smtp; 5.1.1", "dsn=5.1.1");
 *   - the SMTP command it answered ("in reply to RCPT TO command", "after end
 *     of data", ">>> DATA", "refused to talk to me", ...);
 *   - the remote host and address ("host mx.example[192.0.2.1] said:",
 *     "H=mx.example [192.0.2.1]", "while talking to mx.example.:", ...);
 *   - the free text, with codes, lead-ins and repeated multi-line markers
 *     removed, white space collapsed and invalid UTF-8 replaced.
 *
 * Numbers in reply-code positions that are not reply codes (999) and dotted
 * codes with a class other than 2, 4, 5 (6.1.1) are reported, not used.
 * Numbers that are parts of something else are not codes at all: ports and
 * IPv6 groups glued to a colon ("192.0.2.1:587", "2001:db8::550"),
 * quantities ("450 seconds", "552 KB"), versions ("Exim 4.96.1": a bare
 * dotted number in running text counts only with a subject of 0-7).
 * Of a transcript with a success reply before a failure reply, the failure
 * is what the text is about: it is the reply code found.
 * When the classes of the two codes disagree (550 4.2.2) both are kept and
 * the reply code decides (see DECISION_DISAGREE below).
 *
 * The parser never reads outside [text, text + len), does not allocate and
 * keeps no state between calls.
 */
#include "bouncekit.h"
#include "phrases.h"
#include "text.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)

/* a code found in the text: [pos, end) */
typedef struct {
    size_t pos, end;
    int found;
    int strong;
} code_at;

static const char DECISION_BOTH[] =
    "The reply code and the enhanced code agree on the class.";
static const char DECISION_REPLY[] = "Only a reply code was given: it decides.";
static const char DECISION_STATUS[] = "Only an enhanced status code was given: it decides.";
static const char DECISION_DISAGREE[] =
    "The reply code decides: the classes disagree, and an SMTP client acts on the first "
    "digit of the reply code (RFC 5321 4.2.1); RFC 3463 requires the enhanced code's class "
    "to match it, so only the enhanced code's subject and detail are used.";
static const char DECISION_NONE[] = "No valid code was found: the text alone must decide.";

/* reply codes of RFC 5321 and its companions: a bare number in running
 * text counts only when it is one of these */
static const int KNOWN_REPLY_CODES[] = {211, 214, 220, 221, 235, 250, 251, 252, 334, 354,
                                        421, 432, 450, 451, 452, 454, 455, 500, 501, 502,
                                        503, 504, 521, 530, 534, 535, 538, 550, 551, 552,
                                        553, 554, 555, 556};

/* is_known_reply - 1 when code is listed above */
static int is_known_reply(int code)
{
    for (size_t i = 0; i < sizeof KNOWN_REPLY_CODES / sizeof KNOWN_REPLY_CODES[0]; i++)
        if (KNOWN_REPLY_CODES[i] == code)
            return 1;
    return 0;
}

/* code_valid - bk_reply_code_valid, inline for the parser */
static inline int code_valid(int code)
{
    int first = code / 100, second = (code / 10) % 10;
    return code >= 200 && code <= 559 && first >= 2 && first <= 5 && second <= 5;
}

int bk_reply_code_valid(int code)
{
    return code_valid(code);
}

/* byte - the byte at i, or 0 outside the text */
static unsigned char byte(const char *s, size_t n, size_t i)
{
    return i < n ? (unsigned char)s[i] : 0;
}

/* is_blank - space or tab (not a line end) */
static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* prev_nonblank - the byte before i, skipping spaces and tabs; 0 at start */
static unsigned char prev_nonblank(const char *s, size_t i)
{
    while (i > 0 && is_blank((unsigned char)s[i - 1]))
        i--;
    return i > 0 ? (unsigned char)s[i - 1] : 0;
}

/* at_line_start - only blanks between the start of the line and i */
static int at_line_start(const char *s, size_t i)
{
    unsigned char c = prev_nonblank(s, i);
    return c == 0 || c == '\n' || c == '\r';
}

/* glued_to_token - is the byte before i a ':' that ends a token other than
 * a plain word? Then the number at i belongs to that token: a port
 * ("192.0.2.1:587", "mx.example.com:465", "[2001:db8::1]:25"), a group of an
 * IPv6 address ("2001:db8::550") or a field of a TLS cipher
 * ("TLS_AES_256_GCM_SHA384:256"), never a code. "said:550" still counts. */
static int glued_to_token(const char *s, size_t i)
{
    if (i == 0 || s[i - 1] != ':')
        return 0;
    size_t j = i - 1;
    int plain_word = 1, any = 0;
    while (j > 0) {
        /* bounded: a token this long is no word */
        if (i - j > 64)
            return 1;
        unsigned char c = (unsigned char)s[j - 1];
        if (!(bk_is_alpha(c) || bk_is_digit(c) || c == '.' || c == ':' || c == '-' ||
              c == '_' || c == '[' || c == ']'))
            break;
        if (!bk_is_alpha(c))
            plain_word = 0;
        any = 1;
        j--;
    }
    return any && !plain_word;
}

/* may_be_three - could three_digits find a number at digit i? (the two
 * bytes after it are digits: the cheap part of its test, without a call) */
static inline int may_be_three(const char *s, size_t n, size_t i)
{
    return n - i >= 3 && bk_is_digit((unsigned char)s[i + 1]) &&
           bk_is_digit((unsigned char)s[i + 2]);
}

/* GLUE - the bytes after which no code begins (three_digits and dotted_code
 * both refuse a number after them): digits, ASCII letters, '.', '_', and the
 * bytes of UTF-8 sequences */
static const unsigned char GLUE[256] = {
    R16(0), R16(0),                                 /* 0x00-0x1f */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, /* 0x20-0x2f: '.' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, /* 0x30-0x3f: digits */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40-0x4f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, /* 0x50-0x5f: '_' */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60-0x6f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, /* 0x70-0x7f */
    R16(1), R16(1), R16(1), R16(1), R16(1), R16(1), R16(1), R16(1)};

#ifdef __SSE2__
/* code_digits - of the 16 bytes at s + i, the digits where a code may begin:
 * not after a GLUE byte (letters, digits, '.', '_', the bytes >= 0x80, whose
 * high bit the mask gives) */
static inline unsigned code_digits(const char *s, size_t i)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
    __m128i digit = bk_digits16(x);
    unsigned digits = (unsigned)_mm_movemask_epi8(digit);
    if (!digits)
        return 0;
    __m128i glue = _mm_or_si128(
        _mm_or_si128(digit, bk_letters16(x)),
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')), _mm_cmpeq_epi8(x, _mm_set1_epi8('_'))));
    unsigned g = (unsigned)_mm_movemask_epi8(glue) | (unsigned)_mm_movemask_epi8(x);
    unsigned before = i > 0 && GLUE[(unsigned char)s[i - 1]];
    return digits & ~(g << 1 | before);
}
#endif

/* next_code_digit - the first digit of s[from, n) where a code may begin
 * (none after a GLUE byte), n when there is none (from <= n); 16 bytes at a
 * time, the last 16 of the text loaded whole, those before from left out */
static inline size_t next_code_digit(const char *s, size_t from, size_t n)
{
    size_t i = from;
#ifdef __SSE2__
    for (; n - i >= 16; i += 16) {
        unsigned at = code_digits(s, i);
        if (at)
            return i + (unsigned)__builtin_ctz(at);
    }
    if (i < n && n >= 16) {
        unsigned at = code_digits(s, n - 16) >> (i - (n - 16));
        return at ? i + (unsigned)__builtin_ctz(at) : n;
    }
#endif
    for (; i < n; i++)
        if (bk_is_digit((unsigned char)s[i]) && (i == 0 || !GLUE[(unsigned char)s[i - 1]]))
            return i;
    return n;
}

/* three_digits - value of the three digits at i, or -1 when not a
 * stand-alone three-digit number there */
static inline int three_digits(const char *s, size_t n, size_t i)
{
    if (i + 3 > n)
        return -1;
    for (size_t k = 0; k < 3; k++)
        if (!bk_is_digit((unsigned char)s[i + k]))
            return -1;
    if (i > 0) {
        unsigned char b = (unsigned char)s[i - 1];
        if (bk_is_digit(b) || bk_is_alpha(b) || b == '.' || b == '-' || b == '_' || b == '=' ||
            b == '/' || b == '+' || b >= 0x80)
            return -1;
        if (glued_to_token(s, i))
            return -1;
    }
    unsigned char a = byte(s, n, i + 3);
    if (!(i + 3 == n || a == ' ' || a == '-' || a == '\t' || a == '\r' || a == '\n' ||
          a == '\0' || a == ']' || a == ')' || a == '>' || a == ';' || a == ','))
        return -1;
    /* "250-" at the end of a number like "250-300" is a range, not a marker */
    if (a == '-' && bk_is_digit(byte(s, n, i + 4)) && byte(s, n, i + 5) != '.')
        return -1;
    return (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
}

/* units and counted things: a number before one of these is a quantity
 * ("450 seconds", "552 KB", "250 messages"), not a reply code */
static const char *const UNITS[] = {
    "b", "byte", "bytes", "k", "kb", "kib", "kbytes", "m", "mb", "mib", "g", "gb",
    "s", "sec", "secs", "second", "seconds", "ms", "min", "mins", "minute", "minutes",
    "h", "hr", "hrs", "hour", "hours", "day", "days",
    "msgs", "messages", "recipients", "rcpts", "connections", "times", "percent",
};

/* followed_by_unit - is the word after the number ending at i a unit? */
static int followed_by_unit(const char *s, size_t n, size_t i)
{
    if (i < n && is_blank((unsigned char)s[i]))
        i++;
    size_t w = i;
    while (i < n && i - w < 16 && bk_is_alpha((unsigned char)s[i]))
        i++;
    size_t wlen = i - w;
    if (wlen == 0 || (i < n && bk_is_digit((unsigned char)s[i])))
        return 0;
    for (size_t k = 0; k < sizeof UNITS / sizeof UNITS[0]; k++)
        if (strlen(UNITS[k]) == wlen && bk_ci_prefix(s + w, wlen, UNITS[k]))
            return 1;
    return 0;
}

/* dotted_code - parse "C.S.D" at i (C one digit, S and D one to three
 * digits); returns its end or 0; does not check the class */
static inline size_t dotted_code(const char *s, size_t n, size_t i, int *c, int *sub, int *det)
{
    if (!bk_is_digit(byte(s, n, i)) || byte(s, n, i + 1) != '.')
        return 0;
    if (i > 0) {
        unsigned char b = (unsigned char)s[i - 1];
        if (bk_is_digit(b) || bk_is_alpha(b) || b == '.' || b == '_' || b >= 0x80)
            return 0;
    }
    *c = s[i] - '0';
    size_t j = i + 2;
    int v = 0, k = 0;
    while (k < 3 && bk_is_digit(byte(s, n, j))) {
        v = v * 10 + (s[j] - '0');
        j++, k++;
    }
    if (k == 0 || bk_is_digit(byte(s, n, j)) || byte(s, n, j) != '.')
        return 0;
    *sub = v;
    j++;
    v = 0, k = 0;
    while (k < 3 && bk_is_digit(byte(s, n, j))) {
        v = v * 10 + (s[j] - '0');
        j++, k++;
    }
    if (k == 0 || bk_is_digit(byte(s, n, j)) || bk_is_alpha(byte(s, n, j)) ||
        byte(s, n, j) == '_')
        return 0;
    /* "5.1.1.4" is an address or a version, not a code */
    if (byte(s, n, j) == '.' && bk_is_digit(byte(s, n, j + 1)))
        return 0;
    *det = v;
    return j;
}

int bk_status_parse(const char *s, size_t len, int *cls, int *subject, int *detail)
{
    int c, sub, det;
    size_t end = dotted_code(s, len, 0, &c, &sub, &det);
    if (end == 0 || end != len || (c != 2 && c != 4 && c != 5))
        return 0;
    *cls = c, *subject = sub, *detail = det;
    return 1;
}

/* status_strong - is a dotted code at i in a place where codes stand? */
static int status_strong(const char *s, size_t i)
{
    unsigned char c = prev_nonblank(s, i);
    if (c == 0 || c == '\n' || c == '\r' || c == ':' || c == ';' || c == '#' || c == '(' ||
        c == '[' || c == '<' || c == '=' || c == '"')
        return 1;
    /* "550-5.1.1": the marker of a multi-line reply */
    if (i >= 4 && s[i - 1] == '-' && bk_is_digit((unsigned char)s[i - 2]))
        return 1;
    return 0;
}

/* after_unix_type - the number at i follows the diagnostic type "x-unix;"
 * (RFC 3464 2.3.6), whose text is a program's exit status, not an SMTP reply */
static int after_unix_type(const char *s, size_t i)
{
    while (i > 0 && is_blank((unsigned char)s[i - 1]))
        i--;
    if (i < 7 || s[i - 1] != ';')
        return 0;
    return bk_ci_prefix(s + i - 7, 6, "x-unix") &&
           (i == 7 || !bk_is_alpha((unsigned char)s[i - 8]));
}

/* reply_strong - is a three-digit number at i in a place where reply codes
 * stand? */
static int reply_strong(const char *s, size_t n, size_t i)
{
    unsigned char c = prev_nonblank(s, i);
    if (c == ';' && after_unix_type(s, i))
        return 0; /* "X-Unix; 255": the exit status of a local program */
    if (c == 0 || c == '\n' || c == '\r' || c == ':' || c == ';' || c == '>' || c == '#' ||
        c == '(' || c == '[' || c == '"')
        return 1;
    if (byte(s, n, i + 3) == '-')
        return 1;
    int a, b, d;
    if (byte(s, n, i + 3) == ' ' && dotted_code(s, n, i + 4, &a, &b, &d))
        return 1;
    return 0;
}

/* set_status - store a valid enhanced code in out */
static void set_status(bk_reply *out, int c, int sub, int det)
{
    out->status_class = c;
    out->status_subject = sub;
    out->status_detail = det;
    /* sub and det are at most 999: the text always fits */
    char tmp[BK_STATUS_MAX + 8];
    int k = 0;
    tmp[k++] = (char)('0' + c);
    tmp[k++] = '.';
    if (sub >= 100)
        tmp[k++] = (char)('0' + sub / 100);
    if (sub >= 10)
        tmp[k++] = (char)('0' + (sub / 10) % 10);
    tmp[k++] = (char)('0' + sub % 10);
    tmp[k++] = '.';
    if (det >= 100)
        tmp[k++] = (char)('0' + det / 100);
    if (det >= 10)
        tmp[k++] = (char)('0' + (det / 10) % 10);
    tmp[k++] = (char)('0' + det % 10);
    tmp[k] = '\0';
    memcpy(out->status, tmp, (size_t)k + 1);
}

/* set_bad_status - remember a dotted code that is not an enhanced code */
static void set_bad_status(bk_reply *out, const char *s, size_t pos, size_t end)
{
    if (out->bad_status[0])
        return;
    size_t len = end - pos;
    if (len >= BK_STATUS_MAX)
        len = BK_STATUS_MAX - 1;
    memcpy(out->bad_status, s + pos, len);
    out->bad_status[len] = '\0';
}

/* ------------------------------------------------------------------------
 * The command
 * ---------------------------------------------------------------------- */

static const struct {
    const char *phrase;
    bk_command cmd;
} COMMAND_PHRASES[] = {
    /* Postfix: "(in reply to RCPT TO command)" */
    {"in reply to end of data command", BK_CMD_DATA},
    {"in reply to data command", BK_CMD_DATA},
    {"in reply to end of bdat command", BK_CMD_BDAT},
    {"in reply to bdat command", BK_CMD_BDAT},
    {"in reply to rcpt to command", BK_CMD_RCPT},
    {"in reply to mail from command", BK_CMD_MAIL},
    {"in reply to ehlo command", BK_CMD_EHLO},
    {"in reply to lhlo command", BK_CMD_EHLO},
    {"in reply to helo command", BK_CMD_HELO},
    {"in reply to starttls command", BK_CMD_STARTTLS},
    {"in reply to auth command", BK_CMD_AUTH},
    {"in reply to quit command", BK_CMD_QUIT},
    {"refused to talk to me", BK_CMD_CONNECT},
    /* Postfix: "lost connection with NAME[ADDR] while sending RCPT TO",
     * "conversation with NAME[ADDR] timed out while sending end of data" */
    {"while receiving the initial server greeting", BK_CMD_CONNECT},
    {"while performing the ehlo handshake", BK_CMD_EHLO},
    {"while performing the lhlo handshake", BK_CMD_EHLO},
    {"while performing the helo handshake", BK_CMD_HELO},
    {"while receiving the starttls response", BK_CMD_STARTTLS},
    {"while sending mail from", BK_CMD_MAIL},
    {"while sending rcpt to", BK_CMD_RCPT},
    {"while sending data command", BK_CMD_DATA},
    {"while sending message body", BK_CMD_DATA},
    {"while sending end of data", BK_CMD_DATA},
    {"while sending quit", BK_CMD_QUIT},
    /* Exim: "SMTP error from remote mail server after RCPT TO:<...>" */
    {"after end of data", BK_CMD_DATA},
    {"after pipelined rcpt to", BK_CMD_RCPT},
    {"after pipelined mail from", BK_CMD_MAIL},
    {"after pipelined data", BK_CMD_DATA},
    {"after rcpt to", BK_CMD_RCPT},
    {"after mail from", BK_CMD_MAIL},
    /* "SMTP error from remote server after RCPT command" */
    {"after rcpt command", BK_CMD_RCPT},
    {"after mail command", BK_CMD_MAIL},
    {"after data", BK_CMD_DATA},
    {"after bdat", BK_CMD_BDAT},
    {"after ehlo", BK_CMD_EHLO},
    {"after helo", BK_CMD_HELO},
    {"after starttls", BK_CMD_STARTTLS},
    {"after auth", BK_CMD_AUTH},
    {"after initial connection", BK_CMD_CONNECT},
    {"after sending data block", BK_CMD_DATA},
    /* Exim 4.95 and later: "SMTP error from remote server for RCPT TO command" */
    {"for rcpt to command", BK_CMD_RCPT},
    {"for mail from command", BK_CMD_MAIL},
    {"for end of data command", BK_CMD_DATA},
    {"for data command", BK_CMD_DATA},
    /* Sendmail transcripts: ">>> RCPT To:<...>" then "<<< 550 ..." */
    {">>> rcpt to", BK_CMD_RCPT},
    {">>> mail from", BK_CMD_MAIL},
    {">>> data", BK_CMD_DATA},
    {">>> .", BK_CMD_DATA},
    {">>> ehlo", BK_CMD_EHLO},
    {">>> helo", BK_CMD_HELO},
    {">>> starttls", BK_CMD_STARTTLS},
    {">>> auth", BK_CMD_AUTH},
    /* qmail-remote: "Connected to ADDR but sender was rejected." */
    {"but greeting failed", BK_CMD_CONNECT},
    {"but my name was rejected", BK_CMD_HELO},
    {"but sender was rejected", BK_CMD_MAIL},
    {"does not like recipient", BK_CMD_RCPT},
    {"failed on data command", BK_CMD_DATA},
    {"failed after i sent the message", BK_CMD_DATA},
    {"while connected to", BK_CMD_CONNECT},
    {"during initial connection", BK_CMD_CONNECT},
    {"in reply to initial greeting", BK_CMD_CONNECT},
};

/* the phrase sets, indexed once (init_phrases) */
enum { SET_COMMAND, SET_HOST, SET_LEAD, N_SETS };
#define HIT_MAX 64

static const char *const LEADS[] = {"said:", "smtp;", "<<<", "reason:", "x-postfix;", ">>> "};
#define LEAD_TRANSCRIPT 5 /* ">>> ": a command sent, in a transcript */

static phrase_set command_set, host_set, lead_set;
static phrase_group all_phrases;
static const char *command_text[PHRASE_SET_MAX];
static size_t first_transcript_phrase;
static unsigned char sent_phrase[PHRASE_SET_MAX]; /* 1: a ">>> " phrase of the table */
static pthread_once_t phrases_once = PTHREAD_ONCE_INIT;
static atomic_int phrases_ready; /* 1: init_phrases is done (no pthread_once call) */

/* hits of one text, in text order */
typedef struct {
    phrase_hit hit[HIT_MAX];
    size_t n;
} text_hits;

/* last_sent - the command of the last ">>> " transcript line before limit,
 * BK_CMD_NONE when there is none or it is not in the table */
static bk_command last_sent(const text_hits *h, size_t limit)
{
    size_t last = 0;
    int found = 0;
    for (size_t i = 0; i < h->n; i++)
        if (h->hit[i].set == SET_LEAD && h->hit[i].phrase == LEAD_TRANSCRIPT &&
            h->hit[i].pos + 4 <= limit) {
            last = h->hit[i].pos;
            found = 1;
        }
    if (!found)
        return BK_CMD_NONE;
    for (size_t i = 0; i < h->n; i++)
        if (h->hit[i].set == SET_COMMAND && h->hit[i].pos == last &&
            sent_phrase[h->hit[i].phrase] &&
            h->hit[i].pos + command_set.len[h->hit[i].phrase] <= limit)
            return COMMAND_PHRASES[h->hit[i].phrase].cmd;
    return BK_CMD_NONE;
}

/* find_command - the first phrase of the table that occurs in the text; of
 * a transcript (">>> RCPT To:<...>", "<<< 250 ...", ">>> DATA", "<<< 554 ..."),
 * the last command sent before the code at code_pos */
static bk_command find_command(const text_hits *h, size_t n, size_t code_pos)
{
    size_t best = (size_t)-1;
    for (size_t i = 0; i < h->n; i++) {
        if (h->hit[i].set != SET_COMMAND)
            continue;
        size_t p = h->hit[i].phrase;
        if (!sent_phrase[p] && p < best)
            best = p;
    }
    if (best < first_transcript_phrase)
        return COMMAND_PHRASES[best].cmd;
    bk_command c = last_sent(h, code_pos);
    if (c == BK_CMD_NONE && code_pos < n)
        c = last_sent(h, n);
    if (c != BK_CMD_NONE)
        return c;
    return best != (size_t)-1 ? COMMAND_PHRASES[best].cmd : BK_CMD_NONE;
}

/* ------------------------------------------------------------------------
 * The remote host
 * ---------------------------------------------------------------------- */

/* NAME_BYTE - what a byte can be part of: HOST_PART, a host name (ASCII
 * letters, digits, '.', '-', '_'); ADDR_PART, an IPv4 or IPv6 address (digits,
 * hex letters, '.', ':', and the 'I', 'P', 'v' of an "IPv6:" prefix) */
#define HOST_PART 1u
#define ADDR_PART 2u
static const unsigned char NAME_BYTE[256] = {
    R16(0), R16(0), /* 0x00-0x1f */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 0,  /* 0x20-0x2f */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 0, 0, 0, 0, 0,  /* 0x30-0x3f */
    0, 3, 3, 3, 3, 3, 3, 1, 1, 3, 1, 1, 1, 1, 1, 1,  /* 0x40-0x4f */
    3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,  /* 0x50-0x5f */
    0, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x60-0x6f */
    1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 0, 0, 0, 0, 0,  /* 0x70-0x7f */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0)};

/* is_host_byte - a byte of a host name */
static int is_host_byte(unsigned char c)
{
    return NAME_BYTE[c] & HOST_PART;
}

/* is_addr_byte - a byte of an IPv4 or IPv6 address ("IPv6:" prefix too) */
static int is_addr_byte(unsigned char c)
{
    return NAME_BYTE[c] & ADDR_PART;
}

/* looks_like_addr - a dotted IPv4 address, or hex groups with colons */
static int looks_like_addr(const char *p, size_t len)
{
    size_t dots = 0, colons = 0, digits = 0, hex = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '.')
            dots++;
        else if (c == ':')
            colons++;
        else if (bk_is_digit(c))
            digits++;
        else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
            hex++;
        else
            return 0;
    }
    if (colons >= 2)
        return 1;
    return colons == 0 && hex == 0 && dots == 3 && digits >= 4;
}

/* read_host_at - read "NAME[ADDR]", "NAME [ADDR]", "NAME (ADDR)" or a bare
 * NAME with a dot at i; fills out and returns 1 when found */
static int read_host_at(const char *s, size_t n, size_t i, bk_reply *out)
{
    while (i < n && is_blank((unsigned char)s[i]))
        i++;
    size_t h = i, host_end = n - i > 255 ? i + 255 : n;
    while (i < host_end && is_host_byte((unsigned char)s[i]))
        i++;
    size_t hlen = i - h;
    /* strip the root dot of "mx.example.com." */
    size_t name_len = hlen;
    while (name_len && s[h + name_len - 1] == '.')
        name_len--;
    size_t a = 0, alen = 0;
    size_t j = i;
    if (j < n && s[j] == ' ')
        j++;
    if (j < n && (s[j] == '[' || s[j] == '(')) {
        char close = s[j] == '[' ? ']' : ')';
        size_t k = j + 1, addr_end = n - j > 64 ? j + 64 : n;
        while (k < addr_end && is_addr_byte((unsigned char)s[k]))
            k++;
        if (k < n && s[k] == close) {
            size_t a0 = j + 1, al = k - j - 1;
            if (al > 5 && bk_ci_prefix(s + a0, al, "ipv6:")) {
                a0 += 5;
                al -= 5;
            }
            if (looks_like_addr(s + a0, al)) {
                a = a0;
                alen = al;
            }
        }
    }
    int has_dot = memchr(s + h, '.', name_len) != NULL;
    if (name_len == 0 && alen == 0)
        return 0;
    if (!has_dot && alen == 0)
        return 0;
    if (name_len && !(bk_is_alpha((unsigned char)s[h]) || bk_is_digit((unsigned char)s[h])))
        return 0;
    /* Postfix writes unknown[192.0.2.1] when the address has no name, and
     * 192.0.2.1[192.0.2.1] for a route given as an address */
    if (name_len == 7 && bk_ci_prefix(s + h, 7, "unknown"))
        name_len = 0;
    if (name_len && looks_like_addr(s + h, name_len)) {
        if (alen == 0) {
            a = h;
            alen = name_len;
        }
        name_len = 0;
    }
    if (name_len == 0 && alen == 0)
        return 0;
    out->host.ptr = name_len ? s + h : NULL;
    out->host.len = name_len;
    out->address.ptr = alen ? s + a : NULL;
    out->address.len = alen;
    return 1;
}

/* lead-ins after which MTAs name the remote host */
static const char *const HOST_MARKERS[] = {
    "host ",              /* Postfix "host NAME[ADDR] said:", Exim "host NAME [ADDR]:" */
    "host: ",             /* Exim 4.95+ "host: NAME (ADDR) reason:" */
    "connect to ",        /* Postfix "connect to NAME[ADDR]:25: Connection refused" */
    "connection with ",   /* Postfix "lost connection with NAME[ADDR] while ..." */
    "conversation with ", /* Postfix "conversation with NAME[ADDR] timed out" */
    "while talking to ",  /* Sendmail "while talking to NAME.:" */
    "relay=",             /* log lines */
    "h=",                 /* Exim log lines ("H=", any case) */
    "remote-mta: dns;",   /* DSN field quoted in a body */
    "remote host ",       /* "remote host NAME said" */
    "remote server ",     /* "remote server NAME [ADDR] returned" */
    "talking to ",
    "connected to ",      /* qmail "Connected to ADDR but sender was rejected." */
    "giving up on ",      /* qmail "Giving up on ADDR." */
};
_Static_assert(sizeof HOST_MARKERS / sizeof HOST_MARKERS[0] <= 32, "a bit of a word per marker");
#define HOST_CONNECT 2 /* "connect to " */

/* find_bare_host - "NAME [ADDR]:" with no lead-in, as Courier ("<rcpt>:
 * mx.example.com [192.0.2.1]:") and Exim ("mx.example.com [192.0.2.1]:
 * Connection refused") write it; fills out and returns 1 when found */
static int find_bare_host(const char *s, size_t n, bk_reply *out)
{
    size_t from = 0;
    for (int tries = 0; tries < 8 && from < n; tries++) {
        const char *sp = from + 1 < n ? memchr(s + from + 1, '[', n - from - 1) : NULL;
        while (sp && sp[-1] != ' ')
            sp = (size_t)(sp - s) + 1 < n ? memchr(sp + 1, '[', n - (size_t)(sp - s) - 1) : NULL;
        if (!sp)
            return 0;
        size_t b = (size_t)(sp - s) - 1; /* the blank before '[' */
        from = b + 2;
        size_t h = b;
        while (h > 0 && b - h < 255 && is_host_byte((unsigned char)s[h - 1]))
            h--;
        if (h == b || memchr(s + h, '.', b - h) == NULL)
            continue;
        if (h > 0 && !bk_is_space((unsigned char)s[h - 1]) && s[h - 1] != '\0')
            continue;
        size_t k = b + 2;
        while (k < n && k - b < 64 && is_addr_byte((unsigned char)s[k]))
            k++;
        if (k + 1 >= n || s[k] != ']' || s[k + 1] != ':')
            continue;
        if (read_host_at(s, n, h, out))
            return 1;
    }
    return 0;
}

/* find_host - the first marker that is followed by a host; returns that
 * marker ("" for a bare "NAME [ADDR]:"), or NULL */
static const char *find_host(const char *s, size_t n, const text_hits *h, bk_reply *out)
{
    uint32_t present = 0; /* the markers found at all */
    for (size_t k = 0; k < h->n; k++)
        if (h->hit[k].set == SET_HOST)
            present |= 1u << h->hit[k].phrase;
    for (size_t m = 0; present >> m; m++) {
        if (!(present >> m & 1))
            continue;
        size_t mlen = host_set.len[m];
        int tries = 0;
        /* look at a bounded number of occurrences of each marker */
        for (size_t k = 0; k < h->n && tries < 8; k++) {
            if (h->hit[k].set != SET_HOST || h->hit[k].phrase != m)
                continue;
            tries++;
            size_t i = h->hit[k].pos;
            /* "H=" must be a field of its own, not the end of a word */
            if (m == 7 && i > 0 && !bk_is_space((unsigned char)s[i - 1]))
                continue;
            if (read_host_at(s, n, i + mlen, out))
                return HOST_MARKERS[m];
        }
    }
    return find_bare_host(s, n, out) ? "" : NULL;
}

/* ------------------------------------------------------------------------
 * The free text
 * ---------------------------------------------------------------------- */

typedef struct {
    char *dst;
    size_t len, cap;
    int truncated;
    int pending_space;
} text_out;

/* emit - append bytes of one UTF-8 character, or mark truncation */
static void emit(text_out *t, const char *p, size_t k)
{
    if (t->truncated)
        return;
    size_t need = k + (t->pending_space && t->len > 0 ? 1 : 0);
    if (t->len + need >= t->cap) {
        t->truncated = 1;
        return;
    }
    if (t->pending_space && t->len > 0)
        t->dst[t->len++] = ' ';
    t->pending_space = 0;
    memcpy(t->dst + t->len, p, k);
    t->len += k;
}

/* PLAIN - printable ASCII that copy_text passes on as it is: not a blank, a
 * control byte, '(' (which may open "(in reply to"), or a byte >= 0x80 */
static const unsigned char PLAIN[256] = {
    R16(0), R16(0),                           /* 0x00-0x1f */
    0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, /* 0x20-0x2f: ' ' and '(' are not */
    R16(1), R16(1), R16(1), R16(1),           /* 0x30-0x6f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, /* 0x70-0x7f: DEL is not */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0)};

#ifdef __SSE2__
/* plain16 - which of the 16 bytes are PLAIN: as signed bytes, above ' '
 * (the bytes >= 0x80 are negative), below DEL, and not '(' */
static __m128i plain16(__m128i x)
{
    return _mm_andnot_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('(')),
                            _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(' ')),
                                          _mm_cmplt_epi8(x, _mm_set1_epi8(0x7f))));
}

/* run_stops - of the 16 bytes x, followed by the 16 bytes y (x shifted by
 * one), the bits of those where a run stops: not PLAIN, and not a space
 * before a PLAIN byte that is no digit */
static inline unsigned run_stops(__m128i x, __m128i y)
{
    __m128i joins = _mm_and_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')),
                                  _mm_andnot_si128(bk_digits16(y), plain16(y)));
    return ~(unsigned)_mm_movemask_epi8(_mm_or_si128(plain16(x), joins)) & 0xffffu;
}
#endif

/* run_end - the end of the run of s[j, to) that copy_text copies in one:
 * PLAIN bytes, and single spaces before a PLAIN byte that is no digit
 * (which may begin a marker) */
static size_t run_end(const char *s, size_t j, size_t to)
{
#ifdef __SSE2__
    /* 16 bytes at a time, with the 16 after each (to - j > 16: all in the
     * range) */
    for (; to - j > 16; j += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + j));
        __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(s + j + 1));
        unsigned other = run_stops(x, y);
        if (other)
            return j + (unsigned)__builtin_ctz(other);
    }
    /* the last 16 bytes of the range, loaded whole when the text has them
     * (the byte after the last is taken as 0: no space joins there), those
     * before j left out */
    if (j < to && to >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + to - 16));
        unsigned other = run_stops(x, _mm_srli_si128(x, 1)) >> (j - (to - 16));
        return other ? j + (unsigned)__builtin_ctz(other) : to;
    }
#endif
    for (; j < to; j++)
        if (!PLAIN[(unsigned char)s[j]] &&
            !(s[j] == ' ' && j + 1 < to && PLAIN[(unsigned char)s[j + 1]] &&
              !bk_is_digit((unsigned char)s[j + 1])))
            break;
    return j;
}

/* emit_run - append single-byte characters, as many as fit */
static void emit_run(text_out *t, const char *p, size_t k)
{
    if (t->truncated)
        return;
    size_t space = t->pending_space && t->len > 0 ? 1 : 0;
    if (t->len + space + k >= t->cap) {
        /* keep what fits; the rest is cut */
        if (t->len + space + 1 < t->cap) {
            size_t fit = t->cap - 1 - t->len - space;
            if (space)
                t->dst[t->len++] = ' ';
            memcpy(t->dst + t->len, p, fit);
            t->len += fit;
        }
        t->pending_space = 0;
        t->truncated = 1;
        return;
    }
    if (space)
        t->dst[t->len++] = ' ';
    t->pending_space = 0;
    memcpy(t->dst + t->len, p, k);
    t->len += k;
}

/* skip_marker - length of a repeated multi-line marker at i ("550-",
 * "550 ", "550-5.1.1 ", "550 5.1.1 ") for the chosen reply code, or 0 */
static size_t skip_marker(const char *s, size_t n, size_t i, int reply_code)
{
    if (reply_code == 0 || three_digits(s, n, i) != reply_code)
        return 0;
    unsigned char a = byte(s, n, i + 3);
    if (a != '-' && a != ' ')
        return 0;
    size_t j = i + 4;
    int c, sub, det;
    size_t e = dotted_code(s, n, j, &c, &sub, &det);
    if (e && (byte(s, n, e) == ' ' || e == n))
        j = e + (e < n ? 1 : 0);
    return j - i;
}

/* copy_text - append [from, to) to t, dropping multi-line markers and
 * "(in reply to ... command)", collapsing white space and replacing
 * control bytes and invalid UTF-8 */
static void copy_text(const char *s, size_t from, size_t to, int reply_code, text_out *t)
{
    size_t i = from;
    while (i < to && !t->truncated) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == ' ') {
            t->pending_space = 1;
            i++;
            continue;
        }
        /* a digit at a word start may begin a marker */
        if (bk_is_digit(c) &&
            (i == from || bk_is_space((unsigned char)s[i - 1]) || s[i - 1] == '\0')) {
            size_t k = skip_marker(s, to, i, reply_code);
            if (k) {
                t->pending_space = 1;
                i += k;
                continue;
            }
        }
        if (c == '(' && bk_ci_prefix(s + i, to - i, "(in reply to ")) {
            const char *close = memchr(s + i, ')', to - i < 80 ? to - i : 80);
            if (close) {
                t->pending_space = 1;
                i = (size_t)(close - s) + 1;
                continue;
            }
        }
        if (c < 0x80 && c != '(') {
            /* a run of printable ASCII goes in one copy, across single spaces
             * before what the loop would copy as it is (not a digit, which
             * may begin a marker) */
            size_t j = run_end(s, i + 1, to);
            emit_run(t, s + i, j - i);
            i = j;
            continue;
        }
        size_t k = bk_utf8_seq_len((const unsigned char *)s + i, to - i);
        if (k == 0) {
            emit(t, "\xEF\xBF\xBD", 3); /* U+FFFD */
            i++;
            continue;
        }
        emit(t, s + i, k);
        i += k;
    }
}

/* lead_in_end - end of the last lead-in ("said:", "smtp;", "<<<",
 * "reason:") before limit, or 0 */
static size_t lead_in_end(const text_hits *h, size_t limit)
{
    size_t best = 0;
    for (size_t i = 0; i < h->n; i++) {
        if (h->hit[i].set != SET_LEAD || h->hit[i].phrase == LEAD_TRANSCRIPT)
            continue;
        size_t end = h->hit[i].pos + lead_set.len[h->hit[i].phrase];
        if (end <= limit && end > best)
            best = end;
    }
    return best;
}

/* init_phrases - index the phrase tables (once) */
static void init_phrases(void)
{
    size_t nc = sizeof COMMAND_PHRASES / sizeof COMMAND_PHRASES[0];
    first_transcript_phrase = nc;
    for (size_t i = 0; i < nc && i < PHRASE_SET_MAX; i++) {
        command_text[i] = COMMAND_PHRASES[i].phrase;
        sent_phrase[i] = strncmp(command_text[i], ">>> ", 4) == 0;
        if (first_transcript_phrase == nc && sent_phrase[i])
            first_transcript_phrase = i;
    }
    phrase_set_init(&command_set, command_text, nc);
    phrase_set_init(&host_set, HOST_MARKERS, sizeof HOST_MARKERS / sizeof HOST_MARKERS[0]);
    phrase_set_init(&lead_set, LEADS, sizeof LEADS / sizeof LEADS[0]);
    const phrase_set *sets[N_SETS] = {&command_set, &host_set, &lead_set};
    phrase_group_init(&all_phrases, sets, N_SETS);
    atomic_store_explicit(&phrases_ready, 1, memory_order_release);
}

/* diagnostic_type_end - end of a DSN diagnostic type at the start of the
 * text ("smtp;", "X-Postfix;", "x-unix;": RFC 3464 2.3.6), after the field
 * name "Diagnostic-Code:" when present, or 0 */
static size_t diagnostic_type_end(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && bk_is_space((unsigned char)s[i]))
        i++;
    if (bk_ci_prefix(s + i, n - i, "diagnostic-code:")) {
        i += 16;
        while (i < n && is_blank((unsigned char)s[i]))
            i++;
    }
    /* the types below begin with 's', 'u' or 'x' */
    unsigned char c0 = bk_lower(byte(s, n, i));
    if (c0 != 's' && c0 != 'u' && c0 != 'x')
        return 0;
    size_t w = i;
    while (i < n && i - w < 32 &&
           (bk_is_alpha((unsigned char)s[i]) || bk_is_digit((unsigned char)s[i]) || s[i] == '-'))
        i++;
    if (i >= n || s[i] != ';')
        return 0;
    size_t wlen = i - w;
    /* "unknown;" is not registered but real producers write it */
    if ((wlen == 4 && bk_ci_prefix(s + w, wlen, "smtp")) ||
        (wlen == 7 && bk_ci_prefix(s + w, wlen, "unknown")) ||
        (wlen > 2 && bk_ci_prefix(s + w, wlen, "x-")))
        return i + 1;
    return 0;
}

/* widen_code - grow the span [*cut, *resume) of a code so that "#5.1.1",
 * "(#5.1.1)", "[550]" and "<5.1.1>" go as a whole */
static void widen_code(const char *s, size_t n, size_t *cut, size_t *resume)
{
    if (*cut > 0 && s[*cut - 1] == '#')
        (*cut)--;
    if (*cut > 0 && *resume < n &&
        ((s[*cut - 1] == '(' && s[*resume] == ')') || (s[*cut - 1] == '[' && s[*resume] == ']') ||
         (s[*cut - 1] == '<' && s[*resume] == '>') || (s[*cut - 1] == '\'' && s[*resume] == '\'') ||
         (s[*cut - 1] == '"' && s[*resume] == '"'))) {
        (*cut)--;
        (*resume)++;
    }
}

/* unbalanced_close - is the last byte a ')' or ']' that closes nothing,
 * left over from a wrapper around the reply ("status=bounced (host ...
 * said: 550 ... (in reply to RCPT TO command))")? */
static int unbalanced_close(const char *p, size_t len)
{
    if (len == 0 || (p[len - 1] != ')' && p[len - 1] != ']'))
        return 0;
    char close = p[len - 1], open = close == ')' ? '(' : '[';
    size_t opens = 0, closes = 0;
    for (size_t i = 0; i < len;) { /* counted in bytes, 255 at a time: vectorized */
        size_t end = len - i > 255 ? i + 255 : len;
        unsigned char o = 0, c = 0;
        for (; i < end; i++) {
            o = (unsigned char)(o + (p[i] == open));
            c = (unsigned char)(c + (p[i] == close));
        }
        opens += o;
        closes += c;
    }
    return closes > opens;
}

/* finish_text - trim leftover separators and the closer of a wrapper
 * around the reply (when not NULL), and NUL-terminate */
static void finish_text(bk_reply *out, text_out *t, const char *closer)
{
    size_t start = 0;
    while (start < t->len && (t->dst[start] == ':' || t->dst[start] == '-' ||
                              t->dst[start] == ' ' || t->dst[start] == ';' ||
                              t->dst[start] == ','))
        start++;
    if (start)
        memmove(t->dst, t->dst + start, t->len - start);
    t->len -= start;
    while (t->len && t->dst[t->len - 1] == ' ')
        t->len--;
    while (unbalanced_close(t->dst, t->len)) {
        t->len--;
        while (t->len && t->dst[t->len - 1] == ' ')
            t->len--;
    }
    size_t clen = closer ? strlen(closer) : 0;
    if (clen && t->len >= clen && memcmp(t->dst + t->len - clen, closer, clen) == 0) {
        t->len -= clen;
        while (t->len && t->dst[t->len - 1] == ' ')
            t->len--;
    }
    t->dst[t->len] = '\0';
    out->text_len = t->len;
    out->text_truncated = t->truncated;
}

/* decide - bk_decide, inline for the parser */
static inline const char *decide(int reply_code, int status_class, bk_decider *by,
                                 bk_permanence *perm)
{
    bk_decider d;
    const char *why;
    int cls;
    if (reply_code && status_class) {
        d = reply_code / 100 == status_class ? BK_DECIDE_BOTH : BK_DECIDE_REPLY;
        why = d == BK_DECIDE_BOTH ? DECISION_BOTH : DECISION_DISAGREE;
        cls = reply_code / 100;
    } else if (reply_code) {
        d = BK_DECIDE_REPLY, why = DECISION_REPLY, cls = reply_code / 100;
    } else if (status_class) {
        d = BK_DECIDE_STATUS, why = DECISION_STATUS, cls = status_class;
    } else {
        d = BK_DECIDE_NONE, why = DECISION_NONE, cls = 0;
    }
    if (by)
        *by = d;
    if (perm)
        *perm = bk_permanence_of_class(cls);
    return why;
}

const char *bk_decide(int reply_code, int status_class, bk_decider *by, bk_permanence *perm)
{
    return decide(reply_code, status_class, by, perm);
}

/* ------------------------------------------------------------------------
 * The parser
 * ---------------------------------------------------------------------- */

int bk_reply_parse(const char *s, size_t n, bk_reply *out)
{
    /* everything but the text buffer, which only needs its first byte */
    memset(out, 0, offsetof(bk_reply, text));
    out->text[0] = '\0';
    memset(&out->text_len, 0, sizeof *out - offsetof(bk_reply, text_len));
    if (s == NULL)
        n = 0;

    code_at reply = {0, 0, 0, 0}, weak_reply = {0, 0, 0, 0};
    int reply_value = 0, weak_value = 0;
    code_at status = {0, 0, 0, 0}, weak_status = {0, 0, 0, 0};
    int st[3] = {0, 0, 0}, wst[3] = {0, 0, 0};

    /* one pass: the first strong and the first weak candidate of each kind;
     * a failure reply after a success reply wins, as in a transcript
     * ("<<< 250 2.1.0 Sender ok" ... "<<< 550 5.1.1 User unknown") */
    for (size_t i = 0; (i = next_code_digit(s, i, n)) < n; i++) {
        if (reply.found && reply_value < 400 && may_be_three(s, n, i)) {
            int v = three_digits(s, n, i);
            if (v >= 0) {
                if (v >= 400 && code_valid(v) && reply_strong(s, n, i)) {
                    reply = (code_at){i, i + 3, 1, 1};
                    reply_value = v;
                    /* the codes seen so far belong to the success */
                    if (status.found && status.pos < i)
                        status.found = 0;
                    if (weak_status.found && weak_status.pos < i)
                        weak_status.found = 0;
                }
                i += 2;
                continue;
            }
        } else if (!reply.found && may_be_three(s, n, i)) {
            int v = three_digits(s, n, i);
            if (v >= 0) {
                int strong = reply_strong(s, n, i);
                if (strong && code_valid(v)) {
                    reply = (code_at){i, i + 3, 1, 1};
                    reply_value = v;
                } else if (strong && !out->bad_reply_code && !code_valid(v)) {
                    out->bad_reply_code = v;
                } else if (!strong && !weak_reply.found && is_known_reply(v) &&
                           !followed_by_unit(s, n, i + 3)) {
                    weak_reply = (code_at){i, i + 3, 1, 0};
                    weak_value = v;
                }
                i += 2;
                continue;
            }
        }
        if (!status.found && byte(s, n, i + 1) == '.') { /* else no dotted code */
            int c, sub, det;
            size_t e = dotted_code(s, n, i, &c, &sub, &det);
            if (e) {
                int strong = status_strong(s, i);
                int valid = c == 2 || c == 4 || c == 5;
                if (strong && valid) {
                    status = (code_at){i, e, 1, 1};
                    st[0] = c, st[1] = sub, st[2] = det;
                } else if (strong && !valid) {
                    set_bad_status(out, s, i, e);
                } else if (!strong && valid && c != 2 && sub <= 7 && !weak_status.found) {
                    /* RFC 3463 defines subjects 0-7: in running text, "Exim
                     * 4.96.1" is a version, not a code */
                    weak_status = (code_at){i, e, 1, 0};
                    wst[0] = c, wst[1] = sub, wst[2] = det;
                }
                i = e - 1;
                continue;
            }
        }
        if (reply.found && reply_value >= 400 && status.found)
            break;
    }
    if (!reply.found && weak_reply.found) {
        reply = weak_reply;
        reply_value = weak_value;
    }

    /* the enhanced code that follows the reply code belongs to it */
    code_at block = {0, 0, 0, 0};
    if (reply.found) {
        out->reply_code = reply_value;
        block = reply;
        size_t j = reply.end;
        if (j < n && (s[j] == '-' || s[j] == ' ')) {
            j++;
            while (j < n && j - reply.end < 4 && s[j] == ' ')
                j++;
            /* "550 [5.1.1]", "550 (5.1.1)", "550 #5.1.1" */
            char close = 0;
            if (j < n && (s[j] == '[' || s[j] == '(')) {
                close = s[j] == '[' ? ']' : ')';
                j++;
            } else if (j < n && s[j] == '#')
                j++;
            int c, sub, det;
            size_t e;
            if (status.found && status.pos == j) /* read by the pass already */
                e = status.end, c = st[0], sub = st[1], det = st[2];
            else if (weak_status.found && weak_status.pos == j)
                e = weak_status.end, c = wst[0], sub = wst[1], det = wst[2];
            else
                e = dotted_code(s, n, j, &c, &sub, &det);
            if (e && close) {
                if (byte(s, n, e) == (unsigned char)close)
                    e++;
                else
                    e = 0;
            }
            if (e && (c == 2 || c == 4 || c == 5)) {
                status = (code_at){j, e, 1, 1};
                st[0] = c, st[1] = sub, st[2] = det;
                block.end = e;
            } else if (e) {
                set_bad_status(out, s, j, e);
                block.end = e;
                status.found = 0;
            }
        }
    }
    if (!status.found && weak_status.found) {
        status = weak_status;
        memcpy(st, wst, sizeof st);
    }
    if (status.found)
        set_status(out, st[0], st[1], st[2]);
    if (!reply.found && status.found)
        block = status;

    out->decision =
        decide(out->reply_code, out->status_class, &out->decided_by, &out->permanence);

    /* every phrase of the three tables, in one pass */
    text_hits hits;
    int more;
    if (!atomic_load_explicit(&phrases_ready, memory_order_acquire))
        pthread_once(&phrases_once, init_phrases);
    hits.n = phrase_scan(&all_phrases, s, n, hits.hit, HIT_MAX, &more);

    out->command = find_command(&hits, n, block.found ? block.pos : n);
    /* "connect to NAME[ADDR]:25: Connection refused": the connection failed */
    const char *marker = find_host(s, n, &hits, out);
    if (marker == HOST_MARKERS[HOST_CONNECT] && out->command == BK_CMD_NONE)
        out->command = BK_CMD_CONNECT;

    /* the free text: after a leading code block, else around it; an
     * enhanced code standing apart from the reply code ("553 sorry, that
     * domain isn't in my list of allowed rcpthosts (#5.7.1)") is left out
     * too */
    text_out t = {out->text, 0, sizeof out->text, 0, 0};
    size_t start = 0;
    size_t cut[2], resume[2];
    int ncut = 0;
    const char *closer = NULL;
    if (block.found) {
        start = lead_in_end(&hits, block.pos);
        unsigned char before = prev_nonblank(s, block.pos);
        int leading = at_line_start(s, block.pos) || before == ':' || before == ';' ||
                      before == '>' || before == '=';
        /* a reply opened by a quote or '#' after a blank, and closed at the
         * end: Exchange "Remote Server returned '550 5.1.1 ...; not found'"
         * and "#550 5.1.1 ...; not found ##" */
        if (!leading && (before == '\'' || before == '"' || before == '#') &&
            byte(s, n, block.end) != before) {
            size_t op = block.pos; /* the opener is at op - 1 */
            while (op > 0 && is_blank((unsigned char)s[op - 1]))
                op--;
            if (op == 1 || (op > 1 && bk_is_space((unsigned char)s[op - 2]))) {
                leading = 1;
                closer = before == '#' ? "##" : before == '"' ? "\"" : "'";
            }
        }
        if (leading) {
            start = block.end;
        } else {
            cut[ncut] = block.pos, resume[ncut] = block.end;
            widen_code(s, n, &cut[ncut], &resume[ncut]);
            ncut++;
        }
        if (reply.found && status.found && (status.pos < block.pos || status.pos >= block.end) &&
            status.pos >= start) {
            size_t c = status.pos, r = status.end;
            widen_code(s, n, &c, &r);
            /* "(#5.1.1 - chkuser)" stays whole: no bracket is left open */
            unsigned char opener = c > 0 ? (unsigned char)s[c - 1] : 0;
            if (opener != '(' && opener != '[' && opener != '<') {
                if (ncut == 1 && c < cut[0]) {
                    cut[1] = cut[0], resume[1] = resume[0];
                    cut[0] = c, resume[0] = r;
                } else {
                    cut[ncut] = c, resume[ncut] = r;
                }
                ncut++;
            }
        }
    }
    /* "Diagnostic-Code: X-Postfix;" where the free text begins (a lead-in
     * may end inside a code's cut: "<<<#550>") */
    size_t head_end = ncut ? cut[0] : n;
    if (head_end > start)
        start += diagnostic_type_end(s + start, head_end - start);
    size_t from = start;
    for (int k = 0; k < ncut; k++) {
        if (cut[k] < from) {
            if (resume[k] > from)
                from = resume[k];
            continue;
        }
        copy_text(s, from, cut[k], out->reply_code, &t);
        t.pending_space = 1;
        from = resume[k];
    }
    copy_text(s, from, n, out->reply_code, &t);
    finish_text(out, &t, closer);
    return out->reply_code != 0 || out->status_class != 0;
}
