/*
 * virtio-net: the virtio 1.x network driver (docs/nic-protocol.md). It drives the one
 * PCI device init gave it (`pci 1af4:1041`, docs/pci.md) and serves one Nic session at
 * a time on it (a second client gets EBUSY: sharing a card between clients is a
 * router's job, above the driver):
 *
 *     config {
 *         policy label="net -> nic"      # first match wins; none matching: EPERM
 *     }
 *
 * The session's shared memory is DMA memory made from the quota its client donated:
 * the header and ring indexes, the rings, and NIC_BUFS packet buffers of 2 KiB. The
 * device reads frames to send and writes received frames straight into those buffers;
 * the 12-byte virtio-net header of each frame is in the driver's own DMA page, so the
 * client never sees or writes what the device reads as metadata.
 *
 * Two queues (0 receive, 1 transmit), no offloads, the MAC address from the device
 * (VIRTIO_NET_F_MAC; a made-up local one otherwise). The main thread serves IPC:
 * session requests from init, KICK and BIND from the client, and the wake-ups of a
 * second thread that waits for the interrupt and for the session's capability to go.
 * Nothing here ever waits on the client or the device: a stalled device only stops
 * giving buffers back. When the session ends the device is reset (its DMA into the
 * session's memory stops) and started again before that memory is given back.
 */
#include <capix/capix.h>
#include <capix/config.h>
#include <capix/nic_protocol.h>
#include <capix/pci_info.h>
#include <string.h>
#include "../virtio/virtio_attach.h"
#include "nic_ring.h"

#define EINVAL 22
#define EIO 5
#define ENOMEM 12
#define EPERM 1
#define EBUSY 16
#define ENOSYS 38

#define INFO_VA 0x50000000ul
#define REGS_VA 0x51000000ul /* BAR i at REGS_VA + i * REGS_STRIDE */
#define REGS_STRIDE (16ul << 20)
#define RXQ_VA 0x58000000ul
#define TXQ_VA 0x58010000ul
#define HDR_VA 0x58020000ul
#define SES_VA 0x60000000ul
#define QUEUE_PAGES 4 /* enough for vq_bytes(QUEUE_MAX) */
#define QUEUE_MAX 128
#define MAX_POLICIES 8
#define SES_BADGE 1
#define WAKE_BADGE 2
#define EV_IRQ 1ul
#define EV_WATCH 2ul
#define NET_HDR 12 /* struct virtio_net_hdr with num_buffers (virtio 1.x) */
#define SES_PAGES (NIC_SHARED_BYTES / CX_PAGE_SIZE)

/* virtio-net feature bits (virtio spec 5.1.3) */
#define F_MAC 5

struct policy {
    int match;
    const char *label;
};

/* The one session. Its outstanding counts are entries taken from TX (FILL) and not yet
 * given back on TX_DONE (RX): at most NIC_RING_SIZE, so what waits for room on a
 * client's ring always fits the pending queue. */
struct pending {
    struct nic_desc d[NIC_RING_SIZE];
    unsigned head, count;
};
struct session {
    bool open, watched;
    uint64_t badged, mem, quota, pa, notif, notif_bits;
    struct nic_port port;
    unsigned outstanding[2];           /* 0: TX, 1: FILL */
    struct pending done[2];            /* 0: for TX_DONE, 1: for RX */
    uint32_t head_buf[2][VQ_MAX_SIZE]; /* 0: rx queue, 1: tx queue, by chain head */
    char label[CX_SESSION_FULL_WORDS * 8];
};

static struct {
    struct virtio_dev dev;
    struct vq q[2]; /* 0 receive, 1 transmit */
    uint64_t qpa[2], hdr_pa, irq, events, devcap;
    uint8_t mac[6];
    bool failed;
    uint64_t sent, received, refused;
} net;

static struct session ses;
static struct policy policies[MAX_POLICIES];
static unsigned npolicies;
static uint64_t ep, wake_ep;
static char arena_buf[8 * 1024];
static uint8_t helper_stack[4096] __attribute__((aligned(16)));

/* ---- the device ---- */

/* Negotiates and sets both queues up (again after a reset); 0 or -1. */
static int device_start(void)
{
    uint64_t f = virtio_negotiate(&net.dev, 0, 1ull << F_MAC);
    if (!f)
        return cx_printf("virtio-net: the device refused the features\n"), -1;
    if (f & (1ull << F_MAC))
        for (unsigned i = 0; i < 6; i++)
            net.mac[i] = net.dev.device[i];
    else
        memcpy(net.mac, (uint8_t[6]){0x02, 0, 0, 0, 0, 1}, 6);
    uint64_t va[2] = {RXQ_VA, TXQ_VA};
    for (uint16_t i = 0; i < 2; i++) {
        uint16_t size;
        if (virtio_queue_size(&net.dev, i, QUEUE_MAX, &size) ||
            vq_bytes(size) > QUEUE_PAGES * CX_PAGE_SIZE)
            return cx_printf("virtio-net: no queue %u\n", i), -1;
        memset((void *)va[i], 0, QUEUE_PAGES * CX_PAGE_SIZE);
        vq_init(&net.q[i], size, (void *)va[i], net.qpa[i]);
        if (virtio_queue_enable(&net.dev, i, &net.q[i]))
            return cx_printf("virtio-net: queue %u's doorbell lies outside its registers\n", i), -1;
    }
    virtio_ready(&net.dev);
    return 0;
}

static int device_init(void)
{
    struct virtio_attach a;
    if (virtio_attach("virtio-net", INFO_VA, REGS_VA, REGS_STRIDE, 8, &a))
        return -1;
    const struct cx_pci_info *info = a.info;
    net.dev = a.dev;
    net.devcap = a.devcap;
    if (virtio_dma(net.devcap, CX_SLOT_QUOTA, QUEUE_PAGES, RXQ_VA, &net.qpa[0]) ||
        virtio_dma(net.devcap, CX_SLOT_QUOTA, QUEUE_PAGES, TXQ_VA, &net.qpa[1]) ||
        virtio_dma(net.devcap, CX_SLOT_QUOTA, 1, HDR_VA, &net.hdr_pa))
        return cx_printf("virtio-net: no memory for the queues\n"), -1;
    if (device_start())
        return -1;
    net.irq = cx_named_cap("irq");
    net.events = cx_slot_alloc();
    if (!net.irq || cx_notif_create(CX_SLOT_QUOTA, net.events) ||
        cx_raw_irq_bind(net.irq, net.events, EV_IRQ, 0, 0, 0).err)
        return cx_printf("virtio-net: no interrupt\n"), -1;
    const uint8_t *m = net.mac;
    cx_printf("virtio-net: device %02x:%02x.%x, MAC %02x:%02x:%02x:%02x:%02x:%02x, queues %u/%u\n",
              info->bdf >> 8, (info->bdf >> 3) & 31, info->bdf & 7, m[0], m[1], m[2], m[3], m[4],
              m[5], net.q[0].size, net.q[1].size);
    return 0;
}

/* ---- the data path ---- */

static void pend(unsigned which, uint32_t buf, uint16_t len, uint16_t flags)
{
    struct pending *p = &ses.done[which];
    p->d[(p->head + p->count) % NIC_RING_SIZE] = (struct nic_desc){buf, len, flags};
    p->count++;
}

/* Gives back what completed, as far as the client's rings have room; signals it. */
static void deliver(void)
{
    bool any = false;
    static const unsigned ring[2] = {NIC_RING_TX_DONE, NIC_RING_RX};
    for (unsigned w = 0; w < 2; w++) {
        struct pending *p = &ses.done[w];
        uint32_t room = nic_room(&ses.port, ring[w]);
        while (p->count && room) {
            nic_put(&ses.port, ring[w], &p->d[p->head]);
            p->head = (p->head + 1) % NIC_RING_SIZE;
            p->count--;
            room--;
            ses.outstanding[w]--;
            any = true;
        }
    }
    if (any && ses.notif)
        cx_notif_signal(ses.notif, ses.notif_bits);
}

/* Takes what the client produced on TX and FILL and hands it to the device. */
static void pump(void)
{
    bool kick[2] = {false, false};
    struct nic_desc d;
    /* TX: header (ours, zero: no offloads) then the frame in the client's buffer */
    while (ses.outstanding[0] < NIC_RING_SIZE && net.q[1].nfree >= 2 &&
           nic_take(&ses.port, NIC_RING_TX, &d) == 1) {
        ses.outstanding[0]++;
        if (nic_check(&ses.port, NIC_RING_TX, &d) || net.failed) {
            net.refused++;
            pend(0, d.buf, 0, NIC_D_ERROR);
            continue;
        }
        struct vq_buf b[2] = {
            {net.hdr_pa + 2048, NET_HDR, false},
            {ses.pa + NIC_BUFS_OFFSET + (uint64_t)d.buf * NIC_BUF_SIZE, d.len, false}};
        int head = vq_add(&net.q[1], b, 2);
        ses.head_buf[1][head] = d.buf;
        kick[1] = true;
    }
    /* FILL: a header of the chain's own (the device writes it), then the buffer */
    while (ses.outstanding[1] < NIC_RING_SIZE && net.q[0].nfree >= 2 &&
           nic_take(&ses.port, NIC_RING_FILL, &d) == 1) {
        ses.outstanding[1]++;
        if (nic_check(&ses.port, NIC_RING_FILL, &d) || net.failed) {
            net.refused++;
            pend(1, d.buf, 0, NIC_D_ERROR);
            continue;
        }
        uint16_t h = net.q[0].free_head; /* vq_add's head */
        struct vq_buf b[2] = {
            {net.hdr_pa + 16ull * h, NET_HDR, true},
            {ses.pa + NIC_BUFS_OFFSET + (uint64_t)d.buf * NIC_BUF_SIZE, NIC_BUF_SIZE, true}};
        int head = vq_add(&net.q[0], b, 2);
        ses.head_buf[0][head] = d.buf;
        kick[0] = true;
    }
    for (uint16_t i = 0; i < 2; i++)
        if (kick[i])
            virtio_notify(&net.dev, i);
    deliver();
}

/* Takes what the device completed (used lengths checked). */
static void reap(void)
{
    uint16_t head;
    uint32_t len;
    while (vq_take(&net.q[1], &head, &len)) {
        if (ses.open) {
            pend(0, ses.head_buf[1][head], 0, 0);
            net.sent++;
        }
    }
    while (vq_take(&net.q[0], &head, &len)) {
        if (!ses.open)
            continue;
        if (len < NET_HDR || len - NET_HDR > NIC_FRAME_MAX)
            pend(1, ses.head_buf[0][head], 0, NIC_D_ERROR);
        else
            pend(1, ses.head_buf[0][head], (uint16_t)(len - NET_HDR), 0);
        net.received++;
    }
}

/* ---- sessions ---- */

static int read_config(void)
{
    size_t len;
    const char *text = cx_config_text(&len);
    struct cfg_arena a = {arena_buf, sizeof(arena_buf), 0};
    struct cfg_node *root;
    struct cfg_error err;
    const struct cfg_node *cfg = NULL;
    if (!text)
        return 0;
    if (cfg_parse("config", text, len, &a, &root, &err))
        goto bad;
    cfg = cfg_component_config(root, cx_start_info->name);
    for (const struct cfg_node *n = cfg ? cfg_first(cfg, NULL) : NULL; n; n = cfg_next(n, NULL)) {
        if (strcmp(n->name, "policy") || npolicies == MAX_POLICIES) {
            cfg_error_at(&err, n,
                         npolicies == MAX_POLICIES ? "too many policies (at most 8)"
                                                   : "unknown node '%s' (expected policy)",
                         n->name);
            goto bad;
        }
        struct policy *p = &policies[npolicies++];
        unsigned props = cfg_label_selector(n, &p->label, &p->match);
        if (props > 1 || cfg_nargs(n) || n->nvalues != props) {
            cfg_error_at(&err, n, "as in: policy [label=L | label-prefix=L | label-suffix=L]");
            goto bad;
        }
    }
    return 0;
bad:;
    char msg[256];
    cfg_format_error(&err, msg, sizeof(msg));
    cx_printf("virtio-net: configuration error: %s\n", msg);
    return -1;
}

static void delete_slot(uint64_t *slot)
{
    if (*slot) {
        cx_cap_delete(*slot);
        cx_slot_free(*slot);
        *slot = 0;
    }
}

static void close_session(void)
{
    if (!ses.open)
        return;
    /* the device stops using the session's buffers before they go */
    if (device_start()) {
        cx_printf("virtio-net: the device did not start again: every later frame is refused\n");
        net.failed = true;
    }
    cx_unmap(CX_SLOT_SELF_PD, SES_VA, SES_PAGES);
    cx_cap_revoke(ses.badged);
    uint64_t *slots[] = {&ses.badged, &ses.mem, &ses.notif, &ses.quota};
    for (int k = 0; k < 4; k++)
        delete_slot(slots[k]);
    cx_printf("virtio-net: session '%s' ended (%lu frames sent, %lu received, %lu refused)\n",
              ses.label, net.sent, net.received, net.refused);
    memset(&ses, 0, sizeof(ses));
}

/* SESSION_CREATE from init: words 0..15 the label, the donated quota in qslot. */
static void create_session(struct cx_msg *m, uint64_t qslot)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    char label[CX_SESSION_FULL_WORDS * 8];
    cx_session_label(m, label);
    m->tag = CX_TAG(0, 1, 0);
    const struct policy *p = NULL;
    for (unsigned k = 0; k < npolicies && !p; k++)
        if (cx_label_matches(policies[k].match, policies[k].label, label))
            p = &policies[k];
    long r = 0;
    if (!qslot)
        r = -EINVAL;
    else if (!p)
        cx_printf("virtio-net: no policy for the session '%s': denied\n", label), r = -EPERM;
    else if (ses.open)
        cx_printf("virtio-net: '%s' asked while '%s' holds the card: busy\n", label, ses.label),
            r = -EBUSY;
    if (!r) {
        ses = (struct session){.quota = qslot, .mem = cx_slot_alloc(), .badged = cx_slot_alloc()};
        if (cx_dma_create(net.devcap, qslot, SES_PAGES, ses.mem, &ses.pa) ||
            cx_map(CX_SLOT_SELF_PD, ses.mem, 0, SES_VA, SES_PAGES, CX_MAP_R | CX_MAP_W) ||
            cx_cap_copy(ep, CX_SLOT_SELF_PD, ses.badged, CX_R_WRITE | CX_R_GRANT, SES_BADGE)) {
            cx_unmap(CX_SLOT_SELF_PD, SES_VA, SES_PAGES);
            delete_slot(&ses.mem);
            delete_slot(&ses.badged);
            ses = (struct session){0};
            r = -ENOMEM;
        } else {
            volatile struct nic_shared *h = (volatile struct nic_shared *)SES_VA;
            memset((void *)SES_VA, 0, 2 * CX_PAGE_SIZE);
            h->magic = NIC_SHARED_MAGIC;
            for (unsigned i = 0; i < 6; i++)
                h->mac[i] = net.mac[i];
            h->frame_max = NIC_FRAME_MAX;
            h->ring_size = NIC_RING_SIZE;
            h->buf_size = NIC_BUF_SIZE;
            h->nbufs = NIC_BUFS;
            h->bufs_offset = NIC_BUFS_OFFSET;
            nic_port_init(&ses.port, (volatile void *)SES_VA, NIC_BUFS);
            memcpy(ses.label, label, sizeof(label));
            ses.open = true;
            net.sent = net.received = net.refused = 0;
            cx_notif_signal(net.events, EV_WATCH); /* watched after the answer */
            m->tag = CX_TAG(0, 1, 2);
            b->send_caps[0] = ses.badged;
            b->send_caps[1] = ses.mem;
            m->w[0] = 0;
            cx_printf("virtio-net: session '%s'\n", label);
            return;
        }
    }
    if (qslot)
        cx_cap_delete(qslot), cx_slot_free(qslot);
    m->w[0] = (uint64_t)r;
}

/* NIC_LABEL_BIND: the notification (got) the driver signals with bits. */
static long bind_notif(uint64_t bits, uint64_t *got)
{
    struct cx_ret info = cx_raw_cap_info(*got, 0, 0, 0, 0, 0);
    if (!*got || bits == 0 || info.err || info.rsi != CX_T_NOTIF || !(info.rdi & CX_R_WRITE))
        return -EINVAL;
    delete_slot(&ses.notif);
    ses.notif = *got;
    ses.notif_bits = bits;
    *got = 0;
    return 0;
}

static bool has_copies(uint64_t slot)
{
    return (cx_raw_cap_info(slot, 0, 0, 0, 0, 0).r10 & CX_CAPF_CHILDREN) != 0;
}

/* The second thread: interrupt and session watch, passed to the main thread by IPC. */
static void helper_main(void)
{
    for (;;) {
        uint64_t bits = 0;
        cx_notif_wait(net.events, CX_TIMEOUT_NONE, &bits);
        if (bits)
            cx_raw_ipc_call(wake_ep, CX_TAG(0, 1, 0), bits, 0, 0, 0);
    }
}

static void wake(uint64_t bits)
{
    if (bits & EV_IRQ) {
        virtio_isr(&net.dev); /* lowers the line */
        cx_raw_irq_ack(net.irq, 0, 0, 0, 0, 0);
        reap();
        if (ses.open)
            pump();
    }
    /* The watch fires once; it may fire while the answer is still on its way (no copy
     * yet, or only init's): then it is set again. */
    if (bits & EV_WATCH && ses.open) {
        if (ses.watched && !has_copies(ses.badged))
            close_session();
        else if (cx_cap_watch(ses.badged, net.events, EV_WATCH))
            close_session();
        else
            ses.watched = true;
    }
}

int main(int argc, char **argv)
{
    if (read_config() || device_init())
        return 2;
    ep = cx_slot_alloc();
    wake_ep = cx_slot_alloc();
    uint64_t prio = cx_start_info->priority ? cx_start_info->priority : 100;
    if (cx_ep_create(CX_SLOT_QUOTA, ep) ||
        cx_cap_copy(ep, CX_SLOT_SELF_PD, wake_ep, CX_R_WRITE, WAKE_BADGE) ||
        cx_thread_start(CX_SLOT_QUOTA, cx_slot_alloc(), helper_main, helper_stack,
                        sizeof(helper_stack), NULL, prio))
        return cx_printf("virtio-net: no endpoint or helper thread\n"), 2;
    struct cx_ipcbuf *b = cx_ipcbuf();
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_ANNOUNCE, 4, 1)};
    memset(m.w, 0, sizeof(m.w));
    memcpy(m.w, "Nic", 4);
    b->send_caps[0] = ep;
    if (cx_call(CX_SLOT_PARENT, &m) || m.w[0])
        return cx_printf("virtio-net: init did not take the announcement\n"), 2;
    uint64_t spare = cx_slot_alloc();
    b->recv_slots[0] = spare;
    long e = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    for (;;) {
        if (e) {
            b->recv_slots[0] = spare;
            e = cx_recv(ep, CX_TIMEOUT_NONE, &m);
            continue;
        }
        uint64_t got = 0;
        if (CX_TAG_CAPS(m.tag)) {
            got = spare;
            spare = cx_slot_alloc();
        }
        uint64_t label = CX_TAG_LABEL(m.tag);
        if (m.badge == WAKE_BADGE) {
            wake(m.w[0]);
            m.tag = CX_TAG(0, 0, 0);
        } else if (m.badge == 0 && label == CX_LABEL_SESSION_CREATE) {
            create_session(&m, got);
            got = 0;
        } else if (m.badge == SES_BADGE && ses.open && label == NIC_LABEL_KICK) {
            pump();
            m.w[0] = net.failed ? (uint64_t)-EIO : 0;
            m.tag = CX_TAG(0, 1, 0);
        } else if (m.badge == SES_BADGE && ses.open && label == NIC_LABEL_BIND) {
            m.w[0] = (uint64_t)bind_notif(m.w[0], &got);
            m.tag = CX_TAG(0, 1, 0);
        } else {
            m.tag = CX_TAG(0, 1, 0);
            m.w[0] = (uint64_t)-ENOSYS;
        }
        if (got)
            cx_cap_delete(got), cx_slot_free(got);
        b->recv_slots[0] = spare;
        e = cx_reply_recv(ep, &m);
    }
}
