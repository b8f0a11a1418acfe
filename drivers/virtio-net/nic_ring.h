/*
 * The driver's side of a Nic session's rings (docs/nic-protocol.md): taking what the
 * client produced on TX and FILL, and producing on TX_DONE and RX. Freestanding: it
 * knows a block of shared memory, not devices; the host test and the fuzzer call it on
 * plain memory.
 *
 * Everything the client writes is read once into a private copy and checked there.
 * The driver's own indexes (its consumer index of TX and FILL, its producer index of
 * TX_DONE and RX) live in struct nic_port and are only ever written to the shared
 * memory, never read back from it, so a client that scribbles on them changes nothing
 * the driver believes.
 */
#ifndef CAPIX_NIC_RING_H
#define CAPIX_NIC_RING_H

#include <capix/nic_protocol.h>
#include <stdbool.h>
#include <stdint.h>

struct nic_port {
    volatile void *shared;     /* NIC_SHARED_BYTES of the session's memory */
    uint32_t index[NIC_RINGS]; /* ours: consumer of TX and FILL, producer of TX_DONE and RX */
    uint32_t nbufs;            /* buffers a client entry may name */
    bool bad_index[NIC_RINGS]; /* the client's index is out of range (logged once) */
};

/* Sets up the port on shared memory holding nbufs buffers; our indexes start at 0 and
 * are written there. */
void nic_port_init(struct nic_port *p, volatile void *shared, uint32_t nbufs);

/* Takes the next entry the client produced on ring r (NIC_RING_TX or NIC_RING_FILL),
 * copied once into *d. Returns 1 with an entry, 0 when there is none, -1 when the
 * client's producer index claims more than NIC_RING_SIZE entries (nothing is taken
 * until it is back in range; p->bad_index[r] says so). */
int nic_take(struct nic_port *p, unsigned r, struct nic_desc *d);

/* Checks an entry taken from ring r: 0, or -EINVAL for a buffer past the session's or
 * (TX) a frame length outside NIC_FRAME_MIN..NIC_FRAME_MAX. */
int nic_check(const struct nic_port *p, unsigned r, const struct nic_desc *d);

/* Free entries on ring r (NIC_RING_TX_DONE or NIC_RING_RX) as the client's consumer
 * index tells, 0..NIC_RING_SIZE; 0 when that index is out of range. */
uint32_t nic_room(struct nic_port *p, unsigned r);

/* Produces d on ring r (TX_DONE or RX); the caller saw room first. */
void nic_put(struct nic_port *p, unsigned r, const struct nic_desc *d);

#endif
