/*
 * init's main loop: start the configured components, then serve their calls on one
 * endpoint. The badge of a call names the child (its index + 1): exit calls and
 * fault messages both arrive here, and a child can claim to be no other child.
 */
#include "init.h"
#include <capix/tar.h>
#include <string.h>

#define ARCHIVE_VA 0x10000000ul
#define DEBUG_EXIT_PORT 0xf4

static struct child children[MAX_CHILDREN];
static struct tar_entry config_entry;

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

int main(int argc, char **argv)
{
    const struct cx_bootinfo *bi = (const struct cx_bootinfo *)CX_BOOTINFO_ADDR;
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
    int shutdown;
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
    unsigned running = 0;
    for (unsigned i = 0; i < count; i++) {
        struct child *c = &children[i];
        if (child_start(c, i + 1, ep, archive, bi->archive_size, config_entry.data,
                        config_entry.size) == 0) {
            running++;
            cx_printf("[init] started %s (binary %s, quota %lu KiB, priority %lu)\n", c->name,
                      c->binary, c->quota_bytes >> 10, c->priority);
        }
    }
    if (running == 0 && shutdown)
        power_off(0);

    struct cx_msg m;
    err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    for (;;) {
        struct child *c = m.badge >= 1 && m.badge <= count ? &children[m.badge - 1] : NULL;
        if (err || !c || !c->alive) {
            err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
            continue;
        }
        uint64_t label = CX_TAG_LABEL(m.tag);
        if (label == CX_LABEL_FAULT) {
            report_fault(c, &m);
        } else if (label == CX_LABEL_EXIT) {
            cx_printf("[init] component %s exited with status %ld\n", c->name, (long)m.w[0]);
        } else {
            cx_printf("[init] component %s sent unknown request %#lx\n", c->name, label);
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        }
        child_destroy(c);
        running--;
        if (running == 0 && shutdown)
            power_off(0);
        err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    }
}
