/*
 * terminal: the terminal server (README.md, docs/terminal.md). It drives a serial port
 * (the 16550 driver, drivers/uart) and serves one Terminal session at a time on it, with
 * a real line discipline (ldisc.c). Config, in the component's `config` block:
 *
 *     config {
 *         size 24x80      # the window size until a client sets one (TIOCSWINSZ)
 *     }
 *
 * Capabilities: `io BASE 8 uart` (the port's registers) and `irq GSI` (its interrupt).
 * Two threads: the main one answers requests; the input thread waits for the
 * interrupt (and for the session's capability to go), feeds the keystrokes to the line
 * discipline and wakes the session's readers. A lock keeps them apart.
 */
#include <capix/capix.h>
#include <capix/config.h>
#include <string.h>
#include "../uart/uart16550.h"
#include "server.h"

#define SHARED_VA 0x60000000ul
#define SHARED_PAGES (TERM_SHARED_BYTES / CX_PAGE_SIZE)
#define BIT_IRQ 1ul
#define BIT_GONE 2ul

static struct uart uart;
static struct term_server srv;
static uint64_t ep, irq, input_notif;
static struct {
    bool open, watched;
    uint64_t badged, mem, quota, notif_in, notif_ev;
    char label[CX_SESSION_FULL_WORDS * 8];
} ses;
static int lock_word;
static uint8_t input_stack[16384] __attribute__((aligned(16)));

static void lock(void)
{
    while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
        cx_yield();
}

static void unlock(void)
{
    __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

static void dev_out(void *ctx, const uint8_t *buf, size_t n)
{
    uart_write(&uart, buf, n);
}

static void notify(void *ctx, unsigned which)
{
    uint64_t n = which == TERM_NOTIFY_INPUT ? ses.notif_in : ses.notif_ev;
    if (ses.open && n)
        cx_notif_signal(n, 1);
}

static void free_slot(uint64_t *slot)
{
    if (*slot) {
        cx_cap_delete(*slot);
        cx_slot_free(*slot);
        *slot = 0;
    }
}

/* The session's last capability went (the client closed it or ended): everything of it
 * goes, and its quota back to the client. Called with the lock held. */
static void close_session(void)
{
    if (!ses.open)
        return;
    term_server_attach(&srv, NULL);
    cx_unmap(CX_SLOT_SELF_PD, SHARED_VA, SHARED_PAGES);
    uint64_t *slots[] = {&ses.badged, &ses.mem, &ses.notif_in, &ses.notif_ev, &ses.quota};
    for (unsigned i = 0; i < 5; i++)
        free_slot(slots[i]);
    cx_printf("terminal: session '%s' closed\n", ses.label);
    memset(&ses, 0, sizeof(ses));
}

/* The input thread: keystrokes in, sessions out. */
static void input_main(void)
{
    for (;;) {
        uint64_t bits = 0;
        if (cx_notif_wait(input_notif, CX_TIMEOUT_NONE, &bits))
            continue;
        lock();
        if (bits & BIT_IRQ) {
            uint8_t buf[64];
            size_t n;
            while ((n = uart_read(&uart, buf, sizeof(buf))) > 0)
                term_server_input(&srv, buf, n);
            cx_raw_irq_ack(irq, 0, 0, 0, 0, 0);
        }
        if (bits & BIT_GONE)
            close_session();
        unlock();
    }
}

static long start_input_thread(void)
{
    return cx_thread_start(CX_SLOT_QUOTA, cx_slot_alloc(), input_main, input_stack,
                           sizeof(input_stack), NULL, 100);
}

/* SESSION_CREATE from init: words 0..15 the label, the donated quota in qslot. */
static void create_session(struct cx_msg *m, uint64_t qslot)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    char label[CX_SESSION_FULL_WORDS * 8];
    cx_session_label(m, label);
    m->tag = CX_TAG(0, 1, 0);
    long r = 0;
    lock();
    if (!qslot) {
        r = -22; /* EINVAL */
    } else if (ses.open) {
        cx_printf("terminal: session '%s' refused: '%s' has the terminal\n", label, ses.label);
        r = -16; /* EBUSY */
    } else {
        ses.quota = qslot;
        ses.mem = cx_slot_alloc(), ses.badged = cx_slot_alloc();
        if (cx_mem_create(qslot, SHARED_PAGES, ses.mem) ||
            cx_map(CX_SLOT_SELF_PD, ses.mem, 0, SHARED_VA, SHARED_PAGES, CX_MAP_R | CX_MAP_W) ||
            cx_cap_copy(ep, CX_SLOT_SELF_PD, ses.badged, CX_R_WRITE | CX_R_GRANT, 1)) {
            cx_unmap(CX_SLOT_SELF_PD, SHARED_VA, SHARED_PAGES);
            free_slot(&ses.mem), free_slot(&ses.badged);
            r = -12; /* ENOMEM */
        } else {
            ses.open = true;
            memcpy(ses.label, label, sizeof(label));
            term_server_attach(&srv, (struct term_shared *)SHARED_VA);
            m->tag = CX_TAG(0, 1, 2);
            b->send_caps[0] = ses.badged;
            b->send_caps[1] = ses.mem;
            m->w[0] = 0;
            cx_printf("terminal: session '%s'\n", label);
            unlock();
            return;
        }
    }
    free_slot(&qslot);
    ses.quota = 0;
    unlock();
    m->w[0] = (uint64_t)r;
}

/* TERM_OP_BIND: the notifications to signal (input, events). */
static long bind(uint64_t caps[2], unsigned ncaps)
{
    if (ncaps != 2)
        return -22;
    free_slot(&ses.notif_in), free_slot(&ses.notif_ev);
    ses.notif_in = caps[0], ses.notif_ev = caps[1];
    caps[0] = caps[1] = 0;
    return 0;
}

static void read_config(void)
{
    size_t len;
    const char *text = cx_config_text(&len);
    static char arena_buf[8192];
    struct cfg_arena a = {arena_buf, sizeof(arena_buf), 0};
    struct cfg_node *root;
    struct cfg_error err;
    if (!text || cfg_parse("config", text, len, &a, &root, &err))
        return;
    const struct cfg_node *cfg = cfg_component_config(root, cx_start_info->name);
    const struct cfg_node *sz = cfg ? cfg_first(cfg, "size") : NULL;
    unsigned rows = 0, cols = 0;
    const char *v = sz && cfg_nargs(sz) == 1 ? cfg_arg(sz, 0) : NULL;
    while (v && *v >= '0' && *v <= '9')
        rows = rows * 10 + (unsigned)(*v++ - '0');
    if (v && *v++ == 'x')
        while (*v >= '0' && *v <= '9')
            cols = cols * 10 + (unsigned)(*v++ - '0');
    if (sz && (!v || *v || !rows || !cols || rows > 9999 || cols > 9999))
        cx_printf("terminal: config line %u: expected `size ROWSxCOLS`\n", sz->line);
    else if (sz)
        srv.ld.ws = (struct term_winsize){(uint16_t)rows, (uint16_t)cols, 0, 0};
}

int main(int argc, char **argv)
{
    uart.io = cx_named_cap("uart");
    uart.base = (uint16_t)cx_named_value("uart");
    irq = cx_named_cap("irq");
    if (!uart.io || !irq) {
        cx_printf("terminal: needs `io PORT 8 uart` and `irq GSI` in its config\n");
        return 2;
    }
    if (uart_init(&uart)) {
        cx_printf("terminal: no UART at %#x\n", uart.base);
        return 2;
    }
    struct term_server_ops ops = {.out = dev_out, .notify = notify};
    term_server_init(&srv, &ops);
    read_config();
    ep = cx_slot_alloc(), input_notif = cx_slot_alloc();
    long err = cx_ep_create(CX_SLOT_QUOTA, ep);
    if (!err)
        err = cx_notif_create(CX_SLOT_QUOTA, input_notif);
    if (!err)
        err = cx_raw_irq_bind(irq, input_notif, BIT_IRQ, 0, 0, 0).err;
    if (!err)
        err = start_input_thread();
    if (err) {
        cx_printf("terminal: cannot start: %s\n", cx_strerror(err));
        return 2;
    }
    struct cx_ipcbuf *b = cx_ipcbuf();
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_ANNOUNCE, 4, 1)};
    memset(m.w, 0, sizeof(m.w));
    memcpy(m.w, TERM_SERVICE, sizeof(TERM_SERVICE));
    b->send_caps[0] = ep;
    if (cx_call(CX_SLOT_PARENT, &m) || m.w[0]) {
        cx_printf("terminal: init did not take the announcement (%ld)\n", (long)m.w[0]);
        return 2;
    }
    uint64_t spare[2] = {cx_slot_alloc(), cx_slot_alloc()};
    b->recv_slots[0] = spare[0], b->recv_slots[1] = spare[1];
    long e = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    for (;;) {
        if (e) {
            b->recv_slots[0] = spare[0], b->recv_slots[1] = spare[1];
            e = cx_recv(ep, CX_TIMEOUT_NONE, &m);
            continue;
        }
        unsigned ncaps = CX_TAG_CAPS(m.tag);
        uint64_t got[2] = {ncaps > 0 ? spare[0] : 0, ncaps > 1 ? spare[1] : 0};
        if (m.badge == 0 && CX_TAG_LABEL(m.tag) == CX_LABEL_SESSION_CREATE) {
            create_session(&m, got[0]);
            got[0] = 0;
        } else if (m.badge == 1 && ses.open && CX_TAG_LABEL(m.tag) == TERM_LABEL_REQUEST) {
            lock();
            if (!ses.watched) { /* the client has its copy now: know when it is gone */
                long werr = cx_raw_cap_watch(ses.badged, input_notif, BIT_GONE, 0, 0, 0).err;
                if (werr)
                    cx_printf("terminal: cannot watch the session: %s\n", cx_strerror(werr));
                ses.watched = true;
            }
            uint64_t op = m.w[0], area = m.w[1];
            uint8_t *a = area < TERM_AREAS
                             ? (uint8_t *)SHARED_VA + CX_PAGE_SIZE + area * TERM_AREA_BYTES
                             : NULL;
            long r =
                op == TERM_OP_BIND ? bind(got, ncaps) : term_server_handle(&srv, op, m.w[2], a);
            static bool first_output = true; /* for `make bench`: boot to the first prompt */
            if (op == TERM_OP_WRITE && r > 0 && first_output) {
                cx_printf("terminal: first output %lu us after power-on\n", cx_clock_ns() / 1000);
                first_output = false;
            }
            unlock();
            m.tag = CX_TAG(0, 1, 0);
            m.w[0] = (uint64_t)r;
        } else {
            m.tag = CX_TAG(0, 1, 0);
            m.w[0] = (uint64_t)-38; /* ENOSYS */
        }
        for (int k = 0; k < 2; k++) {
            if (got[k]) { /* not kept: drop it */
                cx_cap_delete(got[k]);
            } else if (k < (int)ncaps) {
                spare[k] = cx_slot_alloc(); /* kept: a fresh slot for the next one */
            }
        }
        b->recv_slots[0] = spare[0], b->recv_slots[1] = spare[1];
        e = cx_reply_recv(ep, &m);
    }
}
