/*
 * The Block request check (blk_check.h). Every sum is formed only after a comparison
 * that shows it cannot wrap.
 */
#include "blk_check.h"

#define EINVAL 22
#define EROFS 30

int blk_check(const struct blk_limits *l, const struct blk_request *r)
{
    if (r->op == BLK_OP_FLUSH)
        return r->count == 0 ? 0 : -EINVAL;
    if (r->op != BLK_OP_READ && r->op != BLK_OP_WRITE)
        return -EINVAL;
    uint64_t per_block = l->block_size / BLK_SECTOR;
    if (r->count == 0 || r->count > l->max_transfer / BLK_SECTOR)
        return -EINVAL;
    if (per_block == 0 || r->sector % per_block || r->count % per_block)
        return -EINVAL;
    if (r->sector > l->sectors || r->count > l->sectors - r->sector)
        return -EINVAL;
    uint64_t bytes = (uint64_t)r->count * BLK_SECTOR;
    if (r->offset % BLK_SECTOR || r->offset > l->data_size || bytes > l->data_size - r->offset)
        return -EINVAL;
    if (r->op == BLK_OP_WRITE && !l->writeable)
        return -EROFS;
    return 0;
}
