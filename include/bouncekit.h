/*
 * bouncekit.h - public interface of libbouncekit.
 *
 * libbouncekit explains SMTP replies and bounces to email senders:
 *   - bk_reply_parse() splits a reply or diagnostic text into its basic reply
 *     code (RFC 5321), enhanced status code (RFC 3463), the SMTP command it
 *     answered, the remote host and the free text;
 *   - bk_kb_*() give the reference knowledge for any reply code, enhanced
 *     code or combination of both (meaning, bounce type, severity, category,
 *     what to do, causes, fixes, provider notes, questions and answers).
 *
 * All functions take (pointer, length) input and never read past it.
 * Strings returned by the library are UTF-8 and owned by the library.
 */
#ifndef BOUNCEKIT_H
#define BOUNCEKIT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BOUNCEKIT_VERSION_MAJOR 0
#define BOUNCEKIT_VERSION_MINOR 1
#define BOUNCEKIT_VERSION_PATCH 0
#define BOUNCEKIT_VERSION "0.1.0"

/* bk_version - the library's version string, e.g. "0.1.0" */
const char *bk_version(void);

/* ------------------------------------------------------------------------
 * Shared vocabulary
 * ---------------------------------------------------------------------- */

typedef enum {
    BK_PERM_UNKNOWN = 0, /* no code, or nothing decides */
    BK_PERM_SUCCESS,     /* 2xx / 3xx reply, 2.x.x status */
    BK_PERM_TRANSIENT,   /* 4xx reply, 4.x.x status */
    BK_PERM_PERMANENT    /* 5xx reply, 5.x.x status */
} bk_permanence;

/* bk_permanence_name - "permanent", "transient", "success" or "unknown" */
const char *bk_permanence_name(bk_permanence p);

/* bk_permanence_of_class - permanence of a first digit (2..5) */
bk_permanence bk_permanence_of_class(int class_digit);

typedef enum {
    BK_CMD_NONE = 0, /* the text does not say */
    BK_CMD_CONNECT,  /* the greeting, or the connection itself */
    BK_CMD_HELO,
    BK_CMD_EHLO,
    BK_CMD_STARTTLS,
    BK_CMD_AUTH,
    BK_CMD_MAIL,
    BK_CMD_RCPT,
    BK_CMD_DATA,     /* DATA, or the end of data */
    BK_CMD_BDAT,
    BK_CMD_QUIT
} bk_command;

/* bk_command_name - "RCPT", "DATA", ... ; "" for BK_CMD_NONE */
const char *bk_command_name(bk_command c);

/* bk_command_parse - the command named by len bytes, any case: the names of
 * bk_command_name, also "RCPT TO", "MAIL FROM", "LHLO" and "." (end of data);
 * BK_CMD_NONE when it names none */
bk_command bk_command_parse(const char *name, size_t len);

/* ------------------------------------------------------------------------
 * SMTP reply parser
 * ---------------------------------------------------------------------- */

typedef enum {
    BK_DECIDE_NONE = 0, /* no valid code found */
    BK_DECIDE_REPLY,    /* only a reply code, or the reply code wins a disagreement */
    BK_DECIDE_STATUS,   /* only an enhanced status code */
    BK_DECIDE_BOTH      /* both present and of the same class */
} bk_decider;

/* bk_decider_name - "reply code", "enhanced code", "both", "none" */
const char *bk_decider_name(bk_decider d);

/* A piece of the caller's input: ptr points into the parsed text. */
typedef struct {
    const char *ptr;
    size_t len;
} bk_span;

#define BK_REPLY_TEXT_MAX 1024
#define BK_STATUS_MAX 12

typedef struct {
    int reply_code;               /* basic reply code 200..559, 0 when none */
    char status[BK_STATUS_MAX];   /* enhanced status "5.1.1", "" when none */
    int status_class;             /* 2, 4, 5; 0 when none */
    int status_subject;
    int status_detail;
    bk_command command;           /* the command it answered, when said */
    bk_span host;                 /* remote host name, when stated */
    bk_span address;              /* remote IP address, when stated */
    char text[BK_REPLY_TEXT_MAX]; /* the free text: codes, prefixes and repeated
                                     multi-line markers removed, white space
                                     collapsed, valid UTF-8, NUL-terminated */
    size_t text_len;
    int text_truncated;           /* 1 when the text did not fit */
    bk_permanence permanence;     /* what the deciding code says */
    bk_decider decided_by;        /* which code decides, see decision */
    const char *decision;         /* one sentence: which code decides and why */
    int bad_reply_code;           /* a number in a reply-code position that is
                                     not a reply code (e.g. 999), else 0 */
    char bad_status[BK_STATUS_MAX]; /* a dotted code in a status position that
                                     is not an enhanced code (e.g. "6.1.1") */
} bk_reply;

/*
 * bk_reply_parse - find the codes, command, remote host and text in a reply
 * or diagnostic text of len bytes (need not be NUL-terminated; may contain
 * NUL bytes and invalid UTF-8). Fills *out; returns 1 when a valid reply
 * code or enhanced code was found, 0 otherwise. Does not allocate; safe to
 * call from many threads.
 */
int bk_reply_parse(const char *text, size_t len, bk_reply *out);

/*
 * bk_status_parse - parse exactly one enhanced status code "C.S.D" of len
 * bytes. Returns 1 and fills the three numbers when well-formed with class
 * 2, 4 or 5; 0 otherwise.
 */
int bk_status_parse(const char *s, size_t len, int *cls, int *subject, int *detail);

/*
 * bk_decide - which of the two codes decides and what permanence follows:
 * reply_code 0 and/or status_class 0 when absent. Returns one sentence that
 * says which code decides and why (a static string).
 */
const char *bk_decide(int reply_code, int status_class, bk_decider *by, bk_permanence *perm);

/* bk_reply_code_valid - 1 when code is a well-formed reply code (RFC 5321 4.2:
 * first digit 2-5, second digit 0-5) */
int bk_reply_code_valid(int code);

/* ------------------------------------------------------------------------
 * Knowledge base
 * ---------------------------------------------------------------------- */

typedef struct bk_kb bk_kb;

/* bk_kb_open - a knowledge base holding the data embedded at build time;
 * NULL on allocation failure or if the embedded data is broken (then *err,
 * when given, says why) */
bk_kb *bk_kb_open(char *err, size_t errlen);

/* bk_kb_new - an empty knowledge base, for callers that bring all their
 * own records; NULL on allocation failure */
bk_kb *bk_kb_new(void);

/* bk_kb_load_file - add the records of a user file (same format, see
 * docs/kb-format.md); a record with a key already known replaces it.
 * Returns 0, or -1 with "FILE:LINE: reason" in err. */
int bk_kb_load_file(bk_kb *kb, const char *path, char *err, size_t errlen);

/* bk_kb_load_buffer - as bk_kb_load_file, from memory; name is used in errors */
int bk_kb_load_buffer(bk_kb *kb, const char *name, const char *data, size_t len,
                      char *err, size_t errlen);

/* bk_kb_close - free everything */
void bk_kb_close(bk_kb *kb);

/* bk_kb_count - number of records */
size_t bk_kb_count(const bk_kb *kb);

/* bk_kb_key - key of record i ("550", "X.1.1", "550 5.1.1", "5.*", "X.1.*"),
 * in a stable order: reply codes, enhanced codes, combinations, classes */
const char *bk_kb_key(const bk_kb *kb, size_t i);

/* bk_kb_title - title of record i */
const char *bk_kb_title(const bk_kb *kb, size_t i);

#define BK_LIST_MAX 32

typedef struct {
    const char *items[BK_LIST_MAX];
    size_t n;
} bk_list;

typedef struct {
    const char *question;
    const char *answer;
} bk_faq;

/* What the reference says about one code or combination. */
typedef struct {
    char key[32];           /* "550 5.1.1", "5.7.26", "550" as asked (normalised) */
    char entry[32];         /* key of the record that answered: "X.7.26", ... */
    int reply_code;         /* 0 when not asked */
    char status[BK_STATUS_MAX];
    int exact;              /* 1: a record of its own; 0: derived from class/subject */
    bk_permanence permanence;
    bk_decider decided_by;
    const char *decision;   /* when both codes were given and disagree: why */
    const char *title;
    char derived_title[192]; /* title holds this when the entry is derived */
    const char *summary;
    const char *bounce;     /* "hard", "soft", "none" */
    const char *severity;
    const char *category;
    const char *action;
    const char *standard;
    bk_list meaning;
    bk_list log;
    bk_list cause;
    bk_list fix;
    bk_list provider;       /* "Name: note" */
    bk_faq faq[BK_LIST_MAX];
    size_t n_faq;
    bk_list related;        /* keys */
    /* the other readings of an X.s.d code, filled for enhanced codes */
    const char *transient_bounce, *transient_action, *transient_severity;
    const char *permanent_bounce, *permanent_action, *permanent_severity;
} bk_explanation;

/*
 * bk_kb_explain - explain a reply code, enhanced code or both:
 * reply_code 0 and/or status "" when absent. Returns 0, or -1 when neither
 * is a well-formed code. Pointers in *out are valid until bk_kb_close().
 */
int bk_kb_explain(const bk_kb *kb, int reply_code, const char *status,
                  bk_explanation *out);

/*
 * bk_kb_explain_entry - what one record says, by its key ("550", "X.1.1",
 * "550 5.1.1", "5.*", "X.1.*"); an X.s.d or X.s.* record is read for class 5
 * (its class-4 reading is in transient_*). Returns 0, or -1 when no record
 * has this key.
 */
int bk_kb_explain_entry(const bk_kb *kb, const char *key, bk_explanation *out);

/* bk_kb_find - index of the record with this exact key, or -1 */
long bk_kb_find(const bk_kb *kb, const char *key);

/* bk_kb_resolve_key - the record key that explains a related-code key such
 * as "5.1.1" (-> "X.1.1"), "550" or "550 5.1.1"; NULL when none */
const char *bk_kb_resolve_key(const bk_kb *kb, const char *key);


/* ------------------------------------------------------------------------
 * Classifier
 * ---------------------------------------------------------------------- */

typedef struct bk_classifier bk_classifier;

/* What the caller already knows about a reply; zero/NULL fields are unknown
 * and are taken from the text. Known values win over the text, but a bare
 * X.0.0 status gives way to a detailed enhanced code in the text (a DSN's
 * Status: 5.0.0 with "550 5.1.1 ..." reads as 5.1.1; with "452 4.2.2 ..."
 * from an MTA that gave up, as 4.2.2). */
typedef struct {
    bk_command command;   /* the SMTP command the reply answered */
    const char *host;     /* the remote host name (or address) */
    const char *domain;   /* the recipient's domain: helps recognise the provider */
    int reply_code;       /* the basic reply code */
    const char *status;   /* the enhanced status code, e.g. "5.1.1" */
    int explain;          /* list in the verdict every rule that matched (slower) */
} bk_hints;

/* the tiers of docs/rules-format.md, in precedence order */
typedef enum {
    BK_TIER_USER = 1,
    BK_TIER_PROVIDER,
    BK_TIER_PHRASE,
    BK_TIER_STATUS,
    BK_TIER_WEAK_PHRASE,
    BK_TIER_GENERIC_STATUS,
    BK_TIER_REPLY,
    BK_TIER_DEFAULT
} bk_tier;

/* bk_tier_name - "user", "provider", "phrase", "status", "weak phrase",
 * "generic status", "reply code", "default" */
const char *bk_tier_name(bk_tier t);

#define BK_MATCHED_MAX 16

/* The verdict on one reply. All strings are static or owned by the
 * classifier: valid until bk_classifier_free(). */
typedef struct {
    const char *reason;        /* one of the 36 reason names */
    int hardbounce;            /* 1: the address itself is bad: suppress it now */
    bk_permanence permanence;
    const char *category;      /* address, domain, mailbox, reputation, ... */
    const char *fault;         /* recipient, sender, content, remote system, network, none, unknown */
    const char *suggestion;    /* suppress, retry, retry then suppress, fix ..., none */
    const char *severity;      /* critical, high, medium, low, info */
    const char *provider;      /* "Gmail", "Microsoft", ...; NULL when not recognised */
    const char *bounce_class;  /* Momentum/SparkPost/KumoMTA class; NULL for none */
    const char *pmta_category; /* PowerMTA bounce category; NULL for none */
    const char *rule;          /* id of the deciding rule; "" when none decided */
    bk_tier tier;              /* the tier of that rule */
    int reply_code;            /* the codes the verdict used (hints or text) */
    char status[BK_STATUS_MAX];
    bk_command command;
    /* with hints->explain, the ids of every rule that matched, best first;
     * otherwise the deciding rule alone (the others are not all searched for) */
    const char *matched[BK_MATCHED_MAX];
    size_t n_matched;
    int matched_truncated;     /* 1 when more rules matched than listed */
} bk_verdict;

/*
 * bk_classifier_new - compile the built-in rules, after the user rule files
 * (which take precedence), into one Vectorscan database. Returns NULL with
 * "FILE:LINE: reason" (or another cause) in err on failure.
 */
bk_classifier *bk_classifier_new(const char *const *rule_files, size_t n_files, char *err,
                                 size_t errlen);

/* bk_classifier_free - release everything */
void bk_classifier_free(bk_classifier *c);

/* bk_classifier_rule_count - number of rules loaded */
size_t bk_classifier_rule_count(const bk_classifier *c);

/*
 * bk_classify - the verdict on a reply or diagnostic text of len bytes, with
 * optional hints (NULL for none). When parsed is not NULL it receives what the
 * reply parser found. Returns 0, or -1 only when the classifier cannot scan
 * (out of memory the first time a thread classifies). Thread-safe: many
 * threads may share one classifier; each thread allocates its scan space
 * once, on its first call.
 */
int bk_classify(const bk_classifier *c, const char *text, size_t len, const bk_hints *hints,
                bk_verdict *out, bk_reply *parsed);

/* bk_verdict_set_reason - give v another reason (a report that says why on
 * its own, such as a complaint): reason, hardbounce, category, fault,
 * suggestion, severity and bounce classes follow from it and from v's
 * permanence; rule becomes "". Returns -1 when reason is not one of the 36. */
int bk_verdict_set_reason(const bk_classifier *c, bk_verdict *v, const char *reason);

/* bk_verdict_set_permanence - give v another permanence (a report that says
 * on its own that the failure is for good): hardbounce, suggestion,
 * severity and bounce classes follow from it and from v's reason; the rule
 * stays. Returns -1 when v's reason is not one of the 36. */
int bk_verdict_set_permanence(const bk_classifier *c, bk_verdict *v, bk_permanence p);

/* bk_classifier_provider - the mailbox provider a remote host name (or,
 * failing that, a recipient domain) belongs to, by the providers' host
 * suffixes; NULL when none. Lengths in bytes; either may be 0. */
const char *bk_classifier_provider(const bk_classifier *c, const char *host, size_t host_len,
                                   const char *domain, size_t domain_len);

/* bk_reason_valid - 1 when name is one of the 36 reasons */
int bk_reason_valid(const char *name);

/* bk_reason_names - the 36 reason names in precedence order, NULL-terminated */
const char *const *bk_reason_names(void);

/* ------------------------------------------------------------------------
 * Decoding bounce messages (RFC 3464 DSNs, RFC 5965 complaints, RFC 3834
 * auto-replies and the formats of real MTAs and providers)
 * ---------------------------------------------------------------------- */

typedef struct bk_decoder bk_decoder;

#define BK_ADDR_MAX 320
#define BK_FIELD_MAX 256

/* One failed (or, when asked for, delayed, delivered or auto-replied)
 * recipient of a bounce message. Strings are UTF-8 and NUL-terminated;
 * empty when the message does not say. */
typedef struct {
    char timestamp[32];             /* when it happened, "2026-01-02T03:04:05+09:00" */
    long long epoch;                /* the same in seconds since 1970 (0: unknown) */
    char addresser[BK_ADDR_MAX];    /* the sender of the returned message */
    char recipient[BK_ADDR_MAX];    /* the address that failed */
    char origrecipient[BK_ADDR_MAX]; /* the address the sender used, when the report
                                      * names another (Original-Recipient: an alias
                                      * or forwarder that led to the recipient) */
    char action[16];                /* failed, delayed, delivered, relayed, expanded */
    char diagnosticcode[BK_REPLY_TEXT_MAX]; /* the remote server's text */
    char diagnostictype[16];        /* SMTP, X-Postfix, X-Unix, ... */
    char rhost[BK_FIELD_MAX];       /* the remote host that answered */
    char lhost[BK_FIELD_MAX];       /* the host that reported */
    char decodedby[32];             /* the format that read it: rfc3464, postfix, ... */
    char messageid[BK_FIELD_MAX];   /* Message-ID of the returned message */
    char subject[BK_FIELD_MAX];     /* Subject of the returned message */
    char listid[BK_FIELD_MAX];      /* List-Id of the returned message */
    char feedbacktype[32];          /* abuse, fraud, opt-out, ... (complaints) */
    char token[41];                 /* SHA-1 of addresser, recipient and time */
    bk_verdict verdict;             /* reason, hardbounce, status, reply code ... */
} bk_bounce;

/* what bk_decode made of one message */
typedef enum {
    BK_DECODED = 0,     /* a bounce: n recipients (n >= 1) */
    BK_NOT_BOUNCE,      /* read, but not a bounce (why says what it is) */
    BK_UNREADABLE       /* could not be read as a message (why says why) */
} bk_decode_status;

typedef struct {
    bk_decode_status status;
    char why[256];                 /* for BK_NOT_BOUNCE and BK_UNREADABLE */
    bk_bounce *bounces;            /* owned by the decoder: valid until the next call */
    size_t n;
    size_t dropped;                /* recipients past BK_DECODE_RCPT_MAX, not listed */
} bk_decoded;

#define BK_DECODE_RCPT_MAX 1000

typedef struct {
    int vacation;   /* report auto-replies (reason vacation) instead of skipping them */
    int delivered;  /* report success notifications (reason delivered) */
} bk_decode_options;

/* bk_decoder_new - a decoder that gives verdicts with classifier c (which
 * must outlive it); options may be NULL. One decoder per thread. The first
 * one initialises GMime and registers message/rfc822 (and its kin) as plain
 * parts, so that a returned message is not parsed into a tree: a program
 * that also uses GMime itself gets those parts as GMimePart from then on. */
bk_decoder *bk_decoder_new(const bk_classifier *c, const bk_decode_options *options);

/* bk_decoder_free - release everything */
void bk_decoder_free(bk_decoder *d);

/* bk_decode - decode one message of len bytes (LF, CRLF or CR line ends).
 * Returns 0 and fills out (see its status); -1 only when out of memory. */
int bk_decode(bk_decoder *d, const char *msg, size_t len, bk_decoded *out);

/* bk_decode_formats - the names of every format the decoder knows, NULL-terminated */
const char *const *bk_decode_formats(void);

/* Mailboxes: a message file, an mbox file, a Maildir, a directory tree of
 * these, gzip-compressed files, or "-" for standard input, read as a stream
 * of messages. */
typedef struct bk_mailbox bk_mailbox;

/* bk_mailbox_open - open path; NULL with the reason in err on failure */
bk_mailbox *bk_mailbox_open(const char *path, char *err, size_t errlen);

/* bk_mailbox_next - the next message: 1 with msg/len/origin set (valid until
 * the next call), 0 at the end, -1 when one item could not be read (origin
 * and err say which and why; the next call goes on with the rest) */
int bk_mailbox_next(bk_mailbox *mb, const char **msg, size_t *len, const char **origin,
                    char *err, size_t errlen);

/* bk_mailbox_bytes - bytes read so far (compressed size for .gz), for progress */
unsigned long long bk_mailbox_bytes(const bk_mailbox *mb);

/* bk_mailbox_close - release everything */
void bk_mailbox_close(bk_mailbox *mb);

/* ------------------------------------------------------------------------
 * ESP webhooks: the event notifications of Amazon SES (through SNS),
 * SendGrid, Mailgun, Postmark and SparkPost, each in the provider's own
 * documented format (docs/webhooks.md), as records of the decoder's type
 * ---------------------------------------------------------------------- */

/* what a payload is */
typedef enum {
    BK_WEBHOOK_EVENTS = 0,   /* events: bounces, complaints, opt-outs, deliveries, ... */
    BK_WEBHOOK_SUBSCRIBE,    /* an SNS SubscriptionConfirmation: visit subscribe_url */
    BK_WEBHOOK_UNSUBSCRIBE   /* an SNS UnsubscribeConfirmation */
} bk_webhook_kind;

/* what the signature check found */
typedef enum {
    BK_SIGNATURE_UNCHECKED = 0, /* no key configured for this provider */
    BK_SIGNATURE_VALID,         /* checked and right */
    BK_SIGNATURE_INVALID        /* wrong, or missing while a key is configured: refused */
} bk_signature;

/* bk_signature_name - "unchecked", "valid", "invalid" */
const char *bk_signature_name(bk_signature s);

typedef struct {
    const char *mailgun_key;   /* Mailgun's HTTP webhook signing key: when set, a Mailgun
                                  payload must carry a valid signature block */
    const char *sns_certificate; /* a PEM file of SNS signing certificates: when set, an
                                  SES (SNS) payload must carry a valid SNS signature */
} bk_webhook_options;

/* What bk_webhook_decode learnt about the payload itself. */
typedef struct {
    char provider[16];          /* given, or detected from the body */
    bk_webhook_kind kind;
    bk_signature signature;
    char subscribe_url[1024];   /* SNS (un)subscribe confirmation: its SubscribeURL */
    char topic[256];            /* SNS: the TopicArn */
    size_t events;              /* events in the payload */
    size_t ignored;             /* events of other types (opens, clicks, sends, ...) */
    size_t malformed;           /* events that could not be read (no recipient, ...) */
} bk_webhook_info;

#define BK_WEBHOOK_EVENTS_MAX 10000

/*
 * bk_webhook_decode - the events of one webhook payload (a request body of
 * len bytes) as records, one per event and recipient, with verdicts by d's
 * classifier: provider is "ses", "sendgrid", "mailgun", "postmark",
 * "sparkpost", or NULL to tell from the body; opt (signing keys) and info
 * may be NULL. Returns 0 and fills out like bk_decode: BK_DECODED with n
 * records (owned by d: valid until its next call; past
 * BK_WEBHOOK_EVENTS_MAX they are counted in dropped), BK_NOT_BOUNCE when
 * the payload is right but holds nothing to report (other events only, or
 * an SNS (un)subscribe confirmation: see info), BK_UNREADABLE when it is not
 * JSON, not in the provider's format, or its signature is wrong (why says
 * which). Returns -1 only when out of memory.
 */
int bk_webhook_decode(bk_decoder *d, const char *provider, const char *body, size_t len,
                      const bk_webhook_options *opt, bk_decoded *out, bk_webhook_info *info);

/* bk_webhook_providers - the provider names, NULL-terminated */
const char *const *bk_webhook_providers(void);

/* ------------------------------------------------------------------------
 * MTA logs (Postfix, Exim, Sendmail, KumoMTA, PowerMTA): one outcome per recipient delivery
 * ---------------------------------------------------------------------- */

typedef enum {
    BK_LOG_DELIVERED = 1, /* the remote server took it (status=sent, =>) */
    BK_LOG_DEFERRED,      /* still in the queue when the log ended */
    BK_LOG_BOUNCED,       /* refused for good: a bounce was sent */
    BK_LOG_EXPIRED,       /* deferred until the queue lifetime ran out */
    BK_LOG_REJECTED       /* refused at submission (smtpd NOQUEUE reject) */
} bk_log_outcome;

/* bk_log_outcome_name - "delivered", "deferred", "bounced", "expired", "rejected" */
const char *bk_log_outcome_name(bk_log_outcome o);

typedef struct {
    bk_log_outcome outcome;
    const char *mta;                /* "postfix", "exim", "sendmail", "kumomta", "powermta" */
    char host[BK_FIELD_MAX];        /* the host that wrote the log line */
    char queue_id[64];
    char sender[BK_ADDR_MAX];
    char recipient[BK_ADDR_MAX];
    char orig_recipient[BK_ADDR_MAX];
    char messageid[BK_FIELD_MAX];
    char relay[BK_FIELD_MAX];       /* as logged: "mx.example.net[192.0.2.1]:25" */
    char rhost[BK_FIELD_MAX];       /* the relay's host name */
    char dsn[BK_STATUS_MAX];        /* the status the MTA logged */
    char text[BK_REPLY_TEXT_MAX];   /* the remote reply or the MTA's reason */
    double delay;                   /* seconds, as logged; -1 when not */
    int attempts;                   /* delivery attempts seen for this recipient */
    long long first, last;          /* seconds since 1970 of its first and last line */
    long long size;                 /* message size in bytes; -1 when unknown */
    int nrcpt;                      /* recipients of the message; 0 unknown */
    const char *provider;           /* mailbox provider of the relay or domain, or NULL */
    char token[41];                 /* SHA-1 of sender, recipient and first time */
    bk_verdict verdict;             /* for every outcome; reason delivered when sent */
} bk_log_event;

typedef struct {
    int year;                /* year of syslog stamps that have none (0: this year) */
    long long horizon;       /* seconds a queue id is kept after its last line (0: 7 days) */
    size_t max_queue;        /* queue ids kept at once (0: 100,000) */
    int no_tokens;           /* leave each event's token empty: faster when unused */
    int report_only;         /* for a summary, faster: host, queue_id, messageid, orig_recipient,
                              * size and nrcpt may be left unknown, and a delivery's dsn and
                              * text too (the rest, the verdict and provider are as always) */
} bk_log_options;

typedef struct {
    unsigned long long lines;     /* lines read */
    unsigned long long used;      /* lines of a mail program that were understood */
    unsigned long long malformed; /* lines of a mail program that could not be read */
    unsigned long long other;     /* lines of other programs, or with no known prefix */
    unsigned long long unprefixed; /* of them, lines with no prefix this reader knows (syslog,
                                    * RFC 3339, RFC 5424, Exim's main log): another format */
    unsigned long long evicted;   /* queue ids forgotten before they left the queue */
    unsigned long long notices;   /* bounce notices the MTA sent to senders */
    unsigned long long probes;    /* address verification results (Postfix's probes): no mail sent */
    unsigned long long untried;   /* recipients' lines that say no delivery was tried this time
                                   * (Exim: queued only, retry time not reached): no deferral */
    unsigned long long handoffs;  /* recipients handed to a relay on this host (127.0.0.0/8, ::1,
                                   * localhost) that queued them to send on: a content filter's
                                   * re-injection, the submission client's MTA; no outcome */
    unsigned long long discarded; /* recipients this host dropped on purpose, not sent: Postfix's
                                   * discard, a content filter's "discarded", Exim's :blackhole:,
                                   * a delivery to /dev/null; no outcome */
    unsigned long long complaints; /* feedback (ARF) reports the MTA logged: KumoMTA's Feedback,
                                    * PowerMTA's f records; a complaint, no delivery outcome */
} bk_log_stats;

typedef struct bk_log_reader bk_log_reader;

/* the function that receives each outcome; e is valid during the call only */
typedef void (*bk_log_sink)(const bk_log_event *e, void *ctx);

/* bk_log_reader_new - a reader that classifies failures with c and hands
 * every outcome to sink; options may be NULL */
bk_log_reader *bk_log_reader_new(const bk_classifier *c, const bk_log_options *options,
                                 bk_log_sink sink, void *ctx);

/* bk_log_line - one line (without its line end) of any supported log;
 * returns 0, or -1 when a mail program's line could not be read (counted) */
int bk_log_line(bk_log_reader *r, const char *line, size_t len);

/* bk_log_line_time - the time of a line (seconds since 1970), -1 when it has
 * no known time stamp: for merging several files in time order */
long long bk_log_line_time(const bk_log_reader *r, const char *line, size_t len);

/* bk_log_finish - the end of the input: recipients still pending are
 * reported as deferred */
void bk_log_finish(bk_log_reader *r);

/* bk_log_stats_get - the counts so far */
void bk_log_stats_get(const bk_log_reader *r, bk_log_stats *out);

/* bk_log_reader_free - release everything (without reporting what is pending) */
void bk_log_reader_free(bk_log_reader *r);

/* ------------------------------------------------------------------------
 * Suppression list: events, the policy, and the store (SQLite; the
 * interface is backend-neutral, see src/lib/store/store.h)
 * ---------------------------------------------------------------------- */

#define BK_REASON_NAME_MAX 24
#define BK_TOKEN_MAX 65
#define BK_NOTE_MAX 256
#define BK_EVENT_TEXT_MAX 256

/* One thing that happened to one recipient: a bounce, a complaint, an
 * opt-out, a delivery. Strings are UTF-8 and NUL-terminated, "" when unknown. */
typedef struct {
    char recipient[BK_ADDR_MAX];   /* as given; the store normalises it */
    char addresser[BK_ADDR_MAX];   /* the sender: sender problems count by its domain */
    long long time;                /* seconds since 1970; 0: unknown (the ingest time) */
    char source[16];               /* decode, logs, jsonl, manual */
    char origin[BK_FIELD_MAX];     /* the input it came from */
    char reason[BK_REASON_NAME_MAX]; /* one of the 36 reasons */
    int hardbounce;
    bk_permanence permanence;
    char status[BK_STATUS_MAX];
    int replycode;
    char feedbacktype[32];         /* abuse, fraud, opt-out, ... (complaints) */
    char outcome[16];              /* of a log: delivered, deferred, bounced, expired, rejected */
    char diagnosticcode[BK_EVENT_TEXT_MAX]; /* the remote text, cut to fit */
    char token[BK_TOKEN_MAX];      /* de-duplication key; "" lets the parser make one */
} bk_event;

/* bk_event_from_json - one JSON Lines record of decode, logs --events or
 * classify (len bytes). Returns 0 filled, 1 skipped (no recipient: why in
 * err), -1 malformed (why in err). A record without a token gets the SHA-1
 * of its recipient, time, reason, status and diagnostic text. */
int bk_event_from_json(const char *line, size_t len, bk_event *out, char *err, size_t errlen);

/* bk_event_from_bounce - the event of one decoded recipient */
void bk_event_from_bounce(const bk_bounce *b, const char *origin, bk_event *out);

/* bk_event_from_log - the event of one log outcome */
void bk_event_from_log(const bk_log_event *e, const char *origin, bk_event *out);

/* bk_time_parse - an ISO 8601 time ("2026-01-02T03:04:05+09:00"; UTC when it
 * has no zone), a date ("2026-01-02", midnight UTC) or seconds since 1970, as
 * seconds since 1970; -1 when it is none of these */
long long bk_time_parse(const char *s);

/* bk_address_normalize - the one normal form of an address (docs/suppression.md):
 * white space and angle brackets off, domain lower-cased and IDN to punycode,
 * local part kept (cut at '+' when fold_plus). Returns 0, or -1 with why in err. */
int bk_address_normalize(const char *in, size_t len, int fold_plus, char *out, size_t outlen,
                         char *err, size_t errlen);

/* bk_domain_normalize - a domain alone ("@" and "*@" prefixes allowed), as above */
int bk_domain_normalize(const char *in, size_t len, char *out, size_t outlen, char *err,
                        size_t errlen);

/* What the policy does with one event. */
typedef enum {
    BK_POLICY_RECORD = 0, /* kept in the history, nothing else */
    BK_POLICY_SUPPRESS,   /* a hard bounce: suppress the address now */
    BK_POLICY_COMPLAINT,  /* a complaint or opt-out: suppress the address now */
    BK_POLICY_SOFT,       /* counts towards soft_count within soft_window */
    BK_POLICY_SENDER,     /* the sender's problem: counted per sender domain */
    BK_POLICY_DOMAIN,     /* suppress the address and its whole domain */
    BK_POLICY_CLEAR       /* a delivery that lifts an expiring policy suppression */
} bk_policy_action;

/* bk_policy_action_name - "record", "suppress", "complaint", "soft", "sender", "domain", "clear" */
const char *bk_policy_action_name(bk_policy_action a);

/* The policy; bk_policy_default gives the documented defaults. Times in
 * seconds; an expiry of 0 means never. */
typedef struct {
    int soft_count;                /* soft bounces within soft_window that suppress (3) */
    long long soft_window;         /* 14 days */
    long long soft_expiry;         /* 30 days */
    long long hard_expiry;         /* 0: never */
    long long complaint_expiry;    /* 0: never */
    long long domain_expiry;       /* 90 days */
    int fold_plus;                 /* fold user+tag@ to user@ (0) */
    int domain_hostunknown;        /* a hard hostunknown suppresses the domain (1) */
    int domain_notaccept;          /* a hard notaccept suppresses the domain (0) */
    int delivered_clears;          /* a delivery lifts an expiring policy suppression (0) */
    unsigned long long soft_reasons;   /* bit i: bk_reason_names()[i] counts as soft */
    unsigned long long sender_reasons; /* bit i: the sender's problem */
} bk_policy;

/* bk_policy_default - the documented defaults */
void bk_policy_default(bk_policy *p);

/* bk_policy_set - one setting by name ("soft-count", "soft-window", "soft-expiry",
 * "hard-expiry", "complaint-expiry", "domain-expiry", "fold-plus",
 * "domain-hostunknown", "domain-notaccept", "delivered-clears", "soft-reasons",
 * "sender-reasons"); times as 90, 30m, 12h, 14d or never; switches yes/no;
 * reasons comma-separated. Returns 0, or -1 with why in err. */
int bk_policy_set(bk_policy *p, const char *key, const char *value, char *err, size_t errlen);

/* bk_policy_decide - what the policy does with e */
bk_policy_action bk_policy_decide(const bk_policy *p, const bk_event *e);

/* bk_duration_parse - "90", "30m", "12h", "14d", "never" (0) as seconds; -1 when malformed */
long long bk_duration_parse(const char *s);

typedef struct bk_store bk_store;

/* One entry of the list: an address or a whole domain. */
typedef struct {
    char key[BK_ADDR_MAX];         /* the normalised address, or the domain */
    int domain;                    /* 1: a whole domain */
    int suppressed;                /* 1: suppressed (until expires, when set) */
    char reason[BK_REASON_NAME_MAX];
    char source[16];               /* policy, manual, import */
    long long created;             /* when it became suppressed; 0 when not */
    long long expires;             /* 0: never */
    long long first_seen, last_seen; /* of its events */
    long long count;               /* events seen */
    long long cleared;             /* when last removed (soft counts start after) */
    char note[BK_NOTE_MAX];
} bk_store_entry;

/* bk_store_entry_active - 1 when e is suppressed at time now */
int bk_store_entry_active(const bk_store_entry *e, long long now);

/* bk_store_open - open or create a store: spec is a file path, or NULL for
 * $XDG_DATA_HOME/bouncekit/bouncekit.db (~/.local/share/...), or a
 * "postgresql://" (or "postgres://") URI for a PostgreSQL database shared
 * by many hosts (docs/fleet.md). An older schema is migrated in place. policy may be NULL (the defaults). NULL with the
 * reason in err (not a database, not ours, newer schema, ...). */
bk_store *bk_store_open(const char *spec, const bk_policy *policy, char *err, size_t errlen);

/* bk_store_idle - the handle will sit unused for a while (a service's pool):
 * let go of what a run of lookups holds, so other writers' journal does not
 * grow meanwhile */
void bk_store_idle(bk_store *s);

/* bk_store_close - commit nothing pending (a batch still open is rolled back), release */
void bk_store_close(bk_store *s);

/* bk_store_where - the file or URL the store was opened from */
const char *bk_store_where(const bk_store *s);

/* bk_store_policy - the policy in use */
const bk_policy *bk_store_policy(const bk_store *s);

/* bk_store_begin - start a batch: the events ingested up to bk_store_commit
 * are written at once, or not at all. Returns 0 or -1 (err). */
int bk_store_begin(bk_store *s, char *err, size_t errlen);
/* bk_store_commit - write the batch; 0 or -1 (err; the batch is rolled back) */
int bk_store_commit(bk_store *s, char *err, size_t errlen);
/* bk_store_rollback - drop the batch */
void bk_store_rollback(bk_store *s);

typedef enum {
    BK_CHANGE_RECORDED = 0,  /* kept in the history only */
    BK_CHANGE_DUPLICATE,     /* its address had its token: nothing changed */
    BK_CHANGE_SUPPRESSED,    /* the address is newly suppressed */
    BK_CHANGE_ALREADY,       /* already suppressed (expiry extended when longer) */
    BK_CHANGE_COUNTED,       /* a soft bounce counted, not yet enough */
    BK_CHANGE_SENDER,        /* a sender problem counted */
    BK_CHANGE_DOMAIN,        /* the domain is newly suppressed (and the address) */
    BK_CHANGE_CLEARED,       /* a delivery lifted a suppression */
    BK_CHANGE_INVALID        /* the recipient is not an address: nothing stored */
} bk_change;

/* bk_change_name - "recorded", "duplicate", "suppressed", "already", "counted",
 * "sender", "domain", "cleared", "invalid" */
const char *bk_change_name(bk_change c);

typedef struct {
    bk_change change;
    bk_policy_action action;
    char address[BK_ADDR_MAX];     /* normalised */
    char domain[BK_ADDR_MAX];      /* the recipient's domain, or the sender's for SENDER */
    long long time;                /* the event's time as stored */
    int soft_seen;                 /* soft bounces in the window, this one included */
    long long expires;             /* of the suppression, 0: never */
} bk_ingest_result;

/* bk_store_ingest - apply the policy to one event (inside a batch, or on its
 * own). Returns 0 (see out->change; an INVALID recipient has why in err), or
 * -1 when the store failed (err). */
int bk_store_ingest(bk_store *s, const bk_event *e, bk_ingest_result *out, char *err,
                    size_t errlen);

/* bk_store_ingest_batch - bk_store_ingest of n events (inside a batch, or
 * in a transaction of its own), with the same results as one at a time in
 * the order given (out[i] for events[i]; an INVALID recipient's why is not
 * kept), but written in the order of their addresses, which is much faster
 * for addresses in no order. 0, or -1 when the store failed (err; in its own
 * transaction nothing was written). */
int bk_store_ingest_batch(bk_store *s, const bk_event *events, size_t n, bk_ingest_result *out,
                          char *err, size_t errlen);

typedef struct {
    int suppressed;                /* 1: must not be sent to */
    int allowed;                   /* 1: suppressed, but on the allow-list (suppressed is 0) */
    int by_domain;                 /* the suppression is of the whole domain */
    char address[BK_ADDR_MAX];     /* normalised */
    bk_store_entry entry;          /* the suppression that applies (or would, when allowed) */
} bk_check_result;

/* bk_store_check - may address be sent to at time now (0: the current
 * time)? Returns 0, 1 when it is not an address (why in err), or -1 when the
 * store failed (err). */
int bk_store_check(bk_store *s, const char *address, long long now, bk_check_result *out,
                   char *err, size_t errlen);

/* A service answering many lookups from many handles on one list (a pool)
 * shares one lookup snapshot between them: a bk_lookup_cache, with a handle
 * and a thread of its own that rebuilds the snapshot when the list changes,
 * off the lookups' path (while it is behind a change, checks ask the
 * backend: always right). */
typedef struct bk_lookup_cache bk_lookup_cache;

/* bk_lookup_cache_new - a cache on the store of spec (as bk_store_open);
 * its first snapshot is built at once, in the background. NULL (err). */
bk_lookup_cache *bk_lookup_cache_new(const char *spec, const bk_policy *policy, char *err,
                                     size_t errlen);

/* bk_store_share_lookups - checks on s use the cache's snapshot from now
 * on; 0, or -1 when out of memory. The cache must outlive s. */
int bk_store_share_lookups(bk_store *s, bk_lookup_cache *c);

/* bk_store_lookups_sync - tell s's cache of the writes made through s since
 * the last call, before answering for them: from then on every handle's
 * checks see them (through the backend until the snapshot is rebuilt) */
void bk_store_lookups_sync(bk_store *s);

/* bk_lookup_cache_free - stop its thread, release (after its handles) */
void bk_lookup_cache_free(bk_lookup_cache *c);

/* bk_store_add - suppress an address (or a domain, key "@domain") by hand:
 * source, reason and note as given in e (source "" is "manual"), expires 0
 * never. Returns 0 or -1 (err). */
int bk_store_add(bk_store *s, const char *key, const bk_store_entry *e, char *err, size_t errlen);

/* bk_store_remove - lift the suppression of an address or "@domain" (its
 * history stays). Returns 1 lifted, 0 was not suppressed, -1 (err). */
int bk_store_remove(bk_store *s, const char *key, char *err, size_t errlen);

/* What bk_store_list gives. */
typedef struct {
    const char *domain;            /* only this recipient domain (NULL: all) */
    const char *reason;            /* only this reason */
    const char *source;            /* only this source */
    int all;                       /* also entries not (or no longer) suppressed */
    long long now;                 /* 0: the current time */
    long long limit;               /* 0: no limit */
    long long offset;              /* entries to skip, for paging */
} bk_store_filter;

typedef int (*bk_store_entry_fn)(const bk_store_entry *e, void *ctx); /* non-zero stops */
typedef int (*bk_store_event_fn)(const bk_event *e, const char *action, void *ctx);

/* bk_store_list - the entries (domains first, then addresses, each by key) */
int bk_store_list(bk_store *s, const bk_store_filter *f, bk_store_entry_fn fn, void *ctx,
                  char *err, size_t errlen);

/* bk_store_history - the events of one address, oldest first, with the
 * policy action each got; also its entry (when any) in *entry */
int bk_store_history(bk_store *s, const char *address, bk_store_event_fn fn, void *ctx,
                     bk_store_entry *entry, int *found, char *err, size_t errlen);

typedef struct {
    long long events;              /* every event kept */
    long long addresses;           /* addresses seen */
    long long suppressed;          /* addresses suppressed now */
    long long domains;             /* domains suppressed now */
    long long allowed;             /* allow-list entries */
    long long sender_problems;     /* sender-problem events */
    int schema;                    /* the schema version */
} bk_store_stats;

/* one row of a breakdown: group "reason" (suppressed now, by reason),
 * "source", "action" (events by policy action), "domain" (suppressed
 * addresses by domain, top 20), "sender" (sender domain, reason) */
typedef int (*bk_store_row_fn)(const char *group, const char *name, const char *detail,
                               long long count, long long last, void *ctx);

/* bk_store_stats_get - the totals and, when fn is given, the breakdowns */
int bk_store_stats_get(bk_store *s, long long now, bk_store_stats *out, bk_store_row_fn fn,
                       void *ctx, char *err, size_t errlen);

/* bk_store_allow - put an address or "@domain" on the allow-list (it wins
 * over every suppression); bk_store_disallow takes it off (1 removed, 0 was
 * not there). Both -1 on error (err). */
int bk_store_allow(bk_store *s, const char *key, const char *note, char *err, size_t errlen);
int bk_store_disallow(bk_store *s, const char *key, char *err, size_t errlen);

/* bk_store_allow_list - every allow-list entry: fn(key, note, created, ctx) */
int bk_store_allow_list(bk_store *s,
                        int (*fn)(const char *key, const char *note, long long created, void *ctx),
                        void *ctx, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* BOUNCEKIT_H */
