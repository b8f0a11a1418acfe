/*
 * The first steps of a virtio driver with its device (virtio_attach.h): the parts the
 * block and network drivers share.
 */
#include "virtio_attach.h"

#include <capix/capix.h>

/* Maps BAR bar (its capability "barN") at regs_va + bar * stride; 0 or -1. */
static int map_bar(struct virtio_attach *a, unsigned bar, uint64_t regs_va, uint64_t stride)
{
    char name[8] = {'b', 'a', 'r', (char)('0' + bar), 0};
    uint64_t cap = cx_named_cap(name), size = a->info->bar[bar].size;
    if (!cap || a->info->bar[bar].kind != CX_PCI_BAR_MEM || size > stride)
        return -1;
    uint64_t pages = (size + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE, m = cx_slot_alloc();
    if (!a->devcap)
        a->devcap = cap;
    if (cx_dev_mem(cap, CX_SLOT_QUOTA, a->info->bar[bar].base, pages, m) ||
        cx_map(CX_SLOT_SELF_PD, m, 0, regs_va + bar * stride, pages, CX_MAP_R | CX_MAP_W))
        return -1;
    return 0;
}

static volatile uint8_t *region(const struct virtio_caps *c, unsigned type, uint64_t regs_va,
                                uint64_t stride)
{
    const struct virtio_region *r = &c->r[type];
    return (volatile uint8_t *)(regs_va + r->bar * stride + r->offset);
}

int virtio_attach(const char *who, uint64_t info_va, uint64_t regs_va, uint64_t regs_stride,
                  uint32_t min_device_cfg, struct virtio_attach *out)
{
    *out = (struct virtio_attach){0};
    uint64_t icap = cx_named_cap("pci");
    if (!icap || cx_map(CX_SLOT_SELF_PD, icap, 0, info_va, 1, CX_MAP_R))
        return cx_printf("%s: no PCI device (a `pci` line in its component)\n", who), -1;
    const struct cx_pci_info *info = (const struct cx_pci_info *)info_va;
    if (info->magic != CX_PCI_INFO_MAGIC)
        return cx_printf("%s: the PCI information page is not init's\n", who), -1;
    out->info = info;
    uint64_t sizes[6];
    for (unsigned i = 0; i < 6; i++)
        sizes[i] = info->bar[i].kind == CX_PCI_BAR_MEM ? info->bar[i].size : 0;
    struct virtio_caps caps;
    if (virtio_pci_parse(info->config, sizes, &caps))
        return cx_printf("%s: not a virtio 1.x device (no modern capabilities)\n", who), -1;
    bool mapped[6] = {false};
    for (unsigned t = VIRTIO_CAP_COMMON; t <= VIRTIO_CAP_DEVICE; t++) {
        unsigned b = caps.r[t].bar;
        if (caps.r[t].present && !mapped[b]) {
            if (map_bar(out, b, regs_va, regs_stride))
                return cx_printf("%s: cannot map BAR %u\n", who, b), -1;
            mapped[b] = true;
        }
    }
    if (!caps.r[VIRTIO_CAP_DEVICE].present || caps.r[VIRTIO_CAP_DEVICE].length < min_device_cfg)
        return cx_printf("%s: no device configuration\n", who), -1;
    out->dev = (struct virtio_dev){.common = region(&caps, VIRTIO_CAP_COMMON, regs_va, regs_stride),
                                   .notify = region(&caps, VIRTIO_CAP_NOTIFY, regs_va, regs_stride),
                                   .isr = region(&caps, VIRTIO_CAP_ISR, regs_va, regs_stride),
                                   .device = region(&caps, VIRTIO_CAP_DEVICE, regs_va, regs_stride),
                                   .notify_multiplier = caps.notify_multiplier,
                                   .notify_length = caps.r[VIRTIO_CAP_NOTIFY].length};
    return 0;
}

int virtio_dma(uint64_t devcap, uint64_t quota, uint64_t pages, uint64_t va, uint64_t *pa)
{
    uint64_t m = cx_slot_alloc();
    if (cx_dma_create(devcap, quota, pages, m, pa) ||
        cx_map(CX_SLOT_SELF_PD, m, 0, va, pages, CX_MAP_R | CX_MAP_W))
        return -1;
    return 0;
}
