/*
 * PCI: enumeration, BAR sizing and placement, and the i440fx/PIIX3 interrupt routing
 * (docs/pci.md). A library over a configuration-space accessor, so that init drives the
 * real bus through ports 0xcf8/0xcfc and the host test and fuzzer drive a simulated one.
 *
 * What it trusts: nothing it reads. A function that answers all ones, a BAR whose size
 * is not a power of two or that does not fit the window, a capability list that loops:
 * each is skipped or refused, never followed without a bound.
 */
#ifndef CAPIX_PCI_H
#define CAPIX_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* bus << 8 | device << 3 | function */
#define PCI_BDF(bus, dev, fn) ((uint32_t)(bus) << 8 | (uint32_t)(dev) << 3 | (uint32_t)(fn))

struct pci_access {
    void *ctx;
    /* 32-bit configuration read and write at a dword-aligned offset (0..252) */
    uint32_t (*read)(void *ctx, uint32_t bdf, uint32_t off);
    void (*write)(void *ctx, uint32_t bdf, uint32_t off, uint32_t value);
};

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_MEM, PCI_BAR_IO };

struct pci_bar {
    enum pci_bar_kind kind;
    bool is64, prefetch;
    uint64_t base, size; /* size a power of two; base 0 until placed */
};

#define PCI_MAX_DEVICES 64

struct pci_dev {
    uint32_t bdf;
    uint16_t vendor, device;
    uint32_t class_code; /* class << 16 | subclass << 8 | prog-if */
    uint8_t irq_pin;     /* 1..4 for INTA..INTD, 0: none */
    uint8_t irq_line;    /* the GSI it raises (routed by pci_route_irqs) */
    struct pci_bar bar[6];
    bool claimed; /* handed to a driver */
};

/* Address windows BARs are placed in: [next, hi), next moving up. */
struct pci_window {
    uint64_t next, hi;
};

/* Finds the functions of bus 0 (the only bus of QEMU's pc machine; bridges are not
 * followed yet) and sizes their BARs. Returns how many it found (at most max). */
unsigned pci_scan(const struct pci_access *a, struct pci_dev *devs, unsigned max);

/* Places every BAR of d that has no address in the windows (each naturally aligned)
 * and enables memory and I/O decoding. Returns 0, or -1 when a BAR does not fit (its
 * base stays 0 and decoding of its kind stays off). */
int pci_place(const struct pci_access *a, struct pci_dev *d, struct pci_window *mem,
              struct pci_window *io);

/* Lets d master the bus (DMA): for the driver it is handed to. */
void pci_enable_master(const struct pci_access *a, const struct pci_dev *d);

/* Stops d's DMA (its driver has ended). */
void pci_disable_master(const struct pci_access *a, const struct pci_dev *d);

/* On QEMU's pc machine (i440fx host bridge, PIIX3 at 00:01.0) routes PIRQA..D to GSIs
 * 10, 11, 5 and 9 and sets each function's interrupt line from the board's wiring
 * (slot + pin - 2) mod 4; elsewhere keeps the lines the firmware wrote. */
void pci_route_irqs(const struct pci_access *a, struct pci_dev *devs, unsigned n);

/* Finds the first capability with id cap_id in d's list after the one at offset start
 * (0: from the first); returns its offset, 0 when none. Follows at most
 * 48 entries (a list that loops ends there). */
uint32_t pci_find_cap(const struct pci_access *a, uint32_t bdf, uint8_t cap_id, uint32_t start);

/* Parses "VVVV:DDDD" (vendor:device, hex) or "BB:DD.F" (bus:device.function, hex) into
 * *ids or *bdf; returns 1 for ids, 2 for a slot, 0 when it is neither. */
int pci_parse_selector(const char *s, uint32_t *ids, uint32_t *bdf);

#endif
