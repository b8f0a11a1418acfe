/*
 * PCI enumeration, BAR sizing and placement, interrupt routing (pci.h, docs/pci.md).
 * Freestanding: init compiles it in, the host test and the fuzzer drive it over a
 * simulated configuration space.
 */
#include "pci.h"

#define CFG_ID 0x00
#define CFG_COMMAND 0x04 /* low half: command, high half: status */
#define CFG_CLASS 0x08
#define CFG_HEADER 0x0c /* byte 2: header type (bit 7: multi-function) */
#define CFG_BAR0 0x10
#define CFG_CAP_PTR 0x34
#define CFG_IRQ 0x3c /* byte 0: interrupt line, byte 1: pin */

#define CMD_IO 0x1u
#define CMD_MEM 0x2u
#define CMD_MASTER 0x4u
#define STATUS_CAPS 0x10u /* in the status half: the capability list exists */

#define PIIX3_PIRQ 0x60 /* four bytes: the GSI of PIRQA..D (bit 7: off) */

static uint32_t cfg_read(const struct pci_access *a, uint32_t bdf, uint32_t off)
{
    return a->read(a->ctx, bdf, off & 0xfc);
}

static void cfg_write(const struct pci_access *a, uint32_t bdf, uint32_t off, uint32_t v)
{
    a->write(a->ctx, bdf, off & 0xfc, v);
}

/* Sets the command register (writing zeros to the status half, whose bits are
 * cleared by ones). */
static void set_command(const struct pci_access *a, uint32_t bdf, uint16_t cmd)
{
    cfg_write(a, bdf, CFG_COMMAND, cmd);
}

static uint16_t command(const struct pci_access *a, uint32_t bdf)
{
    return (uint16_t)cfg_read(a, bdf, CFG_COMMAND);
}

static bool pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

/* Sizes BAR i of d (decoding is off meanwhile); returns how many BAR registers it
 * takes (2 for a 64-bit memory BAR). The BAR is left without an address. */
static unsigned size_bar(const struct pci_access *a, struct pci_dev *d, unsigned i)
{
    uint32_t off = CFG_BAR0 + 4 * i;
    uint32_t orig = cfg_read(a, d->bdf, off);
    cfg_write(a, d->bdf, off, 0xffffffffu);
    uint32_t v = cfg_read(a, d->bdf, off);
    struct pci_bar *b = &d->bar[i];
    *b = (struct pci_bar){0};
    if (orig & 1) { /* I/O */
        cfg_write(a, d->bdf, off, 0);
        uint32_t mask = (v & ~3u) | 0xffff0000u; /* ports are 16 bits */
        uint64_t size = (uint32_t)(~mask + 1);
        if (v && pow2(size) && size <= 0x10000)
            *b = (struct pci_bar){.kind = PCI_BAR_IO, .size = size};
        return 1;
    }
    bool is64 = ((orig >> 1) & 3) == 2 && i < 5;
    uint64_t mask = v & ~0xfu;
    if (is64) {
        uint32_t hoff = off + 4;
        cfg_write(a, d->bdf, hoff, 0xffffffffu);
        mask |= (uint64_t)cfg_read(a, d->bdf, hoff) << 32;
        cfg_write(a, d->bdf, hoff, 0);
    } else {
        mask |= 0xffffffff00000000ull;
    }
    cfg_write(a, d->bdf, off, 0);
    uint64_t size = ~mask + 1;
    if ((v & ~0xfu) && pow2(size))
        *b = (struct pci_bar){
            .kind = PCI_BAR_MEM, .is64 = is64, .prefetch = (orig >> 3) & 1, .size = size};
    return is64 ? 2 : 1;
}

static void read_function(const struct pci_access *a, uint32_t bdf, uint32_t id, struct pci_dev *d)
{
    *d = (struct pci_dev){.bdf = bdf, .vendor = (uint16_t)id, .device = (uint16_t)(id >> 16)};
    d->class_code = cfg_read(a, bdf, CFG_CLASS) >> 8;
    uint32_t irq = cfg_read(a, bdf, CFG_IRQ);
    d->irq_pin = (uint8_t)(irq >> 8);
    d->irq_line = (uint8_t)irq;
    if (d->irq_pin > 4)
        d->irq_pin = 0;
    if (((cfg_read(a, bdf, CFG_HEADER) >> 16) & 0x7f) != 0)
        return; /* bridges: their windows are not set up (bus 0 only) */
    uint16_t cmd = command(a, bdf);
    set_command(a, bdf, cmd & (uint16_t) ~(CMD_IO | CMD_MEM));
    for (unsigned i = 0; i < 6;)
        i += size_bar(a, d, i);
    set_command(a, bdf, cmd & (uint16_t) ~(CMD_IO | CMD_MEM | CMD_MASTER));
}

unsigned pci_scan(const struct pci_access *a, struct pci_dev *devs, unsigned max)
{
    unsigned n = 0;
    for (uint32_t dev = 0; dev < 32; dev++) {
        for (uint32_t fn = 0; fn < 8 && n < max; fn++) {
            uint32_t bdf = PCI_BDF(0, dev, fn);
            uint32_t id = cfg_read(a, bdf, CFG_ID);
            if ((uint16_t)id == 0xffff || (uint16_t)id == 0) {
                if (fn == 0)
                    break;
                continue;
            }
            read_function(a, bdf, id, &devs[n++]);
            if (fn == 0 && !((cfg_read(a, bdf, CFG_HEADER) >> 16) & 0x80))
                break; /* single-function device */
        }
    }
    return n;
}

/* A naturally aligned place for size bytes in w, or 0. */
static uint64_t window_take(struct pci_window *w, uint64_t size)
{
    uint64_t base = (w->next + size - 1) & ~(size - 1);
    if (base < w->next || base > w->hi || size > w->hi - base)
        return 0;
    w->next = base + size;
    return base;
}

int pci_place(const struct pci_access *a, struct pci_dev *d, struct pci_window *mem,
              struct pci_window *io)
{
    uint16_t on = 0;
    int rc = 0;
    for (unsigned i = 0; i < 6; i++) {
        struct pci_bar *b = &d->bar[i];
        if (b->kind == PCI_BAR_NONE || b->base)
            continue;
        bool isio = b->kind == PCI_BAR_IO;
        /* memory BARs take whole pages: a page mapped for one driver holds no other
         * device's registers */
        uint64_t min = isio ? 4 : 4096;
        uint64_t base = window_take(isio ? io : mem, b->size < min ? min : b->size);
        if (!base) {
            rc = -1;
            continue;
        }
        b->base = base;
        cfg_write(a, d->bdf, CFG_BAR0 + 4 * i, (uint32_t)base);
        if (b->is64)
            cfg_write(a, d->bdf, CFG_BAR0 + 4 * (i + 1), (uint32_t)(base >> 32));
        on |= isio ? CMD_IO : CMD_MEM;
    }
    if (on)
        set_command(a, d->bdf, command(a, d->bdf) | on);
    return rc;
}

void pci_enable_master(const struct pci_access *a, const struct pci_dev *d)
{
    set_command(a, d->bdf, command(a, d->bdf) | CMD_MASTER);
}

void pci_disable_master(const struct pci_access *a, const struct pci_dev *d)
{
    set_command(a, d->bdf, command(a, d->bdf) & (uint16_t)~CMD_MASTER);
}

static const struct pci_dev *find(const struct pci_dev *devs, unsigned n, uint32_t bdf,
                                  uint16_t vendor, uint16_t device)
{
    for (unsigned i = 0; i < n; i++)
        if (devs[i].bdf == bdf && devs[i].vendor == vendor && devs[i].device == device)
            return &devs[i];
    return NULL;
}

void pci_route_irqs(const struct pci_access *a, struct pci_dev *devs, unsigned n)
{
    static const uint8_t gsi[4] = {10, 11, 5, 9};
    if (!find(devs, n, PCI_BDF(0, 0, 0), 0x8086, 0x1237) ||
        !find(devs, n, PCI_BDF(0, 1, 0), 0x8086, 0x7000))
        return;
    uint32_t routes =
        (uint32_t)gsi[0] | (uint32_t)gsi[1] << 8 | (uint32_t)gsi[2] << 16 | (uint32_t)gsi[3] << 24;
    cfg_write(a, PCI_BDF(0, 1, 0), PIIX3_PIRQ, routes);
    for (unsigned i = 0; i < n; i++) {
        struct pci_dev *d = &devs[i];
        if (!d->irq_pin)
            continue;
        uint32_t slot = (d->bdf >> 3) & 31;
        d->irq_line = gsi[(slot + d->irq_pin + 2) & 3]; /* (slot - 1) + (pin - 1) */
        uint32_t v = cfg_read(a, d->bdf, CFG_IRQ);
        cfg_write(a, d->bdf, CFG_IRQ, (v & ~0xffu) | d->irq_line);
    }
}

uint32_t pci_find_cap(const struct pci_access *a, uint32_t bdf, uint8_t cap_id, uint32_t start)
{
    if (!((cfg_read(a, bdf, CFG_COMMAND) >> 16) & STATUS_CAPS))
        return 0;
    uint32_t off =
        start ? (cfg_read(a, bdf, start) >> 8) & 0xfc : cfg_read(a, bdf, CFG_CAP_PTR) & 0xfc;
    for (unsigned hops = 0; off >= 0x40 && hops < 48; hops++) {
        uint32_t v = cfg_read(a, bdf, off);
        if ((uint8_t)v == cap_id)
            return off;
        off = (v >> 8) & 0xfc;
    }
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads exactly n hex digits of s into *v; returns the character after them. */
static const char *hex(const char *s, unsigned n, uint32_t *v)
{
    *v = 0;
    for (unsigned i = 0; i < n; i++) {
        int h = hexval(s[i]);
        if (h < 0)
            return NULL;
        *v = *v << 4 | (uint32_t)h;
    }
    return s + n;
}

int pci_parse_selector(const char *s, uint32_t *ids, uint32_t *bdf)
{
    uint32_t a, b, c;
    const char *p = hex(s, 4, &a);
    if (p && *p == ':' && (p = hex(p + 1, 4, &b)) && !*p) {
        *ids = a << 16 | b;
        return 1;
    }
    p = hex(s, 2, &a);
    if (p && *p == ':' && (p = hex(p + 1, 2, &b)) && *p == '.' && (p = hex(p + 1, 1, &c)) && !*p &&
        b < 32 && c < 8) {
        *bdf = PCI_BDF(a, b, c);
        return 2;
    }
    return 0;
}
