/*
 * The split virtqueue (virtqueue.h). Layout in one zeroed block: the descriptor table
 * (16 bytes each), the available ring (4 + 2 * size + 2 bytes) right after it, and the
 * used ring (4 + 8 * size + 2 bytes) at the next 4 KiB boundary, so that the device's
 * writes never share a page with the driver's.
 */
#include "virtqueue.h"

#define PAGE 4096u

static uint64_t used_offset(uint16_t size)
{
    uint64_t driver_part = 16ull * size + 6 + 2ull * size;
    return (driver_part + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

uint64_t vq_bytes(uint16_t size)
{
    return used_offset(size) + 6 + 8ull * size;
}

void vq_init(struct vq *q, uint16_t size, void *va, uint64_t pa)
{
    uint8_t *base = va;
    q->size = size;
    q->desc = (volatile struct vq_desc *)base;
    q->avail = (volatile uint16_t *)(base + 16ull * size);
    q->used = (volatile uint16_t *)(base + used_offset(size));
    q->desc_pa = pa;
    q->avail_pa = pa + 16ull * size;
    q->used_pa = pa + used_offset(size);
    q->avail_idx = q->last_used = 0;
    q->bad = 0;
    for (uint16_t i = 0; i < size; i++) {
        q->next[i] = (uint16_t)(i + 1);
        q->chain_len[i] = 0;
    }
    q->free_head = 0;
    q->nfree = size;
}

int vq_add(struct vq *q, const struct vq_buf *bufs, unsigned n)
{
    if (n == 0 || n > q->nfree)
        return -1;
    uint16_t head = q->free_head, d = head;
    for (unsigned i = 0; i < n; i++) {
        q->desc[d].addr = bufs[i].addr;
        q->desc[d].len = bufs[i].len;
        uint16_t flags = bufs[i].device_writes ? VQ_DESC_WRITE : 0;
        uint16_t nx = q->next[d];
        if (i + 1 < n) {
            flags |= VQ_DESC_NEXT;
            q->desc[d].next = nx;
        } else {
            q->free_head = nx;
        }
        q->desc[d].flags = flags;
        if (i + 1 < n)
            d = nx;
    }
    q->nfree = (uint16_t)(q->nfree - n);
    q->chain_len[head] = (uint16_t)n;
    q->avail[2 + q->avail_idx % q->size] = head;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the ring entry before the index */
    q->avail_idx++;
    q->avail[1] = q->avail_idx;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the index before the doorbell */
    return head;
}

/* Puts the chain at head back on the free list (the links are our own copy). */
static void free_chain(struct vq *q, uint16_t head)
{
    uint16_t n = q->chain_len[head], last = head;
    for (uint16_t i = 1; i < n; i++)
        last = q->next[last];
    q->next[last] = q->free_head;
    q->free_head = head;
    q->nfree = (uint16_t)(q->nfree + n);
    q->chain_len[head] = 0;
}

bool vq_take(struct vq *q, uint16_t *head, uint32_t *len)
{
    for (;;) {
        uint16_t idx = q->used[1];
        __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the entries after the index */
        if (idx == q->last_used)
            return false;
        const volatile struct vq_used_elem *ring =
            (const volatile struct vq_used_elem *)(q->used + 2);
        struct vq_used_elem e = {ring[q->last_used % q->size].id, ring[q->last_used % q->size].len};
        q->last_used++;
        if (e.id >= q->size || !q->chain_len[e.id]) {
            q->bad++;
            continue;
        }
        free_chain(q, (uint16_t)e.id);
        *head = (uint16_t)e.id;
        *len = e.len;
        return true;
    }
}
