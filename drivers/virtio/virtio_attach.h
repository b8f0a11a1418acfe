/*
 * What every virtio driver of capix does first with the device its component's `pci`
 * line gave it (docs/pci.md): map the PCI information page, find the modern virtio
 * capabilities, map the BARs they lie in, and know where each structure is. Also its
 * DMA memory (docs/kernel-abi.md, "Devices"). Capix-only (the parser underneath,
 * virtio_pci.c, is host-tested).
 */
#ifndef CAPIX_VIRTIO_ATTACH_H
#define CAPIX_VIRTIO_ATTACH_H

#include <capix/pci_info.h>
#include <stdint.h>
#include "virtio_pci.h"

struct virtio_attach {
    const struct cx_pci_info *info; /* the information page, mapped */
    uint64_t devcap;                /* the device capability: DMA memory is made with it */
    struct virtio_dev dev;          /* the structures, in the mapped BARs */
};

/* Attaches to the device: the information page at info_va, BAR i at regs_va + i *
 * regs_stride (a BAR larger than regs_stride is refused), a device configuration of at
 * least min_device_cfg bytes required. who names the driver in the log line that says
 * why it failed. Returns 0 or -1. */
int virtio_attach(const char *who, uint64_t info_va, uint64_t regs_va, uint64_t regs_stride,
                  uint32_t min_device_cfg, struct virtio_attach *out);

/* Memory for the device (charged to quota), mapped read-write at va (pages pages); its
 * physical address in *pa. 0 or -1. */
int virtio_dma(uint64_t devcap, uint64_t quota, uint64_t pages, uint64_t va, uint64_t *pa);

#endif
