/*
 * kbench: the kernel's own costs in CPU cycles (rdtsc): a null system call and an IPC
 * round trip between two protection domains (call + reply-and-wait). Each case is
 * measured many times; the median and the 10th and 90th percentiles are printed as
 * `BENCH name unit median p10 p90 samples` lines for tools/bench.
 */
#include <capix/capix.h>

#define SAMPLES 2001
#define BATCH 64
#define SRV_EP 20

static uint64_t samples[SAMPLES];
static uint8_t server_stack[16384] __attribute__((aligned(16)));

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static void sort(uint64_t *a, unsigned n)
{
    for (unsigned i = 1; i < n; i++) { /* insertion sort: n is small */
        uint64_t v = a[i];
        unsigned j = i;
        while (j && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static void report(const char *name, uint64_t divisor)
{
    sort(samples, SAMPLES);
    cx_printf("BENCH %s cycles %lu %lu %lu %u\n", name, samples[SAMPLES / 2] / divisor,
              samples[SAMPLES / 10] / divisor, samples[SAMPLES * 9 / 10] / divisor, SAMPLES);
}

static void server_fn(uint64_t arg)
{
    struct cx_msg m;
    cx_recv(SRV_EP, CX_TIMEOUT_NONE, &m);
    for (;;) {
        m.tag = CX_TAG(0, 1, 0);
        cx_reply_recv(SRV_EP, &m);
    }
}

int main(int argc, char **argv)
{
    for (unsigned i = 0; i < SAMPLES; i++) {
        uint64_t t0 = rdtsc();
        for (unsigned j = 0; j < BATCH; j++)
            cx_raw_cap_info(CX_SLOT_SELF_PD, 0, 0, 0, 0, 0);
        samples[i] = rdtsc() - t0;
    }
    report("null_call", BATCH);

    uint64_t ep = cx_slot_alloc(), pd = cx_slot_alloc(), t = cx_slot_alloc();
    long err = cx_ep_create(CX_SLOT_QUOTA, ep);
    if (!err)
        err = cx_pd_create(CX_SLOT_QUOTA, pd, 64);
    if (!err)
        err = cx_raw_pd_copy_as(CX_SLOT_SELF_PD, pd, 0, 0, 0, 0).err;
    if (!err)
        err = cx_cap_copy(ep, pd, SRV_EP, CX_R_READ, 0);
    if (!err)
        err = cx_thread_create(CX_SLOT_QUOTA, pd, t, 0, 100);
    static struct cx_regs r;
    if (!err)
        err = cx_thread_regs(t, CX_REGS_GET, CX_CTX_CURRENT, &r);
    r.rip = (uint64_t)server_fn;
    r.rsp = (uint64_t)server_stack + sizeof(server_stack) - 8;
    if (!err)
        err = cx_thread_regs(t, CX_REGS_SET, CX_CTX_CURRENT, &r);
    if (!err)
        err = cx_thread_config(t, CX_TCFG_IPCBUF, CX_IPCBUF_ADDR);
    if (!err)
        err = cx_thread_resume(t);
    if (err) {
        cx_printf("kbench: cannot start the server: %s\n", cx_strerror(err));
        return 1;
    }
    struct cx_msg m = {.tag = CX_TAG(1, 1, 0)};
    cx_call(ep, &m); /* warm up */
    for (unsigned i = 0; i < SAMPLES; i++) {
        m.tag = CX_TAG(1, 1, 0);
        uint64_t t0 = rdtsc();
        cx_call(ep, &m);
        samples[i] = rdtsc() - t0;
    }
    report("ipc_roundtrip", 1);
    cx_cap_delete(t);
    cx_cap_delete(pd);
    return 0;
}
