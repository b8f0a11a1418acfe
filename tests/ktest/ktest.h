/* Shared by the ktest files: reporting and helpers. */
#ifndef KTEST_H
#define KTEST_H

#include <capix/capix.h>

extern unsigned kt_failed, kt_passed;
void kt_check(const char *name, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint64_t kt_slot(void);
void kt_sleep_ms(uint64_t ms);
_Noreturn void kt_park(void); /* helper threads end here */
/* Starts fn(arg) on a new thread of domain pd with the given stack; returns its slot. */
uint64_t kt_thread(uint64_t pd, void (*fn)(uint64_t), uint64_t arg, void *stack, size_t size,
                   uint64_t fault_ep, uint64_t prio, uint64_t ipcbuf);
void kt_threads(void);
void kt_ipc(void);
void kt_posix(void);
void kt_futex(void);
void kt_attacks(void);
void kt_lending(unsigned round); /* `ktest lending`: scenario kernel-lending */
void kt_devices(void);
void kt_cow(void);
void kt_noaccess(void);

#define EXPECT(name, expr, want)                                                                   \
    do {                                                                                           \
        long got_ = (long)(expr);                                                                  \
        kt_check(name, got_ == (want), "%s returned %s, expected %s", #expr, cx_strerror(got_),    \
                 cx_strerror(want));                                                               \
    } while (0)

#endif
