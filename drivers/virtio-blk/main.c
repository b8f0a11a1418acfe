/*
 * virtio-blk: the virtio 1.x block driver (docs/block-protocol.md). It drives the one
 * PCI device init gave it (`pci 1af4:1042`: its BARs, its interrupt and a description,
 * docs/pci.md) and serves Block sessions on it:
 *
 *     config {
 *         policy label-prefix="disk" writeable buffer=256K   # first match wins
 *         policy label="shell -> peek"                        # read-only
 *         policy label="fat -> home" writeable partition=2    # one GPT partition
 *     }
 *
 * A session's shared memory is DMA memory made from the quota its client donated: one
 * page with the device's figures and the request array, then the data area (buffer=,
 * default 256 KiB, at most 2 MiB less a page). The device reads and writes the data
 * area directly; the request headers and status bytes the device sees are the
 * driver's own (a page of its DMA memory), so that a client cannot change a request
 * after it was checked.
 *
 * One thread serves requests: a submit puts its requests in flight at once and waits
 * for the interrupt until all have completed, at most 30 s; a device that does not
 * finish in time is reset (which stops its DMA) and every later request fails with
 * EIO. A second thread (the watcher) ends sessions whose capability is gone, as the
 * file-system servers do (fs-servers/lib/fs_native.c).
 */
#include <capix/block_protocol.h>
#include <capix/capix.h>
#include <capix/config.h>
#include <capix/pci_info.h>
#include <string.h>
#include "../virtio/virtio_attach.h"
#include "blk_check.h"
#include "gpt.h"

#define EINVAL 22
#define EIO 5
#define ENOMEM 12
#define EPERM 1
#define EMFILE 24
#define EOPNOTSUPP 95
#define ENXIO 6

#define INFO_VA 0x50000000ul
#define REGS_VA 0x51000000ul /* BAR i at REGS_VA + i * REGS_STRIDE */
#define REGS_STRIDE (16ul << 20)
#define QUEUE_VA 0x58000000ul
#define SLOTS_VA 0x58100000ul
#define GPT_VA 0x58200000ul /* the partition table while it is read */
#define GPT_PAGES ((GPT_MAX_ENTRIES * 128 + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE)
#define SES_VA 0x60000000ul /* session i at SES_VA + i * SES_STRIDE */
#define SES_STRIDE (2ul << 20)
#define MAX_SESSIONS 8
#define MAX_POLICIES 8
#define WAKE_BADGE (MAX_SESSIONS + 1)
#define DEFAULT_BUFFER (256ul << 10)
#define MAX_BUFFER (SES_STRIDE - CX_PAGE_SIZE)
#define QUEUE_MAX 128
#define IO_TIMEOUT_NS (30ul * 1000000000ul)

/* virtio-blk feature bits and request types (virtio spec 5.2) */
#define F_SIZE_MAX 1
#define F_RO 5
#define F_BLK_SIZE 6
#define F_FLUSH 9
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define S_OK 0
#define S_UNSUPP 2

/* What the device reads (the header) and writes (the status) for request j of a
 * submit: in the driver's own DMA page. */
struct slot {
    uint32_t type, reserved;
    uint64_t sector;
    uint8_t status;
    uint8_t pad[15];
};
_Static_assert(sizeof(struct slot) * BLK_MAX_REQUESTS <= 4096, "slots fit a page");

struct policy {
    int match;
    const char *label;
    bool writeable;
    uint64_t buffer;
    unsigned partition;  /* 1.. a GPT partition, 0 the whole disk */
    uint64_t base, size; /* its sectors (found at start); size 0: not found (ENXIO) */
    unsigned line;
};

struct session {
    bool open, watched;
    uint64_t badged, mem, quota, pa, pages;
    uint64_t base; /* its first sector on the disk (a partition's) */
    struct blk_limits lim;
    char label[CX_SESSION_FULL_WORDS * 8];
};

static struct {
    struct virtio_dev dev;
    struct vq q;
    uint64_t sectors, max_transfer, slots_pa;
    uint32_t block_size;
    bool ro, flush, failed;
    uint64_t irq, irq_notif, devcap;
    char where[16];
} blk;

static struct session sessions[MAX_SESSIONS];
static struct policy policies[MAX_POLICIES];
static unsigned npolicies;
static uint64_t ep, wake_ep, watch_notif;
static char arena_buf[16 * 1024];
static uint8_t watcher_stack[4096] __attribute__((aligned(16)));
static int16_t head_to_req[VQ_MAX_SIZE];

/* ---- the device ---- */

static uint32_t dev_cfg32(unsigned off)
{
    return *(volatile uint32_t *)(blk.dev.device + off);
}

static int device_init(void)
{
    struct virtio_attach a;
    if (virtio_attach("virtio-blk", INFO_VA, REGS_VA, REGS_STRIDE, 24, &a))
        return -1;
    const struct cx_pci_info *info = a.info;
    blk.dev = a.dev;
    blk.devcap = a.devcap;
    cx_printf("virtio-blk: device %02x:%02x.%x\n", info->bdf >> 8, (info->bdf >> 3) & 31,
              info->bdf & 7);
    uint64_t f = virtio_negotiate(
        &blk.dev, 0, 1ull << F_RO | 1ull << F_BLK_SIZE | 1ull << F_FLUSH | 1ull << F_SIZE_MAX);
    if (!f)
        return cx_printf("virtio-blk: the device refused the features\n"), -1;
    blk.sectors = dev_cfg32(0) | (uint64_t)dev_cfg32(4) << 32;
    blk.block_size = 512;
    uint32_t bs = f & (1ull << F_BLK_SIZE) ? dev_cfg32(20) : 512;
    if (bs >= 512 && bs <= 65536 && !(bs & (bs - 1)))
        blk.block_size = bs;
    blk.max_transfer = MAX_BUFFER;
    if (f & (1ull << F_SIZE_MAX) && dev_cfg32(8) >= blk.block_size && dev_cfg32(8) < MAX_BUFFER)
        blk.max_transfer = dev_cfg32(8) & ~(uint64_t)(blk.block_size - 1);
    blk.ro = f & (1ull << F_RO);
    blk.flush = f & (1ull << F_FLUSH);
    uint16_t qsize;
    uint64_t qpa;
    if (virtio_queue_size(&blk.dev, 0, QUEUE_MAX, &qsize) ||
        virtio_dma(blk.devcap, CX_SLOT_QUOTA, (vq_bytes(qsize) + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE,
                   QUEUE_VA, &qpa) ||
        virtio_dma(blk.devcap, CX_SLOT_QUOTA, 1, SLOTS_VA, &blk.slots_pa))
        return cx_printf("virtio-blk: no queue\n"), -1;
    vq_init(&blk.q, qsize, (void *)QUEUE_VA, qpa);
    if (virtio_queue_enable(&blk.dev, 0, &blk.q))
        return cx_printf("virtio-blk: the queue's doorbell lies outside its registers\n"), -1;
    blk.irq = cx_named_cap("irq");
    blk.irq_notif = cx_slot_alloc();
    if (!blk.irq || cx_notif_create(CX_SLOT_QUOTA, blk.irq_notif) ||
        cx_raw_irq_bind(blk.irq, blk.irq_notif, 1, 0, 0, 0).err)
        return cx_printf("virtio-blk: no interrupt\n"), -1;
    virtio_ready(&blk.dev);
    cx_printf("virtio-blk: %lu sectors (%lu KiB), block %u, %s%s, queue %u\n", blk.sectors,
              blk.sectors / 2, blk.block_size, blk.ro ? "read-only" : "writeable",
              blk.flush ? ", write cache (flush)" : "", qsize);
    return 0;
}

/* ---- requests ---- */

struct batch {
    volatile struct blk_request *reqs; /* the client's entries */
    unsigned inflight, failed;
    bool done[BLK_MAX_REQUESTS];
};

static void finish(struct batch *b, unsigned j, int status)
{
    b->reqs[j].status = status;
    b->done[j] = true;
    if (status)
        b->failed++;
}

/* Takes every completed request; 0 once none is in flight, -1 when the device did not
 * finish by deadline. */
static int complete(struct batch *b, uint64_t deadline, bool all)
{
    volatile struct slot *slots = (volatile struct slot *)SLOTS_VA;
    for (;;) {
        uint16_t head;
        uint32_t len;
        bool took = false;
        while (vq_take(&blk.q, &head, &len)) {
            int j = head_to_req[head];
            head_to_req[head] = -1;
            if (j < 0)
                continue;
            uint8_t st = slots[j].status;
            finish(b, (unsigned)j, st == S_OK ? 0 : st == S_UNSUPP ? -EOPNOTSUPP : -EIO);
            b->inflight--;
            took = true;
        }
        if (!b->inflight || (took && !all))
            return 0;
        uint64_t now = cx_clock_ns(), bits;
        if (now >= deadline)
            return -1;
        cx_notif_wait(blk.irq_notif, deadline - now, &bits);
        virtio_isr(&blk.dev); /* lowers the line */
        cx_raw_irq_ack(blk.irq, 0, 0, 0, 0, 0);
    }
}

/* Puts request j (checked) in flight, waiting for room in the queue. */
static int issue(struct batch *b, const struct session *s, unsigned j, const struct blk_request *r,
                 uint64_t deadline)
{
    volatile struct slot *sl = &((volatile struct slot *)SLOTS_VA)[j];
    uint64_t spa = blk.slots_pa + j * sizeof(struct slot);
    sl->type = r->op == BLK_OP_READ ? T_IN : r->op == BLK_OP_WRITE ? T_OUT : T_FLUSH;
    sl->reserved = 0;
    sl->sector = r->op == BLK_OP_FLUSH ? 0 : s->base + r->sector; /* checked inside */
    sl->status = 0xff;
    struct vq_buf bufs[3] = {{spa, 16, false}};
    unsigned n = 1;
    if (r->op != BLK_OP_FLUSH)
        bufs[n++] = (struct vq_buf){s->pa + CX_PAGE_SIZE + r->offset, r->count * BLK_SECTOR,
                                    r->op == BLK_OP_READ};
    bufs[n++] = (struct vq_buf){spa + 16, 1, true};
    int head;
    while ((head = vq_add(&blk.q, bufs, n)) < 0) {
        virtio_notify(&blk.dev, 0);
        if (complete(b, deadline, false))
            return -1;
    }
    head_to_req[head] = (int16_t)j;
    b->inflight++;
    return 0;
}

/* BLK_LABEL_SUBMIT: requests [first, first + count) of session s. Returns how many
 * failed, or a negative errno for a malformed call. */
static long submit(struct session *s, uint64_t first, uint64_t count)
{
    if (first > BLK_MAX_REQUESTS || count == 0 || count > BLK_MAX_REQUESTS - first)
        return -EINVAL;
    volatile struct blk_request *all =
        (volatile struct blk_request *)(SES_VA + (s - sessions) * SES_STRIDE + BLK_REQUESTS_OFFSET);
    struct batch b = {.reqs = all + first};
    uint64_t deadline = cx_clock_ns() + IO_TIMEOUT_NS;
    unsigned j = 0;
    for (; j < count; j++) {
        struct blk_request r;
        memcpy(&r, (const void *)&b.reqs[j], sizeof(r)); /* read once, then checked */
        int err = blk.failed ? -EIO : blk_check(&s->lim, &r);
        if (!err && r.op == BLK_OP_FLUSH && !blk.flush)
            err = 1; /* no volatile cache: done */
        if (err) {
            finish(&b, j, err > 0 ? 0 : err);
            continue;
        }
        if (issue(&b, s, j, &r, deadline))
            break;
    }
    virtio_notify(&blk.dev, 0);
    if (j < count || complete(&b, deadline, true)) {
        cx_printf("virtio-blk: the device did not complete %u requests within 30 s: reset; "
                  "every later request fails with EIO\n",
                  b.inflight);
        virtio_reset(&blk.dev); /* it stops using the buffers */
        blk.failed = true;
        for (unsigned k = 0; k < count; k++)
            if (!b.done[k])
                finish(&b, k, -EIO);
        memset(head_to_req, 0xff, sizeof(head_to_req));
    }
    return b.failed;
}

/* Reads count sectors at lba into the GPT buffer (gpt_find's reader), through the
 * queue as a client's request would go. */
static int gpt_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    uint64_t pa = *(const uint64_t *)ctx;
    uint64_t off = (uint64_t)((uint8_t *)buf - (uint8_t *)GPT_VA);
    struct blk_request r = {.op = BLK_OP_READ, .sector = lba, .count = count};
    struct blk_request done = {0};
    struct batch b = {.reqs = &done};
    struct session whole = {.pa = pa + off - CX_PAGE_SIZE};
    if (lba > blk.sectors || count > blk.sectors - lba ||
        off + (uint64_t)count * BLK_SECTOR > GPT_PAGES * CX_PAGE_SIZE)
        return -EINVAL;
    uint64_t deadline = cx_clock_ns() + IO_TIMEOUT_NS;
    if (issue(&b, &whole, 0, &r, deadline))
        return -EIO;
    virtio_notify(&blk.dev, 0);
    if (complete(&b, deadline, true))
        return -EIO;
    return done.status;
}

/* Finds the partitions the policies name (docs/block-protocol.md); a policy whose
 * partition is not there denies its sessions (ENXIO), and the log says why. */
static void find_partitions(void)
{
    uint64_t pa = 0;
    bool mapped = false;
    for (unsigned i = 0; i < npolicies; i++) {
        struct policy *p = &policies[i];
        if (!p->partition) {
            p->size = blk.sectors;
            continue;
        }
        if (!mapped && virtio_dma(blk.devcap, CX_SLOT_QUOTA, GPT_PAGES, GPT_VA, &pa))
            return (void)cx_printf("virtio-blk: no memory to read the partition table\n");
        mapped = true;
        struct gpt_part part;
        int err = blk.block_size != 512 ? -EINVAL
                                        : gpt_find(gpt_read, &pa, blk.sectors, p->partition,
                                                   (uint8_t *)GPT_VA, &part);
        if (err) {
            cx_printf("virtio-blk: config line %u: partition %u: %s; its sessions are refused "
                      "(ENXIO)\n",
                      p->line, p->partition,
                      err == -2        ? "no such partition"
                      : err == -EINVAL ? "no valid GPT on the disk (512-byte sectors)"
                                       : "the disk cannot be read");
            continue;
        }
        p->base = part.first;
        p->size = part.sectors;
        cx_printf("virtio-blk: partition %u: sectors %lu..%lu (%lu KiB)\n", p->partition,
                  part.first, part.first + part.sectors - 1, part.sectors / 2);
    }
}

/* ---- sessions ---- */

static int read_config(void)
{
    size_t len;
    const char *text = cx_config_text(&len);
    struct cfg_arena a = {arena_buf, sizeof(arena_buf), 0};
    struct cfg_node *root;
    struct cfg_error err;
    const struct cfg_node *cfg = NULL;
    if (!text)
        return 0;
    if (cfg_parse("config", text, len, &a, &root, &err))
        goto bad;
    cfg = cfg_component_config(root, cx_start_info->name);
    for (const struct cfg_node *n = cfg ? cfg_first(cfg, NULL) : NULL; n; n = cfg_next(n, NULL)) {
        if (strcmp(n->name, "policy") || npolicies == MAX_POLICIES) {
            cfg_error_at(&err, n,
                         npolicies == MAX_POLICIES ? "too many policies (at most 8)"
                                                   : "unknown node '%s' (expected policy)",
                         n->name);
            goto bad;
        }
        struct policy *p = &policies[npolicies++];
        unsigned props = cfg_label_selector(n, &p->label, &p->match);
        p->writeable = cfg_nargs(n) == 1 && !strcmp(cfg_arg(n, 0), "writeable");
        p->buffer = DEFAULT_BUFFER;
        p->line = n->line;
        const char *buf = cfg_prop(n, "buffer"), *part = cfg_prop(n, "partition");
        uint64_t pn = 0;
        unsigned labels = props;
        props += (buf != NULL) + (part != NULL);
        if (labels > 1 || cfg_nargs(n) > 1 || (cfg_nargs(n) == 1 && !p->writeable) ||
            n->nvalues != props + cfg_nargs(n) ||
            (buf && (cfg_parse_u64(buf, &p->buffer) || p->buffer < 4096 || p->buffer > MAX_BUFFER ||
                     p->buffer % 4096)) ||
            (part && (cfg_parse_u64(part, &pn) || pn < 1 || pn > GPT_MAX_ENTRIES))) {
            cfg_error_at(&err, n,
                         "as in: policy [label=L | label-prefix=L | label-suffix=L] "
                         "[writeable] [buffer=SIZE (4K..2044K, whole pages)] "
                         "[partition=N (1..128)]");
            goto bad;
        }
        p->partition = (unsigned)pn;
    }
    return 0;
bad:;
    char msg[256];
    cfg_format_error(&err, msg, sizeof(msg));
    cx_printf("virtio-blk: configuration error: %s\n", msg);
    return -1;
}

static void close_session(unsigned i)
{
    struct session *s = &sessions[i];
    if (!s->open)
        return;
    cx_unmap(CX_SLOT_SELF_PD, SES_VA + i * SES_STRIDE, s->pages);
    cx_cap_revoke(s->badged);
    uint64_t *slots[] = {&s->badged, &s->mem, &s->quota};
    for (int k = 0; k < 3; k++)
        if (*slots[k]) {
            cx_cap_delete(*slots[k]);
            cx_slot_free(*slots[k]);
        }
    cx_printf("virtio-blk: session '%s' ended\n", s->label);
    memset(s, 0, sizeof(*s));
}

/* SESSION_CREATE from init: words 0..15 the label, the donated quota in qslot. */
static void create_session(struct cx_msg *m, uint64_t qslot)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    char label[CX_SESSION_FULL_WORDS * 8];
    cx_session_label(m, label);
    m->tag = CX_TAG(0, 1, 0);
    unsigned i = 0;
    while (i < MAX_SESSIONS && sessions[i].open)
        i++;
    const struct policy *p = NULL;
    for (unsigned k = 0; k < npolicies && !p; k++)
        if (cx_label_matches(policies[k].match, policies[k].label, label))
            p = &policies[k];
    long r = 0;
    if (!qslot)
        r = -EINVAL;
    else if (!p)
        cx_printf("virtio-blk: no policy for the session '%s': denied\n", label), r = -EPERM;
    else if (!p->size)
        r = -ENXIO; /* its partition was not found (logged at start) */
    else if (i == MAX_SESSIONS)
        r = -EMFILE;
    if (!r) {
        struct session *s = &sessions[i];
        *s = (struct session){.quota = qslot, .mem = cx_slot_alloc(), .badged = cx_slot_alloc()};
        s->pages = 1 + p->buffer / CX_PAGE_SIZE;
        uint64_t va = SES_VA + i * SES_STRIDE;
        if (cx_dma_create(blk.devcap, qslot, s->pages, s->mem, &s->pa) ||
            cx_map(CX_SLOT_SELF_PD, s->mem, 0, va, s->pages, CX_MAP_R | CX_MAP_W) ||
            cx_cap_copy(ep, CX_SLOT_SELF_PD, s->badged, CX_R_WRITE, i + 1)) {
            cx_unmap(CX_SLOT_SELF_PD, va, s->pages);
            cx_cap_delete(s->mem), cx_slot_free(s->mem);
            cx_cap_delete(s->badged), cx_slot_free(s->badged);
            *s = (struct session){0};
            r = -ENOMEM;
        } else {
            s->open = true;
            s->base = p->base;
            s->lim = (struct blk_limits){
                .sectors = p->size,
                .block_size = blk.block_size,
                .data_size = p->buffer,
                .max_transfer = blk.max_transfer < p->buffer ? blk.max_transfer : p->buffer,
                .writeable = p->writeable && !blk.ro};
            struct blk_shared *h = (struct blk_shared *)va;
            *h = (struct blk_shared){.magic = BLK_SHARED_MAGIC,
                                     .flags = (s->lim.writeable ? 0 : BLK_F_READONLY) |
                                              (blk.flush ? BLK_F_FLUSH : 0),
                                     .sectors = p->size,
                                     .block_size = blk.block_size,
                                     .max_requests = BLK_MAX_REQUESTS,
                                     .data_offset = CX_PAGE_SIZE,
                                     .data_size = p->buffer,
                                     .max_transfer = s->lim.max_transfer};
            memcpy(s->label, label, sizeof(label));
            cx_notif_signal(watch_notif, 1ul << i); /* watched after the answer */
            m->tag = CX_TAG(0, 1, 2);
            b->send_caps[0] = s->badged;
            b->send_caps[1] = s->mem;
            m->w[0] = 0;
            if (p->partition)
                cx_printf("virtio-blk: session '%s': %s, buffer %lu KiB, partition %u\n", label,
                          s->lim.writeable ? "writeable" : "read-only", p->buffer >> 10,
                          p->partition);
            else
                cx_printf("virtio-blk: session '%s': %s, buffer %lu KiB\n", label,
                          s->lim.writeable ? "writeable" : "read-only", p->buffer >> 10);
            return;
        }
    }
    if (qslot)
        cx_cap_delete(qslot), cx_slot_free(qslot);
    m->w[0] = (uint64_t)r;
}

static void watch_new_sessions(void)
{
    for (unsigned i = 0; i < MAX_SESSIONS; i++) {
        struct session *s = &sessions[i];
        if (!s->open || s->watched)
            continue;
        s->watched = true;
        if (cx_raw_cap_watch(s->badged, watch_notif, 1ul << i, 0, 0, 0).err)
            close_session(i);
    }
}

static bool has_copies(uint64_t slot)
{
    return (cx_raw_cap_info(slot, 0, 0, 0, 0, 0).r10 & CX_CAPF_CHILDREN) != 0;
}

static void watcher_main(void)
{
    for (;;) {
        uint64_t bits = 0;
        cx_notif_wait(watch_notif, CX_TIMEOUT_NONE, &bits);
        if (bits)
            cx_raw_ipc_call(wake_ep, CX_TAG(0, 1, 0), bits, 0, 0, 0);
    }
}

int main(int argc, char **argv)
{
    memset(head_to_req, 0xff, sizeof(head_to_req));
    if (read_config() || device_init())
        return 2;
    find_partitions();
    ep = cx_slot_alloc();
    watch_notif = cx_slot_alloc();
    wake_ep = cx_slot_alloc();
    uint64_t prio = cx_start_info->priority ? cx_start_info->priority : 100;
    if (cx_ep_create(CX_SLOT_QUOTA, ep) || cx_notif_create(CX_SLOT_QUOTA, watch_notif) ||
        cx_cap_copy(ep, CX_SLOT_SELF_PD, wake_ep, CX_R_WRITE, WAKE_BADGE) ||
        cx_thread_start(CX_SLOT_QUOTA, cx_slot_alloc(), watcher_main, watcher_stack,
                        sizeof(watcher_stack), NULL, prio))
        return cx_printf("virtio-blk: no endpoint or watcher thread\n"), 2;
    struct cx_ipcbuf *b = cx_ipcbuf();
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_ANNOUNCE, 4, 1)};
    memset(m.w, 0, sizeof(m.w));
    memcpy(m.w, "Block", 6);
    b->send_caps[0] = ep;
    if (cx_call(CX_SLOT_PARENT, &m) || m.w[0])
        return cx_printf("virtio-blk: init did not take the announcement\n"), 2;
    uint64_t spare = cx_slot_alloc();
    b->recv_slots[0] = spare;
    long e = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    for (;;) {
        watch_new_sessions();
        if (e) {
            b->recv_slots[0] = spare;
            e = cx_recv(ep, CX_TIMEOUT_NONE, &m);
            continue;
        }
        uint64_t got = 0;
        if (CX_TAG_CAPS(m.tag)) {
            got = spare;
            spare = cx_slot_alloc();
        }
        uint64_t label = CX_TAG_LABEL(m.tag);
        if (m.badge == WAKE_BADGE) {
            for (unsigned i = 0; i < MAX_SESSIONS; i++)
                if (m.w[0] & (1ul << i) && sessions[i].open && sessions[i].watched &&
                    !has_copies(sessions[i].badged))
                    close_session(i);
            m.tag = CX_TAG(0, 0, 0);
        } else if (m.badge == 0 && label == CX_LABEL_SESSION_CREATE) {
            create_session(&m, got);
            got = 0;
        } else if (m.badge >= 1 && m.badge <= MAX_SESSIONS && sessions[m.badge - 1].open &&
                   label == BLK_LABEL_SUBMIT) {
            m.w[0] = (uint64_t)submit(&sessions[m.badge - 1], m.w[0], m.w[1]);
            m.tag = CX_TAG(0, 1, 0);
        } else {
            m.tag = CX_TAG(0, 1, 0);
            m.w[0] = (uint64_t)-38; /* ENOSYS */
        }
        if (got)
            cx_cap_delete(got), cx_slot_free(got);
        b->recv_slots[0] = spare;
        e = cx_reply_recv(ep, &m);
    }
}
