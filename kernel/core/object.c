/*
 * Common object life cycle: allocation charged to a quota, reference counting, and
 * destruction dispatched by type. An object is destroyed (made dead, its resources
 * released) when its original capability is deleted, or when its last reference
 * goes; its memory is freed and uncharged when the last reference goes.
 */
#include "kernel.h"

void *kobj_alloc(struct quota *q, uint8_t type, size_t size, int *err)
{
    uint64_t charge = kmalloc_class(size);
    int e = quota_charge(q, charge);
    if (e) {
        *err = e;
        return NULL;
    }
    struct kobj *o = kmalloc(size);
    if (!o) {
        quota_uncharge(q, charge);
        *err = CX_E_NO_MEMORY;
        return NULL;
    }
    o->type = type;
    o->refs = 0;
    o->quota = q;
    o->charge = charge;
    if (q)
        kobj_get(&q->obj);
    *err = 0;
    return o;
}

void kobj_get(struct kobj *o)
{
    o->refs++;
}

static void kobj_free(struct kobj *o)
{
    struct quota *q = o->quota;
    uint64_t charge = o->charge;
    switch (o->type) {
    case CX_T_MEM:
        mem_free((struct mem *)o);
        break;
    case CX_T_QUOTA:
        quota_release((struct quota *)o);
        break;
    default:
        break;
    }
    kfree(o, charge);
    if (q) {
        quota_uncharge(q, charge);
        kobj_put(&q->obj);
    }
}

void kobj_put(struct kobj *o)
{
    KASSERT(o->refs > 0);
    if (--o->refs)
        return;
    if (!o->dead)
        kobj_destroy(o); /* frees it when nothing else took a reference */
    else
        kobj_free(o);
}

void kobj_destroy(struct kobj *o)
{
    if (o->dead)
        return;
    o->dead = true;
    kobj_get(o); /* keep the memory while tearing down */
    switch (o->type) {
    case CX_T_PD:
        pd_teardown((struct pd *)o);
        break;
    case CX_T_THREAD:
        thread_teardown((struct thread *)o);
        break;
    case CX_T_MEM:
        mem_teardown((struct mem *)o);
        break;
    case CX_T_EP:
        ep_teardown((struct ep *)o);
        break;
    case CX_T_NOTIF:
        notif_teardown((struct notif *)o);
        break;
    case CX_T_IRQ:
        irq_teardown((struct irq *)o);
        break;
    case CX_T_QUOTA:
        quota_teardown((struct quota *)o);
        break;
    default:
        break;
    }
    o->refs--;
    if (o->refs == 0)
        kobj_free(o);
}
