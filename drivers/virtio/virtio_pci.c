/*
 * The virtio 1.x PCI transport (virtio_pci.h). Register offsets of the common
 * configuration structure are those of the specification's struct
 * virtio_pci_common_cfg.
 */
#include "virtio_pci.h"

#define CAP_VENDOR 0x09
#define CFG_STATUS 0x06
#define CFG_CAP_PTR 0x34
#define STATUS_CAPS 0x10

/* common configuration registers */
#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_STATUS 0x14
#define C_Q_SELECT 0x16
#define C_Q_SIZE 0x18
#define C_Q_ENABLE 0x1c
#define C_Q_NOFF 0x1e
#define C_Q_DESC 0x20
#define C_Q_DRIVER 0x28
#define C_Q_DEVICE 0x30

#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_FAILED 128

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int virtio_pci_parse(const uint8_t cfg[256], const uint64_t bar_size[6], struct virtio_caps *out)
{
    *out = (struct virtio_caps){0};
    if (!(cfg[CFG_STATUS] & STATUS_CAPS))
        return -1;
    unsigned off = cfg[CFG_CAP_PTR] & 0xfc;
    for (unsigned hops = 0; off >= 0x40 && off <= 256 - 16 && hops < 48; hops++) {
        const uint8_t *c = cfg + off;
        unsigned next = c[1] & 0xfc;
        uint8_t type = c[3], bar = c[4];
        if (c[0] == CAP_VENDOR && c[2] >= 16 && type >= 1 && type <= 4 && bar < 6 &&
            !out->r[type].present) {
            uint32_t o = le32(c + 8), len = le32(c + 12);
            if ((uint64_t)o + len > bar_size[bar] || len == 0)
                return -1;
            out->r[type] = (struct virtio_region){true, bar, o, len};
            if (type == VIRTIO_CAP_NOTIFY) {
                if (c[2] < 20 || off > 256 - 20)
                    return -1;
                out->notify_multiplier = le32(c + 16);
            }
        }
        off = next;
    }
    if (!out->r[VIRTIO_CAP_COMMON].present || !out->r[VIRTIO_CAP_NOTIFY].present ||
        !out->r[VIRTIO_CAP_ISR].present || out->r[VIRTIO_CAP_COMMON].length < 0x38)
        return -1;
    return 0;
}

static void w8(struct virtio_dev *d, unsigned off, uint8_t v)
{
    *(volatile uint8_t *)(d->common + off) = v;
}
static uint8_t r8(struct virtio_dev *d, unsigned off)
{
    return *(volatile uint8_t *)(d->common + off);
}
static void w16(struct virtio_dev *d, unsigned off, uint16_t v)
{
    *(volatile uint16_t *)(d->common + off) = v;
}
static uint16_t r16(struct virtio_dev *d, unsigned off)
{
    return *(volatile uint16_t *)(d->common + off);
}
static void w32(struct virtio_dev *d, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(d->common + off) = v;
}
static uint32_t r32(struct virtio_dev *d, unsigned off)
{
    return *(volatile uint32_t *)(d->common + off);
}
static void w64(struct virtio_dev *d, unsigned off, uint64_t v)
{
    w32(d, off, (uint32_t)v);
    w32(d, off + 4, (uint32_t)(v >> 32));
}

void virtio_reset(struct virtio_dev *d)
{
    w8(d, C_STATUS, 0);
    for (unsigned i = 0; i < 1000000 && r8(d, C_STATUS); i++) /* reset done when it reads 0 */
        __asm__ volatile("pause");
}

uint64_t virtio_negotiate(struct virtio_dev *d, uint64_t need, uint64_t want)
{
    virtio_reset(d);
    w8(d, C_STATUS, S_ACKNOWLEDGE);
    w8(d, C_STATUS, S_ACKNOWLEDGE | S_DRIVER);
    w32(d, C_DFSELECT, 0);
    uint64_t offered = r32(d, C_DF);
    w32(d, C_DFSELECT, 1);
    offered |= (uint64_t)r32(d, C_DF) << 32;
    need |= 1ull << VIRTIO_F_VERSION_1;
    if ((offered & need) != need) {
        w8(d, C_STATUS, S_FAILED);
        return 0;
    }
    uint64_t take = need | (want & offered);
    w32(d, C_GFSELECT, 0);
    w32(d, C_GF, (uint32_t)take);
    w32(d, C_GFSELECT, 1);
    w32(d, C_GF, (uint32_t)(take >> 32));
    w8(d, C_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    if (!(r8(d, C_STATUS) & S_FEATURES_OK)) {
        w8(d, C_STATUS, S_FAILED);
        return 0;
    }
    return take;
}

int virtio_queue_size(struct virtio_dev *d, uint16_t index, uint16_t max, uint16_t *size)
{
    if (index >= VIRTIO_MAX_QUEUES)
        return -1;
    w16(d, C_Q_SELECT, index);
    uint16_t dev_max = r16(d, C_Q_SIZE);
    if (dev_max == 0)
        return -1;
    uint16_t s = 1;
    while ((uint32_t)s * 2 <= dev_max && (uint32_t)s * 2 <= max && s < VQ_MAX_SIZE)
        s = (uint16_t)(s * 2);
    *size = s;
    return 0;
}

int virtio_queue_enable(struct virtio_dev *d, uint16_t index, const struct vq *q)
{
    w16(d, C_Q_SELECT, index);
    uint64_t off = (uint64_t)r16(d, C_Q_NOFF) * d->notify_multiplier;
    if (index >= VIRTIO_MAX_QUEUES || off + 2 > d->notify_length)
        return -1;
    d->notify_off[index] = (uint32_t)off;
    w16(d, C_Q_SIZE, q->size);
    w64(d, C_Q_DESC, q->desc_pa);
    w64(d, C_Q_DRIVER, q->avail_pa);
    w64(d, C_Q_DEVICE, q->used_pa);
    w16(d, C_Q_ENABLE, 1);
    return 0;
}

void virtio_ready(struct virtio_dev *d)
{
    w8(d, C_STATUS, (uint8_t)(r8(d, C_STATUS) | S_DRIVER_OK));
}

void virtio_notify(struct virtio_dev *d, uint16_t index)
{
    *(volatile uint16_t *)(d->notify + d->notify_off[index]) = index;
}

uint8_t virtio_isr(struct virtio_dev *d)
{
    return *d->isr;
}
