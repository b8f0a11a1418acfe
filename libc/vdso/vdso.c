/*
 * The capix vDSO: clock_gettime without a trap. The launcher maps this shared object
 * into every POSIX process at RT_VDSO_ADDR and names it in AT_SYSINFO_EHDR; musl finds
 * __vdso_clock_gettime (version LINUX_2.6) there. The monotonic clocks are the TSC
 * scaled by the frequency in the read-only vvar page, computed exactly as the kernel's
 * `clock` call does; the realtime clocks add the offset the vvar page holds (the same
 * figure the runtime adds, from init's reading of the CMOS clock). For every other
 * clock it returns -ENOSYS, and musl then makes the real system call.
 */
#include <stdbool.h>
#include <stdint.h>
#include <capix/posix_protocol.h>
#include <vfs/linux.h>

struct timespec_k {
    int64_t sec, nsec;
};

int __vdso_clock_gettime(int clk, struct timespec_k *ts);
int clock_gettime(int clk, struct timespec_k *ts)
    __attribute__((weak, alias("__vdso_clock_gettime")));

int __vdso_clock_gettime(int clk, struct timespec_k *ts)
{
    const volatile struct rt_vvar *v = (const volatile struct rt_vvar *)RT_VVAR_ADDR;
    bool realtime = clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE;
    if ((!realtime && clk != CLOCK_MONOTONIC && clk != CLOCK_MONOTONIC_RAW &&
         clk != CLOCK_MONOTONIC_COARSE && clk != CLOCK_BOOTTIME) ||
        !v->tsc_hz)
        return -ENOSYS; /* musl falls back to the system call */
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t t = ((uint64_t)hi << 32) | lo, hz = v->tsc_hz;
    uint64_t ns = t / hz * 1000000000u + t % hz * 1000000000u / hz;
    if (realtime)
        ns += v->realtime_offset_ns;
    ts->sec = (int64_t)(ns / 1000000000u);
    ts->nsec = (int64_t)(ns % 1000000000u);
    return 0;
}
