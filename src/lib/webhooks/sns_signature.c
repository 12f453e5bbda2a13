/*
 * sns_signature.c - the signature of an Amazon SNS message (sns_verify),
 * as AWS documents it: the canonical string of the message's fields, each
 * "Name\nvalue\n" in a fixed order (Notification: Message, MessageId,
 * Subject when present, Timestamp, TopicArn, Type; SubscriptionConfirmation
 * and UnsubscribeConfirmation: Message, MessageId, SubscribeURL, Timestamp,
 * Token, TopicArn, Type), signed with RSA over SHA1 (SignatureVersion "1")
 * or SHA256 ("2"); Signature is the base64 of the signature. It is checked
 * with GnuTLS against the public key of a certificate in a local PEM file
 * the caller names (several certificates: any of them); SigningCertURL is
 * never fetched, only required to be an https URL on a host of
 * amazonaws.com. The certificate's chain, dates and subject are not
 * checked: the operator chose the file (docs/webhooks.md).
 */
#include "webhook.h"
#include "file.h"

#include <glib.h>
#include <stdlib.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

#define CERT_FILE_MAX (256u * 1024)   /* a PEM file of certificates */
#define CERTS_MAX 16u                 /* certificates tried from it */
#define SIGNATURE_B64_MAX 4096        /* base64 of an RSA signature up to 24576 bits */

/* the fields signed, in order, by message type; Subject only when present */
static const char *const NOTIFICATION_FIELDS[] = {"Message", "MessageId", "Subject", "Timestamp",
                                                  "TopicArn", "Type", NULL};
static const char *const CONFIRMATION_FIELDS[] = {"Message", "MessageId", "SubscribeURL",
                                                  "Timestamp", "Token", "TopicArn", "Type",
                                                  NULL};

/* canonical - the string SNS signs for message j into s; 0, or -1 with why */
static int canonical(const json_t *j, GString *s, char *why, size_t cap)
{
    const char *type = wh_str(j, "Type");
    const char *const *fields = strcmp(type, "Notification") == 0 ? NOTIFICATION_FIELDS
                                                                   : CONFIRMATION_FIELDS;
    for (size_t i = 0; fields[i]; i++) {
        const json_t *v = json_object_get(j, fields[i]);
        if (!v && strcmp(fields[i], "Subject") == 0)
            continue;
        if (!json_is_string(v)) {
            snprintf(why, cap, "the SNS message has no %s string to check its signature over",
                     fields[i]);
            return -1;
        }
        g_string_append(s, fields[i]);
        g_string_append_c(s, '\n');
        g_string_append_len(s, json_string_value(v), (gssize)json_string_length(v));
        g_string_append_c(s, '\n');
    }
    return 0;
}

/* cert_url_ok - 1 when url is https://HOST/... with HOST ending in .amazonaws.com */
static int cert_url_ok(const char *url)
{
    static const char scheme[] = "https://", suffix[] = ".amazonaws.com";
    if (strncmp(url, scheme, sizeof scheme - 1) != 0)
        return 0;
    const char *host = url + sizeof scheme - 1;
    size_t n = strcspn(host, "/?#");
    if (memchr(host, '@', n) || memchr(host, ':', n))
        return 0;
    return n > sizeof suffix - 1 && host[n] == '/' &&
           g_ascii_strncasecmp(host + n - (sizeof suffix - 1), suffix, sizeof suffix - 1) == 0;
}

/* check_with - 1 when sig over data verifies with one of the certificates in
 * the PEM file at path; 0 when none does; -1 with why when the file is unusable */
static int check_with(const char *path, gnutls_sign_algorithm_t algo, const gnutls_datum_t *data,
                      const gnutls_datum_t *sig, char *why, size_t cap)
{
    char err[300];
    size_t len;
    char *pem = bk_read_file(path, CERT_FILE_MAX, &len, err, sizeof err);
    if (!pem) {
        snprintf(why, cap, "the SNS certificate: %s", err);
        return -1;
    }
    gnutls_datum_t in = {(unsigned char *)pem, (unsigned)len};
    gnutls_x509_crt_t *certs = NULL;
    unsigned n = 0;
    int rc = gnutls_x509_crt_list_import2(&certs, &n, &in, GNUTLS_X509_FMT_PEM, 0);
    free(pem);
    if (rc < 0 || n == 0) {
        snprintf(why, cap, "the SNS certificate %.200s: no PEM certificate (%s)", path,
                 rc < 0 ? gnutls_strerror(rc) : "empty");
        return -1;
    }
    unsigned flags = 0;
#ifdef GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1
    if (algo == GNUTLS_SIGN_RSA_SHA1)
        flags |= GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1;
#endif
    int ok = 0;
    for (unsigned i = 0; i < n; i++) {
        gnutls_pubkey_t key;
        if (!ok && i < CERTS_MAX && gnutls_pubkey_init(&key) == 0) {
            if (gnutls_pubkey_import_x509(key, certs[i], 0) == 0 &&
                gnutls_pubkey_verify_data2(key, algo, flags, data, sig) >= 0)
                ok = 1;
            gnutls_pubkey_deinit(key);
        }
        gnutls_x509_crt_deinit(certs[i]);
    }
    gnutls_free(certs);
    return ok;
}

int sns_verify(const json_t *j, const char *cert_path, char *why, size_t cap)
{
    const char *version = wh_str(j, "SignatureVersion");
    gnutls_sign_algorithm_t algo;
    if (strcmp(version, "1") == 0)
        algo = GNUTLS_SIGN_RSA_SHA1;
    else if (strcmp(version, "2") == 0)
        algo = GNUTLS_SIGN_RSA_SHA256;
    else {
        snprintf(why, cap, "the SNS message has %s SignatureVersion '%.8s' (1 or 2 are checked)",
                 version[0] ? "an unknown" : "no", version);
        return -1;
    }
    const json_t *b64 = json_object_get(j, "Signature");
    if (!json_is_string(b64) || json_string_length(b64) == 0 ||
        json_string_length(b64) > SIGNATURE_B64_MAX) {
        snprintf(why, cap, "the SNS signature is %s",
                 json_is_string(b64) && json_string_length(b64) ? "too long" : "missing");
        return -1;
    }
    if (!cert_url_ok(wh_str(j, "SigningCertURL"))) {
        snprintf(why, cap, "the SNS SigningCertURL '%.120s' is not an https URL of amazonaws.com",
                 wh_str(j, "SigningCertURL"));
        return -1;
    }
    GString *s = g_string_new(NULL);
    if (canonical(j, s, why, cap) != 0) {
        g_string_free(s, TRUE);
        return -1;
    }
    gsize siglen = 0;
    guchar *raw = g_base64_decode(json_string_value(b64), &siglen);
    int ok = 0;
    if (raw && siglen > 0) {
        gnutls_datum_t data = {(unsigned char *)s->str, (unsigned)s->len};
        gnutls_datum_t sig = {raw, (unsigned)siglen};
        ok = check_with(cert_path, algo, &data, &sig, why, cap);
    }
    g_free(raw);
    g_string_free(s, TRUE);
    if (ok < 0)
        return -1;
    if (!ok) {
        snprintf(why, cap, "the SNS signature is wrong (not RSA-%s of the message's fields by "
                           "the configured certificate)", algo == GNUTLS_SIGN_RSA_SHA1 ? "SHA1" : "SHA256");
        return -1;
    }
    return 0;
}
