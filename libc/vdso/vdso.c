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

struct timespec_k {
    int64_t sec, nsec;
};

int __vdso_clock_gettime(int clk, struct timespec_k *ts);
int clock_gettime(int clk, struct timespec_k *ts)
    __attribute__((weak, alias("__vdso_clock_gettime")));

int __vdso_clock_gettime(int clk, struct timespec_k *ts)
{
    const volatile struct rt_vvar *v = (const volatile struct rt_vvar *)RT_VVAR_ADDR;
    /* CLOCK_REALTIME 0, _COARSE 5; CLOCK_MONOTONIC 1, _RAW 4, _COARSE 6, BOOTTIME 7 */
    bool realtime = clk == 0 || clk == 5;
    if ((!realtime && clk != 1 && clk != 4 && clk != 6 && clk != 7) || !v->tsc_hz)
        return -38; /* ENOSYS: musl falls back to the system call */
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
