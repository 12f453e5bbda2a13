/*
 * suppress_json.c - an entry of the suppression list as the JSON object of
 * export and list (email, reason, created, expires, source, and more),
 * and times as ISO 8601 UTC; shared by bouncekit suppress and serve.
 */
#include "suppress.h"

#include <jansson.h>
#include <stdio.h>
#include <time.h>

const char *sup_time(long long t, char *buf, size_t len)
{
    time_t x = (time_t)t;
    struct tm tm;
    buf[0] = '\0';
    if (t > 0 && gmtime_r(&x, &tm))
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void sup_email(const bk_store_entry *e, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", e->domain ? "@" : "", e->key);
}

json_t *sup_entry_json(const bk_store_entry *e, int full)
{
    char email[BK_ADDR_MAX + 1], t[32];
    sup_email(e, email, sizeof email);
    json_t *o = json_object();
    json_object_set_new(o, "email", json_string(email));
    json_object_set_new(o, "reason", json_string(e->reason));
    json_object_set_new(o, "created", e->created ? json_string(sup_time(e->created, t, sizeof t)) : json_null());
    json_object_set_new(o, "expires", e->expires ? json_string(sup_time(e->expires, t, sizeof t)) : json_null());
    json_object_set_new(o, "source", json_string(e->source));
    if (full) {
        json_object_set_new(o, "suppressed", json_boolean(e->suppressed));
        json_object_set_new(o, "firstseen", e->first_seen ? json_string(sup_time(e->first_seen, t, sizeof t)) : json_null());
        json_object_set_new(o, "lastseen", e->last_seen ? json_string(sup_time(e->last_seen, t, sizeof t)) : json_null());
        json_object_set_new(o, "count", json_integer(e->count));
        json_object_set_new(o, "note", e->note[0] ? json_string(e->note) : json_null());
    }
    return o;
}
