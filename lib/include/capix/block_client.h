/*
 * A client of a Block session (docs/block-protocol.md) for native components: opens the
 * session through the parent, and reads, writes and flushes sectors through the
 * session's data area, as many requests in flight per call as the area holds.
 */
#ifndef CAPIX_BLOCK_CLIENT_H
#define CAPIX_BLOCK_CLIENT_H

#include <capix/block_protocol.h>
#include <stdbool.h>
#include <stdint.h>

struct blk_client {
    uint64_t ep, mem, quota;   /* the session's capabilities and the donated quota */
    uint64_t va, pages;        /* where its shared memory is mapped */
    uint64_t sectors;          /* the device's size in 512-byte sectors */
    uint32_t block_size;       /* the device's logical block */
    bool readonly, flush;      /* BLK_F_READONLY, BLK_F_FLUSH */
    uint64_t data_size, chunk; /* the data area, and the bytes one request moves */
    unsigned max_requests;
};

/* Asks the parent for a Block session labelled label, donating donation bytes of the
 * component's quota, and maps its shared memory at va (2 MiB of free addresses).
 * Returns 0 or a negative errno (EPERM: no route or policy; ENOMEM; EIO: no answer). */
int blk_client_open(struct blk_client *c, const char *label, uint64_t donation, uint64_t va);

/* Reads or writes count sectors from sector through buf (count * 512 bytes). Returns 0
 * or a negative errno: the first failing request's (EIO from the device, EINVAL for a
 * range past the device's end, EROFS). */
int blk_client_read(struct blk_client *c, uint64_t sector, uint64_t count, void *buf);
int blk_client_write(struct blk_client *c, uint64_t sector, uint64_t count, const void *buf);

/* Everything written so far is on stable storage (a no-op for a device without a
 * volatile cache). 0 or a negative errno. */
int blk_client_flush(struct blk_client *c);

/* Ends the session: the driver frees it and the donation comes back. */
void blk_client_close(struct blk_client *c);

#endif
