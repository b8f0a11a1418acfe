/*
 * blktest: a Block session client for the virtio-blk scenario (tests/scenarios/block).
 * The host wrote "sector N" into every sector of the disk image; this reads some back,
 * writes sectors 100..163 in a batch of many requests in flight and reads them again,
 * fills the whole request array in one submit, flushes, sends malformed requests (each
 * must get its errno, the driver must go on), tries a write on a read-only session, and
 * checks that ending the sessions gives the donated quota back. The host then finds the
 * written sectors in the image (the scenario's check).
 */
#include <capix/block_client.h>
#include <capix/block_protocol.h>
#include <capix/capix.h>
#include <capix/format.h>
#include <stdbool.h>
#include <string.h>

#define SHARED_VA 0x70000000ul
#define SW 4
#define LW 12
#define DONATION (1ul << 20)

static int failures;

static void check(bool ok, const char *what)
{
    cx_printf("%s %s\n", ok ? "PASS" : "FAIL", what);
    failures += !ok;
}

struct ses {
    uint64_t ep, mem, quota, pages;
    volatile struct blk_shared *hdr;
    volatile struct blk_request *req;
    uint8_t *data;
};

/* Asks init for a Block session labelled label; 0 or an errno. */
static long open_session(const char *label, struct ses *s)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    char words[(SW + LW) * 8] = {0};
    memcpy(words, "Block", 5);
    memcpy(words + SW * 8, label, strlen(label));
    s->quota = cx_slot_alloc();
    s->ep = cx_slot_alloc();
    s->mem = cx_slot_alloc();
    if (cx_quota_create(CX_SLOT_QUOTA, DONATION, s->quota))
        return 12;
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_SESSION, SW + LW, 1)};
    memcpy(m.w, words, sizeof(m.w));
    memcpy(b->words + 4, words + sizeof(m.w), sizeof(words) - sizeof(m.w));
    b->send_caps[0] = s->quota;
    b->recv_slots[0] = s->ep;
    b->recv_slots[1] = s->mem;
    long err = cx_call(CX_SLOT_PARENT, &m) ? 5 : -(long)m.w[0];
    /* the driver may not have announced yet: ask again, as the POSIX runtime does */
    for (int tries = 0; err == 11 && tries < 500; tries++) {
        uint64_t n = cx_slot_alloc(), bits;
        cx_notif_create(CX_SLOT_QUOTA, n);
        cx_notif_wait(n, 10000000, &bits);
        cx_cap_delete(n);
        cx_slot_free(n);
        m = (struct cx_msg){.tag = CX_TAG(CX_LABEL_SESSION, SW + LW, 1)};
        memcpy(m.w, words, sizeof(m.w));
        memcpy(b->words + 4, words + sizeof(m.w), sizeof(words) - sizeof(m.w));
        b->send_caps[0] = s->quota;
        b->recv_slots[0] = s->ep;
        b->recv_slots[1] = s->mem;
        err = cx_call(CX_SLOT_PARENT, &m) ? 5 : -(long)m.w[0];
    }
    if (err) {
        cx_cap_delete(s->quota);
        return err;
    }
    s->hdr = (volatile struct blk_shared *)SHARED_VA;
    s->pages = 1;
    if (cx_map(CX_SLOT_SELF_PD, s->mem, 0, SHARED_VA, 1, CX_MAP_R))
        return 14;
    s->pages = 1 + s->hdr->data_size / CX_PAGE_SIZE;
    cx_unmap(CX_SLOT_SELF_PD, SHARED_VA, 1);
    if (cx_map(CX_SLOT_SELF_PD, s->mem, 0, SHARED_VA, s->pages, CX_MAP_R | CX_MAP_W))
        return 14;
    s->req = (volatile struct blk_request *)(SHARED_VA + BLK_REQUESTS_OFFSET);
    s->data = (uint8_t *)(SHARED_VA + s->hdr->data_offset);
    return 0;
}

static void close_session(struct ses *s)
{
    cx_unmap(CX_SLOT_SELF_PD, SHARED_VA, s->pages);
    cx_cap_delete(s->ep);
    cx_cap_delete(s->mem);
    cx_cap_delete(s->quota);
}

/* Submits requests [first, first + n); returns word 0 of the answer. */
static long submit(struct ses *s, uint64_t first, uint64_t n)
{
    struct cx_msg m = {.tag = CX_TAG(BLK_LABEL_SUBMIT, 2, 0), .w = {first, n}};
    if (cx_call(s->ep, &m))
        return -1000;
    return (long)m.w[0];
}

static void set(struct ses *s, unsigned i, uint32_t op, uint64_t sector, uint32_t count,
                uint64_t offset)
{
    s->req[i].op = op;
    s->req[i].status = 1;
    s->req[i].sector = sector;
    s->req[i].count = count;
    s->req[i].reserved = 0;
    s->req[i].offset = offset;
}

/* The host's pattern: sector n starts with "sector n" (decimal). */
static bool host_sector(const uint8_t *p, uint64_t n)
{
    char want[32];
    cx_snprintf(want, sizeof(want), "sector %lu", n);
    return !memcmp(p, want, strlen(want));
}

static void fill(uint8_t *p, uint64_t n)
{
    memset(p, 0, BLK_SECTOR);
    cx_snprintf((char *)p, BLK_SECTOR, "capix wrote sector %lu", n);
}

static void reads_and_writes(struct ses *s)
{
    uint64_t last = s->hdr->sectors - 1;
    set(s, 0, BLK_OP_READ, 0, 8, 0);
    set(s, 1, BLK_OP_READ, last, 1, 8 * BLK_SECTOR);
    long r = submit(s, 0, 2);
    bool ok = r == 0 && s->req[0].status == 0 && s->req[1].status == 0;
    for (unsigned i = 0; i < 8 && ok; i++)
        ok = host_sector(s->data + i * BLK_SECTOR, i);
    check(ok && host_sector(s->data + 8 * BLK_SECTOR, last),
          "read: sectors 0..7 and the last one hold what the host wrote");

    /* 64 sectors written by 16 requests of 4 sectors, all in flight at once */
    for (unsigned i = 0; i < 64; i++)
        fill(s->data + i * BLK_SECTOR, 100 + i);
    for (unsigned i = 0; i < 16; i++)
        set(s, i, BLK_OP_WRITE, 100 + 4 * i, 4, 4 * i * BLK_SECTOR);
    set(s, 16, BLK_OP_FLUSH, 0, 0, 0);
    r = submit(s, 0, 17);
    ok = r == 0;
    for (unsigned i = 0; i < 17 && ok; i++)
        ok = s->req[i].status == 0;
    check(ok, "write: 16 requests in flight and a flush");
    memset(s->data, 0, 64 * BLK_SECTOR);
    set(s, 0, BLK_OP_READ, 100, 64, 64 * BLK_SECTOR);
    r = submit(s, 0, 1);
    ok = r == 0 && s->req[0].status == 0;
    for (unsigned i = 0; i < 64 && ok; i++) {
        uint8_t want[BLK_SECTOR];
        fill(want, 100 + i);
        ok = !memcmp(s->data + (64 + i) * BLK_SECTOR, want, BLK_SECTOR);
    }
    check(ok, "read back: the 64 sectors written");

    /* the whole array in one submit: more requests than the queue holds at once */
    unsigned n = s->hdr->max_requests;
    for (unsigned i = 0; i < n; i++)
        set(s, i, BLK_OP_READ, i, 1, (i % 64) * BLK_SECTOR);
    r = submit(s, 0, n);
    ok = r == 0;
    for (unsigned i = 0; i < n && ok; i++)
        ok = s->req[i].status == 0;
    check(ok, "one submit of the whole request array");
}

static void malformed(struct ses *s)
{
    uint64_t end = s->hdr->sectors, data = s->hdr->data_size;
    set(s, 0, BLK_OP_READ, end, 1, 0);               /* past the end */
    set(s, 1, BLK_OP_READ, end - 1, 2, 0);           /* runs past the end */
    set(s, 2, BLK_OP_READ, 0, 1, data);              /* past the data area */
    set(s, 3, BLK_OP_READ, 0, 1, 100);               /* misaligned offset */
    set(s, 4, 7, 0, 1, 0);                           /* no such operation */
    set(s, 5, BLK_OP_READ, 0, 0, 0);                 /* no sectors */
    set(s, 6, BLK_OP_READ, UINT64_MAX - 1, 4, 0);    /* wraps */
    set(s, 7, BLK_OP_WRITE, 0, 1, UINT64_MAX - 511); /* offset wraps */
    set(s, 8, BLK_OP_READ, 0, 1, 0);                 /* a good one among them */
    long r = submit(s, 0, 9);
    bool ok = r == 8 && s->req[8].status == 0;
    for (unsigned i = 0; i < 8 && ok; i++)
        ok = s->req[i].status == -22;
    check(ok, "malformed requests: EINVAL each, the good one among them done");
    check(submit(s, BLK_MAX_REQUESTS, 1) == -22 && submit(s, 0, 0) == -22 &&
              submit(s, 1, UINT64_MAX) == -22,
          "malformed submits: EINVAL");
}

/* The client library (block_client.h): 1 MiB written from sector 1000 through a
 * 256 KiB data area (several submits), flushed, read back; the host checks it too. */
static uint8_t big[1 << 20], back[1 << 20];

static void client_library(void)
{
    struct blk_client c;
    int err = blk_client_open(&c, "disk", 1ul << 20, SHARED_VA);
    check(!err, "block_client: a session");
    if (err)
        cx_printf("block_client: errno %d\n", -err);
    if (err)
        return;
    for (unsigned i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7 + i / 512);
    err = blk_client_write(&c, 1000, sizeof(big) / BLK_SECTOR, big);
    int ferr = blk_client_flush(&c);
    int rerr = blk_client_read(&c, 1000, sizeof(back) / BLK_SECTOR, back);
    check(!err && !ferr && !rerr && !memcmp(big, back, sizeof(big)),
          "block_client: 1 MiB written, flushed and read back");
    check(blk_client_read(&c, c.sectors - 1, 2, back) == -22,
          "block_client: a read past the end: EINVAL");
    blk_client_close(&c);
    err = blk_client_open(&c, "peek", 1ul << 20, SHARED_VA);
    check(!err && blk_client_write(&c, 0, 1, big) == -30,
          "block_client: a write on a read-only session: EROFS");
    if (!err)
        blk_client_close(&c);
}

/* `blktest partitions`: sessions of one GPT partition (scenario block-partitions; the
 * host made partition 2 at sectors 8192..24575 of a disk whose every sector starts with
 * "sector N"). */
static int partitions(void)
{
    struct ses s;
    long err = open_session("part", &s);
    check(!err && s.hdr->sectors == 16384, "a session of partition 2: 16384 sectors");
    if (err)
        return 1;
    set(&s, 0, BLK_OP_READ, 0, 1, 0);
    set(&s, 1, BLK_OP_READ, 16383, 1, 512);
    check(submit(&s, 0, 2) == 0 && host_sector(s.data, 8192) && host_sector(s.data + 512, 24575),
          "its sector 0 is the disk's 8192, its last the disk's 24575");
    fill(s.data, 24575);
    set(&s, 0, BLK_OP_WRITE, 16383, 1, 0);
    set(&s, 1, BLK_OP_READ, 16384, 1, 512); /* one past its end: the next partition's */
    set(&s, 2, BLK_OP_FLUSH, 0, 0, 0);
    long r = submit(&s, 0, 3);
    check(r == 1 && s.req[0].status == 0 && s.req[1].status == -22 && s.req[2].status == 0,
          "a write to its last sector; a read past its end: EINVAL");
    close_session(&s);
    check(open_session("missing", &s) == 6, "a policy naming a partition the disk lacks: ENXIO");
    check(open_session("whole", &s) == 0 && s.hdr->sectors == 32768,
          "another policy: the whole disk");
    close_session(&s);
    check(open_session("nobody", &s) == 1, "no policy: EPERM");
    cx_printf("blktest: %s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "partitions"))
        return partitions();
    struct ses s;
    /* the page tables where the sessions will be mapped stay: make them first */
    uint64_t probe = cx_slot_alloc();
    cx_mem_create(CX_SLOT_QUOTA, 1, probe);
    cx_map(CX_SLOT_SELF_PD, probe, 0, SHARED_VA, 1, CX_MAP_R);
    cx_unmap(CX_SLOT_SELF_PD, SHARED_VA, 1);
    cx_cap_delete(probe);
    struct cx_ret q0 = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0);
    long err = open_session("disk", &s);
    check(!err, "a Block session");
    if (err)
        return cx_printf("session: errno %ld\n", err), 1;
    check(s.hdr->magic == BLK_SHARED_MAGIC && s.hdr->sectors == 32768 && s.hdr->block_size == 512 &&
              !(s.hdr->flags & BLK_F_READONLY),
          "the device's figures: 32768 sectors of 512 bytes, writeable");
    reads_and_writes(&s);
    malformed(&s);
    close_session(&s);

    err = open_session("peek", &s);
    check(!err && (s.hdr->flags & BLK_F_READONLY), "a read-only session");
    if (!err) {
        set(&s, 0, BLK_OP_WRITE, 0, 1, 0);
        set(&s, 1, BLK_OP_READ, 100, 1, 0);
        long r = submit(&s, 0, 2);
        check(r == 1 && s.req[0].status == -30 && s.req[1].status == 0,
              "read-only: a write gets EROFS, a read works");
        close_session(&s);
    }
    client_library();
    /* last: init drops its copies of the sessions' capabilities at its next message
     * (docs/sandboxes.md), and this request is one */
    check(open_session("nobody", &s) == 1, "no policy for the label: EPERM");
    uint64_t deadline = cx_clock_ns() + 2000000000ul;
    while (cx_clock_ns() < deadline) { /* the sessions end: the quota comes back */
        struct cx_ret q = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0);
        if (q.rdi == q0.rdi)
            break;
        cx_raw_yield(0, 0, 0, 0, 0, 0);
    }
    struct cx_ret q1 = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0);
    cx_printf("quota used before %lu, after %lu\n", q0.rdi, q1.rdi);
    check(q1.rdi == q0.rdi, "the sessions' donations came back");
    cx_printf("blktest: %s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}
