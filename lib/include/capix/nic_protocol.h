/*
 * The Nic session (docs/nic-protocol.md): a client sends and receives Ethernet frames
 * through a network card's driver.
 *
 * The session's shared memory (the second capability of the session answer) is memory
 * the device itself reads and writes. Page 0 holds struct nic_shared (the card's MAC
 * address and the layout, written once by the driver) and the indexes of four rings;
 * page 1 the rings' entries; the packet buffers follow. Each ring has one producer and
 * one consumer, free-running 32-bit indexes (entry i lies at i % NIC_RING_SIZE):
 *
 *   NIC_RING_TX       client -> driver: frames to send (buffer, length)
 *   NIC_RING_TX_DONE  driver -> client: buffers the device has sent (free again)
 *   NIC_RING_FILL     client -> driver: empty buffers for frames to come
 *   NIC_RING_RX       driver -> client: buffers holding a received frame (length)
 *
 * A producer writes entries, then its index; a consumer reads the index, then the
 * entries, then writes its own index. After producing on TX or FILL the client calls
 * the session endpoint with NIC_LABEL_KICK; the driver signals the client's
 * notification (NIC_LABEL_BIND) when it produced on RX or TX_DONE.
 */
#ifndef CAPIX_NIC_PROTOCOL_H
#define CAPIX_NIC_PROTOCOL_H

#include <stdint.h>

#define NIC_LABEL_KICK 0x4e /* no words; answer word 0: 0 or a negative errno */
#define NIC_LABEL_BIND 0x4f /* word 0 the bits to signal, one capability: a notification */

#define NIC_SHARED_MAGIC 0x3143494eul /* "NIC1" */

#define NIC_RING_TX 0u
#define NIC_RING_TX_DONE 1u
#define NIC_RING_FILL 2u
#define NIC_RING_RX 3u
#define NIC_RINGS 4u

#define NIC_RING_SIZE 128u  /* entries of each ring (a power of two) */
#define NIC_BUF_SIZE 2048u  /* bytes of each packet buffer */
#define NIC_BUFS 256u       /* packet buffers of a session */
#define NIC_FRAME_MIN 14u   /* an Ethernet header */
#define NIC_FRAME_MAX 1514u /* an Ethernet frame without its checksum, MTU 1500 */

#define NIC_INDEX_OFFSET 64u   /* ring r's producer index at 64 + 128 r, its consumer at +64 */
#define NIC_RINGS_OFFSET 4096u /* ring r's entries at 4096 + r * NIC_RING_SIZE * 8 */
#define NIC_BUFS_OFFSET 8192u  /* buffer b at NIC_BUFS_OFFSET + b * NIC_BUF_SIZE */
#define NIC_SHARED_BYTES (NIC_BUFS_OFFSET + NIC_BUFS * NIC_BUF_SIZE)

#define NIC_D_ERROR 1u /* in TX_DONE or RX: the driver refused the entry (bad buffer or length) */

struct nic_shared {
    uint32_t magic;
    uint32_t flags; /* none yet */
    uint8_t mac[6];
    uint16_t frame_max;   /* the longest frame the card sends or receives (NIC_FRAME_MAX) */
    uint32_t ring_size;   /* NIC_RING_SIZE */
    uint32_t buf_size;    /* NIC_BUF_SIZE */
    uint32_t nbufs;       /* NIC_BUFS */
    uint32_t reserved0;   /* 0 */
    uint64_t bufs_offset; /* NIC_BUFS_OFFSET */
    uint8_t reserved[24];
};

/* One ring entry: which buffer, how many bytes of it hold a frame, NIC_D_* flags. */
struct nic_desc {
    uint32_t buf;
    uint16_t len;
    uint16_t flags;
};

_Static_assert(sizeof(struct nic_shared) == NIC_INDEX_OFFSET, "header size");
_Static_assert(sizeof(struct nic_desc) == 8, "entry size");
_Static_assert(NIC_INDEX_OFFSET + NIC_RINGS * 128 <= 4096, "indexes in page 0");
_Static_assert(NIC_RINGS *NIC_RING_SIZE * 8 <= 4096, "rings in page 1");
_Static_assert(NIC_BUF_SIZE >= NIC_FRAME_MAX, "a frame fits a buffer");

/* Where ring r's producer and consumer indexes and its entries lie in the shared memory. */
static inline volatile uint32_t *nic_prod(volatile void *shared, unsigned r)
{
    return (volatile uint32_t *)((volatile uint8_t *)shared + NIC_INDEX_OFFSET + 128 * r);
}
static inline volatile uint32_t *nic_cons(volatile void *shared, unsigned r)
{
    return (volatile uint32_t *)((volatile uint8_t *)shared + NIC_INDEX_OFFSET + 128 * r + 64);
}
static inline volatile struct nic_desc *nic_ring(volatile void *shared, unsigned r)
{
    return (volatile struct nic_desc *)((volatile uint8_t *)shared + NIC_RINGS_OFFSET +
                                        r * NIC_RING_SIZE * 8);
}

#endif
