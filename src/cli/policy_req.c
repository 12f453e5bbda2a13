/*
 * policy_req.c - the reader of Postfix policy delegation requests
 * (policy_req.h). Lines end with LF (a CR before it is dropped); values
 * longer than their field are cut, never overrun. Nothing is read past len.
 */
#include "policy_req.h"

#include <string.h>

/* keep - a value into a field, cut to fit */
static void keep(char *field, size_t size, const char *v, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(field, v, n);
    field[n] = '\0';
}

/* attribute - one name=value line into r; -1 when it has no '=' */
static int attribute(policy_req *r, const char *line, size_t n)
{
    const char *eq = memchr(line, '=', n);
    if (!eq || eq == line)
        return -1;
    size_t klen = (size_t)(eq - line), vlen = n - klen - 1;
    const char *v = eq + 1;
    static const struct {
        const char *name;
        size_t off, size;
    } FIELDS[] = {
        {"request", offsetof(policy_req, request), sizeof ((policy_req *)0)->request},
        {"protocol_state", offsetof(policy_req, protocol_state), sizeof ((policy_req *)0)->protocol_state},
        {"recipient", offsetof(policy_req, recipient), sizeof ((policy_req *)0)->recipient},
        {"sender", offsetof(policy_req, sender), sizeof ((policy_req *)0)->sender},
        {"client_address", offsetof(policy_req, client_address), sizeof ((policy_req *)0)->client_address},
        {"queue_id", offsetof(policy_req, queue_id), sizeof ((policy_req *)0)->queue_id},
    };
    for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++)
        if (strlen(FIELDS[i].name) == klen && memcmp(FIELDS[i].name, line, klen) == 0)
            keep((char *)r + FIELDS[i].off, FIELDS[i].size, v, vlen);
    return 0;
}

int policy_req_parse(const char *in, size_t len, policy_req *r, size_t *used, const char **why)
{
    memset(r, 0, sizeof *r);
    size_t pos = 0;
    for (;;) {
        const char *nl = memchr(in + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (in + pos)) : len - pos;
        if (n > POLICY_LINE_MAX) {
            *why = "a line longer than 8192 bytes";
            return -1;
        }
        if (!nl)
            return 0;
        const char *line = in + pos;
        pos += n + 1;
        if (n && line[n - 1] == '\r')
            n--;
        if (n == 0) {
            *used = pos;
            return 1;
        }
        if (memchr(line, '\0', n)) {
            *why = "a NUL byte in a line";
            return -1;
        }
        if (++r->attrs > POLICY_ATTRS_MAX) {
            *why = "more than 256 attributes";
            return -1;
        }
        if (attribute(r, line, n) != 0) {
            *why = "a line that is not name=value";
            return -1;
        }
    }
}
