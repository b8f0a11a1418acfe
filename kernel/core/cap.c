/*
 * Capability spaces and the derivation tree.
 *
 * A domain's cspace is an array of slots in chunks of CSPACE_CHUNK, each chunk made (and
 * charged to the domain's quota) when a slot in it is first looked up, so a large
 * cspace costs only the chunks its domain uses: the POSIX runtime's thousands of slots
 * (one or more per thread) cost a fork nothing until used. A slot holds an
 * object reference, rights, a badge and flags. Copies are derived: they become
 * children of their source in the derivation tree (CDT), and may have fewer rights
 * and, if the source has no badge yet, a badge. Deleting a slot splices its children
 * to its parent; revoking deletes all its descendants. Deleting the original (the
 * root made by a create call) revokes it and destroys the object. A watch on a slot
 * signals a notification when the slot has no children left.
 *
 * The tree is kept as rings (struct cap_link): a slot's children are linked through
 * their sib links into a ring whose head is the slot's kids link. No child records
 * its parent, so every change is O(1): deriving, deleting one slot (its children's
 * ring is spliced into its parent's in its place), moving a slot (its neighbours are
 * repointed), and each step of a revocation. A parent is found only from a ring that
 * has become empty (the head is all that is left), to fire its watch.
 */
#include "kernel.h"

int cspace_init(struct pd *pd, uint32_t nslots)
{
    uint32_t nchunks = (nslots + CSPACE_CHUNK - 1) / CSPACE_CHUNK;
    int err;
    pd->chunks = kmalloc(pd->obj.quota, nchunks * sizeof(struct cap *), &err); /* zeroed */
    if (!pd->chunks)
        return err;
    pd->nslots = nchunks * CSPACE_CHUNK;
    return 0;
}

bool cspace_teardown(struct pd *pd, uint64_t *budget)
{
    if (!pd->chunks)
        return true;
    struct quota *q = pd->obj.quota;
    uint32_t nchunks = pd->nslots / CSPACE_CHUNK;
    uint64_t b = *budget;
    uint32_t j = pd->td_slot % CSPACE_CHUNK;
    for (uint32_t i = pd->td_slot / CSPACE_CHUNK; i < nchunks; i++, j = 0) {
        struct cap *row = pd->chunks[i];
        if (!row)
            continue; /* never used */
        struct cap *c = row + j, *end = row + CSPACE_CHUNK;
        for (; c < end; c++) {
            if (!c->obj)
                continue;
            if (!b) {
                pd->td_slot = i * CSPACE_CHUNK + (uint32_t)(c - row);
                *budget = 0;
                return false;
            }
            cap_delete_slot(c);
            b--;
        }
        b -= b > 0; /* a chunk of empty slots is cheap, but not free */
    }
    *budget = b;
    pd->td_slot = pd->nslots;
    for (uint32_t i = 0; i < nchunks; i++)
        if (pd->chunks[i])
            kfree(q, pd->chunks[i], CSPACE_CHUNK * sizeof(struct cap));
    kfree(q, pd->chunks, nchunks * sizeof(struct cap *));
    pd->chunks = NULL;
    pd->nslots = 0;
    return true;
}

struct cap *cap_lookup(struct pd *pd, uint64_t slot, int *err)
{
    if (!pd->chunks || slot == 0 || slot >= pd->nslots) {
        *err = CX_E_INVALID_SLOT;
        return NULL;
    }
    struct cap **chunk = &pd->chunks[slot / CSPACE_CHUNK];
    if (!*chunk) {
        if (pd->obj.dead) { /* being torn down: no slot is made any more */
            *err = CX_E_INVALID_SLOT;
            return NULL;
        }
        *chunk = kmalloc(pd->obj.quota, CSPACE_CHUNK * sizeof(struct cap), err); /* zeroed */
        if (!*chunk)
            return NULL;
    }
    *err = 0;
    return &(*chunk)[slot % CSPACE_CHUNK];
}

struct cap *cap_get(struct pd *pd, uint64_t slot, uint8_t type, uint8_t rights, int *err)
{
    struct cap *c = cap_lookup(pd, slot, err);
    if (!c)
        return NULL;
    if (!c->obj) {
        *err = CX_E_EMPTY_SLOT;
        return NULL;
    }
    if (type != CX_T_NONE && c->obj->type != type) {
        *err = CX_E_WRONG_TYPE;
        return NULL;
    }
    if ((c->rights & rights) != rights) {
        *err = CX_E_NO_RIGHTS;
        return NULL;
    }
    if (c->obj->dead) {
        *err = CX_E_DEAD;
        return NULL;
    }
    return c;
}

struct cap *cap_empty_slot(struct pd *pd, uint64_t slot, int *err)
{
    struct cap *c = cap_lookup(pd, slot, err);
    if (c && c->obj) {
        *err = CX_E_SLOT_IN_USE;
        return NULL;
    }
    return c;
}

void cap_install_original(struct cap *slot, struct kobj *obj, uint8_t rights)
{
    memset(slot, 0, sizeof(*slot));
    slot->obj = obj;
    slot->rights = rights;
    slot->flags = CX_CAPF_ORIGINAL;
    kobj_get(obj);
}

/* The slot whose kids link is the head h. */
static struct cap *cap_of_kids(struct cap_link *h)
{
    return container_of(h, struct cap, kids);
}

static struct cap *cap_of_sib(struct cap_link *l)
{
    return container_of(l, struct cap, sib);
}

/* c, not yet in any ring, becomes parent's first child. */
static void cdt_link_child(struct cap *parent, struct cap *c)
{
    struct cap_link *h = &parent->kids;
    if (!h->next) {
        h->next = h->prev = &c->sib;
        c->sib.next = c->sib.prev = h;
        return;
    }
    c->sib.prev = h;
    c->sib.next = h->next;
    h->next->prev = &c->sib;
    h->next = &c->sib;
}

static void watch_fire(struct cap *c)
{
    if (c->watch && !cap_has_children(c)) {
        struct notif *n = c->watch;
        c->watch = NULL;
        notif_signal_bits(n, c->watch_bits);
        kobj_put(&n->obj);
    }
}

/*
 * Takes c out of the tree; its children take its place in its parent's ring, in one
 * step whatever their number (their parent is the ring's head, not a field of theirs).
 * A slot without a parent is an original, whose children are revoked before it goes;
 * should one have children anyway, they become roots one by one.
 */
static void cdt_unlink(struct cap *c)
{
    struct cap_link *n = c->sib.next, *p = c->sib.prev;
    struct cap_link *first = c->kids.next, *last = c->kids.prev;
    if (!n) {
        while (first) {
            struct cap_link *nx = first == last ? NULL : first->next;
            first->next = first->prev = NULL;
            first = nx;
        }
    } else if (first) {
        p->next = first;
        first->prev = p;
        last->next = n;
        n->prev = last;
    } else if (n == p) { /* only the head is left: the parent has no children now */
        n->next = n->prev = NULL;
        watch_fire(cap_of_kids(n));
    } else {
        p->next = n;
        n->prev = p;
    }
    c->sib.next = c->sib.prev = c->kids.next = c->kids.prev = NULL;
}

int cap_derive(struct cap *src, struct cap *dst, uint8_t rights, uint64_t badge)
{
    uint8_t type = src->obj->type;
    if (badge && src->badge)
        return CX_E_INVALID_ARG; /* a badge, once set, is never changed */
    if (badge && type != CX_T_EP && type != CX_T_NOTIF)
        return CX_E_INVALID_ARG;
    memset(dst, 0, sizeof(*dst));
    dst->obj = src->obj;
    dst->rights = src->rights & rights;
    dst->badge = badge ? badge : src->badge;
    kobj_get(dst->obj);
    cdt_link_child(src, dst);
    return 0;
}

/* Moves a slot's content to an empty slot, keeping its place in the CDT: only its two
 * neighbours in each ring point at it. */
void cap_move_slot(struct cap *src, struct cap *dst)
{
    *dst = *src;
    if (dst->sib.next) {
        dst->sib.next->prev = &dst->sib;
        dst->sib.prev->next = &dst->sib;
    }
    if (dst->kids.next) {
        dst->kids.next->prev = &dst->kids;
        dst->kids.prev->next = &dst->kids;
    }
    memset(src, 0, sizeof(*src));
}

/* Deletes every descendant of c: each step deletes c's first child, whose own children
 * move up in one step, so the work is one step per descendant (no walk down a chain). */
void cap_revoke_slot(struct cap *c)
{
    while (c->kids.next)
        cap_delete_slot(cap_of_sib(c->kids.next));
}

bool cap_revoke_some(struct cap *c, unsigned max)
{
    for (unsigned i = 0; i < max && c->kids.next; i++)
        cap_delete_slot(cap_of_sib(c->kids.next));
    return !c->kids.next;
}

void cap_delete_slot(struct cap *c)
{
    struct kobj *o = c->obj;
    if (!o)
        return;
    bool original = c->flags & CX_CAPF_ORIGINAL;
    if (original)
        cap_revoke_slot(c);
    cdt_unlink(c);
    if (c->watch) {
        kobj_put(&c->watch->obj);
        c->watch = NULL;
    }
    memset(c, 0, sizeof(*c));
    if (original) {
        kobj_get(o);
        kobj_destroy(o);
        kobj_put(o); /* the slot's reference */
        kobj_put(o);
    } else {
        kobj_put(o);
    }
}
