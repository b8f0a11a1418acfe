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
_Static_assert(WATCH_BIT0 + NET_SESSIONS_MAX <= 64, "a watch bit per session");
/* session i's memory is mapped at MEM_VA0 + i * MEM_VA_STEP (the most 256 sockets take) */
#define MEM_VA0 0x200000000ul
#define MEM_VA_STEP 0x4000000ul
_Static_assert((uint64_t)NET_CTL_PAGES * 4096u + 2ull * NET_HANDLES_MAX * NET_RING_BYTES <=
                   MEM_VA_STEP,
               "a session's memory fits its window");

struct net_ses {
    bool open, watched;
    uint64_t badged, mem, quota;
    uint64_t notif, notif_bits; /* NET_LABEL_BIND: the client's, signalled on changes */
    uint64_t pages;             /* of the session memory, mapped at MEM_VA0 + i * STEP */
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

static uint64_t mem_va(const struct net_ses *x)
{
    return MEM_VA0 + (uint64_t)(x - svc.ses) * MEM_VA_STEP;
}

static void end_session(struct net_ses *x)
{
    uint32_t n = x->s.nsockets;
    net_session_end(&x->s);
    cx_cap_revoke(x->badged);
    drop_slot(&x->badged);
    if (x->pages)
        cx_unmap(CX_SLOT_SELF_PD, mem_va(x), x->pages);
    drop_slot(&x->mem);
    drop_slot(&x->notif);
    drop_slot(&x->quota);
    cx_printf("net: Net session '%s' ended (%u sockets closed with it)\n", x->label, n);
    memset(x, 0, sizeof *x);
}

/*
 * The bytes of session memory a donation pays for: rings for as many sockets as it
 * covers (at most the policy's), after the kernel's own charge for the memory object
 * (its directory pages and the object, bounded here by 2 pages plus one per 512). 0
 * when not even one socket fits.
 */
static uint64_t session_memory(uint64_t donation, uint32_t sockets)
{
    uint64_t best = 0;
    for (uint64_t n = 1; n <= sockets && n <= NET_HANDLES_MAX; n++) {
        uint64_t bytes;
        if (net_session_bytes(n, NET_RING_PAGES, &bytes))
            break;
        uint64_t pages = bytes / CX_PAGE_SIZE, kernel = (2 + pages / 512 + 1) * CX_PAGE_SIZE;
        if (bytes > donation || kernel > donation - bytes)
            break;
        best = bytes;
    }
    return best;
}

/* NET_LABEL_BIND: the notification (got) the server signals with bits on changes. */
static long bind_notif(struct net_ses *x, uint64_t bits, uint64_t *got)
{
    struct cx_ret info = cx_raw_cap_info(*got, 0, 0, 0, 0, 0);
    if (!*got || bits == 0 || info.err || info.rsi != CX_T_NOTIF || !(info.rdi & CX_R_WRITE))
        return -EINVAL;
    drop_slot(&x->notif);
    x->notif = *got;
    x->notif_bits = bits;
    *got = 0;
    return 0;
}

/* SESSION_CREATE from init: words 0..15 the full label, the donated quota in qslot. */
static void create_session(struct cx_msg *m, uint64_t *qslot)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    char label[CX_SESSION_FULL_WORDS * 8];
    cx_session_label(m, label);
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
    uint64_t usable = session_memory(donation, p->sockets);
    *x = (struct net_ses){.quota = *qslot, .mem = cx_slot_alloc(), .badged = cx_slot_alloc()};
    x->pages = usable / CX_PAGE_SIZE;
    if (!usable || net_session_init(&x->s, p, &net_lwip_stack, NULL, usable) ||
        cx_mem_create(*qslot, x->pages, x->mem) ||
        cx_map(CX_SLOT_SELF_PD, x->mem, 0, mem_va(x), x->pages, CX_MAP_R | CX_MAP_W) ||
        cx_cap_copy(svc.ep, CX_SLOT_SELF_PD, x->badged, CX_R_WRITE | CX_R_GRANT, SES_BADGE0 + i)) {
        if (x->pages && x->mem)
            cx_unmap(CX_SLOT_SELF_PD, mem_va(x), x->pages);
        x->quota = 0; /* the caller deletes it */
        drop_slot(&x->mem);
        drop_slot(&x->badged);
        memset(x, 0, sizeof *x);
        m->w[0] = (uint64_t)-ENOMEM;
        return;
    }
    *qslot = 0; /* the session's now */
    net_session_set_memory(&x->s, (volatile uint8_t *)mem_va(x));
    memcpy(x->label, label, sizeof label);
    x->open = true;
    cx_notif_signal(svc.notif, 1ul << (WATCH_BIT0 + i)); /* watched after the answer */
    m->tag = CX_TAG(0, 1, 2);
    b->send_caps[0] = x->badged;
    b->send_caps[1] = x->mem;
    m->w[0] = 0;
    cx_printf("net: Net session '%s' (connect %s, donation %lu bytes: %lu sockets)\n", label,
              p->connect ? "yes" : "no", donation,
              (usable - NET_CTL_PAGES * CX_PAGE_SIZE) / (2ul * NET_RING_BYTES));
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

/* Every session's rings pumped after each pass; a client whose sockets changed is
 * signalled (the reply to a request goes out after this, so a kick's effect is seen). */
static void pump_sessions(void)
{
    for (unsigned i = 0; i < NET_SESSIONS_MAX; i++) {
        struct net_ses *x = &svc.ses[i];
        if (x->open && net_session_pump(&x->s) && x->notif)
            cx_notif_signal(x->notif, x->notif_bits);
    }
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
        } else if (m.badge >= SES_BADGE0 && i < NET_SESSIONS_MAX && svc.ses[i].open &&
                   label == NET_LABEL_BIND) {
            m.w[0] = (uint64_t)bind_notif(&svc.ses[i], m.w[0], &got);
            m.tag = CX_TAG(0, 1, 0);
        } else {
            m.tag = CX_TAG(0, 1, 0);
            m.w[0] = (uint64_t)-ENOSYS;
        }
        if (got)
            drop_slot(&got);
        if (pass())
            return;
        pump_sessions();
        b->recv_slots[0] = spare;
        e = cx_reply_recv(svc.ep, &m);
    }
}
