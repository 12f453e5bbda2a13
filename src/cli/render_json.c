/*
 * render_json.c - an explanation and a parsed reply as JSON objects
 * (jansson), with the same content as the terminal page.
 */
#include "render.h"

#include <string.h>

/* str - a JSON string, or null for NULL */
static json_t *str(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* strn - a JSON string from a span, or null when empty */
static json_t *strn(bk_span sp)
{
    return sp.len ? json_stringn(sp.ptr, sp.len) : json_null();
}

/* array - a JSON array of strings */
static json_t *array(const bk_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->items[i]));
    return a;
}

json_t *render_json_reply(const bk_reply *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "replycode", r->reply_code ? json_integer(r->reply_code) : json_null());
    json_object_set_new(o, "status", r->status[0] ? json_string(r->status) : json_null());
    json_object_set_new(o, "command", r->command ? json_string(bk_command_name(r->command)) : json_null());
    json_object_set_new(o, "rhost", strn(r->host));
    json_object_set_new(o, "raddress", strn(r->address));
    json_object_set_new(o, "text", json_string(r->text));
    json_object_set_new(o, "text_truncated", json_boolean(r->text_truncated));
    json_object_set_new(o, "permanence", json_string(bk_permanence_name(r->permanence)));
    json_object_set_new(o, "decided_by", json_string(bk_decider_name(r->decided_by)));
    json_object_set_new(o, "decision", str(r->decision));
    if (r->bad_reply_code)
        json_object_set_new(o, "invalid_replycode", json_integer(r->bad_reply_code));
    if (r->bad_status[0])
        json_object_set_new(o, "invalid_status", json_string(r->bad_status));
    return o;
}

json_t *render_json(const bk_explanation *e, const bk_reply *parsed)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(e->key));
    json_object_set_new(o, "replycode", e->reply_code ? json_integer(e->reply_code) : json_null());
    json_object_set_new(o, "status", e->status[0] ? json_string(e->status) : json_null());
    json_object_set_new(o, "entry", json_string(e->entry));
    json_object_set_new(o, "exact", json_boolean(e->exact));
    json_object_set_new(o, "title", str(e->title));
    json_object_set_new(o, "summary", str(e->summary));
    json_object_set_new(o, "permanence", json_string(bk_permanence_name(e->permanence)));
    json_object_set_new(o, "bounce", str(e->bounce));
    json_object_set_new(o, "hardbounce", json_boolean(e->bounce && strcmp(e->bounce, "hard") == 0));
    json_object_set_new(o, "severity", str(e->severity));
    json_object_set_new(o, "category", str(e->category));
    json_object_set_new(o, "suggestion", str(e->action));
    json_object_set_new(o, "standard", str(e->standard));
    json_object_set_new(o, "decided_by", json_string(bk_decider_name(e->decided_by)));
    json_object_set_new(o, "decision", str(e->decision));
    if (e->transient_bounce && e->status[0]) {
        json_t *by = json_object();
        json_object_set_new(by, "transient", json_pack("{s:s,s:s,s:s}", "bounce", e->transient_bounce,
                                                       "suggestion", e->transient_action,
                                                       "severity", e->transient_severity));
        json_object_set_new(by, "permanent", json_pack("{s:s,s:s,s:s}", "bounce", e->permanent_bounce,
                                                       "suggestion", e->permanent_action,
                                                       "severity", e->permanent_severity));
        json_object_set_new(o, "by_class", by);
    }
    json_object_set_new(o, "meaning", array(&e->meaning));
    json_object_set_new(o, "log_examples", array(&e->log));
    json_object_set_new(o, "causes", array(&e->cause));
    json_object_set_new(o, "fixes", array(&e->fix));
    json_t *prov = json_array();
    for (size_t i = 0; i < e->provider.n; i++) {
        const char *note = e->provider.items[i];
        const char *colon = strchr(note, ':');
        if (colon) {
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            json_array_append_new(prov, json_pack("{s:s%,s:s}", "provider", note,
                                                  (size_t)(colon - note), "note", v));
        } else
            json_array_append_new(prov, json_pack("{s:n,s:s}", "provider", "note", note));
    }
    json_object_set_new(o, "providers", prov);
    json_t *faq = json_array();
    for (size_t i = 0; i < e->n_faq; i++)
        json_array_append_new(faq, json_pack("{s:s,s:s}", "question", e->faq[i].question,
                                             "answer", e->faq[i].answer));
    json_object_set_new(o, "faq", faq);
    json_object_set_new(o, "related", array(&e->related));
    if (parsed)
        json_object_set_new(o, "parsed", render_json_reply(parsed));
    return o;
}
