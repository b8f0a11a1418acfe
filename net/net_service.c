/*
 * The Net service (net_service.h). Invariants: a session slot is open iff it holds the
 * badged endpoint, the readiness page and the donated quota; every socket of a session
 * is in its struct net_session and goes when the session ends (its last capability gone,
 * seen through cap_watch). Requests are decoded once (net_request_decode) into a
 * private copy before anything acts on them; a malformed one gets an errno.
 */
#include "net_service.h"
#include <capix/capix.h>
#include <capix/net_protocol.h>
#include <string.h>
#include <vfs/linux.h>
#include "net_lwip.h"
#include "net_session.h"

#define WAKE_BADGE 1ul
#define SES_BADGE0 16ul /* session i's badge: SES_BADGE0 + i */
#define WATCH_BIT0 8u   /* session i's watch: bit WATCH_BIT0 + i of the notification */

struct net_ses {
    bool open, watched;
    uint64_t badged, mem, quota;
    char label[CX_SESSION_FULL_WORDS * 8];
    struct net_session s;
};

static struct {
    const struct net_policies *policies;
    uint64_t notif, ep, wake_ep;
    struct net_ses ses[NET_SESSIONS_MAX];
} svc;

static uint8_t helper_stack[4096] __attribute__((aligned(16)));

static void helper_main(void)
{
    for (;;) {
        uint64_t bits = 0;
        cx_notif_wait(svc.notif, (uint64_t)NET_TICK_MS * 1000000ul, &bits);
        cx_raw_ipc_call(svc.wake_ep, CX_TAG(0, 1, 0), bits, 0, 0, 0);
    }
}

static void drop_slot(uint64_t *slot)
{
    if (*slot) {
        cx_cap_delete(*slot);
        cx_slot_free(*slot);
        *slot = 0;
    }
}

static void end_session(struct net_ses *x)
{
    uint32_t n = x->s.nsockets;
    net_session_end(&x->s);
    cx_cap_revoke(x->badged);
    drop_slot(&x->badged);
    drop_slot(&x->mem);
    drop_slot(&x->quota);
    cx_printf("net: Net session '%s' ended (%u sockets closed with it)\n", x->label, n);
    memset(x, 0, sizeof *x);
}

/* SESSION_CREATE from init: words 0..15 the full label, the donated quota in qslot. */
static void create_session(struct cx_msg *m, uint64_t *qslot)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    char label[CX_SESSION_FULL_WORDS * 8];
    memcpy(label, m->w, 32);
    memcpy(label + 32, b->words + 4, sizeof label - 32);
    label[sizeof label - 1] = 0;
    m->tag = CX_TAG(0, 1, 0);
    const struct net_policy *p = net_policy_match(svc.policies, label);
    struct net_ses *x = NULL;
    for (unsigned i = 0; i < NET_SESSIONS_MAX && !x; i++)
        if (!svc.ses[i].open)
            x = &svc.ses[i];
    long r = 0;
    if (!*qslot)
        r = -EINVAL;
    else if (!p)
        cx_printf("net: no policy for the Net session '%s': denied\n", label), r = -EPERM;
    else if (!x)
        cx_printf("net: Net session '%s': all %u sessions in use\n", label, NET_SESSIONS_MAX),
            r = -EBUSY;
    if (r) {
        m->w[0] = (uint64_t)r;
        return;
    }
    unsigned i = (unsigned)(x - svc.ses);
    uint64_t donation = cx_raw_quota_info(*qslot, 0, 0, 0, 0, 0).rsi;
    *x = (struct net_ses){.quota = *qslot, .mem = cx_slot_alloc(), .badged = cx_slot_alloc()};
    if (net_session_init(&x->s, p, &net_lwip_stack, NULL, donation) ||
        cx_mem_create(*qslot, 1, x->mem) ||
        cx_cap_copy(svc.ep, CX_SLOT_SELF_PD, x->badged, CX_R_WRITE | CX_R_GRANT, SES_BADGE0 + i)) {
        x->quota = 0; /* the caller deletes it */
        drop_slot(&x->mem);
        drop_slot(&x->badged);
        memset(x, 0, sizeof *x);
        m->w[0] = (uint64_t)-ENOMEM;
        return;
    }
    *qslot = 0; /* the session's now */
    memcpy(x->label, label, sizeof label);
    x->open = true;
    cx_notif_signal(svc.notif, 1ul << (WATCH_BIT0 + i)); /* watched after the answer */
    m->tag = CX_TAG(0, 1, 2);
    b->send_caps[0] = x->badged;
    b->send_caps[1] = x->mem;
    m->w[0] = 0;
    cx_printf("net: Net session '%s' (connect %s, donation %lu bytes)\n", label,
              p->connect ? "yes" : "no", donation);
}

static bool has_copies(uint64_t slot)
{
    return (cx_raw_cap_info(slot, 0, 0, 0, 0, 0).r10 & CX_CAPF_CHILDREN) != 0;
}

static void wake(uint64_t bits)
{
    for (unsigned i = 0; i < NET_SESSIONS_MAX; i++) {
        struct net_ses *x = &svc.ses[i];
        if (!(bits & (1ul << (WATCH_BIT0 + i))) || !x->open)
            continue;
        /* the watch fires once; it may fire while the answer is still on its way */
        if (x->watched && !has_copies(x->badged))
            end_session(x);
        else if (cx_cap_watch(x->badged, svc.notif, 1ul << (WATCH_BIT0 + i)))
            end_session(x);
        else
            x->watched = true;
    }
}

static void request(struct net_ses *x, struct cx_msg *m)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    uint64_t words[NET_REQUEST_WORDS];
    unsigned n = CX_TAG_WORDS(m->tag);
    if (n > NET_REQUEST_WORDS)
        n = NET_REQUEST_WORDS;
    for (unsigned k = 0; k < n; k++)
        words[k] = k < 4 ? m->w[k] : b->words[k];
    struct net_request r;
    uint64_t out[3] = {0, 0, 0};
    long rc = net_request_decode(words, n, &r);
    if (rc == 0)
        rc = net_session_request(&x->s, &r, out);
    m->tag = CX_TAG(0, 4, 0);
    m->w[0] = (uint64_t)rc;
    m->w[1] = out[0];
    m->w[2] = out[1];
    m->w[3] = out[2];
}

int net_service_start(const struct net_policies *policies, uint64_t notif, uint64_t prio)
{
    svc.policies = policies;
    svc.notif = notif;
    svc.ep = cx_slot_alloc();
    svc.wake_ep = cx_slot_alloc();
    if (cx_ep_create(CX_SLOT_QUOTA, svc.ep) ||
        cx_cap_copy(svc.ep, CX_SLOT_SELF_PD, svc.wake_ep, CX_R_WRITE, WAKE_BADGE))
        return cx_printf("net: no endpoint for the Net service\n"), -1;
    struct cx_ipcbuf *b = cx_ipcbuf();
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_ANNOUNCE, 4, 1)};
    memset(m.w, 0, sizeof m.w);
    memcpy(m.w, "Net", 4);
    b->send_caps[0] = svc.ep;
    if (cx_call(CX_SLOT_PARENT, &m) || m.w[0]) {
        cx_printf("net: init did not take the Net announcement (no `provides Net`?): no Net "
                  "sessions\n");
        drop_slot(&svc.wake_ep);
        drop_slot(&svc.ep);
        return -1;
    }
    if (cx_thread_start(CX_SLOT_QUOTA, cx_slot_alloc(), helper_main, helper_stack,
                        sizeof helper_stack, NULL, prio))
        return cx_printf("net: no helper thread for the Net service\n"), -1;
    cx_printf("net: serving Net sessions\n");
    return 0;
}

void net_service_run(bool (*pass)(void))
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    struct cx_msg m;
    uint64_t spare = cx_slot_alloc();
    b->recv_slots[0] = spare;
    long e = cx_recv(svc.ep, CX_TIMEOUT_NONE, &m);
    for (;;) {
        if (e) {
            b->recv_slots[0] = spare;
            e = cx_recv(svc.ep, CX_TIMEOUT_NONE, &m);
            continue;
        }
        uint64_t got = 0;
        if (CX_TAG_CAPS(m.tag)) {
            got = spare;
            spare = cx_slot_alloc();
        }
        uint64_t label = CX_TAG_LABEL(m.tag);
        uint64_t i = m.badge - SES_BADGE0;
        if (m.badge == WAKE_BADGE) {
            wake(m.w[0]);
            m.tag = CX_TAG(0, 0, 0);
        } else if (m.badge == 0 && label == CX_LABEL_SESSION_CREATE) {
            create_session(&m, &got);
        } else if (m.badge >= SES_BADGE0 && i < NET_SESSIONS_MAX && svc.ses[i].open &&
                   label == NET_LABEL_REQUEST) {
            request(&svc.ses[i], &m);
        } else {
            m.tag = CX_TAG(0, 1, 0);
            m.w[0] = (uint64_t)-ENOSYS; /* NET_LABEL_BIND too: no readiness words yet */
        }
        if (got)
            drop_slot(&got);
        if (pass())
            return;
        b->recv_slots[0] = spare;
        e = cx_reply_recv(svc.ep, &m);
    }
}
