/*
 * nictest: a Nic session client for scenario nic (tests/scenarios/nic), playing both a
 * good and a hostile client of the virtio-net driver (docs/nic-protocol.md): BIND with
 * what is not a notification, a second session while one is open (EBUSY), TX and FILL
 * entries naming buffers or lengths out of range (each comes back refused), producer
 * indexes far ahead (nothing taken), then a real exchange without any IP stack: an ARP
 * request for the gateway 10.0.2.2 answered by QEMU's user networking. Then the session
 * ends, the donation comes back, and a new session on the restarted device works again.
 */
#include <capix/capix.h>
#include <capix/nic_protocol.h>
#include <stdbool.h>
#include <string.h>
#include "../../net/nic_client.h"

#define SHARED_VA 0x70000000ul
#define SW 4
#define LW 12
#define DONATION (640ul << 10)
#define EINVAL 22
#define EBUSY 16
#define EPERM 1

static int failures;

static void check(bool ok, const char *what)
{
    cx_printf("%s %s\n", ok ? "PASS" : "FAIL", what);
    failures += !ok;
}

struct ses {
    uint64_t ep, mem, quota, notif;
    volatile uint8_t *shared;
    struct nic_client c;
};

/* Asks init for a Nic session labelled label; 0 or an errno. */
static long open_session(const char *label, struct ses *s)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    char words[(SW + LW) * 8] = {0};
    memcpy(words, "Nic", 3);
    memcpy(words + SW * 8, label, strlen(label));
    *s = (struct ses){.quota = cx_slot_alloc(), .ep = cx_slot_alloc(), .mem = cx_slot_alloc()};
    if (cx_quota_create(CX_SLOT_QUOTA, DONATION, s->quota))
        return 12;
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_SESSION, SW + LW, 1)};
    memcpy(m.w, words, sizeof(m.w));
    memcpy(b->words + 4, words + sizeof(m.w), sizeof(words) - sizeof(m.w));
    b->send_caps[0] = s->quota;
    b->recv_slots[0] = s->ep;
    b->recv_slots[1] = s->mem;
    long err = cx_call(CX_SLOT_PARENT, &m) ? 5 : -(long)m.w[0];
    if (err) {
        cx_cap_delete(s->quota);
        return err;
    }
    if (cx_map(CX_SLOT_SELF_PD, s->mem, 0, SHARED_VA, NIC_SHARED_BYTES / CX_PAGE_SIZE,
               CX_MAP_R | CX_MAP_W))
        return 14;
    s->shared = (volatile uint8_t *)SHARED_VA;
    return 0;
}

static void close_session(struct ses *s)
{
    cx_unmap(CX_SLOT_SELF_PD, SHARED_VA, NIC_SHARED_BYTES / CX_PAGE_SIZE);
    uint64_t *slots[] = {&s->ep, &s->mem, &s->quota, &s->notif};
    for (int k = 0; k < 4; k++)
        if (*slots[k])
            cx_cap_delete(*slots[k]);
}

/* NIC_LABEL_BIND with cap; word 0 of the answer. */
static long bind(struct ses *s, uint64_t cap, uint64_t bits)
{
    struct cx_msg m = {.tag = CX_TAG(NIC_LABEL_BIND, 1, 1), .w = {bits}};
    cx_ipcbuf()->send_caps[0] = cap;
    return cx_call(s->ep, &m) ? -1000 : (long)m.w[0];
}

static long kick(struct ses *s)
{
    struct cx_msg m = {.tag = CX_TAG(NIC_LABEL_KICK, 0, 0)};
    s->c.need_kick = false;
    return cx_call(s->ep, &m) ? -1000 : (long)m.w[0];
}

/* Produces a raw entry on ring r (TX or FILL) as a hostile client may. */
static void raw_put(struct ses *s, unsigned r, uint32_t buf, uint16_t len)
{
    uint32_t i = *nic_prod(s->shared, r);
    nic_ring(s->shared, r)[i % NIC_RING_SIZE] = (struct nic_desc){buf, len, 0};
    *nic_prod(s->shared, r) = i + 1;
}

/* Takes one raw entry of ring r (TX_DONE or RX), waiting at most 5 s. */
static bool raw_take(struct ses *s, unsigned r, struct nic_desc *d)
{
    uint64_t deadline = cx_clock_ns() + 5000000000ul;
    while (*nic_prod(s->shared, r) == *nic_cons(s->shared, r)) {
        uint64_t now = cx_clock_ns();
        if (now >= deadline)
            return false;
        cx_notif_wait(s->notif, deadline - now, NULL);
    }
    uint32_t i = *nic_cons(s->shared, r);
    volatile struct nic_desc *e = &nic_ring(s->shared, r)[i % NIC_RING_SIZE];
    *d = (struct nic_desc){e->buf, e->len, e->flags};
    *nic_cons(s->shared, r) = i + 1;
    return true;
}

static void hostile(struct ses *s)
{
    uint64_t n = cx_slot_alloc();
    cx_notif_create(CX_SLOT_QUOTA, n);
    check(bind(s, s->mem, 1) == -EINVAL, "BIND with a memory capability: EINVAL");
    check(bind(s, n, 0) == -EINVAL, "BIND with no bits: EINVAL");
    uint64_t give = cx_slot_alloc();
    cx_cap_copy(n, CX_SLOT_SELF_PD, give, CX_R_WRITE, 0);
    check(bind(s, give, 1) == 0, "BIND with a notification that may signal");
    cx_cap_delete(give);
    s->notif = n;

    struct ses other;
    check(open_session("nic", &other) == EBUSY, "a second session while one is open: EBUSY");

    raw_put(s, NIC_RING_TX, NIC_BUFS, 60);
    raw_put(s, NIC_RING_TX, 200, 5);
    raw_put(s, NIC_RING_TX, 200, 3000);
    raw_put(s, NIC_RING_TX, 0xffffffffu, 0xffff);
    raw_put(s, NIC_RING_FILL, NIC_BUFS + 1, 0);
    check(kick(s) == 0, "a kick with malformed entries is answered");
    struct nic_desc d;
    bool ok = true;
    for (int i = 0; i < 4 && ok; i++)
        ok = raw_take(s, NIC_RING_TX_DONE, &d) && (d.flags & NIC_D_ERROR);
    check(ok, "TX entries with a buffer or length out of range come back refused");
    ok = raw_take(s, NIC_RING_RX, &d) && (d.flags & NIC_D_ERROR) && d.buf == NIC_BUFS + 1;
    check(ok, "a FILL entry with a buffer out of range comes back refused");

    uint32_t prod = *nic_prod(s->shared, NIC_RING_TX), cons = *nic_cons(s->shared, NIC_RING_TX);
    *nic_prod(s->shared, NIC_RING_TX) = prod + 1000;
    kick(s);
    check(*nic_cons(s->shared, NIC_RING_TX) == cons &&
              *nic_prod(s->shared, NIC_RING_TX_DONE) == *nic_cons(s->shared, NIC_RING_TX_DONE),
          "a producer index 1000 ahead: nothing taken");
    *nic_prod(s->shared, NIC_RING_TX) = prod;
    *nic_cons(s->shared, NIC_RING_TX) = 12345; /* the driver's own index: it does not care */
}

/* An ARP request for 10.0.2.2 from 10.0.2.15; true when the answer comes. */
static bool arp_exchange(struct ses *s)
{
    volatile struct nic_shared *h = (volatile struct nic_shared *)s->shared;
    uint8_t f[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    for (int i = 0; i < 6; i++)
        f[6 + i] = f[22 + i] = h->mac[i];
    static const uint8_t arp[] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1};
    memcpy(f + 12, arp, sizeof(arp));
    static const uint8_t me[4] = {10, 0, 2, 15}, gw[4] = {10, 0, 2, 2};
    memcpy(f + 28, me, 4);
    memcpy(f + 38, gw, 4);
    if (nic_client_tx(&s->c, f, sizeof(f)) || kick(s))
        return false;
    uint64_t deadline = cx_clock_ns() + 5000000000ul;
    for (;;) {
        uint32_t buf;
        const uint8_t *data;
        uint16_t len;
        while (nic_client_rx(&s->c, &buf, &data, &len)) {
            bool answer = len >= 42 && data[12] == 0x08 && data[13] == 0x06 && data[21] == 2 &&
                          !memcmp(data + 28, gw, 4) && !memcmp(data + 38, me, 4);
            nic_client_refill(&s->c, buf);
            if (answer) {
                cx_printf("nictest: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x\n", data[22],
                          data[23], data[24], data[25], data[26], data[27]);
                kick(s);
                return true;
            }
        }
        nic_client_reap(&s->c);
        if (s->c.need_kick)
            kick(s);
        uint64_t now = cx_clock_ns();
        if (now >= deadline)
            return false;
        cx_notif_wait(s->notif, deadline - now, NULL);
    }
}

static bool good_session(struct ses *s)
{
    if (!s->notif) {
        s->notif = cx_slot_alloc();
        uint64_t give = cx_slot_alloc();
        if (cx_notif_create(CX_SLOT_QUOTA, s->notif) ||
            cx_cap_copy(s->notif, CX_SLOT_SELF_PD, give, CX_R_WRITE, 0) || bind(s, give, 1))
            return false;
        cx_cap_delete(give);
    }
    return nic_client_init(&s->c, s->shared) == 0 && kick(s) == 0 && arp_exchange(s);
}

/* init keeps its copies of a session's capabilities until it handles its next
 * message (init/session.c, session_defer_free): until then the driver still sees a
 * copy of the session's endpoint. A denied request is such a message. */
static bool quota_back(uint64_t used)
{
    struct ses none;
    open_session("nobody", &none);
    for (int i = 0; i < 500; i++) { /* the session ends: the quota comes back */
        if (cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0).rdi == used)
            return true;
        cx_raw_yield(0, 0, 0, 0, 0, 0);
    }
    cx_printf("quota used before %lu, after %lu\n", used,
              cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0).rdi);
    return false;
}

int main(int argc, char **argv)
{
    struct ses s;
    uint64_t nap = cx_slot_alloc();
    cx_notif_create(CX_SLOT_QUOTA, nap);
    uint64_t probe = cx_slot_alloc(); /* the page tables of SHARED_VA exist from now on */
    cx_mem_create(CX_SLOT_QUOTA, 1, probe);
    cx_map(CX_SLOT_SELF_PD, probe, 0, SHARED_VA, 1, CX_MAP_R);
    cx_unmap(CX_SLOT_SELF_PD, SHARED_VA, 1);
    cx_cap_delete(probe);
    uint64_t used = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0).rdi;

    long err;
    for (unsigned tries = 0; (err = open_session("nic", &s)) == 11 && tries < 500; tries++)
        cx_notif_wait(nap, 10000000ul, NULL); /* EAGAIN: not announced yet */
    check(!err, "a Nic session");
    if (err)
        return cx_printf("session: errno %ld\n", err), 1;
    struct ses none;
    err = open_session("nobody", &none);
    cx_printf("nictest: 'nobody' got errno %ld\n", err);
    check(err == EPERM, "no policy for the label: EPERM");
    volatile struct nic_shared *h = (volatile struct nic_shared *)s.shared;
    check(h->magic == NIC_SHARED_MAGIC && h->mac[0] == 0x52 && h->mac[5] == 0x56 &&
              h->frame_max == NIC_FRAME_MAX && h->nbufs == NIC_BUFS,
          "the header: magic, the card's MAC, the layout");
    hostile(&s);
    check(good_session(&s), "after all that, an ARP request is answered by the gateway");
    close_session(&s);
    check(quota_back(used), "the session ended: its donation came back");

    err = open_session("nic", &s);
    check(!err && good_session(&s), "a new session on the restarted device: ARP answered again");
    close_session(&s);
    check(quota_back(used), "the second session's donation came back");
    cx_printf("nictest: %s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}
