/*
 * init's main loop: start the configured components, then serve their calls on one
 * endpoint. The badge of a call names the child (its index + 1): exit calls and
 * fault messages both arrive here, and a child can claim to be no other child.
 *
 * Components with `stop-after` are ended by init when their time is up: a second
 * thread of init (the timer) sleeps until the earliest deadline and then calls the
 * endpoint with its own badge, so that every change to the children happens on the
 * main thread, one message at a time.
 */
#include "init.h"
#include <capix/tar.h>
#include <string.h>

#define ARCHIVE_VA 0x10000000ul
#define DEBUG_EXIT_PORT 0xf4

#define TIMER_BADGE 0x7fffffffu /* the timer thread's calls */
#define TIMER_LABEL 0x71ul

static struct child children[MAX_CHILDREN];
static unsigned nchildren;
static struct tar_entry config_entry;
static unsigned running; /* started, awaited (`when-done`) and not yet ended */
static int shutdown;

static const char *fault_name(uint64_t vec)
{
    switch (vec) {
    case 0:
        return "divide error";
    case 3:
        return "breakpoint";
    case 6:
        return "invalid opcode";
    case 13:
        return "general protection fault";
    case 14:
        return "page fault";
    case 17:
        return "alignment check";
    case 19:
        return "SIMD floating-point exception";
    default:
        return "exception";
    }
}

static _Noreturn void power_off(int code)
{
    cx_printf("[init] shutting down\n");
    cx_io_out(CX_SLOT_IO_ALL, DEBUG_EXIT_PORT, 1, (uint64_t)code); /* QEMU isa-debug-exit */
    cx_io_out(CX_SLOT_IO_ALL, 0x604, 2, 0x2000);                   /* QEMU ACPI power off */
    for (;;)
        cx_thread_suspend(CX_SLOT_SELF_THREAD);
}

/* The quota figures of the components still running, for the log at shutdown. */
static void report_running(void)
{
    for (unsigned i = 0; i < nchildren; i++) {
        struct child *c = &children[i];
        if (!c->alive)
            continue;
        struct cx_ret q = cx_raw_quota_info(c->quota, 0, 0, 0, 0, 0);
        cx_printf("[init] component %s still running at shutdown: quota used %lu of %lu bytes\n",
                  c->name, q.rdi, q.rsi);
    }
}

/* Takes c apart (the kernel frees everything it had and gives the quota back) and powers
 * off when it was the last component `when-done shutdown` waited for. */
static void child_ended(struct child *c)
{
    bool awaited = c->awaited;
    child_destroy(c);
    running -= awaited;
    if (running == 0 && shutdown) {
        report_running();
        power_off(0);
    }
}

void child_stop(struct child *c, const char *why)
{
    struct cx_ret q = cx_raw_quota_info(c->quota, 0, 0, 0, 0, 0);
    cx_printf("[init] component %s stopped (%s), quota used %lu of %lu bytes\n", c->name, why,
              q.rdi, q.rsi);
    child_ended(c);
}

/* The timer thread (see the top): its stack and IPC buffer, and where it sleeps. */
static uint8_t timer_stack[16384] __attribute__((aligned(16)));
static struct cx_ipcbuf timer_ipcbuf __attribute__((aligned(4096)));
static uint64_t timer_ep, timer_sleep;

static _Noreturn void timer_main(void)
{
    for (;;) {
        uint64_t next = 0;
        for (unsigned i = 0; i < nchildren; i++) {
            uint64_t at = __atomic_load_n(&children[i].stop_at_ns, __ATOMIC_ACQUIRE);
            if (at && (!next || at < next))
                next = at;
        }
        uint64_t now = cx_clock_ns();
        if (!next) /* nothing left to stop (deadlines are set only at start): sleep for good */
            cx_notif_wait(timer_sleep, CX_TIMEOUT_NONE, NULL);
        else if (next > now)
            cx_notif_wait(timer_sleep, next - now, NULL);
        else
            cx_raw_ipc_call(timer_ep, CX_TAG(TIMER_LABEL, 0, 0), 0, 0, 0, 0);
    }
}

/* Starts the timer thread if a component has a deadline; 0 or a CX_E_* code. */
static long timer_start(uint64_t ep)
{
    bool any = false;
    for (unsigned i = 0; i < nchildren; i++)
        any |= children[i].stop_at_ns != 0;
    if (!any)
        return 0;
    uint64_t t = cx_slot_alloc();
    timer_ep = cx_slot_alloc();
    timer_sleep = cx_slot_alloc();
    long err = cx_notif_create(CX_SLOT_QUOTA, timer_sleep);
    if (!err)
        err = cx_cap_copy(ep, CX_SLOT_SELF_PD, timer_ep, CX_R_WRITE, TIMER_BADGE);
    if (!err)
        err = cx_thread_start(CX_SLOT_QUOTA, t, timer_main, timer_stack, sizeof(timer_stack),
                              &timer_ipcbuf, 100);
    return err;
}

/* A call of the timer: ends the components whose time is up. */
static void timer_tick(void)
{
    uint64_t now = cx_clock_ns();
    for (unsigned i = 0; i < nchildren; i++) {
        struct child *c = &children[i];
        if (c->alive && c->stop_at_ns && now >= c->stop_at_ns) {
            char why[48];
            cx_snprintf(why, sizeof(why), "stop-after %lu ms", c->stop_after_ns / 1000000);
            child_stop(c, why);
        }
    }
}

static void report_fault(struct child *c, const struct cx_msg *m)
{
    uint64_t off = 0;
    const char *fn = child_symbol(c, m->w[3], &off);
    char where[96] = "";
    if (fn)
        cx_snprintf(where, sizeof(where), " in %s+%#lx", fn, off);
    cx_printf("[init] component %s crashed: %s (vector %lu, error %#lx) at address %#lx, "
              "rip %#lx%s\n",
              c->name, fault_name(m->w[0]), m->w[0], m->w[1], m->w[2], m->w[3], where);
}

int64_t realtime_offset_ns;

/* Capabilities that a reply carries on: deleted once the reply has gone. */
static uint64_t deferred[8];
static unsigned ndeferred;

void session_defer_free(uint64_t slot)
{
    if (ndeferred < 8)
        deferred[ndeferred++] = slot;
}

static void flush_deferred(void)
{
    for (unsigned i = 0; i < ndeferred; i++) {
        cx_cap_delete(deferred[i]);
        cx_slot_free(deferred[i]);
    }
    ndeferred = 0;
}

int main(int argc, char **argv)
{
    const struct cx_bootinfo *bi = (const struct cx_bootinfo *)CX_BOOTINFO_ADDR;
    /* every call init makes goes to a provider, which is less trusted: bounded */
    cx_thread_config(CX_SLOT_SELF_THREAD, CX_TCFG_CALL_TIMEOUT, INIT_CALL_TIMEOUT_NS);
    long err =
        cx_map(CX_SLOT_SELF_PD, CX_SLOT_BOOT_ARCHIVE, 0, ARCHIVE_VA, bi->archive_pages, CX_MAP_R);
    if (err) {
        cx_printf("[init] cannot map the boot archive: %s\n", cx_strerror(err));
        power_off(2);
    }
    const void *archive = (const void *)ARCHIVE_VA;
    int terr = tar_find(archive, bi->archive_size, "config", &config_entry);
    if (terr) {
        cx_printf("[init] cannot read 'config' from the boot archive: %s\n", tar_strerror(terr));
        power_off(2);
    }
    unsigned count;
    struct cfg_error cerr;
    if (init_read_config(config_entry.data, config_entry.size, children, &count, &shutdown,
                         &cerr)) {
        char msg[256];
        cfg_format_error(&cerr, msg, sizeof(msg));
        cx_printf("[init] configuration error: %s\n", msg);
        power_off(2);
    }
    realtime_offset_ns = rtc_realtime_offset_ns();
    uint64_t ep = cx_slot_alloc();
    err = cx_ep_create(CX_SLOT_QUOTA, ep);
    if (err) {
        cx_printf("[init] cannot make an endpoint: %s\n", cx_strerror(err));
        power_off(2);
    }
    uint64_t boot_ns = cx_clock_ns() - bi->boot_tsc / (bi->tsc_hz / 1000000) * 1000;
    cx_printf("[init] capix init: %u components configured, %lu us since kernel entry\n", count,
              boot_ns / 1000);
    nchildren = count;
    for (unsigned i = 0; i < count; i++)
        if (children[i].pci_sel)
            init_pci_scan(bi); /* once, and only when a component names a device */
    for (unsigned i = 0; i < count; i++) {
        struct child *c = &children[i];
        if (child_start(c, i + 1, ep, archive, bi->archive_size, config_entry.data,
                        config_entry.size) == 0) {
            running += c->awaited;
            if (c->stop_after_ns)
                c->stop_at_ns = cx_clock_ns() + c->stop_after_ns;
            cx_printf("[init] started %s (binary %s, quota %lu KiB, priority %lu)\n", c->name,
                      c->binary, c->quota_bytes >> 10, c->priority);
        }
    }
    if (running == 0 && shutdown) {
        report_running();
        power_off(0);
    }
    err = timer_start(ep);
    if (err) /* then nothing is stopped: say so, and run on */
        cx_printf("[init] cannot start the timer for stop-after: %s\n", cx_strerror(err));

    struct cx_msg m;
    uint64_t spare = cx_slot_alloc(); /* where a received capability lands */
    cx_ipcbuf()->recv_slots[0] = spare;
    cx_ipcbuf()->recv_slots[1] = cx_ipcbuf()->recv_slots[2] = 0; /* one at most */
    err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    for (;;) {
        flush_deferred();
        uint64_t got = 0;
        if (!err && CX_TAG_CAPS(m.tag)) { /* the spare is used: take another */
            got = spare;
            spare = cx_slot_alloc();
        }
        cx_ipcbuf()->recv_slots[0] = spare;
        if (!err && m.badge == TIMER_BADGE) {
            if (got)
                cx_cap_delete(got), cx_slot_free(got);
            timer_tick();
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        }
        struct child *c = m.badge >= 1 && m.badge <= count ? &children[m.badge - 1] : NULL;
        if (err || !c || !c->alive) {
            if (got)
                cx_cap_delete(got), cx_slot_free(got);
            err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
            continue;
        }
        uint64_t label = CX_TAG_LABEL(m.tag);
        if (label == CX_LABEL_FAULT) {
            report_fault(c, &m);
        } else if (label == CX_LABEL_EXIT) {
            cx_printf("[init] component %s exited with status %ld\n", c->name, (long)m.w[0]);
        } else if (label == CX_LABEL_ANNOUNCE || label == CX_LABEL_SESSION) {
            if (label == CX_LABEL_ANNOUNCE)
                session_announce(c, &m, got);
            else
                session_request(children, count, c, &m, got);
            cx_ipcbuf()->recv_slots[0] = spare;
            err = cx_reply_recv(ep, &m);
            continue;
        } else {
            if (got)
                cx_cap_delete(got), cx_slot_free(got);
            cx_printf("[init] component %s sent unknown request %#lx\n", c->name, label);
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        }
        child_ended(c);
        err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    }
}
