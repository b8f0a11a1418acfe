/*
 * A split virtqueue (virtio 1.x, section 2.7): the descriptor table, the driver's
 * ("available") ring and the device's ("used") ring in memory both sides see, and the
 * driver's bookkeeping. Freestanding and host-testable: it knows addresses, not
 * devices; the transport (virtio_pci.h) tells the device where the rings are and
 * rings its doorbell.
 *
 * What comes back from the device is checked: a used entry naming a descriptor that is
 * not the head of a chain in flight is counted as bad and ignored.
 */
#ifndef CAPIX_VIRTQUEUE_H
#define CAPIX_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#define VQ_MAX_SIZE 256
#define VQ_DESC_NEXT 1
#define VQ_DESC_WRITE 2 /* the device writes this buffer */

struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
struct vq_used_elem {
    uint32_t id, len;
};

struct vq {
    uint16_t size;
    volatile struct vq_desc *desc;
    volatile uint16_t *avail; /* flags, idx, ring[size], used_event */
    volatile uint16_t *used;  /* flags, idx, then struct vq_used_elem ring[size] */
    uint64_t desc_pa, avail_pa, used_pa;
    uint16_t free_head, nfree;
    uint16_t avail_idx, last_used;
    uint16_t chain_len[VQ_MAX_SIZE]; /* of each chain in flight, by head; 0: not a head */
    uint16_t next[VQ_MAX_SIZE];      /* the free list and chains, kept here, not in shared memory */
    uint64_t bad;                    /* used entries that named no chain in flight */
};

/* Bytes of memory the rings of a queue of size entries need (vq_init's layout). */
uint64_t vq_bytes(uint16_t size);

/* Lays the queue out in zeroed memory at va (physical address pa), vq_bytes(size)
 * long; size a power of two up to VQ_MAX_SIZE. */
void vq_init(struct vq *q, uint16_t size, void *va, uint64_t pa);

struct vq_buf {
    uint64_t addr;
    uint32_t len;
    bool device_writes;
};

/* Makes a chain of n buffers available; returns its head, or -1 when fewer than n
 * descriptors are free. The caller then notifies the device. */
int vq_add(struct vq *q, const struct vq_buf *bufs, unsigned n);

/* Takes one completed chain: its head into *head and the bytes the device wrote into
 * *len; returns false when nothing more has completed. */
bool vq_take(struct vq *q, uint16_t *head, uint32_t *len);

#endif
