/*
 * libcapix: the native capix user-space library (init, drivers, servers, tests).
 * Typed system calls over the generated raw stubs, the log, formatting, slots, and
 * the start-up protocol. Functions return 0 or a negative CX_E_* code unless a
 * comment says otherwise.
 */
#ifndef CAPIX_CAPIX_H
#define CAPIX_CAPIX_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <capix/abi.h>
#include <capix/component.h>
#include <capix/syscall.h>
#include <capix/format.h>

/* ---- typed calls ---- */
static inline long cx_cap_copy(uint64_t src, uint64_t pd, uint64_t dst, uint64_t rights,
                               uint64_t badge)
{
    return cx_raw_cap_copy(src, pd, dst, rights, badge, 0).err;
}
static inline long cx_cap_move(uint64_t src, uint64_t pd, uint64_t dst)
{
    return cx_raw_cap_move(src, pd, dst, 0, 0, 0).err;
}
static inline long cx_cap_delete(uint64_t slot)
{
    return cx_raw_cap_delete(slot, 0, 0, 0, 0, 0).err;
}
/* Deletes the capability at slot in the space of pd (a PD capability with WRITE). */
static inline long cx_cap_delete_in(uint64_t pd, uint64_t slot)
{
    return cx_raw_cap_delete(slot, pd, 0, 0, 0, 0).err;
}
static inline long cx_cap_revoke(uint64_t slot)
{
    return cx_raw_cap_revoke(slot, 0, 0, 0, 0, 0).err;
}
static inline long cx_cap_watch(uint64_t slot, uint64_t notif, uint64_t bits)
{
    return cx_raw_cap_watch(slot, notif, bits, 0, 0, 0).err;
}
static inline long cx_quota_create(uint64_t q, uint64_t bytes, uint64_t dst)
{
    return cx_raw_quota_create(q, bytes, dst, 0, 0, 0).err;
}
static inline long cx_pd_create(uint64_t q, uint64_t dst, uint64_t slots)
{
    return cx_raw_pd_create(q, dst, slots, 0, 0, 0).err;
}
static inline long cx_mem_create(uint64_t q, uint64_t pages, uint64_t dst)
{
    return cx_raw_mem_create(q, pages, dst, 0, 0, 0).err;
}
/* Device memory (docs/kernel-abi.md, "Devices"). */
static inline long cx_dev_create(uint64_t dev, uint64_t q, uint64_t phys, uint64_t bytes,
                                 uint64_t dst)
{
    return cx_raw_dev_create(dev, q, phys, bytes, dst, 0).err;
}
static inline long cx_dev_mem(uint64_t dev, uint64_t q, uint64_t phys, uint64_t pages, uint64_t dst)
{
    return cx_raw_dev_mem(dev, q, phys, pages, dst, 0).err;
}
/* Contiguous RAM a device may read and write; *phys its physical address. */
static inline long cx_dma_create(uint64_t dev, uint64_t q, uint64_t pages, uint64_t dst,
                                 uint64_t *phys)
{
    struct cx_ret r = cx_raw_dma_create(dev, q, pages, dst, 0, 0);
    if (!r.err)
        *phys = r.rsi;
    return r.err;
}
static inline long cx_map(uint64_t pd, uint64_t mem, uint64_t off, uint64_t va, uint64_t pages,
                          uint64_t flags)
{
    return cx_raw_map(pd, mem, off, va, pages, flags).err;
}
static inline long cx_unmap(uint64_t pd, uint64_t va, uint64_t pages)
{
    return cx_raw_unmap(pd, va, pages, 0, 0, 0).err;
}
static inline long cx_protect(uint64_t pd, uint64_t va, uint64_t pages, uint64_t flags)
{
    return cx_raw_protect(pd, va, pages, flags, 0, 0).err;
}
static inline long cx_thread_create(uint64_t q, uint64_t pd, uint64_t dst, uint64_t fault_ep,
                                    uint64_t prio)
{
    return cx_raw_thread_create(q, pd, dst, fault_ep, prio, 0).err;
}
static inline long cx_thread_resume(uint64_t t)
{
    return cx_raw_thread_resume(t, 0, 0, 0, 0, 0).err;
}
static inline long cx_thread_suspend(uint64_t t)
{
    return cx_raw_thread_suspend(t, 0, 0, 0, 0, 0).err;
}
static inline long cx_thread_regs(uint64_t t, uint64_t op, uint64_t which, struct cx_regs *r)
{
    return cx_raw_thread_regs(t, op, which, (uint64_t)r, 0, 0).err;
}
static inline long cx_thread_config(uint64_t t, uint64_t what, uint64_t value)
{
    return cx_raw_thread_config(t, what, value, 0, 0, 0).err;
}
static inline long cx_thread_redirect(uint64_t t)
{
    return cx_raw_thread_redirect(t, 0, 0, 0, 0, 0).err;
}
static inline long cx_ep_create(uint64_t q, uint64_t dst)
{
    return cx_raw_ep_create(q, dst, 0, 0, 0, 0).err;
}
static inline long cx_notif_create(uint64_t q, uint64_t dst)
{
    return cx_raw_notif_create(q, dst, 0, 0, 0, 0).err;
}
static inline long cx_notif_signal(uint64_t n, uint64_t bits)
{
    return cx_raw_notif_signal(n, bits, 0, 0, 0, 0).err;
}
/* Waits for bits (0 timeout: poll); *bits receives them. */
static inline long cx_notif_wait(uint64_t n, uint64_t timeout_ns, uint64_t *bits)
{
    struct cx_ret r = cx_raw_notif_wait(n, timeout_ns, 0, 0, 0, 0);
    if (bits)
        *bits = r.rsi;
    return r.err;
}
/* Futex on the 32-bit word at offset of memory object obj (or at address offset of
 * domain obj): waits while it holds expected (CX_E_CHANGED if not), until a wake, the
 * timeout (CX_TIMEOUT_NONE: none; 0: CX_E_TIMEOUT at once) or a redirect. */
static inline long cx_futex_wait(uint64_t obj, uint64_t offset, uint32_t expected,
                                 uint64_t timeout_ns)
{
    return cx_raw_futex_wait(obj, offset, expected, timeout_ns, 0, 0).err;
}
/* Wakes up to count waiters of the word; *woken (if not NULL) gets how many. */
static inline long cx_futex_wake(uint64_t obj, uint64_t offset, uint64_t count, uint64_t *woken)
{
    struct cx_ret r = cx_raw_futex_wake(obj, offset, count, 0, 0, 0);
    if (woken)
        *woken = r.rsi;
    return r.err;
}
static inline long cx_io_out(uint64_t io, uint64_t port, uint64_t width, uint64_t v)
{
    return cx_raw_io_out(io, port, width, v, 0, 0).err;
}
static inline long cx_io_in(uint64_t io, uint64_t port, uint64_t width, uint64_t *v)
{
    struct cx_ret r = cx_raw_io_in(io, port, width, 0, 0, 0);
    *v = r.rsi;
    return r.err;
}
static inline long cx_log_write(uint64_t log, const void *buf, uint64_t len)
{
    return cx_raw_log_write(log, (uint64_t)buf, len, 0, 0, 0).err;
}
static inline long cx_log_create(uint64_t log, uint64_t q, const char *label, uint64_t dst)
{
    return cx_raw_log_create(log, q, (uint64_t)label, dst, 0, 0).err;
}
static inline void cx_yield(void)
{
    cx_raw_yield(0, 0, 0, 0, 0, 0);
}
/* Nanoseconds since boot. */
static inline uint64_t cx_clock_ns(void)
{
    return cx_raw_clock(0, 0, 0, 0, 0, 0).rsi;
}

/* A message: tag and words 0..3 in registers (the rest in the IPC buffer). */
struct cx_msg {
    uint64_t tag, badge;
    uint64_t w[4];
};
long cx_call(uint64_t ep, struct cx_msg *m); /* m in: request; out: reply */
long cx_recv(uint64_t ep, uint64_t timeout_ns, struct cx_msg *m);
long cx_reply_recv(uint64_t ep, struct cx_msg *m); /* m in: reply; out: next request */
struct cx_ipcbuf *cx_ipcbuf(void);                 /* the calling thread's IPC buffer */

/* ---- error names, formatting, log ---- */
const char *cx_strerror(long err);
void cx_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- start-up ---- */
extern const struct cx_startinfo *cx_start_info; /* NULL for init */
uint64_t cx_slot_alloc(void);                    /* a free slot of our cspace, or 0 */
void cx_slot_free(uint64_t slot);
uint64_t cx_named_cap(const char *name);   /* slot of a named start capability, or 0 */
uint64_t cx_named_value(const char *name); /* the value given with it, or 0 */
/* Starts fn (which never returns) on a new thread of this component, on the stack
 * [stack, stack + size), with ipcbuf (a page) as its IPC buffer, or none when 0 (then it
 * may only make calls whose words fit in registers), at priority prio; the thread is
 * charged to quota and its capability goes into slot. 0 or a CX_E_* code. */
long cx_thread_start(uint64_t quota, uint64_t slot, void (*fn)(void), void *stack, uint64_t size,
                     void *ipcbuf, uint64_t prio);
/* Session labels (docs/sessions.md): match 0 any label, 1 exact, 2 prefix, 3 suffix. */
int cx_label_matches(int match, const char *pattern, const char *label);
/* 1 when a requester's label holds no "->" and no control character: the separator is
 * added only by the party that enforces (init), so a requester cannot make up elements,
 * nor lines of the log the label is printed to (docs/sessions.md). */
int cx_label_part_ok(const char *label);
/* The component's own part of the config text (docs/config.md), or NULL with *len 0. */
const char *cx_config_text(size_t *len);
/* The full label a SESSION_CREATE request m carries (words 0..15: the first four in m,
 * the rest in the IPC buffer), NUL-terminated, in label. */
void cx_session_label(const struct cx_msg *m, char label[CX_SESSION_FULL_WORDS * 8]);
_Noreturn void cx_exit(int status); /* tell the parent and stop */
int main(int argc, char **argv);

/* The capability slots libcapix hands out start here. */
#define CX_SLOT_ALLOC_BASE 64

#endif
