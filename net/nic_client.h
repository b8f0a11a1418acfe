/*
 * The client's side of a Nic session (docs/nic-protocol.md), as the network server
 * uses it: open the session, post receive buffers, take received frames, send frames.
 * Buffers 0..NIC_RING_SIZE-1 receive, the others send. The driver is trusted to
 * write sensible indexes and entries, but what it writes is still checked (a bad
 * entry is dropped), since this code also runs against the host test's fake driver.
 */
#ifndef CAPIX_NET_NIC_CLIENT_H
#define CAPIX_NET_NIC_CLIENT_H

#include <capix/nic_protocol.h>
#include <stdbool.h>
#include <stdint.h>

struct nic_client {
    volatile uint8_t *shared;
    uint32_t index[NIC_RINGS]; /* ours: producer of TX and FILL, consumer of TX_DONE and RX */
    uint32_t free_tx[NIC_BUFS];
    unsigned nfree_tx;
    bool need_kick; /* produced on TX or FILL since the last kick */
    uint64_t bad;   /* entries from the driver that were out of range */
};

/* Sets the client up on the session's shared memory and posts every receive buffer.
 * 0, or -1 when the header is not the one this code knows. */
int nic_client_init(struct nic_client *c, volatile void *shared);

/* The next received frame: 1 with *buf (its index) and *data, *len; 0 when none.
 * The buffer is the caller's until nic_client_refill(buf). */
int nic_client_rx(struct nic_client *c, uint32_t *buf, const uint8_t **data, uint16_t *len);
void nic_client_refill(struct nic_client *c, uint32_t buf);

/* Copies len bytes (NIC_FRAME_MIN..NIC_FRAME_MAX) into a free send buffer and queues
 * it. 0, or -1 when no buffer is free (after taking back what the driver sent). */
int nic_client_tx(struct nic_client *c, const void *frame, uint16_t len);

/* Takes back the send buffers the driver is done with. */
void nic_client_reap(struct nic_client *c);

/* 1 when the driver has produced on RX. */
int nic_client_rx_ready(struct nic_client *c);

#endif
