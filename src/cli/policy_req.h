/*
 * policy_req.h - a Postfix policy delegation request (SMTPD_POLICY_README):
 * "name=value" lines, ended by an empty line. Only the attributes serve
 * needs are kept; the others are read and skipped.
 */
#ifndef BK_POLICY_REQ_H
#define BK_POLICY_REQ_H

#include "bouncekit.h"

#include <stddef.h>

#define POLICY_LINE_MAX 8192   /* a longer line is malformed */
#define POLICY_ATTRS_MAX 256   /* more attributes in one request is malformed */

typedef struct {
    char request[32];          /* "smtpd_access_policy" */
    char protocol_state[16];   /* RCPT, DATA, END-OF-MESSAGE, ... */
    char recipient[BK_ADDR_MAX];
    char sender[BK_ADDR_MAX];
    char client_address[64];
    char queue_id[32];
    size_t attrs;              /* lines read */
} policy_req;

/* policy_req_parse - one whole request at the start of in (len bytes): 1
 * with *r filled and *used its bytes (the empty line included), 0 when it
 * is not complete yet, -1 when malformed (a line without '=', too long, too
 * many lines, a NUL byte); why says which */
int policy_req_parse(const char *in, size_t len, policy_req *r, size_t *used, const char **why);

#endif
