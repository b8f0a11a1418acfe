/*
 * What init hands a driver about its PCI device (docs/pci.md): a read-only page, the
 * capability named "pci", holding struct cx_pci_info. The device's registers come as
 * further named capabilities: "barN" (device memory: map it with dev_mem; any of them
 * lets the driver make DMA memory with dma_create), "ioN" (an I/O-port range) and "irq"
 * (its interrupt, level-triggered).
 */
#ifndef CAPIX_PCI_INFO_H
#define CAPIX_PCI_INFO_H

#include <stdint.h>

#define CX_PCI_INFO_MAGIC 0x4f464e4949435050ull /* "PPCIINFO" */
#define CX_PCI_BAR_NONE 0
#define CX_PCI_BAR_MEM 1
#define CX_PCI_BAR_IO 2
#define CX_PCI_NO_IRQ 0xffffffffu

struct cx_pci_info {
    uint64_t magic;
    uint32_t bdf; /* bus << 8 | device << 3 | function */
    uint16_t vendor, device;
    uint32_t class_code;
    uint32_t gsi; /* the interrupt's line, or CX_PCI_NO_IRQ */
    struct {
        uint32_t kind; /* CX_PCI_BAR_* */
        uint32_t reserved;
        uint64_t base, size; /* physical address (ports for I/O) and bytes */
    } bar[6];
    uint8_t config[256]; /* the configuration space when the driver started */
};

#endif
