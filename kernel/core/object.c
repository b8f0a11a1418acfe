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
 * (free).
 *
 * Bounded work: a drain does at most about KOBJ_WORK_BATCH units (a slot, a thread, a
 * mapping, a frame freed, 64 page-table entries cleared) and leaves the rest on the list; the
 * object it stopped in stays at the head and goes on where it stopped (pd_teardown,
 * mem_teardown and mem_free_some keep their place). The thread whose call left work
 * finishes it from user mode (syscall.c, "finishing"): its call returns only when the
 * list is empty, so what the caller sees is as before, while interrupts come in
 * between the batches and the scheduler may preempt it. Work that no thread finishes
 * (its finisher died or was stopped) is taken by the next call that ends while no
 * thread finishes, and by the idle loop.
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
struct kobj *kobj_work_head; /* kernel.h: kobj_work_pending */
static struct kobj *work_tail;
static bool working;
uint64_t kobj_work_pushed; /* objects ever put on the list */

static void work_push(struct kobj *o, uint8_t what)
{
    KASSERT(o->work == KOBJ_WORK_NONE);
    o->work = what;
    o->work_next = NULL;
    kobj_work_pushed++;
    if (work_tail)
        work_tail->work_next = o;
    else
        kobj_work_head = o;
    work_tail = o;
}

/* Frees o's memory and gives its charge back; false when a memory object's frames
 * are not all freed yet within the budget (it goes on at the next call). */
static bool kobj_free(struct kobj *o, uint64_t *budget)
{
    struct quota *q = o->quota;
    uint64_t charge = o->charge;
    switch (o->type) {
    case CX_T_MEM:
        if (!mem_free_some((struct mem *)o, budget))
            return false;
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
    if (*budget)
        (*budget)--;
    return true;
}

/* Releases what o holds; false when a domain or memory object is not done within the
 * budget (it keeps its place and goes on at the next call). */
static bool teardown(struct kobj *o, uint64_t *budget)
{
    switch (o->type) {
    case CX_T_PD:
        return pd_teardown((struct pd *)o, budget);
    case CX_T_THREAD:
        thread_teardown((struct thread *)o);
        break;
    case CX_T_MEM:
        return mem_teardown((struct mem *)o, budget);
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
    if (*budget)
        (*budget)--;
    return true;
}

bool kobj_work(uint64_t budget)
{
    if (working)
        return kobj_work_head == NULL;
    working = true;
    while (kobj_work_head && budget) {
        struct kobj *o = kobj_work_head;
        bool done = o->work == KOBJ_WORK_DESTROY ? teardown(o, &budget) : kobj_free(o, &budget);
        if (!done)
            break; /* o stays at the head: the next drain goes on with it */
        kobj_work_head = o->work_next;
        if (!kobj_work_head)
            work_tail = NULL;
        uint8_t what = o->work;
        o->work = KOBJ_WORK_NONE;
        o->work_next = NULL;
        if (what == KOBJ_WORK_DESTROY && --o->refs == 0)
            work_push(o, KOBJ_WORK_FREE);
    }
    working = false;
    return kobj_work_head == NULL;
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
    kobj_work(KOBJ_WORK_BATCH);
}

void kobj_destroy(struct kobj *o)
{
    if (o->dead)
        return;
    o->dead = true;
    kobj_get(o); /* keep the memory while tearing down; dropped by kobj_work */
    work_push(o, KOBJ_WORK_DESTROY);
    kobj_work(KOBJ_WORK_BATCH);
}
