/*
 * batch.c - bk_store_ingest_batch: many events written in the order of
 * their addresses, with the results that one at a time in the order given
 * would have. Addresses in no order (as bounces come) make every event a
 * descent to a random page of the address tree (its entry, events and
 * tokens); in address order each descent starts next to the last one.
 *
 * Why the results are the same. An event reads and writes only: the
 * tokens, the entry and the events of its address (a token is known per
 * address: the same token on another address's event is another event);
 * with the domain action, its domain's entry; and the sender problems,
 * whose updates (count + 1, min and max of times) commute. So events are
 * joined into groups (union-find) when they share an address, or a domain
 * through domain actions. Two events of different groups touch nothing in
 * common but the sender problems, so the groups may go in any order, and
 * the events of a group keep the order given. Groups go by their smallest
 * address: nearly always a group is the events of one address, and the
 * whole is address order; when no domain action joins two addresses it is
 * exactly the order of the first sort (by address, then as given), which
 * is kept without sorting again.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a key and the event it belongs to, for sorting */
typedef struct {
    const char *key;
    size_t i;
} slot;

/* by_key - slots by key, then by event (the given order) */
static int by_key(const void *a, const void *b)
{
    const slot *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* root - the group of event i (path halving) */
static size_t root(size_t *up, size_t i)
{
    while (up[i] != i) {
        up[i] = up[up[i]];
        i = up[i];
    }
    return i;
}

/* join_equal - sort the m slots by key and join the events of equal keys;
 * the number of groups joined */
static size_t join_equal(slot *sl, size_t m, size_t *up)
{
    size_t joined = 0;
    qsort(sl, m, sizeof *sl, by_key);
    for (size_t k = 1; k < m; k++)
        if (!strcmp(sl[k - 1].key, sl[k].key)) {
            size_t a = root(up, sl[k - 1].i), b = root(up, sl[k].i);
            if (a != b) {
                up[a > b ? a : b] = a < b ? a : b;
                joined++;
            }
        }
    return joined;
}

/* token_of - the token event e is kept under: its own, or the one made for it */
static void token_of(const bk_event *e, char out[BK_TOKEN_MAX])
{
    if (e->token[0]) {
        bk_store_copy(out, BK_TOKEN_MAX, e->token);
        return;
    }
    bk_event t = *e;
    bk_event_make_token(&t);
    bk_store_copy(out, BK_TOKEN_MAX, t.token);
}

/* order - the order to apply the events in (ord[0..n)): groups by their
 * smallest address, events of a group as given; valid[i] 0 for an invalid
 * recipient (it touches nothing); the token each valid event is kept under
 * into tok; -1 out of memory */
static int order(const bk_event *events, const bk_ingest_result *out, const char *valid, size_t n,
                 size_t *ord, char (*tok)[BK_TOKEN_MAX])
{
    size_t *up = malloc(n * sizeof *up);
    slot *sl = malloc(n * sizeof *sl);
    const char **first = calloc(n, sizeof *first);
    int rc = -1;
    if (!up || !sl || !first)
        goto done;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        up[i] = i;
    /* one address */
    for (size_t i = 0; i < n; i++)
        if (valid[i])
            sl[m++] = (slot){out[i].address, i};
    join_equal(sl, m, up);
    /* address order, the invalid events (which touch nothing) last: the
     * order when no domain action joins two addresses */
    for (size_t k = 0; k < m; k++)
        ord[k] = sl[k].i;
    for (size_t i = 0, k = m; i < n; i++)
        if (!valid[i])
            ord[k++] = i;
    for (size_t i = 0; i < n; i++)
        if (valid[i])
            token_of(&events[i], tok[i]);
    /* one domain, through domain actions */
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (valid[i] && out[i].action == BK_POLICY_DOMAIN)
            sl[m++] = (slot){out[i].domain, i};
    if (join_equal(sl, m, up) == 0) {
        rc = 0;
        goto done;
    }
    /* each group's smallest address, then the events by it */
    for (size_t i = 0; i < n; i++) {
        size_t r = root(up, i);
        if (valid[i] && (!first[r] || strcmp(out[i].address, first[r]) < 0))
            first[r] = out[i].address;
    }
    for (size_t i = 0; i < n; i++) {
        const char *k = valid[i] ? first[root(up, i)] : "";
        sl[i] = (slot){k, i};
    }
    qsort(sl, n, sizeof *sl, by_key);
    for (size_t k = 0; k < n; k++)
        ord[k] = sl[k].i;
    rc = 0;
done:
    free(up);
    free(sl);
    free(first);
    return rc;
}

int bk_store_ingest_batch(bk_store *s, const bk_event *events, size_t n, bk_ingest_result *out,
                          char *err, size_t errlen)
{
    if (n == 0)
        return 0;
    size_t *ord = malloc(n * sizeof *ord);
    char *valid = malloc(n);
    char(*tok)[BK_TOKEN_MAX] = malloc(n * sizeof *tok);
    int rc = -1, own = !bk_store_in_batch(s);
    if (!ord || !valid || !tok) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    char why[256];
    for (size_t i = 0; i < n; i++)
        valid[i] = bk_store_prepare(s, &events[i], &out[i], why, sizeof why) == 0;
    if (order(events, out, valid, n, ord, tok) != 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (own && bk_store_begin(s, err, errlen) != 0)
        goto done;
    for (size_t k = 0; k < n; k++) {
        size_t i = ord[k];
        /* the token made for an event without one, not made again */
        if (valid[i] && bk_store_apply(s, &events[i], tok[i], &out[i], err, errlen) != 0) {
            if (own)
                bk_store_rollback(s);
            goto done;
        }
    }
    rc = own ? bk_store_commit(s, err, errlen) : 0;
done:
    free(ord);
    free(valid);
    free(tok);
    return rc;
}
