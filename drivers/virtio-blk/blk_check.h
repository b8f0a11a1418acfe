/*
 * The Block session's request check (docs/block-protocol.md): whether one request, a
 * private copy of what the client wrote, may go to the device. Freestanding; the host
 * test and the fuzzer call it directly.
 */
#ifndef CAPIX_BLK_CHECK_H
#define CAPIX_BLK_CHECK_H

#include <capix/block_protocol.h>
#include <stdbool.h>
#include <stdint.h>

struct blk_limits {
    uint64_t sectors;      /* the device's, in 512-byte units */
    uint32_t block_size;   /* the device's logical block (a power of two, >= 512) */
    uint64_t data_size;    /* the session's data area */
    uint64_t max_transfer; /* bytes one request may move */
    bool writeable;        /* the session's policy and the device both allow writes */
};

/* 0, or the errno the request gets: EINVAL (an unknown operation, no sectors, a
 * misaligned offset or sector, a range past the device's end, past the data area or
 * longer than max_transfer), EROFS (a write on a read-only session). */
int blk_check(const struct blk_limits *l, const struct blk_request *r);

#endif
