/*
 * Common object life cycle: allocation charged to a quota, reference counting, and
 * destruction dispatched by type. An object is destroyed (made dead, its resources
 * released) when its original capability is deleted, or when its last reference
 * goes; its memory is freed and uncharged when the last reference goes.
 *
 * No recursion: destroying an object can destroy others (a domain's capability space
 * holds originals of further domains, as deep as a user cares to nest them) and
 * freeing one can free others (a quota chain). Both go through one FIFO work list that
 * the outermost call drains in a loop, so the kernel stack never grows with anything a
 * user controls. An object on the list is already dead (destroy) or unreferenced
 * (free); an inner destroy is finished before the outermost call returns to user mode.
 */
#include "kernel.h"

void *kobj_alloc(struct quota *q, uint8_t type, size_t size, int *err)
{
    struct kobj *o = kmalloc(q, size, err); /* its heap page is charged to q */
    if (!o)
        return NULL;
    o->type = type;
    o->size = (uint16_t)size;
    o->refs = 0;
    o->quota = q;
    o->charge = 0; /* beyond its heap block: a memory object's pages */
    if (q)
        kobj_get(&q->obj);
    *err = 0;
    return o;
}

void kobj_get(struct kobj *o)
{
    o->refs++;
}

enum { KOBJ_WORK_NONE, KOBJ_WORK_DESTROY, KOBJ_WORK_FREE };
static struct kobj *work_head, *work_tail;
static bool working;

static void work_push(struct kobj *o, uint8_t what)
{
    KASSERT(o->work == KOBJ_WORK_NONE);
    o->work = what;
    o->work_next = NULL;
    if (work_tail)
        work_tail->work_next = o;
    else
        work_head = o;
    work_tail = o;
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
    kfree(q, o, o->size);
    if (q) {
        quota_uncharge(q, charge);
        kobj_put(&q->obj);
    }
}

static void teardown(struct kobj *o)
{
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
}

/* Drains the work list unless an outer call is already draining it. */
static void work_run(void)
{
    if (working)
        return;
    working = true;
    while (work_head) {
        struct kobj *o = work_head;
        work_head = o->work_next;
        if (!work_head)
            work_tail = NULL;
        uint8_t what = o->work;
        o->work = KOBJ_WORK_NONE;
        o->work_next = NULL;
        if (what == KOBJ_WORK_DESTROY) {
            teardown(o);
            if (--o->refs == 0)
                work_push(o, KOBJ_WORK_FREE);
        } else {
            kobj_free(o);
        }
    }
    working = false;
}

void kobj_put(struct kobj *o)
{
    KASSERT(o->refs > 0);
    if (--o->refs)
        return;
    if (!o->dead) {
        kobj_destroy(o); /* frees it when nothing else took a reference */
        return;
    }
    work_push(o, KOBJ_WORK_FREE);
    work_run();
}

void kobj_destroy(struct kobj *o)
{
    if (o->dead)
        return;
    o->dead = true;
    kobj_get(o); /* keep the memory while tearing down; dropped by work_run */
    work_push(o, KOBJ_WORK_DESTROY);
    work_run();
}
