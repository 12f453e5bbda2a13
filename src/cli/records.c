/*
 * records.c - one decoded record as the JSON object 'decode' and 'webhook'
 * print, and a verdict as the object of 'classify' (records.h).
 */
#include "records.h"

#include <stdio.h>
#include <string.h>

/* opt_str - a JSON string, or null when empty */
static json_t *opt_str(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

/* verdict_keys - the verdict's keys from reason to pmtacategory */
static void verdict_keys(json_t *o, const bk_verdict *v, const char *provider)
{
    json_object_set_new(o, "reason", json_string(v->reason));
    json_object_set_new(o, "hardbounce", json_boolean(v->hardbounce));
    json_object_set_new(o, "permanence", json_string(bk_permanence_name(v->permanence)));
    json_object_set_new(o, "category", opt_str(v->category));
    json_object_set_new(o, "fault", opt_str(v->fault));
    json_object_set_new(o, "suggestion", opt_str(v->suggestion));
    json_object_set_new(o, "severity", opt_str(v->severity));
    json_object_set_new(o, "provider", opt_str(provider));
    json_object_set_new(o, "bounceclass", opt_str(v->bounce_class));
    json_object_set_new(o, "pmtacategory", opt_str(v->pmta_category));
}

void verdict_fields(json_t *o, const bk_verdict *v, const char *provider)
{
    verdict_keys(o, v, provider);
    json_object_set_new(o, "rule", opt_str(v->rule));
}

json_t *record_json(const char *origin, const bk_bounce *b)
{
    const bk_verdict *v = &b->verdict;
    json_t *o = json_object();
    json_object_set_new(o, "origin", json_string(origin));
    json_object_set_new(o, "timestamp", opt_str(b->timestamp));
    json_object_set_new(o, "addresser", opt_str(b->addresser));
    json_object_set_new(o, "recipient", opt_str(b->recipient)); /* none: a complaint that names none */
    json_object_set_new(o, "origrecipient", opt_str(b->origrecipient));
    json_object_set_new(o, "action", opt_str(b->action));
    json_object_set_new(o, "status", opt_str(v->status));
    json_object_set_new(o, "replycode", v->reply_code ? json_integer(v->reply_code) : json_null());
    json_object_set_new(o, "command", opt_str(bk_command_name(v->command)));
    json_object_set_new(o, "diagnosticcode", opt_str(b->diagnosticcode));
    json_object_set_new(o, "diagnostictype", opt_str(b->diagnostictype));
    verdict_fields(o, v, v->provider);
    json_object_set_new(o, "rhost", opt_str(b->rhost));
    json_object_set_new(o, "lhost", opt_str(b->lhost));
    json_object_set_new(o, "decodedby", json_string(b->decodedby));
    json_object_set_new(o, "messageid", opt_str(b->messageid));
    json_object_set_new(o, "subject", opt_str(b->subject));
    json_object_set_new(o, "listid", opt_str(b->listid));
    json_object_set_new(o, "feedbacktype", opt_str(b->feedbacktype));
    json_object_set_new(o, "token", json_string(b->token));
    return o;
}

json_t *verdict_json(const bk_verdict *v, const bk_reply *r, const char *host)
{
    json_t *o = json_object();
    json_object_set_new(o, "diagnosticcode", json_stringn_nocheck(r->text, r->text_len));
    verdict_keys(o, v, v->provider);
    json_object_set_new(o, "replycode", v->reply_code ? json_integer(v->reply_code) : json_null());
    json_object_set_new(o, "status", opt_str(v->status));
    json_object_set_new(o, "command", opt_str(bk_command_name(v->command)));
    json_object_set_new(o, "rhost", r->host.len ? json_stringn_nocheck(r->host.ptr, r->host.len)
                                                : opt_str(host));
    json_object_set_new(o, "rule", opt_str(v->rule));
    return o;
}

void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    putc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', out);
        putc(*s, out);
    }
    putc('"', out);
}
