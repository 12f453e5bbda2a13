/*
 * serve_policy.c - the Postfix policy delegation protocol
 * (SMTPD_POLICY_README): a request is name=value lines and an empty line;
 * the reply "action=...", then an empty line. For a request naming a
 * suppressed recipient the action is the configured one (REJECT by
 * default) with the reason: "action=REJECT 5.1.1 <a@b>: recipient
 * suppressed (userunknown, policy)"; otherwise DUNNO, so the restrictions
 * that follow decide. A store that is away gives DEFER_IF_PERMIT 4.3.0 at
 * once: suppressed mail is not sent, and the sender retries.
 */
#include "policy_req.h"
#include "serve.h"

#include <stdio.h>
#include <string.h>

/* reply - the action for one request */
static void reply(const serve_ctx *c, const policy_req *r, bk_buf *out)
{
    char text[900];
    if (!r->recipient[0]) {
        bk_buf_puts(out, "action=DUNNO\n\n");
        return;
    }
    switch (serve_check(c, VIA_POLICY, r->recipient, strlen(r->recipient), c->policy_action, text,
                        sizeof text)) {
    case CHECK_SUPPRESSED:
        bk_buf_printf(out, "action=%s\n\n", text);
        break;
    case CHECK_TEMP:
        bk_buf_printf(out, "action=DEFER_IF_PERMIT 4.3.0 %s\n\n", text);
        break;
    default:
        bk_buf_puts(out, "action=DUNNO\n\n");
    }
}

long policy_handler(void *ctx, const char *in, size_t len, bk_buf *out)
{
    size_t pos = 0;
    for (;;) {
        policy_req r;
        size_t used;
        const char *why;
        int rc = policy_req_parse(in + pos, len - pos, &r, &used, &why);
        if (rc < 0) {
            fprintf(stderr, "bouncekit: serve: policy: malformed request: %s\n", why);
            return -1;
        }
        if (rc == 0)
            return (long)pos;
        reply(ctx, &r, out);
        pos += used;
    }
}
