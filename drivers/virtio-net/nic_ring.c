/*
 * The driver's side of the Nic rings (nic_ring.h). Indexes are free-running 32-bit
 * counters: "how many" is a wrapping difference, compared against NIC_RING_SIZE before
 * it is used.
 */
#include "nic_ring.h"

#define EINVAL 22

void nic_port_init(struct nic_port *p, volatile void *shared, uint32_t nbufs)
{
    p->shared = shared;
    p->nbufs = nbufs;
    for (unsigned r = 0; r < NIC_RINGS; r++) {
        p->index[r] = 0;
        p->bad_index[r] = false;
        *nic_prod(shared, r) = 0;
        *nic_cons(shared, r) = 0;
    }
}

int nic_take(struct nic_port *p, unsigned r, struct nic_desc *d)
{
    uint32_t prod = *nic_prod(p->shared, r); /* read once */
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the entries after the index */
    uint32_t avail = prod - p->index[r];
    if (avail > NIC_RING_SIZE) {
        p->bad_index[r] = true;
        return -1;
    }
    p->bad_index[r] = false;
    if (avail == 0)
        return 0;
    volatile struct nic_desc *e = &nic_ring(p->shared, r)[p->index[r] % NIC_RING_SIZE];
    d->buf = e->buf;
    d->len = e->len;
    d->flags = e->flags;
    p->index[r]++;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the entry read before the slot is given back */
    *nic_cons(p->shared, r) = p->index[r];
    return 1;
}

int nic_check(const struct nic_port *p, unsigned r, const struct nic_desc *d)
{
    if (d->buf >= p->nbufs)
        return -EINVAL;
    if (r == NIC_RING_TX && (d->len < NIC_FRAME_MIN || d->len > NIC_FRAME_MAX))
        return -EINVAL;
    return 0;
}

uint32_t nic_room(struct nic_port *p, unsigned r)
{
    uint32_t cons = *nic_cons(p->shared, r); /* read once */
    uint32_t used = p->index[r] - cons;
    if (used > NIC_RING_SIZE) {
        p->bad_index[r] = true;
        return 0;
    }
    p->bad_index[r] = false;
    return NIC_RING_SIZE - used;
}

void nic_put(struct nic_port *p, unsigned r, const struct nic_desc *d)
{
    volatile struct nic_desc *e = &nic_ring(p->shared, r)[p->index[r] % NIC_RING_SIZE];
    e->buf = d->buf;
    e->len = d->len;
    e->flags = d->flags;
    p->index[r]++;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the entry before the index */
    *nic_prod(p->shared, r) = p->index[r];
}
