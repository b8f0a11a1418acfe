/*
 * The virtio 1.x PCI transport (virtio spec section 4.1, "modern" devices): the
 * vendor capabilities that say where in which BAR the common configuration, the
 * doorbells, the interrupt status and the device's own configuration lie; feature
 * negotiation; queue set-up; the doorbell and the interrupt status.
 *
 * virtio_pci_parse reads the capabilities from a copy of the configuration space
 * (struct cx_pci_info's) and checks every one against its BAR: it is freestanding and
 * host-tested. The rest works on the registers mapped from the BARs.
 */
#ifndef CAPIX_VIRTIO_PCI_H
#define CAPIX_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "virtqueue.h"

#define VIRTIO_CAP_COMMON 1
#define VIRTIO_CAP_NOTIFY 2
#define VIRTIO_CAP_ISR 3
#define VIRTIO_CAP_DEVICE 4

#define VIRTIO_F_VERSION_1 32

/* Where one structure lies: bar, offset and length in it. */
struct virtio_region {
    bool present;
    uint8_t bar;
    uint32_t offset, length;
};

struct virtio_caps {
    struct virtio_region r[5]; /* by VIRTIO_CAP_* (index 0 unused) */
    uint32_t notify_multiplier;
};

/* Finds the capabilities in cfg (256 bytes of configuration space); bar_size[i] is the
 * size of BAR i (0: none). Returns 0, or -1 when the common, notify or ISR structure is
 * missing or one lies outside its BAR. At most 48 capabilities are followed. */
int virtio_pci_parse(const uint8_t cfg[256], const uint64_t bar_size[6], struct virtio_caps *out);

/* A device's registers, mapped. */
#define VIRTIO_MAX_QUEUES 4
struct virtio_dev {
    volatile uint8_t *common, *notify, *isr, *device;
    uint32_t notify_multiplier, notify_length;
    uint32_t notify_off[VIRTIO_MAX_QUEUES]; /* each queue's doorbell (queue enable sets it) */
};

/* Resets the device and negotiates: it must offer VIRTIO_F_VERSION_1 and every bit of
 * need; the driver takes need | (want & offered). Returns the features taken, or 0 when
 * the device refused them (or lacks a needed one); the status then says FAILED. */
uint64_t virtio_negotiate(struct virtio_dev *d, uint64_t need, uint64_t want);

/* Sets up queue index (< VIRTIO_MAX_QUEUES) with at most max entries (the device's maximum, rounded
 * down to a power of two): *size gets the size to give vq_init. Then virtio_queue_enable with the
 * queue's addresses: -1 when the device's doorbell for it lies outside the notify
 * structure. 0 or -1. */
int virtio_queue_size(struct virtio_dev *d, uint16_t index, uint16_t max, uint16_t *size);
int virtio_queue_enable(struct virtio_dev *d, uint16_t index, const struct vq *q);

/* Tells the device the driver is ready (DRIVER_OK). */
void virtio_ready(struct virtio_dev *d);
/* Resets the device: it stops using every queue and every buffer. */
void virtio_reset(struct virtio_dev *d);
/* Rings queue index's doorbell. */
void virtio_notify(struct virtio_dev *d, uint16_t index);
/* Reads (and so clears) the interrupt status: bit 0 a queue, bit 1 the configuration. */
uint8_t virtio_isr(struct virtio_dev *d);

#endif
