/*
 * Fuzzer of what the PCI and virtio code reads from devices and clients: the input is
 * the configuration space of up to eight functions of bus 0 (written freely: BARs keep
 * what is written), which pci_scan, pci_place, pci_route_irqs and pci_find_cap walk,
 * and virtio_pci_parse reads; its tail is a batch of Block requests for blk_check and
 * used-ring entries for a virtqueue. Nothing may crash, hang or read out of bounds;
 * placed BARs must lie inside their windows and be naturally aligned.
 */
#include <stdlib.h>
#include <string.h>
#include "../virtio-blk/blk_check.h"
#include "../virtio/virtio_pci.h"
#include "../virtio/virtqueue.h"
#include "pci.h"

static uint8_t space[8][256];

static uint32_t f_read(void *ctx, uint32_t bdf, uint32_t off)
{
    uint32_t slot = bdf >> 3;
    if ((bdf & 7) || slot >= 8 || off > 252)
        return 0xffffffffu;
    uint32_t v;
    memcpy(&v, &space[slot][off], 4);
    return v;
}

static void f_write(void *ctx, uint32_t bdf, uint32_t off, uint32_t v)
{
    uint32_t slot = bdf >> 3;
    if ((bdf & 7) || slot >= 8 || off > 252)
        abort(); /* the library writes only where it read a function */
    memcpy(&space[slot][off], &v, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct pci_access a = {.read = f_read, .write = f_write};
    memset(space, 0xff, sizeof(space));
    size_t n = size < sizeof(space) ? size : sizeof(space);
    memcpy(space, data, n);
    struct pci_dev devs[16];
    unsigned nd = pci_scan(&a, devs, 16);
    pci_route_irqs(&a, devs, nd);
    struct pci_window mem = {0xe0000000, 0xfec00000}, io = {0xc000, 0x10000};
    for (unsigned i = 0; i < nd; i++) {
        pci_place(&a, &devs[i], &mem, &io);
        for (unsigned b = 0; b < 6; b++) {
            const struct pci_bar *bar = &devs[i].bar[b];
            if (!bar->base)
                continue;
            bool isio = bar->kind == PCI_BAR_IO;
            uint64_t lo = isio ? 0xc000 : 0xe0000000, hi = isio ? 0x10000 : 0xfec00000;
            if (bar->base < lo || bar->size > hi - bar->base || (bar->base & (bar->size - 1)))
                abort();
        }
        uint32_t off = 0;
        for (int k = 0; k < 64 && (off = pci_find_cap(&a, devs[i].bdf, 0x09, off)); k++)
            ;
        uint64_t sizes[6];
        for (unsigned b = 0; b < 6; b++)
            sizes[b] = devs[i].bar[b].size;
        struct virtio_caps c;
        virtio_pci_parse(space[(devs[i].bdf >> 3) & 7], sizes, &c);
    }
    if (size <= sizeof(space))
        return 0;
    data += sizeof(space), size -= sizeof(space);
    struct blk_limits l = {.sectors = 1000,
                           .block_size = 512,
                           .data_size = 65536,
                           .max_transfer = 32768,
                           .writeable = size & 1};
    if (size >= 8 && data[0] & 1)
        l.block_size = 4096;
    for (; size >= sizeof(struct blk_request);
         data += sizeof(struct blk_request), size -= sizeof(struct blk_request)) {
        struct blk_request r;
        memcpy(&r, data, sizeof(r));
        if (blk_check(&l, &r) == 0 && r.op != BLK_OP_FLUSH &&
            ((uint64_t)r.count * 512 > l.data_size - r.offset || r.sector + r.count > l.sectors))
            abort();
        /* the same bytes as used-ring entries of a queue with two chains in flight */
        static uint8_t ring[3 * 4096] __attribute__((aligned(4096)));
        struct vq q;
        memset(ring, 0, sizeof(ring));
        vq_init(&q, 8, ring, 0);
        struct vq_buf b[2] = {{0, 16, false}, {16, 1, true}};
        vq_add(&q, b, 2);
        vq_add(&q, b, 2);
        memcpy((void *)(q.used + 2), &r, sizeof(r));
        q.used[1] = (uint16_t)(r.count & 7);
        uint16_t head;
        uint32_t len;
        unsigned took = 0;
        while (vq_take(&q, &head, &len))
            took++;
        if (took > 2 || q.nfree > 8)
            abort();
    }
    return 0;
}
