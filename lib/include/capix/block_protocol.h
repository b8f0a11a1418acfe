/*
 * The Block session (docs/block-protocol.md): a client reads and writes the sectors of
 * one block device through its driver.
 *
 * The session's shared memory (the second capability of the session answer) is memory
 * the device itself reads and writes: page 0 holds struct blk_shared (the device's
 * figures, written once by the driver) and the request array; the data area follows.
 * The client fills requests and data, then calls the session endpoint with
 * BLK_LABEL_SUBMIT (word 0 the first request's index, word 1 how many); the driver
 * reads each request once, checks it, puts them all in flight at once, and answers when
 * every one has completed, with each request's status in its entry and in word 0 the
 * number that failed (or a negative errno for a malformed call).
 */
#ifndef CAPIX_BLOCK_PROTOCOL_H
#define CAPIX_BLOCK_PROTOCOL_H

#include <stdint.h>

#define BLK_LABEL_SUBMIT 0x42

#define BLK_SECTOR 512u /* the unit of sector numbers and counts, whatever the device's */

#define BLK_SHARED_MAGIC 0x314b4c42ul /* "BLK1" */
#define BLK_F_READONLY 1u             /* the session (or the device) takes no writes */
#define BLK_F_FLUSH 2u                /* the device has a volatile cache: flush matters */

#define BLK_OP_READ 0u
#define BLK_OP_WRITE 1u
#define BLK_OP_FLUSH 2u /* everything written before it is on stable storage after it */

#define BLK_REQUESTS_OFFSET 64u /* where the request array starts in page 0 */
#define BLK_MAX_REQUESTS 126u   /* entries of the array ((4096 - 64) / 32) */

struct blk_shared {
    uint32_t magic;
    uint32_t flags;        /* BLK_F_* */
    uint64_t sectors;      /* the device's size in 512-byte sectors */
    uint32_t block_size;   /* the device's logical block size (512, 4096, ...) */
    uint32_t max_requests; /* requests one submit may carry (<= BLK_MAX_REQUESTS) */
    uint64_t data_offset;  /* where the data area starts (bytes into the shared memory) */
    uint64_t data_size;    /* bytes of the data area */
    uint64_t max_transfer; /* bytes one request may move */
    uint8_t reserved[16];
};

struct blk_request {
    uint32_t op;     /* BLK_OP_* */
    int32_t status;  /* written by the driver: 0 or a negative errno */
    uint64_t sector; /* first sector (512-byte units) */
    uint32_t count;  /* sectors; 0 for a flush */
    uint32_t reserved;
    uint64_t offset; /* where the bytes are in the data area (512-aligned) */
};

_Static_assert(sizeof(struct blk_shared) == BLK_REQUESTS_OFFSET, "header size");
_Static_assert(sizeof(struct blk_request) == 32, "request size");
_Static_assert(BLK_REQUESTS_OFFSET + BLK_MAX_REQUESTS * 32 <= 4096, "one page");

#endif
