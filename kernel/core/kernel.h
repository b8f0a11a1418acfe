/*
 * Kernel-internal declarations: objects, capability slots, threads, and the helpers
 * every object file uses.
 *
 * Ownership model: every object is made by a create call that puts its *original*
 * capability in a slot. Deleting the original destroys the object (after revoking the
 * copies derived from it). The object's memory stays until its reference count (caps
 * plus internal pointers such as mappings or a thread's fault endpoint) drops to zero;
 * then the bytes charged for it go back to its quota. Objects made without a
 * capability (pages copied by pd_copy_as) live by references alone.
 *
 * Concurrency: one CPU now; the kernel runs with interrupts disabled, so no locks.
 * Per-CPU state lives in struct cpu so that SMP can come later.
 */
#ifndef CAPIX_KERNEL_H
#define CAPIX_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <capix/abi.h>

#define KERNEL_VMA 0xffffffff80000000ul
#define DIRECT_MAP 0xffff800000000000ul
#define PAGE_SIZE 4096ul
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The one range check of the kernel: true when [base, base + len) lies inside
 * [lo, hi), computed without overflow (base + len is never formed). Every check of a
 * base/count, offset/length or address/size argument goes through it or through
 * range_ok in pd.c, which uses it (docs/kernel-abi.md, "Range checks").
 */
static inline bool range_within(uint64_t base, uint64_t len, uint64_t lo, uint64_t hi)
{
    return lo <= hi && base >= lo && base <= hi && len <= hi - base;
}
#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))
#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))

static inline void *phys_to_virt(uint64_t pa)
{
    return (void *)(pa + DIRECT_MAP);
}
static inline uint64_t virt_to_phys(const void *va)
{
    uint64_t v = (uint64_t)va;
    return v >= KERNEL_VMA ? v - KERNEL_VMA : v - DIRECT_MAP;
}

/* ---- console and panic (printk.c) ---- */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, size_t n);
#define KASSERT(c)                                                                                 \
    do {                                                                                           \
        if (!(c))                                                                                  \
            panic("assertion '%s' failed at %s:%d", #c, __FILE__, __LINE__);                       \
    } while (0)

#include <string.h> /* lib/include/freestanding, implemented by lib/capix/string.c */

/* ---- physical frames (pmem.c) and kernel heap (kheap.c) ---- */
struct quota;
void pmem_add_range(uint64_t start, uint64_t end);
void pmem_add_pt_range(uint64_t start, uint64_t end);
uint64_t pmem_alloc(void);                  /* zeroed frame or 0 */
uint64_t pmem_alloc_copy(uint64_t src);     /* a copy of frame src (never zeroed first) or 0 */
uint64_t pmem_alloc_head(uint64_t bytes);   /* only the first bytes zeroed (kernel tables) */
uint64_t pmem_alloc_contig(uint64_t pages); /* zeroed contiguous frames, or 0 */
void pmem_free(uint64_t pa);
uint64_t pmem_alloc_pt(void); /* zeroed frame for a page table, or 0 */
void pmem_free_pt(uint64_t pa);
uint64_t pmem_free_count(void);
/* Zeroed; size <= PAGE_SIZE; from q's own heap pages, which are charged to q (NULL: the
 * kernel's, charged to nobody). NULL with *err NO_QUOTA or NO_MEMORY. */
void *kmalloc(struct quota *q, size_t size, int *err);
void kfree(struct quota *q, void *p, size_t size); /* q and size as given to kmalloc */
void kheap_init(uint64_t max_phys); /* the heap's per-frame counters, for all of RAM */
#define KHEAP_SLAB_CLASSES 7        /* 32 .. 2048 bytes; a page-sized block is a page of its own */

/* ---- objects ---- */
struct quota;
struct kobj {
    uint8_t type;
    bool dead;     /* destroyed: only the memory is left until refs drop */
    uint32_t refs; /* capabilities + internal references */
    uint8_t work;  /* KOBJ_WORK_*: what the kernel's work list will do with it */
    uint16_t size; /* bytes allocated for it (kfree takes them back) */
    struct kobj *work_next;
    struct quota *quota;
    uint64_t charge; /* bytes charged to quota for this object */
};

struct quota {
    struct kobj obj;
    uint64_t limit, used;
    struct quota *parent;            /* limit is charged there */
    struct quota *group;             /* the split of the root it comes from: its scheduling group */
    void *heap[KHEAP_SLAB_CLASSES];  /* free blocks of its own heap pages (kheap.c) */
    void *carve[KHEAP_SLAB_CLASSES]; /* the next block never handed out of a class's newest page */
};

/* A link of the derivation tree's rings (cap.c): both NULL when the ring is empty. */
struct cap_link {
    struct cap_link *next, *prev;
};

/* A capability slot. Derivation tree (CDT, cap.c): a slot's children form a ring through
 * their sib links and its kids link (the head); the parent is the owner of the head. */
struct cap {
    struct kobj *obj;
    uint8_t rights;
    uint8_t flags; /* CX_CAPF_ORIGINAL */
    uint64_t badge;
    struct cap_link sib;  /* in the parent's ring of children; NULL: no parent */
    struct cap_link kids; /* head of the ring of its children; NULL: none */
    struct notif *watch;  /* signalled when the last derived copy goes */
    uint64_t watch_bits;
};

#define CSPACE_CHUNK ((uint32_t)(PAGE_SIZE / sizeof(struct cap)))
/* the array of chunk pointers is one kmalloc block (at most a page): 28,672 slots */
#define CSPACE_MAX_SLOTS ((uint32_t)(PAGE_SIZE / sizeof(struct cap *)) * CSPACE_CHUNK)
struct region;
struct thread;
struct rq_node;
struct pd {
    struct kobj obj;
    struct cap **chunks; /* nslots / CSPACE_CHUNK arrays of slots (NULL: none used yet) */
    uint32_t nslots;
    uint64_t pml4;          /* physical */
    uint64_t pt_pages;      /* page-table pages charged to obj.quota */
    struct region *regions; /* sorted by address */
    struct region *regions_tail;
    uint32_t nregions; /* at most PD_MAX_REGIONS */
    struct thread *threads;
    bool posix;
    bool stopped;
    uint8_t td_step;      /* pd_teardown: how far it got (a destroy may take several calls) */
    uint32_t td_slot;     /* cspace_teardown: the next slot to delete */
    struct pd_copy *copy; /* pd_copy_as into this domain under way (restarted) */
    uint64_t rt_entry, rt_lo, rt_hi;
    uint64_t rt_sysentry, rt_sysret; /* the direct entry and return (0: none) */
};

struct mem {
    struct kobj obj;
    bool device; /* frames are device registers: mapped uncached, never freed or read */
    bool pinned; /* its frames never change (a device reads them, or they are not RAM's):
                    never shared copy-on-write */
    uint64_t pages;
    uint64_t **dir; /* dir[i][j]: frame of page i*512+j, 0 until first touch */
    struct region *mappings;
    uint32_t nmappings;
    uint64_t free_dir; /* mem_free_some: the next directory page to free */
};

struct region {
    uint64_t va, pages, offset; /* offset in pages into mem */
    uint8_t flags;              /* CX_MAP_* */
    uint8_t maxflags;           /* what the capability allowed when mapped */
    struct mem *mem;
    struct pd *pd;
    struct region *next, *prev;         /* in pd->regions */
    struct region *mem_next, *mem_prev; /* in mem->mappings */
};
/* Regions per domain: bounds every walk of a domain's region list (Linux's
 * vm.max_map_count is 65,530). */
#define PD_MAX_REGIONS 65536u

/* Saved user registers, in the order the entry code pushes them. */
struct frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};
#define VEC_SYSCALL 0x100 /* frame.vector of a frame saved by the syscall entry */

enum thread_state {
    TS_INACTIVE, /* made, not started, or suspended */
    TS_READY,    /* in a run queue or running */
    TS_BLOCKED,  /* waiting: see wait_kind */
    TS_DEAD,     /* its domain is gone */
};
enum wait_kind { W_NONE, W_SEND, W_RECV, W_REPLY, W_NOTIF, W_FAULT, W_FUTEX };

struct thread {
    struct kobj obj;
    struct frame frame __attribute__((aligned(16))); /* end must be 16-aligned: the CPU
                                                         aligns RSP0 before pushing */
    uint8_t fx[512] __attribute__((aligned(16)));
    uint64_t fs_base, gs_base;
    struct pd *pd;
    struct thread *pd_next;
    uint8_t prio;
    uint8_t state;
    uint8_t wait;
    bool suspended;    /* resumes to TS_INACTIVE instead of running */
    bool parked;       /* held back because its domain is stopped */
    bool faulting;     /* its pending message is fault_msg, not a call */
    bool fault_logged; /* its fault without a handler was logged (once per thread) */
    bool send_grant;   /* the queued call may carry capabilities */
    uint64_t send_badge;
    uint64_t fault_msg[CX_FW_COUNT];
    int32_t slice;
    struct rq_node *rq;           /* its group's run queue while ready (sched.c) */
    struct thread *qnext, *qprev; /* run queue, wait queue or futex bucket */
    void *waiting_on;             /* ep, notif or mem (W_FUTEX) of W_* */
    uint64_t futex_off;           /* W_FUTEX: byte offset of the word in waiting_on */
    uint64_t deadline;            /* tsc; 0 = none */
    uint64_t call_timeout;        /* ns an ipc_call may wait (CX_TCFG_CALL_TIMEOUT) */
    struct thread *tnext;         /* timeout list */
    struct thread *caller;        /* whose call this thread must answer */
    struct thread *callee;        /* thread holding our pending call (W_REPLY) */
    struct ep *fault_ep;
    uint64_t fault_badge;
    uint64_t ipcbuf;
    /* POSIX reflection */
    uint64_t rt_stack;
    uint64_t cpu_tsc; /* TSC ticks it has run (user and kernel on its behalf) */
    /* timer ticks that found it in user mode: in its POSIX runtime (Linux's system
     * time) or not; they split cpu_tsc (sched.c, thread_sys_tsc) */
    uint32_t ticks_sys, ticks_user;
    bool in_runtime; /* read through thread_in_runtime: the runtime may leave by itself */
    bool finishing;  /* its call waits for the kernel's work list (syscall.c) */
    long finish_rax; /* and returns this then */
    bool redirect_pending;
    struct frame lx_saved;
    uint64_t id;
};

struct ep {
    struct kobj obj;
    struct thread *send_head, *send_tail; /* callers waiting for a receiver */
    struct thread *recv_head, *recv_tail; /* receivers waiting for a caller */
};

struct notif {
    struct kobj obj;
    uint64_t word;
    struct thread *wait_head, *wait_tail;
};

struct irq {
    struct kobj obj;
    uint32_t gsi;
    struct notif *notif;
    uint64_t bits;
};

struct io {
    struct kobj obj;
    uint32_t base, count;
};

/* Device memory: the physical range [base, base + size) (page aligned), which dev_mem
 * may map where no RAM lies, and whose holder may make DMA memory (dma_create). */
struct device {
    struct kobj obj;
    uint64_t base, size;
};

struct log {
    struct kobj obj;
    char label[32];
    char line[200];
    uint32_t len;
};

/* object.c */
void *kobj_alloc(struct quota *q, uint8_t type, size_t size, int *err);
void kobj_get(struct kobj *o);
void kobj_put(struct kobj *o);
void kobj_destroy(struct kobj *o); /* make dead; object-specific teardown */
/* The work list (object.c): destroys and frees left for later. kobj_work drains about
 * budget units (a slot, a thread, a mapping, a frame freed, 64 page-table entries
 * cleared) and says whether it is empty. */
#define KOBJ_WORK_BATCH 1024u
bool kobj_work(uint64_t budget);
/* Read on every system call, so inline: the list's head, and how many objects were
 * ever put on it. */
extern struct kobj *kobj_work_head;
extern uint64_t kobj_work_pushed;
static inline bool kobj_work_pending(void)
{
    return kobj_work_head != NULL;
}
static inline uint64_t kobj_work_pushes(void)
{
    return kobj_work_pushed;
}

/* quota.c */
int quota_charge(struct quota *q, uint64_t bytes);
void quota_uncharge(struct quota *q, uint64_t bytes);
struct quota *quota_root_create(uint64_t bytes);
void quota_teardown(struct quota *q);
void quota_release(struct quota *q);

/* cap.c */
struct cap *cap_lookup(struct pd *pd, uint64_t slot, int *err);
struct cap *cap_get(struct pd *pd, uint64_t slot, uint8_t type, uint8_t rights, int *err);
struct cap *cap_empty_slot(struct pd *pd, uint64_t slot, int *err);
void cap_install_original(struct cap *slot, struct kobj *obj, uint8_t rights);
int cap_derive(struct cap *src, struct cap *dst, uint8_t rights, uint64_t badge);
void cap_delete_slot(struct cap *c);
void cap_revoke_slot(struct cap *c);
/* Deletes at most max of c's descendants; true when none is left. */
bool cap_revoke_some(struct cap *c, unsigned max);
/* Descendants a cap_revoke or cap_delete call deletes before it lets interrupts in
 * (syscall.c: the call is restarted from user mode until it is done). */
#define CAP_REVOKE_BATCH 1024u
void cap_move_slot(struct cap *src, struct cap *dst); /* dst empty; keeps the place in the CDT */
static inline bool cap_has_children(const struct cap *c)
{
    return c->kids.next != NULL;
}
int cspace_init(struct pd *pd, uint32_t nslots);
/* Deletes slots from pd->td_slot on, within the budget; true when all are gone. */
bool cspace_teardown(struct pd *pd, uint64_t *budget);

/* pd.c, paging (arch) */
struct pd *pd_create_kernel(struct quota *q, uint32_t nslots, int *err);
/* Releases what pd holds, within the budget; false when not done (it goes on where it
 * stopped at the next call). */
bool pd_teardown(struct pd *pd, uint64_t *budget);
int pd_map(struct pd *pd, struct mem *m, uint64_t off, uint64_t va, uint64_t pages, uint8_t flags,
           uint8_t maxflags);
int pd_unmap(struct pd *pd, uint64_t va, uint64_t pages);
int pd_protect(struct pd *pd, uint64_t va, uint64_t pages, uint8_t flags);
/* Copies src's regions in [lo, hi) into dst (empty) for a fork: at most PD_COPY_BATCH
 * pages a call; CX_E_RESTART when the caller must call again with the same arguments
 * (dst keeps its place), 0 when done. hot: CX_COPY_HOT (pd.c, copy_hot). */
int pd_copy_as(struct pd *src, struct pd *dst, uint64_t lo, uint64_t hi, bool hot);
#define PD_COPY_BATCH 4096u /* units: a page looked at; a page copied is 16 */
#define CX_E_RESTART 1      /* kernel-internal: not an error code of the ABI */
void pd_copy_abandon(struct pd *dst);
int pd_handle_fault(struct pd *pd, uint64_t addr, uint64_t error);
int pd_resolve(struct pd *pd, uint64_t va, struct mem **m, uint64_t *byte_off);
void region_remove(struct region *r); /* unmaps and frees one region; drops its mem ref */
void region_drop(struct region *r);   /* frees one region, its entries left (a dying pd) */
void pd_stop(struct pd *pd, bool stop);
int uaccess_copy_in(struct pd *pd, void *dst, uint64_t uaddr, size_t len);
int uaccess_copy_out(struct pd *pd, uint64_t uaddr, const void *src, size_t len);
int pd_resident(struct pd *pd, uint64_t va, uint64_t pages, uint8_t *out);
int uaccess_phys(struct pd *pd, uint64_t uaddr, bool write, uint64_t *pa);

/* A region flag of the kernel's own (never in a call): the mapping is of device
 * registers, uncached, and uaccess never touches it. */
#define MAP_DEVICE 0x80

/* pd_copy_as shares frames copy-on-write only from objects mapped at most this often
 * (a copy-on-write fault updates every mapping of the object: bounded work). */
#define MEM_COW_MAPPINGS 8

/* mem.c */
struct mem *mem_create_kernel(struct quota *q, uint64_t pages, int *err);
struct mem *mem_create_device(struct quota *q, uint64_t phys, uint64_t pages, int *err);
struct mem *mem_create_dma(struct quota *q, uint64_t pages, uint64_t *phys, int *err);
/* Copy-on-write (mem.c): a frame shared by several memory objects is mapped read-only;
 * the first write makes the writer's object a copy of its own. */
bool mem_frame_shared(uint64_t pa);
bool mem_share_frame(struct mem *dst, uint64_t page, uint64_t pa); /* false: copy it */
/* Pages [off, off + pages) of src into dst from dst_off: frames shared (cow) or copied;
 * *copied counts the frames copied, *same says none was. */
int mem_copy_pages(struct mem *dst, uint64_t dst_off, struct mem *src, uint64_t off, uint64_t pages,
                   bool cow, bool *same, uint64_t *copied);
uint64_t mem_unshare(struct mem *m, uint64_t page); /* the page's own frame, or 0 */
#define KHEAP_MAX_FRAMES ((16ul << 30) / PAGE_SIZE) /* the direct map's limit (paging.c) */
#define KHEAP_COUNTS_PER_PAGE (PAGE_SIZE / sizeof(uint16_t))
extern uint16_t *kheap_counts[KHEAP_MAX_FRAMES / KHEAP_COUNTS_PER_PAGE]; /* kheap.c */
/* The counter of the frame at pa (kheap.c's table): a heap frame's blocks in use, or for
 * the frames of memory objects, which are never heap frames at the same time, the
 * further objects that share the frame (copy-on-write, mem.c). A free frame's counter
 * is 0. NULL beyond the table. */
static inline uint16_t *frame_counter(uint64_t pa)
{
    uint64_t fn = pa / PAGE_SIZE;
    if (fn >= KHEAP_MAX_FRAMES || !kheap_counts[fn / KHEAP_COUNTS_PER_PAGE])
        return NULL;
    return &kheap_counts[fn / KHEAP_COUNTS_PER_PAGE][fn % KHEAP_COUNTS_PER_PAGE];
}
uint64_t mem_frame(struct mem *m, uint64_t page, bool alloc);
void mem_set_frame(struct mem *m, uint64_t page, uint64_t pa);
bool mem_teardown(struct mem *m, uint64_t *budget);  /* unmaps it everywhere: true when done */
bool mem_free_some(struct mem *m, uint64_t *budget); /* frees its frames: true when done */
void mem_free(struct mem *m);                        /* all of them at once (a failed create) */

/* arch paging.c */
uint64_t pt_new_root(void);
/* Makes the upper tables over [va, end) and charges the last-level ones to q (made at
 * their first entry), adding the pages taken to *count: 0 or the error (what was taken
 * before it stays counted). */
int pt_ensure(uint64_t root, uint64_t va, uint64_t end, struct quota *q, uint64_t *count);
/* 0, or CX_E_NO_MEMORY when va's table, charged but not made yet, finds no frame. */
int pt_set(uint64_t root, uint64_t va, uint64_t pa, uint8_t flags);
void pt_clear(uint64_t root, uint64_t va);
/* Range forms, each one walk per last-level table, skipping absent tables whole, and
 * one TLB flush (per page for a few changed entries, else all) when root is current:
 * pt_set_range sets the entries of [va, va + pages * 4096) to frame(arg, i) with
 * flags_of(arg, frame), or clears those whose frame is 0 (a frame needs its table:
 * pt_ensure); pt_clear_range clears them and returns how many were present;
 * pt_protect_range makes the present ones read-only; pt_copy_range copies src's present
 * entries into dst's (empty, with its tables made), read-only if asked. */
void pt_set_range(uint64_t root, uint64_t va, uint64_t pages, uint64_t (*frame)(void *, uint64_t),
                  void *arg, uint8_t (*flags_of)(void *, uint64_t));
uint64_t pt_clear_range(uint64_t root, uint64_t va, uint64_t pages);
void pt_protect_range(uint64_t root, uint64_t va, uint64_t pages);
void pt_copy_range(uint64_t src, uint64_t dst, uint64_t va, uint64_t pages, bool readonly);
/* The pages of [va, va + pages * 4096) whose present entries say they were written since
 * (the dirty bit), at most max of them, as indexes from va into out; their dirty bits
 * are cleared. root must not be the running address space. */
unsigned pt_take_dirty(uint64_t root, uint64_t va, uint64_t pages, uint64_t *out, unsigned max);
uint64_t pt_lookup(uint64_t root, uint64_t va, uint64_t *pte_flags);
uint64_t pt_free_user(uint64_t root);
void pt_activate(uint64_t root);
void pt_flush(uint64_t va);
uint64_t kernel_pml4(void);
void *kmap_mmio(uint64_t pa, size_t size);
void *kmap_guarded(void *base, size_t size);
void paging_init(uint64_t max_phys);

/* main.c: true when [base, base + size) holds no RAM, firmware or kernel device */
bool phys_is_device(uint64_t base, uint64_t size);

/* boot.c: what the loader handed over (docs/boot.md) */
#include "bootinfo.h"
void boot_read(uint64_t info_pa, uint64_t kind, struct boot_desc *bd);
void boot_log(const struct boot_desc *bd);

/* thread.c */
struct thread *thread_create_kernel(struct quota *q, struct pd *pd, uint8_t prio, int *err);
void thread_teardown(struct thread *t);
void thread_kill(struct thread *t);
void thread_set_ready(struct thread *t);
void thread_block(struct thread *t, uint8_t wait, void *on, uint64_t timeout_ns);
uint64_t deadline_after(uint64_t timeout_ns);
void thread_unblock(struct thread *t, long result);
void thread_abort_wait(struct thread *t, long result);
int regs_validate(const struct cx_regs *r);
void frame_from_regs(struct frame *f, const struct cx_regs *r);
void frame_to_regs(const struct frame *f, struct cx_regs *r);
void fx_sanitize(uint8_t *fx);
void fpu_sync(struct thread *t);
void posix_reflect(struct thread *t, uint64_t reason, uint64_t a, uint64_t b, uint64_t c);
bool syscall_reflect_now(struct thread *t); /* a program's Linux call, reflected: go back now */
bool thread_in_runtime(struct thread *t);
bool rip_in_runtime(const struct pd *pd, uint64_t rip);

/* sched.c */
void sched_init(void);
void sched_enqueue(struct thread *t);
void sched_dequeue(struct thread *t);
void sched_tick(bool from_user);
void sched_yield(struct thread *t); /* to the tail of its group, its group to the tail */
_Noreturn void sched_return(void);
uint64_t sched_changes(void); /* how many times the run queues changed */
_Noreturn void sched_return_same(struct thread *t, uint64_t changes); /* a call's end */
struct cpu;
void acct_flush(struct cpu *c); /* CPU time since the last flush to the running thread */
uint64_t thread_sys_tsc(const struct thread *t); /* of its cpu_tsc, the system time */
void timeout_add(struct thread *t, uint64_t deadline);
void timeout_remove(struct thread *t);
void timeout_check(uint64_t now);

/* ipc.c, notif.c */
void ep_teardown(struct ep *ep);
void notif_teardown(struct notif *n);
void notif_signal_bits(struct notif *n, uint64_t bits);
void ipc_cancel(struct thread *t);
void fault_deliver(struct thread *t, uint64_t vector, uint64_t error, uint64_t addr);

/* futex.c: wait queues keyed by (memory object, byte offset) */
long futex_do_wait(struct thread *t, struct mem *m, uint64_t off, uint32_t expected,
                   uint64_t timeout_ns);
uint64_t futex_do_wake(struct mem *m, uint64_t off, uint64_t count);
void futex_cancel(struct thread *t);
void futex_mem_gone(struct mem *m);

/* irq.c */
void irq_dispatch(uint32_t gsi);
void irq_teardown(struct irq *irq);

/* log.c */
struct log *log_root(void);

/* syscall.c */
void syscall_dispatch(struct thread *t);
/* Completes x's call if it waits for the work list (its result in rax, rip past its
 * `syscall`): before anyone looks at, stops or moves x. Inline: the reflection of every
 * Linux call passes here. */
void syscall_finish_complete(struct thread *x);
static inline void syscall_finish_now(struct thread *x)
{
    if (__builtin_expect(x->finishing, 0))
        syscall_finish_complete(x);
}

/* time (arch apic.c) */
uint64_t rdtsc(void);
extern uint64_t tsc_hz;
uint64_t ns_to_tsc(uint64_t ns);
uint64_t tsc_to_ns(uint64_t tsc);

/* per-CPU state. Offsets used by entry.S are checked in cpu.c. */
struct cpu {
    struct cpu *self;       /* 0 */
    uint64_t kstack_top;    /* 8 */
    uint64_t frame_end;     /* 16: end of current thread's struct frame */
    uint64_t user_rsp;      /* 24: scratch for the syscall entry */
    struct thread *current; /* 32 */
    struct thread *fpu_owner;
    uint64_t cur_root; /* page-table root loaded in CR3 */
    uint64_t fs_loaded;
    uint64_t ticks;
    uint32_t id;
    struct thread *acct; /* the thread whose CPU time runs since acct_since (tsc) */
    uint64_t acct_since;
};
extern struct cpu cpu0;
static inline struct cpu *this_cpu(void)
{
    return &cpu0;
}
static inline struct thread *current_thread(void)
{
    return this_cpu()->current;
}

/* kernel-wide counters for the test scenario */
extern uint64_t kernel_next_thread_id;

/* Used across files: the system calls' halves in ipc.c and devices.c, and what the
 * entry code (boot.S, entry.S) calls. */
long ipc_do_call(struct thread *t, struct cap *c);
long ipc_do_recv(struct thread *t, struct cap *c, uint64_t timeout_ns, bool reply, uint64_t tag);
long notif_do_wait(struct thread *t, struct notif *n, uint64_t timeout_ns);
long irq_do_create(struct quota *q, uint64_t gsi, uint64_t mode, struct cap *dst);
long irq_do_bind(struct irq *irq, struct notif *n, uint64_t bits);
long irq_do_ack(struct irq *irq);
long io_access(struct io *io, uint64_t port, uint64_t width, bool out, uint64_t *value);
void log_put(struct log *l, const char *s, size_t n);
void kmain(uint64_t info_phys, uint64_t kind);
void interrupt_entry_c(struct frame *f);
void syscall_entry_c(void);

#endif
