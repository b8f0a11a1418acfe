/*
 * net: the network server (net/README.md). It opens a Nic session (docs/nic-protocol.md)
 * on the card's driver, runs lwIP (NO_SYS, raw API: one thread, callbacks) over it with
 * a static IPv4 configuration, and serves what its config names:
 *
 *     config {
 *         ipv4 address=10.0.2.15 netmask=255.255.255.0 gateway=10.0.2.2
 *         echo port=7 stop-after=3    # TCP echo; stop-after: exit after N connections
 *         policy label-prefix="web" listen=80 connect=no   # Net sessions (with provides Net)
 *     }
 *
 * lwIP answers ARP and ICMP echo (ping) itself. With `policy` nodes and `provides Net`
 * it also serves Net sessions (net_service.c, docs/net-protocol.md): sockets for other
 * components as objects of this server; then the loop is IPC-driven.
 *
 * One loop: received frames into lwIP, buffers the driver sent back, lwIP's timers,
 * one kick for whatever was queued, then a wait on the notification the driver
 * signals, bounded by lwIP's next timer. Every call to the driver is bounded
 * (CX_TCFG_CALL_TIMEOUT).
 */
#include <capix/capix.h>
#include <capix/config.h>
#include <string.h>

#include "echo.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "net_loop.h"
#include "net_policy.h"
#include "net_service.h"
#include "nic_client.h"
#include "ping.h"

#define SHARED_VA 0x70000000ul
#define DONATION (640ul << 10)
#define CALL_TIMEOUT_NS (5ul * 1000000000ul)
#define MAX_WAIT_MS 1000u
#define SW 4
#define LW 12

static struct {
    uint64_t ep, mem, quota, notif;
    struct nic_client c;
    bool down;
} nic;

static struct netif nif;
static char arena_buf[8 * 1024];
static uint64_t rand_state;

/* ---- what lwIP needs of its user ---- */

u32_t sys_now(void)
{
    return (u32_t)(cx_clock_ns() / 1000000);
}

uint32_t capix_lwip_rand(void)
{
    if (!rand_state)
        rand_state = cx_clock_ns() | 1;
    rand_state ^= rand_state << 13; /* xorshift64 */
    rand_state ^= rand_state >> 7;
    rand_state ^= rand_state << 17;
    return (uint32_t)(rand_state >> 16);
}

void capix_lwip_diag(const char *fmt, ...)
{
    (void)fmt;
}

void capix_lwip_assert(const char *msg, const char *file, int line)
{
    cx_printf("net: lwIP assertion failed: %s at %s:%d\n", msg, file, line);
    cx_exit(3);
}

int atoi(const char *s); /* lwIP's address parser wants it; no libc here */
int atoi(const char *s)
{
    int v = 0, neg = *s == '-';
    s += neg || *s == '+';
    while (*s >= '0' && *s <= '9' && v < 100000000)
        v = v * 10 + (*s++ - '0');
    return neg ? -v : v;
}

/* ---- the Nic session ---- */

static long open_nic(void)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    char words[(SW + LW) * 8] = {0};
    memcpy(words, "Nic", 3);
    memcpy(words + SW * 8, "nic", 3);
    nic.quota = cx_slot_alloc();
    nic.ep = cx_slot_alloc();
    nic.mem = cx_slot_alloc();
    nic.notif = cx_slot_alloc();
    if (cx_notif_create(CX_SLOT_QUOTA, nic.notif))
        return 12;
    struct cx_msg m;
    long err;
    /* EAGAIN: the driver has not announced yet; asked again every 10 ms for 5 s, as
     * the POSIX runtime does (docs/sessions.md) */
    for (unsigned tries = 0;; tries++) {
        if (cx_quota_create(CX_SLOT_QUOTA, DONATION, nic.quota))
            return 12;
        m = (struct cx_msg){.tag = CX_TAG(CX_LABEL_SESSION, SW + LW, 1)};
        memcpy(m.w, words, sizeof(m.w));
        memcpy(b->words + 4, words + sizeof(m.w), sizeof(words) - sizeof(m.w));
        b->send_caps[0] = nic.quota;
        b->recv_slots[0] = nic.ep;
        b->recv_slots[1] = nic.mem;
        err = cx_call(CX_SLOT_PARENT, &m) ? 5 : -(long)m.w[0];
        if (!err)
            break;
        cx_cap_delete(nic.quota);
        if (err != 11 || tries == 500)
            return err;
        cx_notif_wait(nic.notif, 10000000ul, NULL);
    }
    if (cx_map(CX_SLOT_SELF_PD, nic.mem, 0, SHARED_VA, NIC_SHARED_BYTES / CX_PAGE_SIZE,
               CX_MAP_R | CX_MAP_W))
        return 14;
    /* the driver signals a copy that may only signal */
    uint64_t give = cx_slot_alloc();
    m = (struct cx_msg){.tag = CX_TAG(NIC_LABEL_BIND, 1, 1), .w = {1}};
    if (cx_cap_copy(nic.notif, CX_SLOT_SELF_PD, give, CX_R_WRITE, 0))
        return 12;
    b->send_caps[0] = give;
    if (cx_call(nic.ep, &m) || m.w[0])
        return 5;
    cx_cap_delete(give);
    cx_slot_free(give);
    if (nic_client_init(&nic.c, (volatile void *)SHARED_VA))
        return 71; /* EPROTO */
    return 0;
}

static void kick(void)
{
    if (!nic.c.need_kick || nic.down)
        return;
    nic.c.need_kick = false;
    struct cx_msg m = {.tag = CX_TAG(NIC_LABEL_KICK, 0, 0)};
    long err = cx_call(nic.ep, &m);
    if (err || m.w[0]) {
        cx_printf("net: the card's driver %s: the network is down\n",
                  err ? "did not answer" : "failed");
        nic.down = true;
    }
}

/* ---- lwIP's network interface on the session ---- */

static err_t nif_output(struct netif *n, struct pbuf *p)
{
    static uint8_t frame[NIC_FRAME_MAX];
    (void)n;
    if (p->tot_len > NIC_FRAME_MAX || nic.down)
        return ERR_IF;
    uint16_t len = pbuf_copy_partial(p, frame, p->tot_len, 0);
    if (len < NIC_FRAME_MIN)
        return ERR_IF;
    /* every send buffer queued: give the driver a moment (bounded) to send some */
    for (unsigned tries = 0; nic_client_tx(&nic.c, frame, len); tries++) {
        if (tries == 10)
            return ERR_MEM;
        kick();
        cx_notif_wait(nic.notif, 10000000ul, NULL);
    }
    return ERR_OK;
}

static err_t nif_init(struct netif *n)
{
    volatile struct nic_shared *h = (volatile struct nic_shared *)SHARED_VA;
    n->name[0] = 'e';
    n->name[1] = 'n';
    n->output = etharp_output;
    n->linkoutput = nif_output;
    n->mtu = 1500;
    n->hwaddr_len = 6;
    for (unsigned i = 0; i < 6; i++)
        n->hwaddr[i] = h->mac[i];
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

/* Received frames into lwIP (copied into pbufs: the buffer goes straight back). */
static void poll_nic(void)
{
    uint32_t buf;
    const uint8_t *data;
    uint16_t len;
    while (nic_client_rx(&nic.c, &buf, &data, &len)) {
        struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);
        if (p) {
            pbuf_take(p, data, len);
            if (nif.input(p, &nif) != ERR_OK)
                pbuf_free(p);
        }
        nic_client_refill(&nic.c, buf);
    }
    nic_client_reap(&nic.c);
}

/* ---- configuration ---- */

struct net_config {
    ip4_addr_t addr, mask, gw;
    bool have_ipv4, echo;
    uint64_t echo_port, stop_after;
    ip4_addr_t ping;
    uint64_t ping_count;
};

/* The Net sessions' policies (net_policy.h), checked at start; read by the sessions. */
static struct net_policies policies;

static int addr_prop(const struct cfg_node *n, const char *key, ip4_addr_t *out, bool need)
{
    const char *v = cfg_prop(n, key);
    if (!v)
        return need ? -1 : (ip4_addr_set_zero(out), 0);
    return ip4addr_aton(v, out) ? 0 : -1;
}

static int read_config(struct net_config *nc)
{
    size_t len;
    const char *text = cx_config_text(&len);
    struct cfg_arena a = {arena_buf, sizeof(arena_buf), 0};
    struct cfg_node *root;
    struct cfg_error err;
    const struct cfg_node *cfg = NULL;
    *nc = (struct net_config){0};
    if (!text)
        return cx_printf("net: no configuration (an `ipv4` line)\n"), -1;
    if (cfg_parse("config", text, len, &a, &root, &err))
        goto bad;
    cfg = cfg_component_config(root, cx_start_info->name);
    for (const struct cfg_node *n = cfg ? cfg_first(cfg, NULL) : NULL; n; n = cfg_next(n, NULL)) {
        if (!strcmp(n->name, "ipv4")) {
            unsigned props =
                1 + (cfg_prop(n, "netmask") != NULL) + (cfg_prop(n, "gateway") != NULL);
            if (nc->have_ipv4 || cfg_nargs(n) || n->nvalues != props ||
                addr_prop(n, "address", &nc->addr, true) ||
                addr_prop(n, "netmask", &nc->mask, false) ||
                addr_prop(n, "gateway", &nc->gw, false)) {
                cfg_error_at(&err, n,
                             "as in: ipv4 address=A.B.C.D [netmask=A.B.C.D] [gateway=A.B.C.D] "
                             "(once)");
                goto bad;
            }
            if (!cfg_prop(n, "netmask"))
                IP4_ADDR(&nc->mask, 255, 255, 255, 0);
            nc->have_ipv4 = true;
        } else if (!strcmp(n->name, "echo")) {
            const char *port = cfg_prop(n, "port"), *stop = cfg_prop(n, "stop-after");
            nc->echo_port = 7;
            if (nc->echo || cfg_nargs(n) ||
                n->nvalues != (unsigned)(port != NULL) + (stop != NULL) ||
                (port && (cfg_parse_u64(port, &nc->echo_port) || nc->echo_port == 0 ||
                          nc->echo_port > 65535)) ||
                (stop && cfg_parse_u64(stop, &nc->stop_after))) {
                cfg_error_at(&err, n, "as in: echo [port=1..65535] [stop-after=N] (once)");
                goto bad;
            }
            nc->echo = true;
        } else if (!strcmp(n->name, "ping")) {
            const char *count = cfg_prop(n, "count");
            bool again = nc->ping_count != 0;
            nc->ping_count = 3;
            if (again || cfg_nargs(n) != 1 || n->nvalues != 1u + (count != NULL) ||
                !ip4addr_aton(cfg_arg(n, 0), &nc->ping) ||
                (count && (cfg_parse_u64(count, &nc->ping_count) || nc->ping_count == 0 ||
                           nc->ping_count > 16))) {
                cfg_error_at(&err, n, "as in: ping A.B.C.D [count=1..16] (once)");
                goto bad;
            }
        } else if (!strcmp(n->name, "policy")) {
            continue; /* all of them at once below */
        } else {
            cfg_error_at(&err, n, "unknown node '%s' (expected ipv4, echo, ping or policy)",
                         n->name);
            goto bad;
        }
    }
    if (cfg && net_policy_parse(cfg, &policies, &err))
        goto bad;
    if (!nc->have_ipv4)
        return cx_printf("net: configuration error: no `ipv4 address=...` line\n"), -1;
    return 0;
bad:;
    char msg[256];
    cfg_format_error(&err, msg, sizeof(msg));
    cx_printf("net: configuration error: %s\n", msg);
    return -1;
}

static bool pinged, serving;
static int done_status;

static uint64_t prio(void)
{
    return cx_start_info->priority ? cx_start_info->priority : 100;
}

/*
 * The frames the server sent to its own address, taken in: only those queued before
 * this call, unlike lwIP's netif_poll, which runs until the queue is empty. Two of the
 * server's own connections with closed windows both ways answer each other's segments
 * at once over the loopback, and netif_poll then never returned (the loop hung, seen
 * in scenario net-session); bounded, they take turns with everything else.
 */
static void loopback_poll(void)
{
    for (struct netif *n = netif_list; n; n = n->next) { /* the card's and lwIP's "lo" */
        struct pbuf *next = n->loop_first, *last = n->loop_last;
        n->loop_first = n->loop_last = NULL;
        while (next) {
            struct pbuf *in = next, *end = next;
            while (end->len != end->tot_len)
                end = end->next;
            next = end == last ? NULL : end->next;
            end->next = NULL;
            in->if_idx = netif_get_index(n);
            if (ip_input(in, n) != ERR_OK)
                pbuf_free(in);
        }
    }
}

/* One pass of the loop: frames in, lwIP's timers and loopback, frames out. Returns true
 * when the server is done (the echo service's stop-after was reached). Serving Net
 * sessions, it runs after every message, so frames that keep arriving are taken in
 * bounded rounds. */
static bool pass(void)
{
    for (unsigned round = 0; round < 8; round++) {
        poll_nic();
        sys_check_timeouts();
        loopback_poll();
        pinged = ping_poll();
        kick();
        if (pinged && echo_finished()) {
            cx_printf("net: echo served %lu connections, %lu bytes: done\n", echo_connections(),
                      echo_bytes());
            done_status = 0;
            return true;
        }
        if (!serving || !nic_client_rx_ready(&nic.c))
            break;
    }
    return false;
}

int main(int argc, char **argv)
{
    struct net_config nc;
    if (read_config(&nc))
        return 2;
    cx_thread_config(CX_SLOT_SELF_THREAD, CX_TCFG_CALL_TIMEOUT, CALL_TIMEOUT_NS);
    long err = open_nic();
    if (err) {
        cx_printf("net: no Nic session (errno %ld): is Nic routed to a card's driver?\n", err);
        return 2;
    }
    lwip_init();
    if (!netif_add(&nif, &nc.addr, &nc.mask, &nc.gw, NULL, nif_init, ethernet_input))
        return cx_printf("net: lwIP took no interface\n"), 2;
    netif_set_default(&nif);
    /* 127.0.0.1 never leaves this server's memory: no checksum is made or checked on
     * lwIP's "lo", as Linux's loopback makes none; the card's (also for frames to its
     * own address) keeps every check */
    for (struct netif *n = netif_list; n; n = n->next)
        if (n != &nif)
            NETIF_SET_CHECKSUM_CTRL(n, NETIF_CHECKSUM_DISABLE_ALL);
    net_loop_init(); /* packets to this host: TCP's data by reference (net_loop.c) */
    netif_set_up(&nif);
    netif_set_link_up(&nif);
    char a[16], m[16], g[16];
    ip4addr_ntoa_r(&nc.addr, a, sizeof(a));
    ip4addr_ntoa_r(&nc.mask, m, sizeof(m));
    ip4addr_ntoa_r(&nc.gw, g, sizeof(g));
    const uint8_t *h = nif.hwaddr;
    cx_printf("net: %s netmask %s gateway %s on %02x:%02x:%02x:%02x:%02x:%02x\n", a, m, g, h[0],
              h[1], h[2], h[3], h[4], h[5]);
    if (nc.echo) {
        if (echo_start((uint16_t)nc.echo_port, nc.stop_after))
            return cx_printf("net: the echo service cannot listen on port %lu\n", nc.echo_port), 2;
        cx_printf("net: TCP echo on port %lu%s\n", nc.echo_port,
                  nc.stop_after ? " (stops after its connections)" : "");
    }
    if (nc.ping_count) {
        ip_addr_t t;
        ip_addr_copy_from_ip4(t, nc.ping);
        if (ping_start(&t, (unsigned)nc.ping_count))
            return cx_printf("net: no ICMP for ping\n"), 2;
    }
    if (policies.n)
        cx_printf("net: %u Net session policies\n", policies.n);
    serving = policies.n && !net_service_start(&policies, nic.notif, prio());
    if (serving) {
        net_service_run(pass);
        return done_status;
    }
    for (;;) {
        if (pass())
            return done_status;
        if (nic_client_rx_ready(&nic.c))
            continue;
        u32_t ms = sys_timeouts_sleeptime();
        if (ms > (pinged ? MAX_WAIT_MS : 50u))
            ms = pinged ? MAX_WAIT_MS : 50u;
        cx_notif_wait(nic.notif, ms ? (uint64_t)ms * 1000000ul : 0, NULL);
    }
}
