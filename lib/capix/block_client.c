/*
 * The Block session client (block_client.h). A read or write is cut into requests of at
 * most `chunk` bytes; as many as the data area holds go in one submit, all in flight
 * at once in the driver.
 */
#include <capix/block_client.h>
#include <capix/capix.h>
#include <string.h>

#define SERVICE_WORDS 4
#define LABEL_WORDS 12
#define EIO 5
#define EAGAIN 11
#define ENOMEM 12
#define EINVAL 22
#define EROFS 30

/* Waits ns nanoseconds (on a notification nobody signals). */
static void nap(uint64_t ns)
{
    uint64_t n = cx_slot_alloc(), bits;
    if (n && !cx_notif_create(CX_SLOT_QUOTA, n)) {
        cx_notif_wait(n, ns, &bits);
        cx_cap_delete(n);
    }
    cx_slot_free(n);
}

static void slot_drop(uint64_t *s)
{
    if (*s) {
        cx_cap_delete(*s);
        cx_slot_free(*s);
        *s = 0;
    }
}

void blk_client_close(struct blk_client *c)
{
    if (c->pages)
        cx_unmap(CX_SLOT_SELF_PD, c->va, c->pages);
    slot_drop(&c->ep);
    slot_drop(&c->mem);
    slot_drop(&c->quota); /* comes back when the driver has freed the session */
    c->pages = 0;
}

/* Maps the shared memory and reads the driver's figures (checked: the driver is
 * trusted with the device, but a wrong figure here must not make us write outside). */
static int map_shared(struct blk_client *c)
{
    if (cx_map(CX_SLOT_SELF_PD, c->mem, 0, c->va, 1, CX_MAP_R))
        return -EIO;
    c->pages = 1;
    const volatile struct blk_shared *h = (const volatile struct blk_shared *)c->va;
    uint64_t data_size = h->data_size, data_offset = h->data_offset, chunk = h->max_transfer;
    if (h->magic != BLK_SHARED_MAGIC || data_offset != CX_PAGE_SIZE || data_size == 0 ||
        data_size > (2ul << 20) - CX_PAGE_SIZE || data_size % CX_PAGE_SIZE || chunk < BLK_SECTOR ||
        h->max_requests == 0 || h->max_requests > BLK_MAX_REQUESTS)
        return -EIO;
    c->sectors = h->sectors;
    c->block_size = h->block_size;
    c->readonly = h->flags & BLK_F_READONLY;
    c->flush = h->flags & BLK_F_FLUSH;
    c->data_size = data_size;
    c->chunk = (chunk < data_size ? chunk : data_size) & ~(uint64_t)(BLK_SECTOR - 1);
    c->max_requests = h->max_requests;
    cx_unmap(CX_SLOT_SELF_PD, c->va, 1);
    c->pages = 0;
    if (cx_map(CX_SLOT_SELF_PD, c->mem, 0, c->va, 1 + data_size / CX_PAGE_SIZE,
               CX_MAP_R | CX_MAP_W))
        return -EIO;
    c->pages = 1 + data_size / CX_PAGE_SIZE;
    return 0;
}

int blk_client_open(struct blk_client *c, const char *label, uint64_t donation, uint64_t va)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    char words[(SERVICE_WORDS + LABEL_WORDS) * 8] = {0};
    size_t len = strlen(label);
    if (len >= LABEL_WORDS * 8)
        return -EINVAL;
    memset(c, 0, sizeof(*c));
    c->va = va;
    memcpy(words, "Block", 5);
    memcpy(words + SERVICE_WORDS * 8, label, len);
    c->quota = cx_slot_alloc();
    c->ep = cx_slot_alloc();
    c->mem = cx_slot_alloc();
    if (!c->quota || !c->ep || !c->mem || cx_quota_create(CX_SLOT_QUOTA, donation, c->quota)) {
        blk_client_close(c);
        return -ENOMEM;
    }
    struct cx_msg m;
    long err = -EAGAIN;
    /* a driver that has not announced yet gets EAGAIN from init: ask every 10 ms for up
     * to 5 s, as the POSIX runtime does (docs/sessions.md) */
    for (int tries = 0; err == -EAGAIN && tries < 500; tries++) {
        if (tries)
            nap(10000000);
        m = (struct cx_msg){.tag = CX_TAG(CX_LABEL_SESSION, SERVICE_WORDS + LABEL_WORDS, 1)};
        memcpy(m.w, words, sizeof(m.w));
        memcpy(b->words + 4, words + sizeof(m.w), sizeof(words) - sizeof(m.w));
        b->send_caps[0] = c->quota;
        b->recv_slots[0] = c->ep;
        b->recv_slots[1] = c->mem;
        err = cx_call(CX_SLOT_PARENT, &m) ? -EIO : (long)m.w[0];
    }
    if (!err && (CX_TAG_CAPS(m.tag) != 2 || (err = map_shared(c)) != 0))
        err = err ? err : -EIO;
    if (err)
        blk_client_close(c);
    return (int)err;
}

static volatile struct blk_request *req(struct blk_client *c, unsigned i)
{
    return (volatile struct blk_request *)(c->va + BLK_REQUESTS_OFFSET) + i;
}

/* Submits requests [0, n); 0 or the first failing one's errno. */
static int submit(struct blk_client *c, unsigned n)
{
    struct cx_msg m = {.tag = CX_TAG(BLK_LABEL_SUBMIT, 2, 0), .w = {0, n}};
    if (cx_call(c->ep, &m))
        return -EIO; /* the driver is gone, or did not answer in time */
    if ((int64_t)m.w[0] < 0)
        return (int)(int64_t)m.w[0];
    for (unsigned i = 0; i < n && m.w[0]; i++) {
        int32_t st = req(c, i)->status;
        if (st)
            return st < 0 && st > -4096 ? st : -EIO;
    }
    return m.w[0] ? -EIO : 0;
}

/* One pass of a transfer: fills the data area with up to max_requests requests. */
static int transfer(struct blk_client *c, uint32_t op, uint64_t sector, uint64_t count,
                    uint8_t *buf)
{
    if (op == BLK_OP_WRITE && c->readonly)
        return -EROFS;
    if (sector > c->sectors || count > c->sectors - sector)
        return -EINVAL;
    uint8_t *data = (uint8_t *)(c->va + CX_PAGE_SIZE);
    while (count) {
        unsigned n = 0;
        uint64_t off = 0;
        uint8_t *start = buf;
        while (count && n < c->max_requests && off < c->data_size) {
            uint64_t bytes = count * BLK_SECTOR;
            uint64_t room = c->data_size - off < c->chunk ? c->data_size - off : c->chunk;
            if (bytes > room)
                bytes = room;
            volatile struct blk_request *r = req(c, n++);
            r->op = op;
            r->status = 0;
            r->sector = sector;
            r->count = (uint32_t)(bytes / BLK_SECTOR);
            r->offset = off;
            if (op == BLK_OP_WRITE)
                memcpy(data + off, buf, bytes);
            off += bytes;
            buf += bytes;
            sector += bytes / BLK_SECTOR;
            count -= bytes / BLK_SECTOR;
        }
        int err = submit(c, n);
        if (err)
            return err;
        if (op == BLK_OP_READ)
            memcpy(start, data, off);
    }
    return 0;
}

int blk_client_read(struct blk_client *c, uint64_t sector, uint64_t count, void *buf)
{
    return transfer(c, BLK_OP_READ, sector, count, buf);
}

int blk_client_write(struct blk_client *c, uint64_t sector, uint64_t count, const void *buf)
{
    return transfer(c, BLK_OP_WRITE, sector, count, (uint8_t *)buf);
}

int blk_client_flush(struct blk_client *c)
{
    if (!c->flush)
        return 0;
    volatile struct blk_request *r = req(c, 0);
    r->op = BLK_OP_FLUSH;
    r->status = 0;
    r->sector = 0;
    r->count = 0;
    r->offset = 0;
    return submit(c, 1);
}
