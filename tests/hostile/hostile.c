/*
 * hostile: a hostile static musl program (issue 10, docs/sandboxes.md). It runs as an
 * ordinary POSIX process in a sandbox and attacks the kernel from there:
 *
 *   hostile [CALLS [MAPOPS]]
 *
 * 1. Native kernel calls. A program's own `syscall` is a Linux call (the kernel reflects
 *    it to the runtime); only a `syscall` inside the runtime's code is a native call. So
 *    we read the runtime's ELF header where the launcher maps it (RT_IMAGE_BASE), find
 *    its executable segment (the range given to pd_set_runtime) and look there for a
 *    `syscall` followed by `ret` (or by a few register moves and tests that leave rax
 *    alone, then `ret`): calling that gadget with the registers set up is a native call
 *    that comes back to us. Forked workers then make CALLS (default 1,000,000) random
 *    native calls: every call number and out-of-range ones, slots that are ours, guessed
 *    or random, wild pointers, huge lengths, random flags. Workers that kill themselves
 *    (their thread stopped, their code unmapped, ...) just end; the parent counts in
 *    MAP_SHARED memory, forks new workers until CALLS is reached, and kills workers
 *    that stopped making progress. It tallies the distinct (call, result) pairs.
 * 2. Random mappings: native map, unmap and protect on its own domain, and Linux mmap,
 *    munmap and mprotect with random arguments (MAPOPS of each, default 20,000).
 * 3. A fork bomb: every process forks until fork fails (the sandbox's quota or process
 *    table is used up); the time from the first fork to the first failure is printed,
 *    then everything is killed and fork must work again.
 *
 * Before the fuzzing it checks, with PASS/FAIL lines, what a guessing attacker could hope
 * for: no slot holds anything but what the launcher gave, a badge cannot be changed, a
 * copy cannot gain rights (hostile_checks.c). Ends with "hostile: done" and exit
 * status 0.
 */
#include "hostile.h"

#define NCALL_BUCKETS 48 /* 0..46 by number, 47: every number beyond */
#define NRESULTS 20      /* 0..-17, redirected, other */
#define MAX_WORKERS 4
#define WORKER_CALLS 10000 /* a worker exits after this many calls */

struct shared {
    volatile uint64_t calls[MAX_WORKERS + 1]; /* per worker slot: calls made */
    volatile uint64_t progress[MAX_WORKERS + 1];
    volatile int finished[MAX_WORKERS + 1];       /* a worker did all its calls */
    volatile uint64_t last_nr[MAX_WORKERS + 1];   /* the call a worker is in */
    volatile uint64_t last_a[MAX_WORKERS + 1][6]; /* and its arguments */
    volatile uint64_t stuck_in[NCALL_BUCKETS];    /* calls that workers stopped in */
    volatile uint64_t died_in[NCALL_BUCKETS];     /* the last call of workers that died */
    volatile uint64_t ok_calls;
    volatile uint8_t seen[NCALL_BUCKETS][NRESULTS];
    volatile int64_t other_result; /* a result outside the error codes, if any */
    volatile uint64_t map_ops, map_ok, lx_ops, lx_ok, map_checked;
    volatile int map_fail; /* a mapping that did not behave as the call said */
    char map_fail_text[160];
    volatile uint64_t bomb_procs;
    volatile uint64_t bomb_first_fail_ns;
    volatile int bomb_errno;
};

static struct shared *sh;
static uint64_t rng;
static uint64_t call_mask = ~0ull; /* HOSTILE_CALLS: the call numbers to make (a bit each) */
/* Objects our calls made (slot and type), used as arguments further on: calls get past
 * the type checks and reach the deeper ones. */
#define MAX_OBJS 32
static struct {
    uint64_t slot;
    unsigned type;
} objs[MAX_OBJS];
static unsigned nobjs;
/* the capabilities the launcher gave us, and where the worker keeps spare copies */
static const struct {
    uint64_t slot;
    unsigned type;
} core[] = {{CX_SLOT_SELF_PD, CX_T_PD},
            {CX_SLOT_SELF_THREAD, CX_T_THREAD},
            {CX_SLOT_QUOTA, CX_T_QUOTA},
            {CX_SLOT_PARENT, CX_T_EP},
            {CX_SLOT_FIRST_FREE + 4, CX_T_NOTIF}};
#define NCORE (sizeof(core) / sizeof(core[0]))
#define SPARE_SLOT 900 /* spare copies of core[] at 900.. */
static uint8_t scratch[3 * 4096] __attribute__((aligned(4096)));

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- argument generators ---- */

const struct rt_info *info(void)
{
    return (const struct rt_info *)RT_INFO_ADDR;
}

static uint64_t arg_slot(void)
{
    static const uint64_t own[] = {CX_SLOT_SELF_PD, CX_SLOT_SELF_THREAD, CX_SLOT_QUOTA,
                                   CX_SLOT_LOG,     CX_SLOT_PARENT,      CX_SLOT_FIRST_FREE + 4};
    switch (rnd() % 10) {
    case 0:
    case 1:
    case 2:
        return own[rnd() % 6];
    case 3:
    case 4:
        return nobjs ? objs[rnd() % nobjs].slot : 3;
    case 5:
        return rnd() % 64;
    case 6:
    case 7:
        return rnd() % 1200; /* a cspace has 1024 slots */
    case 8:
        return (uint64_t)1 << (rnd() % 64);
    default:
        return rnd();
    }
}

/* Mostly a slot holding an object of the type a call wants, else any guess. */
static uint64_t arg_typed(unsigned type)
{
    uint64_t cand[MAX_OBJS + NCORE];
    unsigned n = 0;
    if (rnd() % 10 < 3)
        return arg_slot();
    for (unsigned i = 0; i < NCORE; i++)
        if (core[i].type == type)
            cand[n++] = core[i].slot;
    for (unsigned i = 0; i < nobjs; i++)
        if (objs[i].type == type)
            cand[n++] = objs[i].slot;
    return n ? cand[rnd() % n] : arg_slot();
}

/* A slot for a new object: a free one near the top, so that guesses find them. */
static uint64_t arg_dst(void)
{
    return rnd() % 4 ? 1000 + rnd() % 16 : arg_slot();
}

static uint64_t arg_value(void);

static uint64_t arg_ptr(void)
{
    switch (rnd() % 12) {
    case 0:
        return 0;
    case 1:
    case 2:
        return (uint64_t)(uintptr_t)scratch + rnd() % sizeof(scratch);
    case 3:
        return (uint64_t)(uintptr_t)&arg_value; /* our code: read-only */
    case 4:
        return RT_INFO_ADDR + rnd() % 4096;
    case 5:
        return 0xffffffff80000000ull + (rnd() & 0xffffff); /* the kernel */
    case 6:
        return 0x0000800000000000ull - (rnd() % 64); /* the end of user space */
    case 7:
        return 0x0000800000000000ull + (rnd() & 0xffffffff); /* not canonical */
    case 8:
        return native_lo_code + rnd() % (native_hi_code - native_lo_code); /* the runtime's code */
    case 9:
        return rnd() & 0x7ffffffff000ull;
    default:
        return rnd();
    }
}

static uint64_t arg_len(void)
{
    static const uint64_t edges[] = {0,
                                     1,
                                     7,
                                     64,
                                     4095,
                                     4096,
                                     65536,
                                     1u << 20,
                                     (1u << 20) + 1,
                                     ((uint64_t)1 << 32) - 1,
                                     (uint64_t)1 << 32,
                                     ((uint64_t)1 << 32) + 1,
                                     (uint64_t)1 << 47,
                                     -(uint64_t)4096,
                                     -(uint64_t)0x3f8,
                                     (uint64_t)1 << 63,
                                     UINT64_MAX,
                                     UINT64_MAX / 4096 + 1};
    switch (rnd() % 5) {
    case 0:
        return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
    case 4: /* just below 2^64: base + length wraps for any small base (issue 16) */
        return -(rnd() % 65536);
    case 1:
        return rnd() % 32;
    case 2:
        return rnd() % 4096;
    default:
        return rnd() >> (rnd() % 64);
    }
}

/* An address for map/unmap/protect: page aligned (mostly) in user space. Our own image,
 * stack and runtime come up only now and then, or workers would die too soon. */
static uint64_t arg_addr(void)
{
    uint64_t a;
    switch (rnd() % 16) {
    case 0:
        return rnd();
    case 1:
        return rnd() & ~0xfffull;
    case 2: /* near ours: the runtime, its stack, the program, its stack */
        if (rnd() % 8)
            return 0x60000000ull + (rnd() % 4096) * 4096;
        a = (uint64_t[]){RT_IMAGE_BASE, RT_STACK_TOP - 4096, 0x400000,
                         RT_PROG_STACK_TOP - 4096}[rnd() % 4];
        return a + (rnd() % 8) * 4096;
    case 3:
        return 0x0000800000000000ull - 4096 * (rnd() % 4);
    default:
        return 0x100000000ull + (rnd() % (1u << 20)) * 4096;
    }
}

static uint64_t arg_value(void)
{
    switch (rnd() % 4) {
    case 0:
        return rnd() % 8;
    case 1:
        return rnd() % 256;
    case 2:
        return (uint64_t)1 << (rnd() % 64);
    default:
        return rnd();
    }
}

static uint64_t arg_timeout(void)
{
    switch (rnd() % 512) {
    case 0:
        return CX_TIMEOUT_NONE; /* the watchdog ends a worker stuck here */
    case 1:
        return rnd() % 3000000; /* up to 3 ms */
    default:
        return 0;
    }
}

/* An IPC tag: random, or a plausible one. Labels that the launcher answers with kill,
 * sigqueue, tgkill or fork are moved off: those are the sandbox's kill(2) and fork(2),
 * which would end the sandbox (pid 1) by design or start unsupervised processes. */
static uint64_t arg_tag(void)
{
    uint64_t tag = rnd() % 2 ? rnd() : CX_TAG(rnd() % 0x100, rnd() % 70, rnd() % 4);
    uint64_t label = CX_TAG_LABEL(tag) & 0xffff;
    if (label == RT_LABEL_KILL || label == RT_LABEL_SIGQUEUE || label == RT_LABEL_TGKILL ||
        label == RT_LABEL_FORK)
        tag ^= (uint64_t)0x100 << 16;
    return tag;
}

/* Argument kinds: any slot, slots of a type, a new slot, pointer, length, address, value,
 * timeout, IPC tag, priority. */
enum { S = 1, SPD, STH, SQ, SM, SEP, SN, SL, D, P, L, A, V, T, W, G };
static const uint8_t kinds[41][6] = {
    [0] = {S, SPD, D, V, V},
    [1] = {S, SPD, D},
    [2] = {S},
    [3] = {S},
    [4] = {S},
    [5] = {S, SN, V},
    [6] = {SQ, L, D},
    [7] = {SQ},
    [8] = {SQ, D, L},
    [9] = {SPD, P, A, A},
    [10] = {SPD, SPD},
    [11] = {SQ, L, D},
    [12] = {SPD, SM, L, A, L, V},
    [13] = {SPD, A, L},
    [14] = {SPD, A, L, V},
    [15] = {SQ, SPD, D, SEP, G},
    [16] = {STH},
    [17] = {STH},
    [18] = {STH, V, V, P},
    [19] = {STH, V, V},
    [20] = {STH},
    [21] = {SQ, D},
    [22] = {SEP, W, V, V, V, V},
    [23] = {SEP, T},
    [24] = {SEP, W, V, V, V, V},
    [25] = {SQ, D},
    [26] = {SN, V},
    [27] = {SN, T},
    [28] = {S, SQ, V, D},
    [29] = {S, SN, V},
    [30] = {S},
    [31] = {S, SQ, V, V, D},
    [32] = {S, V, V},
    [33] = {S, V, V, V},
    [34] = {SL, SQ, P, D},
    [35] = {SL, P, L},
    [36] = {V},
    [37] = {P},
    [38] = {0},
    [39] = {0},
    [40] = {SPD, V},
};
/* the type each create call makes */
static const uint8_t makes[41] = {
    [6] = CX_T_QUOTA, [8] = CX_T_PD,     [11] = CX_T_MEM, [15] = CX_T_THREAD,
    [21] = CX_T_EP,   [25] = CX_T_NOTIF, [34] = CX_T_LOG};

static uint64_t gen(int kind)
{
    switch (kind) {
    case S:
        return arg_slot();
    case SPD:
        return arg_typed(CX_T_PD);
    case STH:
        return arg_typed(CX_T_THREAD);
    case SQ:
        return arg_typed(CX_T_QUOTA);
    case SM:
        return arg_typed(CX_T_MEM);
    case SEP:
        return arg_typed(CX_T_EP);
    case SN:
        return arg_typed(CX_T_NOTIF);
    case SL:
        return arg_typed(CX_T_LOG);
    case D:
        return arg_dst();
    case P:
        return arg_ptr();
    case L:
        return arg_len();
    case A:
        return arg_addr();
    case T:
        return arg_timeout();
    case W:
        return arg_tag();
    case G:
        return rnd() % 300;
    default:
        return arg_value();
    }
}

/* thread_redirect on our own thread enters the runtime at once; finding no signal, it
 * resumes us with the registers of the moment of the call: rax is still the call's
 * number (docs/sandboxes.md). That result has its own index. */
#define RESULT_REDIRECTED (NRESULTS - 2)

static int result_index(uint64_t nr, int64_t err)
{
    if (err <= 0 && err >= CX_ERR_MIN)
        return (int)-err;
    if (nr == CX_SYS_thread_redirect && err == CX_SYS_thread_redirect)
        return RESULT_REDIRECTED;
    sh->other_result = err;
    return NRESULTS - 1;
}

/* ---- phase 1: the fuzz worker ---- */

static void restore_core(void)
{
    for (unsigned i = 0; i < NCORE; i++)
        if (native(CX_SYS_cap_info, core[i].slot, 0, 0, 0, 0, 0).err)
            native(CX_SYS_cap_copy, SPARE_SLOT + i, SPARE_SLOT, core[i].slot, CX_R_ALL, 0, 0);
}

static void fuzz_worker(unsigned w, uint64_t seed, uint64_t calls)
{
    rng = seed | 1;
    /* no log capability while fuzzing: a lucky log_write of random memory would spray
     * bytes on the console that every component shares (docs/sandboxes.md) */
    native(CX_SYS_cap_delete, CX_SLOT_LOG, 0, 0, 0, 0, 0);
    for (unsigned i = 0; i < NCORE; i++)
        native(CX_SYS_cap_copy, core[i].slot, CX_SLOT_SELF_PD, SPARE_SLOT + i, CX_R_ALL, 0, 0);
    for (size_t i = 0; i < sizeof(scratch); i++)
        scratch[i] = (uint8_t)rnd();
    for (uint64_t i = 0; i < calls; i++) {
        uint64_t nr, a[6] = {0};
        unsigned pick = (unsigned)(rnd() % 100);
        if (pick < 2)
            nr = 41 + rnd() % 6; /* just beyond the table */
        else if (pick < 4)
            nr = rnd() >> (rnd() % 64); /* anywhere */
        else
            nr = rnd() % 41;
        if (nr < 41 && !(call_mask >> nr & 1))
            continue;
        const uint8_t *k = nr < 41 ? kinds[nr] : NULL;
        for (int j = 0; j < 6; j++)
            a[j] = k && k[j] ? gen(k[j]) : (k ? rnd() % 4 == 0 ? rnd() : 0 : rnd());
        /* a few calls go for ourselves on purpose: stop our own thread or domain, */
        /* change our runtime range; most are kept off us so that workers live a while */
        if ((nr == CX_SYS_thread_suspend || nr == CX_SYS_pd_control ||
             nr == CX_SYS_pd_set_runtime || nr == CX_SYS_lx_resume) &&
            (a[0] == CX_SLOT_SELF_PD || a[0] == CX_SLOT_SELF_THREAD) && rnd() % 512)
            a[0] += 1000;
        if (nr == CX_SYS_thread_regs && a[1] == CX_REGS_SET && rnd() % 4)
            a[1] = CX_REGS_GET;
        /* a whole context resumed from a readable pointer (our scratch, say) is garbage
         * that ends us or loops: the runtime's own calls look like ours to the kernel
         * (the gadget is its code), so lx_resume is taken; now and then only */
        if (nr == CX_SYS_lx_resume && rnd() % 512)
            a[0] = rnd() % 2 ? 0 : 0x0000800000000000ull + (rnd() & 0xffffff);
        /* a call on an endpoint of our own waits for a receiver that never comes: the
         * watchdog ends such a worker, so it happens now and then only */
        if ((nr == CX_SYS_ipc_call || nr == CX_SYS_ipc_reply_recv) && a[0] != CX_SLOT_PARENT &&
            rnd() % 512)
            a[0] = CX_SLOT_PARENT;
        unsigned b = nr < NCALL_BUCKETS - 1 ? (unsigned)nr : NCALL_BUCKETS - 1;
        sh->last_nr[w] = b;
        for (int j = 0; j < 6; j++)
            sh->last_a[w][j] = a[j];
        struct nret r = native(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        sh->seen[b][result_index(nr, r.err)] = 1;
        if (r.err == 0) {
            __atomic_fetch_add(&sh->ok_calls, 1, __ATOMIC_RELAXED);
            /* remember what a create, copy or move put into a slot */
            if (k && (makes[nr] || nr == CX_SYS_cap_copy || nr == CX_SYS_cap_move)) {
                uint64_t dst = 0;
                for (int j = 0; j < 6; j++)
                    if (k[j] == D)
                        dst = a[j];
                unsigned type = makes[nr];
                if (!type) {
                    struct nret ci = native(CX_SYS_cap_info, dst, 0, 0, 0, 0, 0);
                    type = ci.err ? 0 : (unsigned)ci.rsi;
                }
                if (type) {
                    objs[nobjs % MAX_OBJS].slot = dst;
                    objs[nobjs % MAX_OBJS].type = type;
                    nobjs = nobjs + 1 > MAX_OBJS ? MAX_OBJS : nobjs + 1;
                }
            }
        }
        /* now and then, put back the capabilities the launcher gave us from the spares:
         * a worker that deleted its own domain capability would find nothing after it */
        if ((i & 63) == 63)
            restore_core();
        sh->calls[w]++;
        sh->progress[w]++;
    }
    /* our endpoint to the launcher may be gone (cap_delete of slot 5): the supervisor
     * kills a finished worker rather than wait for an exit that cannot arrive */
    sh->finished[w] = 1;
    _exit(0);
}

/* ---- phase 2: random mappings ---- */

static void map_fail(const char *what, uint64_t va, long v)
{
    if (!sh->map_fail) {
        sh->map_fail = 1;
        snprintf(sh->map_fail_text, sizeof(sh->map_fail_text), "%s at %#lx: %ld", what,
                 (unsigned long)va, v);
    }
}

/* Native map/unmap/protect in an arena of our own domain, with the pages checked after
 * each call that succeeded; Linux mmap, munmap and mprotect at random in between. */
static void map_worker(unsigned w, uint64_t seed, uint64_t ops)
{
    rng = seed | 1;
    const uint64_t arena = 0x500000000000ull, span = 256;
    uint64_t mem = 1010;
    struct nret r = native(CX_SYS_mem_create, CX_SLOT_QUOTA, 64, mem, 0, 0, 0);
    if (r.err) {
        map_fail("mem_create", 0, r.err);
        _exit(1);
    }
    for (uint64_t i = 0; i < ops; i++) {
        int linux_op = 0;
        uint64_t va = arena + (rnd() % span) * 4096, pages = 1 + rnd() % 16;
        uint64_t flags = rnd() % 8;
        switch (rnd() % 6) {
        case 0:
        case 1:
            r = native(CX_SYS_map, CX_SLOT_SELF_PD, mem, rnd() % 80, va, pages, flags);
            if (!r.err && (flags & CX_MAP_R)) {
                volatile uint8_t *p = (volatile uint8_t *)va;
                (void)p[0];
                if (flags & CX_MAP_W) {
                    p[pages * 4096 - 1] = (uint8_t)i;
                    if (p[pages * 4096 - 1] != (uint8_t)i)
                        map_fail("written byte not read back", va, (long)pages);
                }
                sh->map_checked++;
            }
            break;
        case 2:
            r = native(CX_SYS_unmap, CX_SLOT_SELF_PD, va, pages, 0, 0, 0);
            break;
        case 3:
            r = native(CX_SYS_protect, CX_SLOT_SELF_PD, va, pages, flags, 0, 0);
            break;
        case 4: {
            static const int mflags[] = {MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS,
                                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0, -1};
            int f = mflags[rnd() % 5];
            uint64_t len = rnd() % 3 ? pages * 4096 : arg_len();
            void *hint = rnd() % 2 ? (void *)(uintptr_t)va : (void *)(uintptr_t)arg_addr();
            if ((f & MAP_FIXED) && (uintptr_t)hint < 0x100000000ull)
                hint = (void *)(uintptr_t)va; /* not over our own program */
            void *m = mmap(hint, len, (int)(rnd() % 8), f, -1, 0);
            sh->lx_ops++;
            if (m != MAP_FAILED) {
                sh->lx_ok++;
                if (rnd() % 2)
                    munmap(m, len);
            }
            linux_op = 1;
            break;
        }
        default: {
            int rc = rnd() % 2 ? munmap((void *)(uintptr_t)va, pages * 4096)
                               : mprotect((void *)(uintptr_t)va, pages * 4096, (int)(rnd() % 8));
            sh->lx_ops++;
            sh->lx_ok += rc == 0;
            linux_op = 1;
            break;
        }
        }
        if (!linux_op) {
            sh->map_ops++;
            sh->map_ok += r.err == 0;
        }
        sh->progress[w]++;
    }
    sh->finished[w] = 1;
    _exit(0);
}

/* ---- the supervisor ---- */

struct worker {
    pid_t pid;
    int killed; /* by us: finished or stuck */
    uint64_t last_progress, last_change_ns;
};

struct tally {
    uint64_t forks, fork_failures, finished, exited, signalled, stuck;
};

/* Runs workers (fn) until done() says so; kills those that made no progress for 60 ms
 * (a worker makes a call every few microseconds). */
static void supervise(void (*fn)(unsigned, uint64_t, uint64_t), uint64_t per_worker,
                      int (*done)(void), unsigned nworkers, struct tally *t)
{
    struct worker ws[MAX_WORKERS] = {{0}};
    uint64_t fail_since = 0;
    for (;;) {
        int finished = done();
        unsigned running = 0;
        for (unsigned i = 0; i < nworkers; i++) {
            struct worker *wk = &ws[i];
            if (wk->pid) {
                running++;
                uint64_t p = sh->progress[i], now = now_ns();
                if (sh->finished[i] == 1) {
                    sh->finished[i] = 2;
                    wk->killed = 1;
                    kill(wk->pid, SIGKILL);
                    t->finished++;
                } else if (sh->finished[i]) {
                    /* killed, to be reaped */
                } else if (p != wk->last_progress) {
                    wk->last_progress = p, wk->last_change_ns = now;
                } else if (now - wk->last_change_ns > 60000000ull) {
                    wk->killed = 1;
                    kill(wk->pid, SIGKILL);
                    t->stuck++;
                    sh->stuck_in[sh->last_nr[i] % NCALL_BUCKETS]++;
                    if (getenv("HOSTILE_DEBUG"))
                        printf("stuck in %lu (%#lx, %#lx, %#lx, %#lx)\n",
                               (unsigned long)sh->last_nr[i], (unsigned long)sh->last_a[i][0],
                               (unsigned long)sh->last_a[i][1], (unsigned long)sh->last_a[i][2],
                               (unsigned long)sh->last_a[i][3]);
                    wk->last_change_ns = now; /* reaped below when it is gone */
                }
                continue;
            }
            if (finished)
                continue;
            sh->progress[i] = 0;
            sh->finished[i] = 0;
            sh->last_nr[i] = 0;
            uint64_t seed = rnd();
            pid_t pid = fork();
            if (pid == 0)
                fn(i, seed, per_worker);
            if (pid < 0) {
                t->fork_failures++;
                if (!fail_since)
                    fail_since = now_ns();
                else if (now_ns() - fail_since > 20000000000ull) {
                    printf("FAIL hostile: no worker could be forked for 20 s: %s\n",
                           strerror(errno));
                    exit(1);
                }
                continue;
            }
            fail_since = 0;
            t->forks++;
            wk->pid = pid, wk->killed = 0, wk->last_progress = 0, wk->last_change_ns = now_ns();
            running++;
        }
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            for (unsigned i = 0; i < nworkers; i++)
                if (ws[i].pid == pid) {
                    if (!ws[i].killed)
                        sh->died_in[sh->last_nr[i] % NCALL_BUCKETS]++;
                    ws[i].pid = 0;
                }
            if (WIFEXITED(status))
                t->exited++;
            else
                t->signalled++; /* by its own calls, or by us (finished or stuck) */
        }
        if (finished && !running)
            return;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
}

static uint64_t target_calls, target_maps;

static uint64_t total_calls(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < MAX_WORKERS; i++)
        n += sh->calls[i];
    return n;
}

static int calls_done(void)
{
    return total_calls() >= target_calls;
}

static int maps_done(void)
{
    return sh->map_ops + sh->lx_ops >= target_maps;
}

uint64_t free_bytes(void)
{
    struct sysinfo si;
    sysinfo(&si);
    return (uint64_t)si.freeram * si.mem_unit;
}

/* ---- phase 3: the fork bomb ---- */

static void bomb(uint64_t t0)
{
    for (;;) {
        pid_t p = fork();
        if (p == 0) {
            __atomic_fetch_add(&sh->bomb_procs, 1, __ATOMIC_RELAXED);
            continue; /* the child forks too */
        }
        if (p < 0) {
            uint64_t zero = 0, t = now_ns() - t0;
            int e = errno;
            if (__atomic_compare_exchange_n(&sh->bomb_first_fail_ns, &zero, t, 0, __ATOMIC_SEQ_CST,
                                            __ATOMIC_SEQ_CST))
                sh->bomb_errno = e;
            pause();
        }
    }
}

static int fork_bomb(void)
{
    struct sysinfo before, after;
    sysinfo(&before);
    uint64_t t0 = now_ns();
    pid_t leader = fork();
    if (leader == 0) {
        setpgid(0, 0);
        bomb(t0);
    }
    if (leader < 0) {
        printf("FAIL hostile: fork bomb: the first fork failed: %s\n", strerror(errno));
        return 1;
    }
    setpgid(leader, leader);
    while (!sh->bomb_first_fail_ns && now_ns() - t0 < 60000000000ull) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    uint64_t ns = sh->bomb_first_fail_ns, procs = sh->bomb_procs + 1;
    int e = sh->bomb_errno;
    if (ns)
        printf("hostile: fork bomb contained in %lu ms: fork failed with %s after %lu processes; "
               "they go on asking for 2 s\n",
               (unsigned long)(ns / 1000000),
               e == EAGAIN   ? "EAGAIN"
               : e == ENOMEM ? "ENOMEM"
                             : "?",
               (unsigned long)procs);
    /* the bomb goes on asking (every process that was not refused yet forks again) while
     * the other sandbox must keep answering; then all of it is killed */
    struct timespec ts = {2, 0};
    nanosleep(&ts, NULL);
    kill(-leader, SIGKILL);
    unsigned reaped = 0;
    uint64_t t1 = now_ns();
    while (now_ns() - t1 < 20000000000ull) {
        pid_t p = waitpid(-1, NULL, 0);
        if (p > 0) {
            reaped++;
            continue;
        }
        if (errno == ECHILD)
            break;
    }
    sysinfo(&after);
    if (!ns) {
        printf("FAIL hostile: fork bomb: fork never failed in 60 s (%lu processes)\n",
               (unsigned long)procs);
        return 1;
    }
    printf("hostile: fork bomb killed: %u processes reaped after SIGKILL to its group\n", reaped);
    printf("hostile: sandbox memory free before the bomb %lu KiB, after %lu KiB\n",
           (unsigned long)(before.freeram * before.mem_unit / 1024),
           (unsigned long)(after.freeram * after.mem_unit / 1024));
    /* fork works again */
    pid_t p = fork();
    if (p == 0)
        _exit(7);
    int st = 0;
    int ok = p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 7;
    printf("%s hostile: after the bomb, fork works again\n", ok ? "PASS" : "FAIL");
    return !ok || (e != EAGAIN && e != ENOMEM);
}

int main(int argc, char **argv)
{
    target_calls = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
    target_maps = argc > 2 ? strtoull(argv[2], NULL, 0) : 20000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (getenv("HOSTILE_CALLS"))
        call_mask = strtoull(getenv("HOSTILE_CALLS"), NULL, 0);
    sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED || info()->magic != RT_INFO_MAGIC) {
        printf("FAIL hostile: no shared memory or no runtime information\n");
        return 1;
    }
    rng = now_ns() ^ 0x9e3779b97f4a7c15ull;
    if (native_init()) {
        printf("FAIL hostile: no `syscall; ret` gadget in the runtime's code [%#lx, %#lx)\n",
               (unsigned long)native_lo_code, (unsigned long)native_hi_code);
        return 1;
    }
    printf("hostile: runtime code [%#lx, %#lx), native-call gadget at %#lx\n",
           (unsigned long)native_lo_code, (unsigned long)native_hi_code,
           (unsigned long)native_gadget);
    int fails = checks();

    struct tally t = {0};
    /* what the supervisor's own calls make in the runtime once (a timer's objects) is
     * made before the figure is taken */
    struct timespec ms1 = {0, 1000000};
    nanosleep(&ms1, NULL);
    waitpid(-1, NULL, WNOHANG);
    uint64_t free_start = free_bytes();
    printf("hostile: native calls: %lu to make, by forked workers of %u calls each\n",
           (unsigned long)target_calls, WORKER_CALLS);
    uint64_t t0 = now_ns();
    supervise(fuzz_worker, WORKER_CALLS, calls_done, 2, &t);
    uint64_t ms = (now_ns() - t0) / 1000000;
    unsigned distinct = 0, calls_hit = 0;
    for (unsigned c = 0; c < NCALL_BUCKETS; c++) {
        unsigned any = 0;
        for (unsigned e = 0; e < NRESULTS; e++)
            any += sh->seen[c][e];
        distinct += any;
        calls_hit += any > 0;
    }
    printf("hostile: native calls: %lu made in %lu ms, %u distinct (call, result) paths over %u "
           "call numbers, %lu succeeded (on our own capabilities)\n",
           (unsigned long)total_calls(), (unsigned long)ms, distinct, calls_hit,
           (unsigned long)sh->ok_calls);
    printf("hostile: workers: %lu forked, %lu did all their calls, %lu died by their own calls, "
           "%lu stopped making calls (their thread or domain stopped, or waiting) and were "
           "killed\n",
           (unsigned long)t.forks, (unsigned long)t.finished,
           (unsigned long)(t.exited + t.signalled - t.stuck - t.finished), (unsigned long)t.stuck);
    {
        char line[400];
        int n = snprintf(line, sizeof(line), "hostile: workers stopped in calls:");
        for (unsigned c = 0; c < NCALL_BUCKETS; c++)
            if (sh->stuck_in[c])
                n += snprintf(line + n, sizeof(line) - (size_t)n, " %u (%lu)", c,
                              (unsigned long)sh->stuck_in[c]);
        printf("%s\n", line);
        n = snprintf(line, sizeof(line), "hostile: workers died in calls:");
        for (unsigned c = 0; c < NCALL_BUCKETS; c++)
            if (sh->died_in[c])
                n += snprintf(line + n, sizeof(line) - (size_t)n, " %u (%lu)", c,
                              (unsigned long)sh->died_in[c]);
        printf("%s\n", line);
    }
    for (unsigned c = 0; c < NCALL_BUCKETS; c++) {
        char line[160];
        int n = snprintf(line, sizeof(line), "hostile: call %2u%s:", c, c == 47 ? "+" : " ");
        for (unsigned e = 0; e < NRESULTS; e++)
            if (sh->seen[c][e]) {
                char name[16];
                if (e == NRESULTS - 1)
                    snprintf(name, sizeof(name), "other");
                else if (e == RESULT_REDIRECTED)
                    snprintf(name, sizeof(name), "redirected");
                else
                    snprintf(name, sizeof(name), "%d", -(int)e);
                n += snprintf(line + n, sizeof(line) - (size_t)n, " %s", name);
            }
        printf("%s\n", line);
    }
    for (unsigned c = 0; c < NCALL_BUCKETS; c++)
        if (sh->seen[c][NRESULTS - 1]) {
            printf("FAIL hostile: call %u returned %ld, not an error code\n", c,
                   (long)sh->other_result);
            fails++;
            break;
        }

    struct tally mt = {0};
    t0 = now_ns();
    supervise(map_worker, target_maps / 2 + 1, maps_done, 2, &mt);
    printf("hostile: mappings: %lu native map/unmap/protect (%lu succeeded, %lu checked by "
           "touching), %lu Linux mmap/munmap/mprotect (%lu succeeded) in %lu ms; %lu workers "
           "died by their own mappings\n",
           (unsigned long)sh->map_ops, (unsigned long)sh->map_ok, (unsigned long)sh->map_checked,
           (unsigned long)sh->lx_ops, (unsigned long)sh->lx_ok,
           (unsigned long)((now_ns() - t0) / 1000000),
           (unsigned long)(mt.exited + mt.signalled - mt.finished - mt.stuck));
    if (sh->map_fail) {
        printf("FAIL hostile: mapping: %s\n", sh->map_fail_text);
        fails++;
    }

    uint64_t free_end = free_bytes();
    printf("%s hostile: every worker's objects were freed with it: sandbox memory free %lu "
           "bytes before the workers, %lu after\n",
           free_end == free_start ? "PASS" : "FAIL", (unsigned long)free_start,
           (unsigned long)free_end);
    fails += free_end != free_start;

    fails += fork_bomb();
    printf("hostile: done, %d failures\n", fails);
    sleep(3); /* the other sandbox's heartbeats go on meanwhile (the scenario's `order`) */
    return fails ? 1 : 0;
}
