/*
 * init's side of PCI (docs/pci.md): the bus through the configuration ports
 * 0xcf8/0xcfc, scanned once when a component's config names a device; every BAR placed
 * (the firmware, qboot, leaves them unassigned) and the interrupts routed. A component
 * with `pci SELECTOR` gets exactly its device: each BAR as a capability of its own, its
 * interrupt, and a read-only page describing it (struct cx_pci_info).
 */
#include "init.h"
#include <capix/pci_info.h>
#include <string.h>
#include "../drivers/pci/pci.h"

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc
#define IO_WINDOW_LO 0xc000ul
#define IO_WINDOW_HI 0x10000ul

static struct pci_dev devs[PCI_MAX_DEVICES];
static unsigned ndevs;
static bool scanned;

static uint32_t port_read(void *ctx, uint32_t bdf, uint32_t off)
{
    uint64_t v = 0xffffffffu;
    cx_io_out(CX_SLOT_IO_ALL, CFG_ADDR, 4, 0x80000000u | bdf << 8 | off);
    cx_io_in(CX_SLOT_IO_ALL, CFG_DATA, 4, &v);
    return (uint32_t)v;
}

static void port_write(void *ctx, uint32_t bdf, uint32_t off, uint32_t value)
{
    cx_io_out(CX_SLOT_IO_ALL, CFG_ADDR, 4, 0x80000000u | bdf << 8 | off);
    cx_io_out(CX_SLOT_IO_ALL, CFG_DATA, 4, value);
}

static const struct pci_access bus = {.read = port_read, .write = port_write};

static void log_device(const struct pci_dev *d)
{
    cx_printf("[init] pci %02x:%02x.%x %04x:%04x class %06x", d->bdf >> 8, (d->bdf >> 3) & 31,
              d->bdf & 7, d->vendor, d->device, d->class_code);
    if (d->irq_pin)
        cx_printf(" irq %u", d->irq_line);
    for (unsigned i = 0; i < 6; i++)
        if (d->bar[i].kind != PCI_BAR_NONE)
            cx_printf(" bar%u %s %#lx+%#lx", i, d->bar[i].kind == PCI_BAR_IO ? "io" : "mem",
                      d->bar[i].base, d->bar[i].size);
    cx_printf("\n");
}

void init_pci_scan(const struct cx_bootinfo *bi)
{
    if (scanned)
        return;
    scanned = true;
    ndevs = pci_scan(&bus, devs, PCI_MAX_DEVICES);
    pci_route_irqs(&bus, devs, ndevs);
    struct pci_window mem = {bi->mmio_lo, bi->mmio_hi}, io = {IO_WINDOW_LO, IO_WINDOW_HI};
    for (unsigned i = 0; i < ndevs; i++) {
        if (pci_place(&bus, &devs[i], &mem, &io))
            cx_printf("[init] pci %02x:%02x.%x: a BAR does not fit the window %#lx-%#lx\n",
                      devs[i].bdf >> 8, (devs[i].bdf >> 3) & 31, devs[i].bdf & 7, bi->mmio_lo,
                      bi->mmio_hi);
        log_device(&devs[i]);
    }
}

/* The first unclaimed device the selector names, or -1. */
static int find_device(const char *sel)
{
    uint32_t ids = 0, bdf = 0;
    int kind = pci_parse_selector(sel, &ids, &bdf);
    for (unsigned i = 0; i < ndevs; i++) {
        const struct pci_dev *d = &devs[i];
        if (d->claimed)
            continue;
        if ((kind == 1 && ((uint32_t)d->vendor << 16 | d->device) == ids) ||
            (kind == 2 && d->bdf == bdf))
            return (int)i;
    }
    return -1;
}

/* Adds one capability (init's original in slot) to the child's start page. */
static int give(struct child *c, struct cx_startinfo *si, uint64_t slot, const char *name,
                uint64_t value)
{
    c->pci_caps[c->npci_caps++] = slot;
    if (si->ncaps == 32)
        return CX_E_INVALID_ARG;
    uint64_t dst = CX_SLOT_FIRST_FREE + si->ncaps;
    int err = (int)cx_cap_copy(slot, c->pd, dst, CX_R_ALL, 0);
    if (err)
        return err;
    si->caps[si->ncaps].slot = dst;
    si->caps[si->ncaps].value = value;
    memset(si->caps[si->ncaps].name, 0, sizeof(si->caps[0].name));
    memcpy(si->caps[si->ncaps].name, name, strlen(name));
    si->ncaps++;
    return 0;
}

/* The info page: a memory object of the child's quota, read-only for it. */
static int info_page(struct child *c, struct cx_startinfo *si, const struct pci_dev *d)
{
    uint64_t m = cx_slot_alloc();
    int err = (int)cx_mem_create(c->quota, 1, m);
    if (err) {
        cx_slot_free(m);
        return err;
    }
    c->pci_caps[c->npci_caps++] = m;
    err = (int)cx_map(CX_SLOT_SELF_PD, m, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W);
    if (err)
        return err;
    struct cx_pci_info *p = (struct cx_pci_info *)SCRATCH;
    p->magic = CX_PCI_INFO_MAGIC;
    p->bdf = d->bdf;
    p->vendor = d->vendor;
    p->device = d->device;
    p->class_code = d->class_code;
    p->gsi = d->irq_pin ? d->irq_line : CX_PCI_NO_IRQ;
    for (unsigned i = 0; i < 6; i++) {
        p->bar[i].kind = d->bar[i].kind == PCI_BAR_MEM  ? CX_PCI_BAR_MEM
                         : d->bar[i].kind == PCI_BAR_IO ? CX_PCI_BAR_IO
                                                        : CX_PCI_BAR_NONE;
        p->bar[i].base = d->bar[i].base;
        p->bar[i].size = d->bar[i].size;
    }
    for (uint32_t off = 0; off < sizeof(p->config); off += 4) {
        uint32_t v = port_read(NULL, d->bdf, off);
        memcpy(&p->config[off], &v, 4);
    }
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
    c->npci_caps--; /* give() records it again */
    return give(c, si, m, "pci", sizeof(*p));
}

int child_pci(struct child *c, struct cx_startinfo *si)
{
    int i = find_device(c->pci_sel);
    if (i < 0) {
        cx_printf("[init] %s: no unclaimed PCI device %s\n", c->name, c->pci_sel);
        return CX_E_INVALID_ARG;
    }
    struct pci_dev *d = &devs[i];
    d->claimed = true;
    c->pci_dev = i + 1;
    pci_enable_master(&bus, d);
    int err = info_page(c, si, d);
    for (unsigned b = 0; b < 6 && !err; b++) {
        const struct pci_bar *bar = &d->bar[b];
        if (bar->kind == PCI_BAR_NONE || !bar->base)
            continue;
        uint64_t s = cx_slot_alloc();
        char name[8] = {bar->kind == PCI_BAR_IO ? 'i' : 'b', bar->kind == PCI_BAR_IO ? 'o' : 'a'};
        if (bar->kind == PCI_BAR_IO) {
            name[2] = (char)('0' + b);
            err = (int)cx_raw_io_create(CX_SLOT_IO_ALL, c->quota, bar->base, bar->size, s, 0).err;
        } else {
            name[2] = 'r';
            name[3] = (char)('0' + b);
            err = (int)cx_dev_create(CX_SLOT_DEVICE, c->quota, bar->base, bar->size, s);
        }
        if (err) {
            cx_slot_free(s);
            break;
        }
        err = give(c, si, s, name, bar->base);
    }
    if (!err && d->irq_pin) {
        uint64_t s = cx_slot_alloc();
        /* level-triggered, active high: how QEMU's ACPI tables describe PCI lines 5, 9,
         * 10 and 11 of the pc machine */
        err = (int)cx_raw_irq_create(CX_SLOT_IRQ_CONTROL, c->quota, d->irq_line | CX_IRQ_LEVEL, s,
                                     0, 0)
                  .err;
        if (err)
            cx_slot_free(s);
        else
            err = give(c, si, s, "irq", d->irq_line);
    }
    if (err)
        cx_printf("[init] %s: cannot hand over PCI device %s: %s\n", c->name, c->pci_sel,
                  cx_strerror(err));
    return err;
}

void child_pci_release(struct child *c)
{
    if (!c->pci_dev && !c->npci_caps)
        return;
    for (unsigned i = 0; i < c->npci_caps; i++) {
        cx_cap_delete(c->pci_caps[i]);
        cx_slot_free(c->pci_caps[i]);
    }
    c->npci_caps = 0;
    if (c->pci_dev > 0 && (unsigned)c->pci_dev <= ndevs) {
        struct pci_dev *d = &devs[c->pci_dev - 1];
        pci_disable_master(&bus, d); /* no DMA into memory that is about to be freed */
        d->claimed = false;
    }
    c->pci_dev = 0;
}
