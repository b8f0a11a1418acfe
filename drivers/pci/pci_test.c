/*
 * Host tests of the PCI library (pci.h) on a simulated bus 0 shaped like QEMU's pc
 * machine: the i440fx host bridge, the PIIX3 with its PIRQ registers, and a virtio
 * block device (a 4 KiB BAR1, a 64-bit prefetchable 16 KiB BAR4, an I/O BAR0 of 64
 * ports, a capability list). The simulation answers BAR size probes as hardware does.
 * Also: the virtio capability parser (virtio_pci.h), the split virtqueue with a
 * simulated device, and the Block request check (blk_check.h).
 */
#include "pci.h"

#include <stdlib.h>
#include "../../tests/host/check.h"
#include "../virtio-blk/blk_check.h"
#include "../virtio-blk/gpt.h"
#include "../virtio/virtio_pci.h"
#include "../virtio/virtqueue.h"

#define NFN 4
struct fn {
    uint32_t bdf;
    uint8_t cfg[256];
    uint64_t bar_size[6]; /* what each BAR decodes (0: none); 64-bit BARs on the low one */
    bool bar_io[6], bar64[6];
};
static struct fn bus[NFN];

static struct fn *fn_of(uint32_t bdf)
{
    for (int i = 0; i < NFN; i++)
        if (bus[i].bdf == bdf && (bus[i].cfg[0] | bus[i].cfg[1]))
            return &bus[i];
    return NULL;
}

static uint32_t rd(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t sim_read(void *ctx, uint32_t bdf, uint32_t off)
{
    struct fn *f = fn_of(bdf);
    return f ? rd(&f->cfg[off]) : 0xffffffffu;
}

/* BAR registers keep only the address bits their size allows; the rest is read-only. */
static void sim_write(void *ctx, uint32_t bdf, uint32_t off, uint32_t v)
{
    struct fn *f = fn_of(bdf);
    if (!f)
        return;
    if (off >= 0x10 && off < 0x28) {
        unsigned i = (off - 0x10) / 4;
        bool high = i > 0 && f->bar64[i - 1];
        uint64_t size = high ? f->bar_size[i - 1] : f->bar_size[i];
        uint32_t low_bits = rd(&f->cfg[off]) & (f->bar_io[i] ? 3u : 0xfu);
        if (!size) {
            wr(&f->cfg[off], 0);
            return;
        }
        uint64_t mask = ~(size - 1);
        uint32_t m = high ? (uint32_t)(mask >> 32) : (uint32_t)mask & ~(f->bar_io[i] ? 3u : 0xfu);
        if (f->bar_io[i] && !high)
            m &= 0xffffu;
        wr(&f->cfg[off], (v & m) | (high ? 0 : low_bits));
        return;
    }
    if (off == 0x04) { /* command: the low half */
        f->cfg[4] = (uint8_t)v, f->cfg[5] = (uint8_t)(v >> 8);
        return;
    }
    wr(&f->cfg[off], v);
}

static const struct pci_access sim = {.read = sim_read, .write = sim_write};

static void add_bar(struct fn *f, unsigned i, uint64_t size, bool io, bool is64, bool pf)
{
    f->bar_size[i] = size;
    f->bar_io[i] = io;
    f->bar64[i] = is64;
    wr(&f->cfg[0x10 + 4 * i], io ? 1u : (is64 ? 4u : 0u) | (pf ? 8u : 0u));
}

/* A virtio capability at off: type, bar, offset, length (notify: 20 bytes). */
static void vcap(uint8_t *cfg, unsigned off, unsigned next, uint8_t type, uint8_t bar, uint32_t o,
                 uint32_t len)
{
    cfg[off] = 0x09, cfg[off + 1] = (uint8_t)next, cfg[off + 2] = type == 2 ? 20 : 16;
    cfg[off + 3] = type, cfg[off + 4] = bar;
    wr(&cfg[off + 8], o);
    wr(&cfg[off + 12], len);
    if (type == 2)
        wr(&cfg[off + 16], 4);
}

static void make_bus(void)
{
    memset(bus, 0, sizeof(bus));
    struct fn *host = &bus[0], *isa = &bus[1], *blk = &bus[2], *net = &bus[3];
    host->bdf = PCI_BDF(0, 0, 0);
    wr(host->cfg, 0x12378086);
    isa->bdf = PCI_BDF(0, 1, 0);
    wr(isa->cfg, 0x70008086);
    isa->cfg[0x0e] = 0x80; /* multi-function (no other function here) */
    blk->bdf = PCI_BDF(0, 2, 0);
    wr(blk->cfg, 0x10421af4);
    wr(&blk->cfg[0x08], 0x01000001);
    blk->cfg[0x3d] = 1; /* INTA */
    blk->cfg[0x3c] = 11;
    add_bar(blk, 0, 64, true, false, false);
    add_bar(blk, 1, 4096, false, false, false);
    add_bar(blk, 4, 16384, false, true, true);
    blk->cfg[0x06] = 0x10; /* capability list */
    blk->cfg[0x34] = 0x40;
    vcap(blk->cfg, 0x40, 0x54, 1, 4, 0, 0x38);
    vcap(blk->cfg, 0x54, 0x68, 2, 4, 0x3000, 0x1000);
    vcap(blk->cfg, 0x68, 0x78, 3, 4, 0x1000, 4);
    vcap(blk->cfg, 0x78, 0x00, 4, 4, 0x2000, 0x40);
    net->bdf = PCI_BDF(0, 3, 0);
    wr(net->cfg, 0x10411af4);
    net->cfg[0x3d] = 1;
    add_bar(net, 1, 4096, false, false, false);
}

static struct pci_dev devs[8];

static void scan_finds_and_sizes(void)
{
    make_bus();
    unsigned n = pci_scan(&sim, devs, 8);
    CHECK_INT(n, 4);
    CHECK_INT(devs[2].vendor, 0x1af4);
    CHECK_INT(devs[2].device, 0x1042);
    CHECK_INT(devs[2].class_code, 0x010000);
    CHECK_INT(devs[2].bar[0].kind, PCI_BAR_IO);
    CHECK_INT(devs[2].bar[0].size, 64);
    CHECK_INT(devs[2].bar[1].kind, PCI_BAR_MEM);
    CHECK_INT(devs[2].bar[1].size, 4096);
    CHECK(devs[2].bar[4].is64 && devs[2].bar[4].prefetch);
    CHECK_INT(devs[2].bar[4].size, 16384);
    CHECK_INT(devs[2].bar[5].kind, PCI_BAR_NONE); /* the upper half of BAR4 */
    CHECK_INT(devs[2].bar[2].kind, PCI_BAR_NONE);
}

static void place_aligns_and_enables(void)
{
    make_bus();
    unsigned n = pci_scan(&sim, devs, 8);
    struct pci_window mem = {0xe0000000, 0xfec00000}, io = {0xc000, 0x10000};
    for (unsigned i = 0; i < n; i++)
        CHECK_INT(pci_place(&sim, &devs[i], &mem, &io), 0);
    struct pci_dev *d = &devs[2];
    CHECK_INT(d->bar[0].base, 0xc000);
    CHECK_INT(d->bar[1].base, 0xe0000000);
    CHECK_INT(d->bar[4].base, 0xe0004000); /* naturally aligned after BAR1 */
    CHECK_INT(rd(&bus[2].cfg[0x14]), 0xe0000000);
    CHECK_INT(rd(&bus[2].cfg[0x20]), 0xe000400c);
    CHECK_INT(rd(&bus[2].cfg[0x24]), 0);
    CHECK_INT(bus[2].cfg[4] & 7, 3);            /* I/O and memory decoding, no bus master yet */
    CHECK_INT(devs[3].bar[1].base, 0xe0008000); /* its own page */
    pci_enable_master(&sim, d);
    CHECK_INT(bus[2].cfg[4] & 7, 7);
    pci_disable_master(&sim, d);
    CHECK_INT(bus[2].cfg[4] & 7, 3);
}

static void place_refuses_what_does_not_fit(void)
{
    make_bus();
    unsigned n = pci_scan(&sim, devs, 8);
    struct pci_window mem = {0xfebff000, 0xfec00000}, io = {0xfff0, 0x10000};
    CHECK_INT(n, 4);
    CHECK_INT(pci_place(&sim, &devs[2], &mem, &io), -1);
    CHECK_INT(devs[2].bar[1].base, 0xfebff000); /* the page that fits */
    CHECK_INT(devs[2].bar[4].base, 0);
    CHECK_INT(devs[2].bar[0].base, 0);
    struct pci_window top = {UINT64_MAX - 4095, UINT64_MAX};
    CHECK_INT(pci_place(&sim, &devs[3], &top, &io), -1); /* no wrap past the end */
}

static void irqs_routed_by_slot(void)
{
    make_bus();
    unsigned n = pci_scan(&sim, devs, 8);
    pci_route_irqs(&sim, devs, n);
    CHECK_INT(rd(&bus[1].cfg[0x60]), 0x09050b0a);
    CHECK_INT(devs[2].irq_line, 11); /* slot 2, INTA: PIRQB */
    CHECK_INT(devs[3].irq_line, 5);  /* slot 3, INTA: PIRQC */
    CHECK_INT(bus[3].cfg[0x3c], 5);
}

static void caps_found_and_loops_end(void)
{
    make_bus();
    CHECK_INT(pci_find_cap(&sim, PCI_BDF(0, 2, 0), 0x09, 0), 0x40);
    CHECK_INT(pci_find_cap(&sim, PCI_BDF(0, 2, 0), 0x09, 0x40), 0x54);
    CHECK_INT(pci_find_cap(&sim, PCI_BDF(0, 2, 0), 0x11, 0), 0);
    bus[2].cfg[0x79] = 0x40; /* the last points back to the first */
    CHECK_INT(pci_find_cap(&sim, PCI_BDF(0, 2, 0), 0x11, 0), 0);
    CHECK_INT(pci_find_cap(&sim, PCI_BDF(0, 3, 0), 0x09, 0), 0); /* no list */
}

static void selectors(void)
{
    uint32_t ids = 0, bdf = 0;
    CHECK_INT(pci_parse_selector("1af4:1042", &ids, &bdf), 1);
    CHECK_INT(ids, 0x1af41042);
    CHECK_INT(pci_parse_selector("00:03.1", &ids, &bdf), 2);
    CHECK_INT(bdf, PCI_BDF(0, 3, 1));
    CHECK_INT(pci_parse_selector("00:20.0", &ids, &bdf), 0); /* slot 32 */
    CHECK_INT(pci_parse_selector("1af4:104", &ids, &bdf), 0);
    CHECK_INT(pci_parse_selector("1af4:10422", &ids, &bdf), 0);
    CHECK_INT(pci_parse_selector("", &ids, &bdf), 0);
    CHECK_INT(pci_parse_selector("zz:00.0", &ids, &bdf), 0);
}

static void virtio_caps_parsed(void)
{
    make_bus();
    uint64_t sizes[6] = {0, 4096, 0, 0, 16384, 0};
    struct virtio_caps c;
    CHECK_INT(virtio_pci_parse(bus[2].cfg, sizes, &c), 0);
    CHECK(c.r[VIRTIO_CAP_COMMON].present && c.r[VIRTIO_CAP_COMMON].bar == 4);
    CHECK_INT(c.r[VIRTIO_CAP_NOTIFY].offset, 0x3000);
    CHECK_INT(c.notify_multiplier, 4);
    CHECK_INT(c.r[VIRTIO_CAP_DEVICE].offset, 0x2000);
    sizes[4] = 8192; /* the notify structure now lies outside its BAR */
    CHECK_INT(virtio_pci_parse(bus[2].cfg, sizes, &c), -1);
    sizes[4] = 16384;
    bus[2].cfg[0x79] = 0x40; /* a loop: ends after 48 hops with what it found */
    CHECK_INT(virtio_pci_parse(bus[2].cfg, sizes, &c), 0);
    bus[2].cfg[0x41] = 0x00; /* only the common structure left: refused */
    CHECK_INT(virtio_pci_parse(bus[2].cfg, sizes, &c), -1);
}

/* A device that completes chains: writes used entries for the given heads. */
static void device_completes(struct vq *q, const uint16_t *heads, unsigned n)
{
    struct vq_used_elem *ring = (struct vq_used_elem *)(q->used + 2);
    uint16_t idx = q->used[1];
    for (unsigned i = 0; i < n; i++, idx++)
        ring[idx % q->size] = (struct vq_used_elem){heads[i], 512};
    q->used[1] = idx;
}

static void virtqueue_cycles(void)
{
    static uint8_t mem[3 * 4096] __attribute__((aligned(4096)));
    struct vq q;
    memset(mem, 0, sizeof(mem));
    CHECK(vq_bytes(8) <= sizeof(mem));
    vq_init(&q, 8, mem, 0x100000);
    CHECK_INT(q.used_pa, 0x101000);
    struct vq_buf three[3] = {{0x1000, 16, false}, {0x2000, 512, true}, {0x1010, 1, true}};
    int a = vq_add(&q, three, 3), b = vq_add(&q, three, 3);
    CHECK(a >= 0 && b >= 0 && a != b);
    CHECK_INT(vq_add(&q, three, 3), -1); /* 2 left */
    CHECK_INT(q.avail[1], 2);
    CHECK_INT(q.desc[a].flags, VQ_DESC_NEXT);
    CHECK_INT(q.desc[q.desc[a].next].flags, VQ_DESC_NEXT | VQ_DESC_WRITE);
    uint16_t bogus[3] = {7, 200, (uint16_t)b};
    device_completes(&q, bogus, 3); /* 7 is not a head in flight, 200 no descriptor */
    uint16_t head;
    uint32_t len;
    CHECK(vq_take(&q, &head, &len));
    CHECK_INT(head, b);
    CHECK_INT(q.bad, 2);
    CHECK(!vq_take(&q, &head, &len));
    uint16_t again[2] = {(uint16_t)b, (uint16_t)a}; /* b twice: the second is bad */
    device_completes(&q, again, 2);
    CHECK(vq_take(&q, &head, &len) && head == a);
    CHECK_INT(q.bad, 3);
    CHECK_INT(q.nfree, 8);
    for (int round = 0; round < 100; round++) { /* indexes wrap past the ring size */
        int h = vq_add(&q, three, 3);
        CHECK(h >= 0);
        uint16_t hh = (uint16_t)h;
        device_completes(&q, &hh, 1);
        CHECK(vq_take(&q, &head, &len) && head == h);
    }
    CHECK_INT(q.nfree, 8);
}

static void blk_requests_checked(void)
{
    struct blk_limits l = {.sectors = 1000,
                           .block_size = 512,
                           .data_size = 65536,
                           .max_transfer = 32768,
                           .writeable = true};
    struct blk_request r = {.op = BLK_OP_READ, .sector = 999, .count = 1, .offset = 0};
    CHECK_INT(blk_check(&l, &r), 0);
    r.count = 2;
    CHECK_INT(blk_check(&l, &r), -22);
    r = (struct blk_request){.op = BLK_OP_WRITE, .sector = 0, .count = 64, .offset = 0};
    CHECK_INT(blk_check(&l, &r), 0);
    r.count = 65; /* longer than max_transfer */
    CHECK_INT(blk_check(&l, &r), -22);
    r = (struct blk_request){.op = BLK_OP_WRITE, .sector = 0, .count = 1, .offset = 65024};
    CHECK_INT(blk_check(&l, &r), 0);
    r.offset = 65536;
    CHECK_INT(blk_check(&l, &r), -22);
    r.offset = UINT64_MAX - 511;
    CHECK_INT(blk_check(&l, &r), -22);
    r = (struct blk_request){.op = BLK_OP_READ, .sector = UINT64_MAX, .count = 2};
    CHECK_INT(blk_check(&l, &r), -22);
    r = (struct blk_request){.op = BLK_OP_FLUSH};
    CHECK_INT(blk_check(&l, &r), 0);
    r.count = 1;
    CHECK_INT(blk_check(&l, &r), -22);
    r = (struct blk_request){.op = 3, .count = 1};
    CHECK_INT(blk_check(&l, &r), -22);
    l.writeable = false;
    r = (struct blk_request){.op = BLK_OP_WRITE, .count = 1};
    CHECK_INT(blk_check(&l, &r), -30);
    l.block_size = 4096; /* 4 KiB blocks: whole blocks only */
    r = (struct blk_request){.op = BLK_OP_READ, .sector = 8, .count = 8};
    CHECK_INT(blk_check(&l, &r), 0);
    r.sector = 4;
    CHECK_INT(blk_check(&l, &r), -22);
    r.sector = 8, r.count = 4;
    CHECK_INT(blk_check(&l, &r), -22);
}

/* ---- GPT: a disk of 4096 sectors in memory, its table built here ---- */
static uint8_t disk[4096 * 512];

static void put32(uint8_t *p, uint32_t v)
{
    wr(p, v);
}

static void put64(uint8_t *p, uint64_t v)
{
    wr(p, (uint32_t)v);
    wr(p + 4, (uint32_t)(v >> 32));
}

/* Recomputes the header's CRC. */
static void gpt_seal_header(void)
{
    uint8_t *h = disk + 512;
    put32(h + 16, 0);
    put32(h + 16, gpt_crc32(h, rd(h + 12)));
}

/* Recomputes the entries' CRC (128 of 128 bytes) and then the header's. */
static void gpt_seal(void)
{
    put32(disk + 512 + 88, gpt_crc32(disk + 1024, 128 * 128));
    gpt_seal_header();
}

static void make_gpt(void)
{
    memset(disk, 0, sizeof(disk));
    uint8_t *h = disk + 512;
    memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);
    put32(h + 12, 92);
    put64(h + 24, 1);
    put64(h + 32, 4095);
    put64(h + 40, 34);
    put64(h + 48, 4062);
    put64(h + 72, 2);
    put32(h + 80, 128);
    put32(h + 84, 128);
    uint8_t *e = disk + 1024; /* partition 1: 100..199; partition 3: 2000..4062 */
    e[0] = 1;
    put64(e + 32, 100);
    put64(e + 40, 199);
    e += 256;
    e[0] = 2;
    put64(e + 32, 2000);
    put64(e + 40, 4062);
    gpt_seal();
}

static int disk_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    if (lba > 4096 || count > 4096 - lba)
        return -5;
    memcpy(buf, disk + lba * 512, (size_t)count * 512);
    return 0;
}

static uint8_t scratch[GPT_MAX_ENTRIES * 128];

static void gpt_partitions_found(void)
{
    make_gpt();
    struct gpt_part p;
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 1, scratch, &p), 0);
    CHECK_INT(p.first, 100);
    CHECK_INT(p.sectors, 100);
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 3, scratch, &p), 0);
    CHECK_INT(p.first, 2000);
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 2, scratch, &p), -2); /* unused entry */
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 0, scratch, &p), -2);
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 129, scratch, &p), -2);
    CHECK_INT(gpt_crc32("123456789", 9), 0xcbf43926); /* the check value of CRC-32 */
}

static void gpt_damage_refused(void)
{
    struct gpt_part p;
    make_gpt();
    disk[512 + 40] ^= 1; /* header changed, CRC not */
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 1, scratch, &p), -22);
    make_gpt();
    disk[1024 + 32] = 10; /* an entry changed, CRC not */
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 1, scratch, &p), -22);
    make_gpt();
    put64(disk + 1024 + 40, 4090); /* past the last usable sector */
    gpt_seal();
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 1, scratch, &p), -22);
    make_gpt();
    put32(disk + 512 + 80, 100000); /* too many entries */
    gpt_seal_header();
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 1, scratch, &p), -22);
    make_gpt();
    put64(disk + 512 + 48, 5000); /* a usable area past the disk */
    gpt_seal();
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 1, scratch, &p), -22);
    make_gpt();
    put32(disk + 512 + 12, 4096); /* a header larger than its sector */
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 1, scratch, &p), -22);
    make_gpt();
    put64(disk + 512 + 72, 4095); /* entries that run past the disk */
    gpt_seal();
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 1, scratch, &p), -22);
    memset(disk, 0, 2048); /* no GPT at all */
    CHECK_INT(gpt_find(disk_read, NULL, 4096, 1, scratch, &p), -22);
}

/* Writes a fuzzer seed: the simulated bus in pci_fuzz's layout, then two requests. */
static int write_seed(const char *path)
{
    static uint8_t space[8][256];
    memset(space, 0xff, sizeof(space));
    make_bus();
    for (int i = 0; i < NFN; i++)
        memcpy(space[bus[i].bdf >> 3], bus[i].cfg, 256);
    struct blk_request r[2] = {{.op = BLK_OP_READ, .sector = 8, .count = 8}, {.op = BLK_OP_FLUSH}};
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(space, sizeof(space), 1, f) != 1 || fwrite(r, sizeof(r), 1, f) != 1)
        return 1;
    return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--seed"))
        return write_seed(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "--gpt-seed")) { /* the first 34 sectors */
        make_gpt();
        FILE *f = fopen(argv[2], "wb");
        return !f || fwrite(disk, 34 * 512, 1, f) != 1 || fclose(f);
    }
    static const struct check_case cases[] = {
        {"scan_finds_and_sizes", scan_finds_and_sizes},
        {"place_aligns_and_enables", place_aligns_and_enables},
        {"place_refuses_what_does_not_fit", place_refuses_what_does_not_fit},
        {"irqs_routed_by_slot", irqs_routed_by_slot},
        {"caps_found_and_loops_end", caps_found_and_loops_end},
        {"selectors", selectors},
        {"virtio_caps_parsed", virtio_caps_parsed},
        {"virtqueue_cycles", virtqueue_cycles},
        {"blk_requests_checked", blk_requests_checked},
        {"gpt_partitions_found", gpt_partitions_found},
        {"gpt_damage_refused", gpt_damage_refused},
    };
    return check_run("pci", cases, sizeof(cases) / sizeof(cases[0])) ? 1 : 0;
}
