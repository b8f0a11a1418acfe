/*
 * Capability spaces and the derivation tree.
 *
 * A domain's cspace is an array of slots in chunks of CSPACE_CHUNK. A slot holds an
 * object reference, rights, a badge and flags. Copies are derived: they become
 * children of their source in the derivation tree (CDT), and may have fewer rights
 * and, if the source has no badge yet, a badge. Deleting a slot splices its children
 * to its parent; revoking deletes all its descendants. Deleting the original (the
 * root made by a create call) revokes it and destroys the object. A watch on a slot
 * signals a notification when the slot has no children left.
 */
#include "kernel.h"

int cspace_init(struct pd *pd, uint32_t nslots)
{
    struct quota *q = pd->obj.quota;
    uint32_t nchunks = (nslots + CSPACE_CHUNK - 1) / CSPACE_CHUNK;
    int err;
    pd->chunks = kmalloc(q, nchunks * sizeof(struct cap *), &err);
    if (!pd->chunks)
        return err;
    for (uint32_t i = 0; i < nchunks; i++) {
        pd->chunks[i] = kmalloc(q, CSPACE_CHUNK * sizeof(struct cap), &err);
        if (!pd->chunks[i]) {
            for (uint32_t j = 0; j < i; j++)
                kfree(q, pd->chunks[j], CSPACE_CHUNK * sizeof(struct cap));
            kfree(q, pd->chunks, nchunks * sizeof(struct cap *));
            pd->chunks = NULL;
            return err;
        }
    }
    pd->nslots = nchunks * CSPACE_CHUNK;
    return 0;
}

void cspace_teardown(struct pd *pd)
{
    if (!pd->chunks)
        return;
    struct quota *q = pd->obj.quota;
    uint32_t nchunks = pd->nslots / CSPACE_CHUNK;
    for (uint32_t i = 0; i < nchunks; i++) {
        struct cap *c = pd->chunks[i], *end = c + CSPACE_CHUNK;
        for (; c < end; c++)
            if (c->obj)
                cap_delete_slot(c);
    }
    for (uint32_t i = 0; i < nchunks; i++)
        kfree(q, pd->chunks[i], CSPACE_CHUNK * sizeof(struct cap));
    kfree(q, pd->chunks, nchunks * sizeof(struct cap *));
    pd->chunks = NULL;
    pd->nslots = 0;
}

struct cap *cap_lookup(struct pd *pd, uint64_t slot, int *err)
{
    if (!pd->chunks || slot == 0 || slot >= pd->nslots) {
        *err = CX_E_INVALID_SLOT;
        return NULL;
    }
    *err = 0;
    return &pd->chunks[slot / CSPACE_CHUNK][slot % CSPACE_CHUNK];
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

static void cdt_link_child(struct cap *parent, struct cap *c)
{
    c->parent = parent;
    c->prev = NULL;
    c->next = parent->child;
    if (parent->child)
        parent->child->prev = c;
    parent->child = c;
}

static void watch_fire(struct cap *c)
{
    if (c->watch && !c->child) {
        struct notif *n = c->watch;
        c->watch = NULL;
        notif_signal_bits(n, c->watch_bits);
        kobj_put(&n->obj);
    }
}

/* Unlink c from its parent's child list; children move up to c's parent. */
static void cdt_unlink(struct cap *c)
{
    struct cap *parent = c->parent;
    struct cap *ch = c->child;
    while (ch) {
        struct cap *nx = ch->next;
        ch->parent = NULL;
        if (parent)
            cdt_link_child(parent, ch);
        else
            ch->prev = ch->next = NULL;
        ch = nx;
    }
    c->child = NULL;
    if (c->prev)
        c->prev->next = c->next;
    else if (parent)
        parent->child = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->parent = c->prev = c->next = NULL;
    if (parent)
        watch_fire(parent);
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

/* Move a slot's content (keeping its place in the CDT) to an empty slot. */
void cap_move_slot(struct cap *src, struct cap *dst);
void cap_move_slot(struct cap *src, struct cap *dst)
{
    *dst = *src;
    if (dst->prev)
        dst->prev->next = dst;
    else if (dst->parent)
        dst->parent->child = dst;
    if (dst->next)
        dst->next->prev = dst;
    for (struct cap *ch = dst->child; ch; ch = ch->next)
        ch->parent = dst;
    memset(src, 0, sizeof(*src));
}

void cap_revoke_slot(struct cap *c)
{
    while (c->child) {
        struct cap *d = c->child;
        /* delete the deepest descendants first, without recursion */
        while (d->child)
            d = d->child;
        cap_delete_slot(d);
    }
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
