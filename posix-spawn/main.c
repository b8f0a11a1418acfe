/*
 * posix-spawn, the POSIX launcher: owns a sandbox's processes. It starts the first one
 * (a new protection domain with the capix runtime, the boot archive and the component's
 * config mapped in; the runtime builds the process's VFS from the config and loads the
 * program from it, docs/runtime.md) and keeps the process table: pids, parents, fork
 * (an eager copy of the address space, pd_copy_as), exit, wait and the zombies in
 * between. It is every process's fault handler and parent endpoint: requests arrive on
 * one endpoint, badged with the pid. All processes of the sandbox draw on one quota.
 * Its own exit status is the first process's (128 + N when killed by signal N); when
 * that process ends, the sandbox ends.
 *
 * Arguments: [--trace] [PROGRAM [ARGS...]]: PROGRAM is a path in the process's VFS
 * (the config's `argv` gives it otherwise).
 */
#include <capix/capix.h>
#include <capix/elf.h>
#include <capix/fs_protocol.h>
#include <capix/tar.h>
#include <capix/term_protocol.h>
#include <string.h>
#include "layout.h"
#include "programs.h"
#include "sigqueue.h"

#define ARCHIVE_VA 0x10000000ul
#define SCRATCH 0x40000000ul
#define PROC_SLOTS 1024
#define MAX_PROCS RT_MAX_PROCS
#define RESERVE (512ul << 10)                          /* quota the launcher keeps for itself */
#define LAUNCHER_CALL_TIMEOUT_NS (10ul * 1000000000ul) /* twice init's for a provider */
#define NOTIF_SLOT (CX_SLOT_FIRST_FREE + 4) /* in each process: its child-event notification */
#define SIGPAGES_VA 0x50000000ul            /* every process's signal page, mapped here */

struct image {
    const char *name;
    const void *data;
    size_t size;
    struct elf_info elf;
};

enum proc_state { P_FREE, P_RUNNING, P_ZOMBIE };

struct proc {
    enum proc_state state;
    int pid, ppid, pgid, sid;
    int wait_status;                       /* zombies: Linux wait status */
    uint64_t cpu_ns, sys_ns;               /* zombies: CPU and system time, its reaped
                                              children's too */
    uint64_t pd, thread, parent_ep, notif; /* originals held by the launcher */
    uint64_t view_patched;                 /* the view page patch_gone_view mapped last */
    uint64_t info_mem;                     /* its rt_info page */
    struct rt_sigpage *sig;                /* its signal page, mapped here too */
    int stop_sig;                          /* stopped by this signal (0: running) */
    bool stop_report, cont_report;         /* for wait4 with WUNTRACED, WCONTINUED */
    bool nocldwait;                        /* its children leave no zombies */
    bool no_ctty;                          /* left its session's terminal (TIOCNOTTY) */
    bool narrowed;                         /* a program rule bounds it (programs.h) */
    bool exit_reported; /* its runtime ended it (descriptors closed, record locks gone) */
    bool no_archive;    /* narrowed without the boot archive */
    uint64_t labels;    /* narrowed: the session labels it may hold */
    uint64_t mems[8];
    unsigned nmems;
    uint64_t sig_mem;  /* its signal page */
    struct proc *host; /* a vfork child without a domain yet: the process it runs in */
    uint64_t host_ep;  /* its badged endpoint in the host (the host's runtime deletes it) */
    bool vfork_ready;  /* a vfork child's new domain holds its references (VFORK_READY) */
    uint64_t start_ns; /* when it was made (since boot), for /proc */
    char comm[16];     /* what its runtime said at its last exec (RT_PROC_SET), cut */
    char cmd[RT_PROC_CMD_MAX];
    uint32_t cmd_len;
};

static struct image runtime, vdso;
static const char *prog_name = "(from config)";
static struct proc procs[MAX_PROCS];
static uint64_t quota, log_cap, ep;
static int next_pid = 1;
static uint64_t archive_pages;   /* the boot archive's size in pages */
static int sandbox_status = -1;  /* set when pid 1 has ended: the sandbox ends */
static struct rt_info base_info; /* what every process's rt_info starts from */
static uint64_t io_src[4];       /* the launcher's slots of base_info.io[] */
static struct tar_entry entry;

/*
 * Objects shared between processes (pipe buffers and their notifications): the
 * launcher makes them and holds the originals; each holder has copies at the same
 * slots, which a fork child gets too (it holds what its parent held). An object goes
 * when its last holder drops it or ends.
 */
#define MAX_SHARED 256
struct shared {
    bool used;
    uint64_t mem, notif;           /* originals (a session: its memory and endpoint) */
    uint64_t quota;                /* a session: the quota donated to its server */
    uint64_t slot_mem, slot_notif; /* where every holder has its copies */
    uint64_t notif2, slot_notif2;  /* a terminal: the input notification (wait rights) */
    bool pinned;                   /* a terminal: kept for the sandbox's life */
    bool fs;                       /* a session of the File_system service */
    bool silent;                   /* its server did not answer sessions_unlock's call */
    bool grant;                    /* a Net session: its endpoint may carry a capability */
                                   /* (NET_LABEL_BIND hands the server a notification) */
    int label;                     /* a session: programs_label_index of its label */
    unsigned fifo;                 /* a FIFO's pipe: its entry in fifos (mem, notif derived) */
    uint64_t holders[MAX_PROCS / 64];
};
static struct shared shared[MAX_SHARED];

/*
 * Named pipes (RT_LABEL_FIFO): the rendezvous of processes that open the same FIFO file
 * without having inherited anything. The pipe (buffer and notification, the originals
 * here) is found by the file's identity as the runtime names it, (st_dev, st_ino), and
 * the tree the process runs in (a program rule's processes never meet the others'). Each
 * process that asks gets a shared entry of its own (copies at its own slots, derived
 * from the originals, inherited by its fork children as any pipe); the pipe goes when
 * the last such entry does. The runtime is trusted with the identity only as far as the
 * sandbox goes: a process could name another FIFO of its own sandbox's tree.
 *
 * AF_UNIX sockets (RT_LABEL_UNIX, libc/unix.c, docs/unix-sockets.md) use the same table
 * with kind 1: the key is a name the runtimes agree on (a bound socket's, or one
 * connection's), the object the same pipe-sized area, whose first page the runtime lays
 * out like a pipe's header (so pipes_forget takes a dead process's ends out of it too).
 */
#define MAX_FIFOS 256 /* FIFOs and AF_UNIX objects: at most one per shared entry */
struct fifo {
    unsigned entries; /* shared entries derived from it (0: free) */
    uint64_t kind;    /* 0 a FIFO (RT_LABEL_FIFO), 1 an AF_UNIX object (RT_LABEL_UNIX) */
    uint64_t dev, ino, tree;
    uint64_t mem, notif;
};
static struct fifo fifos[MAX_FIFOS];

static void send_signal(struct proc *pr, int sig, int code, int pid, int status);
static long request_session(const uint64_t *words, uint64_t bytes, struct shared *sh);

/* The priority of every thread of this sandbox's processes: one below the launcher's
 * own (the component's `priority`), so that no process of the sandbox, however many
 * threads it spins, delays the launcher, init or a server at the launcher's priority,
 * and a sandbox configured lower cannot delay one configured higher (docs/sandboxes.md,
 * "CPU"). */
static uint64_t process_priority(void)
{
    uint64_t p = cx_start_info ? cx_start_info->priority : 0;
    return p ? p - 1 : 0;
}

static struct proc *find_proc(int pid)
{
    for (int i = 0; i < MAX_PROCS; i++)
        if (procs[i].state != P_FREE && procs[i].pid == pid)
            return &procs[i];
    return NULL;
}

static int find_image(struct image *im, const char *name)
{
    const void *archive = (const void *)ARCHIVE_VA;
    int err = tar_find(archive, cx_named_value("archive"), name, &entry);
    if (err) {
        cx_printf("posix-spawn: %s: %s\n", name, tar_strerror(err));
        return -1;
    }
    im->name = name;
    im->data = entry.data;
    im->size = entry.size;
    err = elf_parse(im->data, im->size, &im->elf);
    if (err) {
        cx_printf("posix-spawn: %s: not an executable: %s\n", name, elf_strerror(err));
        return -1;
    }
    if (im->elf.interp && im != &vdso) {
        cx_printf("posix-spawn: %s: dynamically linked (interpreter %s): only static "
                  "programs run\n",
                  name, im->elf.interp);
        return -1;
    }
    return 0;
}

/* A new memory object of pages in the sandbox's quota, owned by pr (deleted with it), or
 * by the launcher for its whole life when pr is NULL (objects every process shares). */
static long new_mem(struct proc *pr, uint64_t pages, uint64_t *slot)
{
    if (pr && pr->nmems == sizeof(pr->mems) / sizeof(pr->mems[0]))
        return CX_E_INVALID_ARG;
    *slot = cx_slot_alloc();
    long err = cx_mem_create(quota, pages, *slot);
    if (err)
        return err;
    if (pr)
        pr->mems[pr->nmems++] = *slot;
    return 0;
}

static uint64_t seg_flags(uint32_t f)
{
    return CX_MAP_R | (f & ELF_PF_W ? CX_MAP_W : 0) | (f & ELF_PF_X ? CX_MAP_X : 0);
}

/*
 * Loads an image: one memory object spans all its PT_LOAD pages (segments may share a
 * page); each page is mapped with the union of the flags of the segments on it.
 */
static long load_image(struct proc *pr, const struct image *im, uint64_t bias, uint64_t mask,
                       uint64_t extra)
{
    uint64_t lo = im->elf.load_min & ~(CX_PAGE_SIZE - 1);
    uint64_t pages = (im->elf.load_max - lo + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
    uint64_t m;
    long err = new_mem(extra & CX_MAP_SHARE ? NULL : pr, pages, &m);
    if (!err)
        err = cx_map(CX_SLOT_SELF_PD, m, 0, SCRATCH, pages, CX_MAP_R | CX_MAP_W);
    if (err)
        return err;
    struct elf_segment seg;
    for (unsigned i = 0; elf_load_segment(&im->elf, i, &seg) == 0; i++)
        memcpy((char *)SCRATCH + (seg.vaddr - lo), (const char *)im->data + seg.offset, seg.filesz);
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, pages);
    uint64_t run_start = 0, run_flags = 0;
    for (uint64_t pg = 0; pg <= pages; pg++) {
        uint64_t f = 0;
        if (pg < pages) {
            uint64_t va = lo + pg * CX_PAGE_SIZE; /* before the bias */
            for (unsigned i = 0; elf_load_segment(&im->elf, i, &seg) == 0; i++)
                if (seg.vaddr < va + CX_PAGE_SIZE && va < seg.vaddr + seg.memsz)
                    f |= seg_flags(seg.flags) & mask;
        }
        if (pg == pages || f != run_flags) {
            if (run_flags &&
                (err = cx_map(pr->pd, m, run_start, bias + lo + run_start * CX_PAGE_SIZE,
                              pg - run_start, run_flags | extra)))
                return err;
            run_start = pg;
            run_flags = f;
        }
    }
    return 0;
}

static uint64_t exec_range(const struct image *im, uint64_t *hi)
{
    struct elf_segment seg;
    for (unsigned i = 0; elf_load_segment(&im->elf, i, &seg) == 0; i++)
        if (seg.flags & ELF_PF_X) {
            *hi = seg.vaddr + seg.memsz;
            return seg.vaddr;
        }
    return *hi = 0;
}

/* Copies len bytes into a new memory object mapped read-only in pr at va (flags may add
 * CX_MAP_SHARE: then the object is the launcher's, shared by every fork). */
static long give_data(struct proc *pr, uint64_t va, const void *data, size_t len, uint64_t extra)
{
    uint64_t pages = (len + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE, m;
    if (!pages)
        pages = 1;
    long err = new_mem(extra & CX_MAP_SHARE ? NULL : pr, pages, &m);
    if (!err)
        err = cx_map(CX_SLOT_SELF_PD, m, 0, SCRATCH, pages, CX_MAP_R | CX_MAP_W);
    if (err)
        return err;
    memcpy((void *)SCRATCH, data, len);
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, pages);
    return cx_map(pr->pd, m, 0, va, pages, CX_MAP_R | extra);
}

static struct proc *new_proc(int ppid)
{
    if (next_pid >= 4194304) /* Linux's PID_MAX_LIMIT: /proc/sys/kernel/pid_max says so */
        return NULL;
    for (int i = 0; i < MAX_PROCS; i++) {
        if (procs[i].state == P_FREE) {
            struct proc *pr = &procs[i];
            memset(pr, 0, sizeof(*pr));
            pr->pid = next_pid++;
            pr->ppid = ppid;
            struct proc *parent = find_proc(ppid);
            pr->pgid = parent ? parent->pgid : pr->pid;
            pr->sid = parent ? parent->sid : pr->pid;
            if (parent) { /* a rule's bound holds for its descendants */
                pr->narrowed = parent->narrowed;
                pr->no_archive = parent->no_archive;
                pr->labels = parent->labels;
            }
            pr->state = P_RUNNING;
            pr->start_ns = cx_clock_ns();
            if (parent) { /* a fork child runs its parent's program */
                memcpy(pr->comm, parent->comm, sizeof(pr->comm));
                memcpy(pr->cmd, parent->cmd, sizeof(pr->cmd));
                pr->cmd_len = parent->cmd_len;
            }
            return pr;
        }
    }
    return NULL;
}

/* Gives up shared object sh: every copy the processes hold goes first (revoked: a
 * session's endpoint and memory are copies of the server's, and deleting a copy would
 * hand its children to the server's capability, live and untracked), then ours. */
static void shared_free(struct shared *sh)
{
    uint64_t *caps[] = {&sh->notif2, &sh->mem, &sh->notif}; /* notif, notif2: 0 if none */
    for (unsigned k = 0; k < 3; k++)
        if (*caps[k]) {
            cx_cap_revoke(*caps[k]);
            cx_cap_delete(*caps[k]);
            cx_slot_free(*caps[k]);
            *caps[k] = 0;
        }
    if (sh->quota) { /* the server's objects for the session go, the quota comes back */
        cx_cap_delete(sh->quota);
        cx_slot_free(sh->quota);
    }
    if (sh->fifo && --fifos[sh->fifo].entries == 0) { /* the last: the pipe goes */
        struct fifo *fi = &fifos[sh->fifo];
        cx_cap_delete(fi->mem), cx_slot_free(fi->mem);
        cx_cap_delete(fi->notif), cx_slot_free(fi->notif);
        memset(fi, 0, sizeof(*fi));
    }
    sh->used = false;
}

static bool shared_held(const struct shared *sh)
{
    for (unsigned i = 0; i < MAX_PROCS / 64; i++)
        if (sh->holders[i])
            return true;
    return false;
}

static bool holds(const struct shared *sh, const struct proc *pr)
{
    unsigned i = (unsigned)(pr - procs);
    return sh->holders[i / 64] & (1ul << (i % 64));
}

/* pr no longer holds object id (it deleted its copies, or it ended). */
static void shared_drop(struct proc *pr, uint64_t id)
{
    if (id >= MAX_SHARED || !shared[id].used)
        return;
    unsigned i = (unsigned)(pr - procs);
    shared[id].holders[i / 64] &= ~(1ul << (i % 64));
    if (!shared_held(&shared[id]) && !shared[id].pinned)
        shared_free(&shared[id]);
}

/* A new shared object of pages and its notification, copied to pr at the given slots;
 * returns its id or -errno. */
static long shared_new(struct proc *pr, uint64_t pages, uint64_t slot_mem, uint64_t slot_notif)
{
    uint64_t id = 1;
    while (id < MAX_SHARED && shared[id].used)
        id++;
    /* slot_notif 0: memory only (MAP_SHARED anonymous memory, any size up to 1 GiB) */
    bool pipe = slot_notif != 0;
    if (id == MAX_SHARED || !pages || pages > (pipe ? 64u : 1u << 18) || slot_mem == slot_notif ||
        slot_mem < CX_SLOT_FIRST_FREE || (pipe && slot_notif < CX_SLOT_FIRST_FREE) ||
        slot_mem >= PROC_SLOTS || slot_notif >= PROC_SLOTS)
        return id == MAX_SHARED ? -24 : -22; /* EMFILE, EINVAL */
    struct shared *sh = &shared[id];
    memset(sh, 0, sizeof(*sh));
    sh->mem = cx_slot_alloc(), sh->notif = pipe ? cx_slot_alloc() : 0;
    sh->slot_mem = slot_mem, sh->slot_notif = slot_notif;
    if (cx_mem_create(quota, pages, sh->mem) || (pipe && cx_notif_create(quota, sh->notif))) {
        shared_free(sh);
        return -12; /* ENOMEM */
    }
    sh->used = true;
    if (cx_cap_copy(sh->mem, pr->pd, slot_mem, CX_R_READ | CX_R_WRITE, 0) ||
        (pipe && cx_cap_copy(sh->notif, pr->pd, slot_notif, CX_R_ALL, 0))) {
        shared_free(sh);
        return -22;
    }
    unsigned i = (unsigned)(pr - procs);
    sh->holders[i / 64] |= 1ul << (i % 64);
    return (long)id;
}

/*
 * The pipe of the FIFO file (dev, ino) for pr (RT_LABEL_FIFO), copied to pr at slot_mem
 * and slot_notif: a new one if no process of pr's tree has it open. Returns the id of
 * pr's shared entry for it, or -errno.
 */
static long fifo_open(struct proc *pr, uint64_t kind, uint64_t dev, uint64_t ino, uint64_t slot_mem,
                      uint64_t slot_notif)
{
    uint64_t tree = pr->narrowed ? pr->labels : 0;
    unsigned fi = 0, free_fi = 0, id = 1;
    for (unsigned i = 1; i < MAX_FIFOS && !fi; i++)
        if (fifos[i].entries && fifos[i].kind == kind && fifos[i].dev == dev &&
            fifos[i].ino == ino && fifos[i].tree == tree)
            fi = i;
        else if (!fifos[i].entries && !free_fi)
            free_fi = i;
    while (id < MAX_SHARED && shared[id].used)
        id++;
    if (id == MAX_SHARED || (!fi && !free_fi))
        return -23; /* ENFILE */
    if (slot_mem == slot_notif || slot_mem < CX_SLOT_FIRST_FREE ||
        slot_notif < CX_SLOT_FIRST_FREE || slot_mem >= PROC_SLOTS || slot_notif >= PROC_SLOTS)
        return -22; /* EINVAL */
    if (!fi) {      /* the first opener: the pipe is made, charged to the sandbox */
        struct fifo *f = &fifos[free_fi];
        f->mem = cx_slot_alloc(), f->notif = cx_slot_alloc();
        if (cx_mem_create(quota, RT_PIPE_AREA / CX_PAGE_SIZE, f->mem) ||
            cx_notif_create(quota, f->notif)) {
            cx_cap_delete(f->mem), cx_slot_free(f->mem);
            cx_cap_delete(f->notif), cx_slot_free(f->notif);
            f->mem = f->notif = 0;
            return -12; /* ENOMEM */
        }
        f->kind = kind, f->dev = dev, f->ino = ino, f->tree = tree;
        fi = free_fi;
    }
    struct shared *sh = &shared[id];
    memset(sh, 0, sizeof(*sh));
    sh->used = true;
    sh->fifo = fi;
    fifos[fi].entries++;
    sh->mem = cx_slot_alloc(), sh->notif = cx_slot_alloc();
    sh->slot_mem = slot_mem, sh->slot_notif = slot_notif;
    if (cx_cap_copy(fifos[fi].mem, CX_SLOT_SELF_PD, sh->mem, CX_R_READ | CX_R_WRITE, 0) ||
        cx_cap_copy(fifos[fi].notif, CX_SLOT_SELF_PD, sh->notif, CX_R_ALL, 0) ||
        cx_cap_copy(sh->mem, pr->pd, slot_mem, CX_R_READ | CX_R_WRITE, 0) ||
        cx_cap_copy(sh->notif, pr->pd, slot_notif, CX_R_ALL, 0)) {
        shared_free(sh);
        return -22;
    }
    unsigned i = (unsigned)(pr - procs);
    sh->holders[i / 64] |= 1ul << (i % 64);
    return (long)id;
}

/*
 * A session for pr (RT_LABEL_SESSION): service and label in the IPC buffer's words 0..15,
 * w16 the quota to donate, w17 and w18 the slots where pr wants the session's endpoint
 * and memory. The launcher splits the donation from the sandbox's quota, asks init
 * (which routes it and prefixes the label with this component's name), and keeps the
 * session like a shared object, so that fork children hold it too. Returns the id or
 * -errno.
 */
static bool label_allowed(const struct proc *pr, int li, const char *service, const char *label)
{
    if (!pr->narrowed || (li >= 0 && (pr->labels & (1ul << li))))
        return true;
    cx_printf("posix-spawn: pid %d asked for a %s session '%s' outside its program's tree: "
              "denied\n",
              pr->pid, service, label);
    return false;
}

static long session_open(struct proc *pr, const struct cx_msg *req)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    enum { W = CX_SESSION_SERVICE_WORDS + CX_SESSION_LABEL_WORDS };
    uint64_t words[W];
    memcpy(words, req->w, 4 * 8); /* words 0..3 came in registers */
    memcpy(words + 4, b->words + 4, (W - 4) * 8);
    uint64_t bytes = b->words[W], slot_ep = b->words[W + 1], slot_mem = b->words[W + 2];
    uint64_t id = 1;
    while (id < MAX_SHARED && shared[id].used)
        id++;
    if (id == MAX_SHARED || slot_ep == slot_mem || slot_ep < CX_SLOT_FIRST_FREE ||
        slot_mem < CX_SLOT_FIRST_FREE || slot_ep >= PROC_SLOTS || slot_mem >= PROC_SLOTS ||
        bytes < (64ul << 10) || bytes > (1ul << 32))
        return id == MAX_SHARED ? -24 : -22; /* EMFILE, EINVAL */
    /* at most a quarter of what the sandbox has left */
    struct cx_ret qi = cx_raw_quota_info(quota, 0, 0, 0, 0, 0);
    uint64_t left = qi.rsi > qi.rdi ? qi.rsi - qi.rdi : 0;
    if (bytes > left / 4)
        bytes = left / 4 & ~(CX_PAGE_SIZE - 1);
    if (bytes < (256ul << 10))
        return -12; /* ENOMEM */
    char *label = (char *)(words + CX_SESSION_SERVICE_WORDS);
    label[CX_SESSION_LABEL_WORDS * 8 - 1] = 0;
    int li = programs_label_index(label);
    if (!label_allowed(pr, li, "File_system", label))
        return -1; /* EPERM */
    struct shared *sh = &shared[id];
    long r = request_session(words, bytes, sh);
    if (r < 0)
        return r;
    sh->label = li;
    sh->fs = !memcmp(words, "File_system", 12); /* the service name, NUL-padded */
    sh->grant = !memcmp(words, "Net", 4);
    sh->slot_mem = slot_mem, sh->slot_notif = slot_ep;
    if (cx_cap_copy(sh->mem, pr->pd, slot_mem, CX_R_READ | CX_R_WRITE, 0) ||
        cx_cap_copy(sh->notif, pr->pd, slot_ep, CX_R_WRITE | (sh->grant ? CX_R_GRANT : 0), 0)) {
        shared_free(sh);
        return -22;
    }
    unsigned i = (unsigned)(pr - procs);
    sh->holders[i / 64] |= 1ul << (i % 64);
    return (long)id;
}

/* Asks init for a session (service and label in words 0..15) with bytes of quota
 * donated, into the free entry sh: 0 (sh used, holding the session's endpoint, memory
 * and quota) or -errno. */
static long request_session(const uint64_t *words, uint64_t bytes, struct shared *sh)
{
    enum { W = CX_SESSION_SERVICE_WORDS + CX_SESSION_LABEL_WORDS };
    struct cx_ipcbuf *b = cx_ipcbuf();
    memset(sh, 0, sizeof(*sh));
    sh->quota = cx_slot_alloc(), sh->notif = cx_slot_alloc(), sh->mem = cx_slot_alloc();
    if (cx_quota_create(quota, bytes, sh->quota)) {
        cx_slot_free(sh->notif), cx_slot_free(sh->mem), cx_slot_free(sh->quota);
        return -12; /* ENOMEM */
    }
    /* label words 4..15 travel in the IPC buffer; the caps come back into ours */
    memcpy(b->words + 4, words + 4, (W - 4) * 8);
    b->send_caps[0] = sh->quota;
    b->recv_slots[0] = sh->notif;
    b->recv_slots[1] = sh->mem;
    b->recv_slots[2] = 0;
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_SESSION, W, 1)};
    memcpy(m.w, words, 4 * 8);
    long err = cx_call(CX_SLOT_PARENT, &m); /* bounded: LAUNCHER_CALL_TIMEOUT_NS */
    /* no other answer brings capabilities: none may land in these slots once they are
     * given back (a server's answer to the calls below could otherwise) */
    b->recv_slots[0] = b->recv_slots[1] = 0;
    if (err == CX_E_TIMEOUT)
        cx_printf("posix-spawn: init did not answer a %s session request '%s' within %lu s: "
                  "EIO\n",
                  (const char *)words, (const char *)(words + CX_SESSION_SERVICE_WORDS),
                  LAUNCHER_CALL_TIMEOUT_NS / 1000000000ul);
    long r = err ? -5 : (long)m.w[0];
    if (r == 0 && CX_TAG_CAPS(m.tag) != 2)
        r = -5;      /* EIO */
    sh->used = true; /* so that shared_free can take it apart */
    if (r < 0) {
        shared_free(sh);
        return r;
    }
    return 0;
}

/* A fork child holds what its parent holds. */
static long shared_fork(struct proc *parent, struct proc *child)
{
    unsigned pi = (unsigned)(parent - procs), ci = (unsigned)(child - procs);
    for (unsigned id = 1; id < MAX_SHARED; id++) {
        struct shared *sh = &shared[id];
        if (!sh->used || !(sh->holders[pi / 64] & (1ul << (pi % 64))))
            continue;
        long err = cx_cap_copy(sh->mem, child->pd, sh->slot_mem, CX_R_READ | CX_R_WRITE, 0);
        if (!err && sh->notif)
            err = cx_cap_copy(sh->notif, child->pd, sh->slot_notif,
                              sh->quota ? CX_R_WRITE | (sh->grant ? CX_R_GRANT : 0) : CX_R_ALL, 0);
        if (!err && sh->notif2)
            err = cx_cap_copy(sh->notif2, child->pd, sh->slot_notif2, CX_R_READ, 0);
        if (err)
            return err;
        sh->holders[ci / 64] |= 1ul << (ci % 64);
    }
    return 0;
}

/* A process that ended without closing its pipe ends (killed, or a fault): they leave
 * the counts, so that readers see end of file and writers EPIPE, as on Linux. */
static void pipes_forget(struct proc *pr)
{
    unsigned pi = (unsigned)(pr - procs);
    for (unsigned id = 1; id < MAX_SHARED; id++) {
        struct shared *sh = &shared[id];
        if (!sh->used || sh->quota || !sh->notif || !(sh->holders[pi / 64] & (1ul << (pi % 64))))
            continue; /* not a pipe (sessions have a quota, shared memory no notification) */
        if (cx_map(CX_SLOT_SELF_PD, sh->mem, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W))
            continue;
        struct rt_pipe_ring *r = (struct rt_pipe_ring *)SCRATCH;
        int32_t rd = __atomic_exchange_n(&r->readers_of[pi], 0, __ATOMIC_ACQ_REL);
        int32_t wr = __atomic_exchange_n(&r->writers_of[pi], 0, __ATOMIC_ACQ_REL);
        __atomic_sub_fetch(&r->readers, rd, __ATOMIC_ACQ_REL);
        __atomic_sub_fetch(&r->writers, wr, __ATOMIC_ACQ_REL);
        cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
        if (rd || wr)
            cx_notif_signal(sh->notif, 1);
    }
}

/*
 * A process that ended (killed) in the middle of a File_system request still holds the
 * session buffer's lock (its tag is the pid; fs_protocol.h): free it, so that the
 * others sharing the session go on. First a request of no operation on the session
 * (answered ENOSYS without touching the buffer): the server serves one request at a
 * time, so when it answers, the dead process's request is finished and the server no
 * longer uses the buffer. Its thread must be gone already.
 */
static void sessions_unlock(struct proc *pr)
{
    unsigned pi = (unsigned)(pr - procs);
    for (unsigned id = 1; id < MAX_SHARED; id++) {
        struct shared *sh = &shared[id];
        if (!sh->used || !sh->quota || sh->notif2 || !(sh->holders[pi / 64] & (1ul << (pi % 64))))
            continue; /* not a File_system session (terminals have notif2), or not held */
        if (cx_map(CX_SLOT_SELF_PD, sh->mem, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W))
            continue;
        struct fs_buf *b = (struct fs_buf *)SCRATCH;
        if (__atomic_load_n(&b->lock, __ATOMIC_ACQUIRE) == (int32_t)pr->pid) {
            /* bounded (LAUNCHER_CALL_TIMEOUT_NS): a server that does not answer may still
             * be in the dead request, but the buffer is its to write at any time anyway,
             * and the session's other holders are better off calling it than spinning on
             * the lock for good */
            if (cx_raw_ipc_call(sh->notif, CX_TAG(FS_LABEL_REQUEST, 1, 0), 0, 0, 0, 0).err ==
                CX_E_TIMEOUT) {
                sh->silent = true;
                cx_printf("posix-spawn: the server of pid %d's File_system session did not "
                          "answer within %lu s: the lock is freed without it\n",
                          pr->pid, LAUNCHER_CALL_TIMEOUT_NS / 1000000000ul);
            }
            __atomic_store_n(&b->lock, 0, __ATOMIC_RELEASE);
            cx_printf("posix-spawn: pid %d ended in a File_system request: its lock is freed\n",
                      pr->pid);
        }
        cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
    }
}

/*
 * A process that ended without its runtime closing its descriptors (killed, or a fault
 * in the runtime) may still hold record locks in the servers of its File_system
 * sessions: each is asked to drop every lock of the pid in the session (FS_LOCK
 * without a handle, docs/locks.md). Bounded like any call of the launcher's; a server that
 * has just not answered sessions_unlock is not asked (nobody waits for it twice).
 */
static void sessions_release_locks(struct proc *pr, bool ask)
{
    unsigned pi = (unsigned)(pr - procs);
    for (unsigned id = 1; id < MAX_SHARED; id++) {
        struct shared *sh = &shared[id];
        if (!sh->used || !sh->quota || sh->notif2 || !(sh->holders[pi / 64] & (1ul << (pi % 64))))
            continue;
        bool silent = sh->silent;
        sh->silent = false;
        if (!ask || silent)
            continue; /* a server that just did not answer is not waited for twice */
        struct cx_ipcbuf *b = cx_ipcbuf();
        b->words[4] = 0;                 /* a3 */
        b->words[5] = (uint64_t)pr->pid; /* a4 */
        cx_raw_ipc_call(sh->notif, CX_TAG(FS_LABEL_REQUEST, 6, 0), FS_LOCK, 0, FS_LOCK_RELEASE, 0);
    }
}

/* Frees everything of a process but its table entry (a zombie keeps that). */
static void release(struct proc *pr)
{
    uint64_t *slots[] = {&pr->thread, &pr->pd, &pr->parent_ep, &pr->notif};
    for (unsigned i = 0; i < 4; i++) /* first: it runs no more */
        if (*slots[i]) {
            cx_cap_delete(*slots[i]);
            cx_slot_free(*slots[i]);
            *slots[i] = 0;
        }
    sessions_unlock(pr);
    sessions_release_locks(pr, !pr->exit_reported);
    pipes_forget(pr);
    for (unsigned id = 1; id < MAX_SHARED; id++)
        shared_drop(pr, id);
    if (pr->sig) {
        cx_unmap(CX_SLOT_SELF_PD, (uint64_t)pr->sig, 1);
        pr->sig = NULL;
    }
    for (unsigned i = 0; i < pr->nmems; i++) {
        cx_cap_delete(pr->mems[i]);
        cx_slot_free(pr->mems[i]);
    }
    pr->nmems = 0;
}

/* The domain, thread and capabilities every process has (docs/runtime.md). */
static long make_domain(struct proc *pr)
{
    long err;
    pr->pd = cx_slot_alloc(), pr->thread = cx_slot_alloc();
    pr->parent_ep = cx_slot_alloc(), pr->notif = cx_slot_alloc();
#define TRY(x)                                                                                     \
    do {                                                                                           \
        if ((err = (x)))                                                                           \
            return err;                                                                            \
    } while (0)
    TRY(cx_pd_create(quota, pr->pd, PROC_SLOTS));
    uint64_t rt_lo, rt_hi;
    rt_lo = exec_range(&runtime, &rt_hi);
    TRY(cx_raw_pd_set_runtime(pr->pd, runtime.elf.entry, rt_lo, rt_hi, 0, 0).err);
    TRY(cx_cap_copy(ep, CX_SLOT_SELF_PD, pr->parent_ep, CX_R_WRITE, (uint64_t)pr->pid));
    TRY(cx_thread_create(quota, pr->pd, pr->thread, pr->parent_ep, process_priority()));
    TRY(cx_notif_create(quota, pr->notif));
    TRY(cx_cap_copy(pr->pd, pr->pd, CX_SLOT_SELF_PD, CX_R_ALL, 0));
    TRY(cx_cap_copy(pr->thread, pr->pd, CX_SLOT_SELF_THREAD, CX_R_ALL, 0));
    TRY(cx_cap_copy(quota, pr->pd, CX_SLOT_QUOTA, CX_R_ALL, 0));
    TRY(cx_cap_copy(log_cap, pr->pd, CX_SLOT_LOG, CX_R_WRITE, 0));
    TRY(cx_cap_copy(pr->parent_ep, pr->pd, CX_SLOT_PARENT, CX_R_WRITE, 0));
    TRY(cx_cap_copy(pr->notif, pr->pd, NOTIF_SLOT, CX_R_ALL, 0));
    for (unsigned i = 0; i < 4 && base_info.io[i].slot; i++)
        TRY(cx_cap_copy(io_src[i], pr->pd, base_info.io[i].slot, CX_R_READ | CX_R_WRITE, 0));
    return 0;
}

/* pr's signal page (each process gets a fresh one), mapped here; a vfork child has
 * it before its domain, which gets the same page (with what was sent meanwhile). */
static long sigpage_make(struct proc *pr)
{
    if (pr->sig)
        return 0;
    uint64_t m, va = SIGPAGES_VA + (uint64_t)(pr - procs) * CX_PAGE_SIZE;
    long err = new_mem(pr, 1, &m);
    if (!err)
        err = cx_map(CX_SLOT_SELF_PD, m, 0, va, 1, CX_MAP_R | CX_MAP_W);
    if (err)
        return err;
    pr->sig_mem = m;
    pr->sig = (struct rt_sigpage *)va;
    return 0;
}

/* Its rt_info (never copied by a fork: each process gets its own). */
static long give_info(struct proc *pr, uint64_t forked)
{
    static struct rt_info ri;
    ri = base_info;
    ri.pid = (uint64_t)pr->pid;
    ri.ppid = (uint64_t)pr->ppid;
    ri.forked = forked;
    ri.proc_index = (uint64_t)(pr - procs);
    long err = give_data(pr, RT_INFO_ADDR, &ri, sizeof(ri), CX_MAP_DROP);
    if (err)
        return err;
    pr->info_mem = pr->mems[pr->nmems - 1];
    if ((err = sigpage_make(pr)))
        return err;
    return cx_map(pr->pd, pr->sig_mem, 0, RT_SIGPAGE_ADDR, 1, CX_MAP_R | CX_MAP_W | CX_MAP_DROP);
}

/* Starts pr's main thread on the start stub. */
static long start_thread(struct proc *pr)
{
    long err;
    static struct cx_regs r;
    TRY(cx_thread_regs(pr->thread, CX_REGS_GET, CX_CTX_CURRENT, &r));
    r.rip = RT_START_ADDR;
    r.rsp = 0;
    TRY(cx_thread_regs(pr->thread, CX_REGS_SET, CX_CTX_CURRENT, &r));
    TRY(cx_thread_config(pr->thread, CX_TCFG_IPCBUF, RT_IPCBUF_ADDR));
    TRY(cx_thread_config(pr->thread, CX_TCFG_RT_STACK, RT_STACK_TOP));
    return cx_thread_resume(pr->thread);
}

/*
 * Builds the first process: runtime, vDSO, rt_info (with argv), the config text and
 * the boot archive mapped in, stacks, and the start stub. The runtime does the rest
 * (libc/start.c). Objects every process shares are mapped CX_MAP_SHARE.
 */
static long start_first(int argc, char **argv, int trace)
{
    long err;
    struct cx_ret qi = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0);
    uint64_t avail = qi.rsi - qi.rdi;
    if (avail < RESERVE + (4ul << 20))
        return CX_E_NO_QUOTA;
    quota = cx_slot_alloc(), log_cap = cx_slot_alloc();
    TRY(cx_quota_create(CX_SLOT_QUOTA, avail - RESERVE, quota));
    /* the log is labelled with the program's name when the launcher was given it */
    const char *label = cx_start_info ? cx_start_info->name : "posix";
    const char *base = argc ? argv[0] + strlen(argv[0]) : label;
    while (argc && base > argv[0] && base[-1] != '/')
        base--;
    TRY(cx_log_create(CX_SLOT_LOG, quota, argc ? base : label, log_cap));

    struct rt_info *ri = &base_info;
    /* I/O-port capabilities given to the launcher go on to the processes (the `uart`
     * plugin finds them by name) */
    unsigned nio = 0;
    uint64_t slot = CX_SLOT_FIRST_FREE;
    for (uint64_t i = 0; cx_start_info && i < cx_start_info->ncaps && nio < 4; i++) {
        const char *name = cx_start_info->caps[i].name;
        if (!strcmp(name, "archive"))
            continue;
        memcpy(ri->io[nio].name, name, strlen(name) + 1);
        ri->io[nio].slot = slot++;
        ri->io[nio].first = cx_start_info->caps[i].value;
        io_src[nio] = cx_start_info->caps[i].slot;
        nio++;
    }
    ri->magic = RT_INFO_MAGIC;
    ri->slot_pd = CX_SLOT_SELF_PD;
    ri->slot_thread = CX_SLOT_SELF_THREAD;
    ri->slot_quota = CX_SLOT_QUOTA;
    ri->slot_log = CX_SLOT_LOG;
    ri->slot_parent = CX_SLOT_PARENT;
    ri->slot_child_notif = NOTIF_SLOT;
    ri->first_free_slot = NOTIF_SLOT + 1;
    ri->slots = PROC_SLOTS;
    ri->trace = (uint64_t)trace;
    ri->realtime_offset_ns = cx_start_info ? (uint64_t)cx_start_info->realtime_offset_ns : 0;
    ri->priority = process_priority();
    memcpy(ri->component, label, strlen(label) + 1);
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        if (ri->args_len + n > sizeof(ri->args))
            return CX_E_INVALID_ARG;
        memcpy(ri->args + ri->args_len, argv[i], n);
        ri->args_len += (uint32_t)n;
        ri->argc++;
    }

    struct proc *pr = new_proc(0);
    TRY(make_domain(pr));
    const uint64_t all = CX_MAP_R | CX_MAP_W | CX_MAP_X;
    TRY(load_image(pr, &runtime, 0, all, 0));
    if (vdso.data) {
        if (vdso.elf.load_max > RT_VDSO_PAGES * CX_PAGE_SIZE)
            return CX_E_INVALID_ARG;
        /* read by musl only */
        TRY(load_image(pr, &vdso, RT_VDSO_ADDR, CX_MAP_R | CX_MAP_X, CX_MAP_SHARE));
        struct rt_vvar vv = {cx_raw_clock(0, 0, 0, 0, 0, 0).rdi, ri->realtime_offset_ns};
        TRY(give_data(pr, RT_VVAR_ADDR, &vv, sizeof(vv), CX_MAP_SHARE));
        ri->vdso = 1;
    }
    /* the boot archive, read-only: the VFS's `tar` plugin shows it and its members */
    uint64_t asize = cx_named_value("archive");
    if (asize > RT_ARCHIVE_MAX)
        return CX_E_INVALID_ARG;
    TRY(cx_map(pr->pd, cx_named_cap("archive"), 0, RT_ARCHIVE_ADDR,
               (asize + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE, CX_MAP_R | CX_MAP_SHARE));
    ri->archive_size = asize;
    archive_pages = (asize + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
    size_t clen = 0;
    const char *ctext = cx_config_text(&clen);
    if (clen)
        TRY(give_data(pr, RT_CONFIG_ADDR, ctext, clen, CX_MAP_SHARE));
    ri->config_size = clen;
    /* the start stub: mov $RT_NR_START, %eax; syscall; ud2 */
    uint8_t stub[9] = {0xb8, 0, 0, 0, 0, 0x0f, 0x05, 0x0f, 0x0b};
    uint32_t nr = (uint32_t)RT_NR_START;
    memcpy(stub + 1, &nr, 4);
    uint64_t sm;
    TRY(new_mem(NULL, 1, &sm));
    TRY(cx_map(CX_SLOT_SELF_PD, sm, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W));
    memcpy((void *)SCRATCH, stub, sizeof(stub));
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
    TRY(cx_map(pr->pd, sm, 0, RT_START_ADDR, 1, CX_MAP_R | CX_MAP_X | CX_MAP_SHARE));
    TRY(give_info(pr, 0));
    uint64_t m;
    TRY(new_mem(pr, 1, &m));
    TRY(cx_map(pr->pd, m, 0, RT_IPCBUF_ADDR, 1, CX_MAP_R | CX_MAP_W));
    TRY(new_mem(pr, RT_STACK_PAGES, &m));
    TRY(cx_map(pr->pd, m, 0, RT_STACK_TOP - RT_STACK_PAGES * CX_PAGE_SIZE, RT_STACK_PAGES,
               CX_MAP_R | CX_MAP_W));
    return start_thread(pr);
}

/* fork: a copy of parent's address space (the runtime restarts the child's thread from
 * the registers it saved, libc/process.c); returns the child's pid or -errno. With
 * clone_parent (CLONE_PARENT) the child's parent is parent's own parent, which then
 * waits for it and gets its SIGCHLD; its group, session and bounds are still parent's. */
static long do_fork(struct proc *parent, bool clone_parent)
{
    long err;
    if (parent->host)
        return -11; /* a vfork child's fork: its runtime refuses it already */
    struct proc *gp = clone_parent ? find_proc(parent->ppid) : NULL;
    if (clone_parent && (!gp || gp->state != P_RUNNING))
        return -22; /* EINVAL: as Linux for init's (the first process's parent is us) */
    /* the first refusal after a fork that worked is logged (a fork bomb gives one line;
     * the log's label names the sandbox) */
    static bool refusing;
    struct proc *pr = new_proc(parent->pid);
    if (!pr) {
        if (!refusing)
            cx_printf("posix-spawn: fork by pid %d refused: the process table is full (%d "
                      "processes): EAGAIN\n",
                      parent->pid, MAX_PROCS);
        refusing = true;
        return -11; /* EAGAIN: the process table is full */
    }
    if (clone_parent) {
        pr->ppid = gp->pid;
        pr->pgid = parent->pgid;
        pr->sid = parent->sid;
        pr->narrowed = parent->narrowed;
        pr->no_archive = parent->no_archive;
        pr->labels = parent->labels;
    }
    pr->nocldwait = parent->nocldwait;
    pr->no_ctty = parent->no_ctty;
    if ((err = make_domain(pr)) || (err = cx_raw_pd_copy_as(parent->pd, pr->pd, 0, 0, 0, 0).err) ||
        (err = shared_fork(parent, pr)) || (err = give_info(pr, 1)) || (err = start_thread(pr))) {
        release(pr);
        pr->state = P_FREE;
        if (!refusing) {
            struct cx_ret qi = cx_raw_quota_info(quota, 0, 0, 0, 0, 0);
            cx_printf("posix-spawn: fork by pid %d refused: %s (sandbox quota: %lu of %lu KiB "
                      "used): %s\n",
                      parent->pid, cx_strerror(err), qi.rdi / 1024, qi.rsi / 1024,
                      err == CX_E_NO_QUOTA ? "ENOMEM" : "EAGAIN");
        }
        refusing = true;
        return err == CX_E_NO_QUOTA ? -12 : -11; /* ENOMEM, EAGAIN */
    }
    refusing = false;
    return pr->pid;
}

/*
 * vfork (RT_LABEL_VFORK): a child process without a domain. Its runtime context lives
 * in the parent's runtime, on the parent's thread, until it execs or exits; its calls
 * reach the launcher on an endpoint badged with its own pid, which the parent's
 * runtime gets at slot. Returns the child's pid or -errno.
 */
static long do_vfork(struct proc *parent, uint64_t slot)
{
    if (parent->host || slot < CX_SLOT_FIRST_FREE || slot >= PROC_SLOTS)
        return -22; /* EINVAL: a vfork child's own vfork, or a bad slot */
    struct proc *pr = new_proc(parent->pid);
    if (!pr)
        return -11; /* EAGAIN */
    pr->nocldwait = parent->nocldwait;
    pr->no_ctty = parent->no_ctty;
    pr->host = parent;
    long err = sigpage_make(pr);
    if (!err)
        err = cx_cap_copy(ep, parent->pd, slot, CX_R_WRITE, (uint64_t)pr->pid);
    if (err) {
        release(pr);
        pr->state = P_FREE;
        return err == CX_E_NO_QUOTA ? -12 : -11;
    }
    pr->host_ep = slot;
    return pr->pid;
}

/* Takes a failed domain apart again (the vfork child stays without one). */
static void drop_domain(struct proc *pr)
{
    uint64_t *slots[] = {&pr->thread, &pr->pd, &pr->parent_ep, &pr->notif};
    for (unsigned i = 0; i < 4; i++)
        if (*slots[i]) {
            cx_cap_delete(*slots[i]);
            cx_slot_free(*slots[i]);
            *slots[i] = 0;
        }
    for (unsigned i = 0; i < pr->nmems; i++) /* all but the signal page, made first */
        if (pr->mems[i] != pr->sig_mem) {
            cx_cap_delete(pr->mems[i]);
            cx_slot_free(pr->mems[i]);
        } else {
            pr->mems[0] = pr->mems[i];
        }
    pr->nmems = pr->sig_mem ? 1 : 0;
    pr->info_mem = 0;
    unsigned ci = (unsigned)(pr - procs);
    for (unsigned id = 1; id < MAX_SHARED; id++)
        if (shared[id].used)
            shared[id].holders[ci / 64] &= ~(1ul << (ci % 64));
}

/*
 * The exec of a vfork child (RT_LABEL_VFORK_EXEC): its own domain now, with only the
 * runtime half of its host's address space (RT_RUNTIME_LO..HI: runtime image, data,
 * heap and stacks, the program file the runtime has just read, and the shared areas)
 * and the shared objects its host holds. Its runtime starts with `forked` 2: it takes
 * its references, says VFORK_READY, drops its parent's context and finishes the exec
 * (libc/vfork.c). Returns 0 or -errno.
 */
static long do_vfork_exec(struct proc *pr)
{
    struct proc *host = pr->host;
    if (!host)
        return -22;
    long err;
    if ((err = make_domain(pr)) ||
        (err = cx_raw_pd_copy_as(host->pd, pr->pd, RT_RUNTIME_LO, RT_RUNTIME_HI, 0, 0).err) ||
        (err = shared_fork(host, pr)) || (err = give_info(pr, 2)) || (err = start_thread(pr))) {
        drop_domain(pr);
        return err == CX_E_NO_QUOTA ? -12 : -11; /* ENOMEM, EAGAIN */
    }
    pr->host = NULL;
    pr->host_ep = 0;
    if (pr->sig->pending | pr->sig->qpending) /* sent while it had no domain */
        cx_thread_redirect(pr->thread);
    return 0;
}
#undef TRY

/*
 * A server that ends takes the memory it made for its sessions with it: the clients'
 * mappings of the session buffers vanish. A runtime that then touches one faults here;
 * the buffer's place gets fresh zeroed pages of the sandbox's quota, private to pr,
 * and the runtime goes on: its request to the dead server fails, and the program sees
 * EIO. Returns whether addr was in such a buffer and the pages are there now.
 */
static bool replace_gone_buffer(struct proc *pr, uint64_t addr)
{
    uint64_t va, pages;
    if (addr >= RT_SESSIONS_BASE &&
        addr < RT_SESSIONS_BASE + RT_MAX_SESSIONS * FS_BUF_PAGES * CX_PAGE_SIZE) {
        pages = FS_BUF_PAGES;
        va = RT_SESSIONS_BASE +
             (addr - RT_SESSIONS_BASE) / (pages * CX_PAGE_SIZE) * (pages * CX_PAGE_SIZE);
    } else if (addr >= RT_TERMINALS_BASE &&
               addr < RT_TERMINALS_BASE + RT_MAX_TERMINALS * TERM_SHARED_BYTES) {
        pages = TERM_SHARED_BYTES / CX_PAGE_SIZE;
        va = RT_TERMINALS_BASE + (addr - RT_TERMINALS_BASE) / TERM_SHARED_BYTES * TERM_SHARED_BYTES;
    } else {
        return false;
    }
    uint64_t m;
    cx_unmap(pr->pd, va, pages); /* whatever is left of the old mapping */
    if (new_mem(pr, pages, &m) || cx_map(pr->pd, m, 0, va, pages, CX_MAP_R | CX_MAP_W))
        return false;
    cx_printf("posix-spawn: pid %d: a session's server is gone (buffer at %#lx); its calls "
              "give EIO\n",
              pr->pid, va);
    return true;
}

/*
 * A fault in the runtime's views of files' pages (RT_VIEWS_BASE, libc/session.c): the
 * server destroyed the memory object under a copy in progress (its session that paid
 * for it ended). The page gets the launcher's zero page, read-only, and the runtime goes
 * on: the plugin checks the server's count of destroyed objects after the copy and asks
 * the server instead. Returns whether addr was such a page and is mapped now.
 */
static bool patch_gone_view(struct proc *pr, uint64_t addr)
{
    static uint64_t zero; /* one page of the launcher's own, never written */
    if (addr < RT_VIEWS_BASE || addr >= RT_VIEWS_BASE + RT_VIEWS_SIZE)
        return false;
    /* the zero page is readable: a fault on the page just patched is no copy in progress
     * (a runtime that changed its own mappings), and ends the process instead of
     * faulting for good */
    if ((addr & ~(CX_PAGE_SIZE - 1)) == pr->view_patched)
        return false;
    pr->view_patched = addr & ~(CX_PAGE_SIZE - 1);
    if (!zero) {
        uint64_t slot = cx_slot_alloc();
        if (!slot || cx_mem_create(CX_SLOT_QUOTA, 1, slot)) {
            if (slot)
                cx_slot_free(slot);
            return false;
        }
        zero = slot;
    }
    return cx_map(pr->pd, zero, 0, addr & ~(CX_PAGE_SIZE - 1), 1, CX_MAP_R) == 0;
}

/* A fault inside the runtime itself (the runtime reports faults of program code itself,
 * with the function named from the program's symbols). */
static void report_runtime_fault(int pid, uint64_t addr, uint64_t rip)
{
    const char *fn;
    uint64_t off;
    char where[128] = "";
    if (!elf_symbolize(runtime.data, runtime.size, rip, &fn, &off))
        cx_snprintf(where, sizeof(where), " in %s+%#lx (capix-runtime)", fn, off);
    cx_printf("posix-spawn: pid %d (%s): runtime fault (SIGSEGV) at address %#lx, rip %#lx%s\n",
              pid, prog_name, addr, rip, where);
}

static void proc_exit(struct proc *pr, int wait_status);

/* Ends pr as killed by sig (the sandbox, when pr is its first process). */
static void kill_proc(struct proc *pr, int sig)
{
    if (pr->pid == 1) {
        sandbox_status = 128 + sig;
        return;
    }
    proc_exit(pr, sig);
}

/* Stops or continues pr (job control), telling its parent. */
static void set_stopped(struct proc *pr, int sig)
{
    if (!!pr->stop_sig == !!sig || pr->host)
        return; /* (a vfork child without a domain: its parent's thread runs it) */
    cx_raw_pd_control(pr->pd, sig ? CX_PD_STOP : CX_PD_RESUME, 0, 0, 0, 0);
    pr->stop_sig = sig;
    pr->stop_report = sig != 0;
    pr->cont_report = sig == 0;
    struct proc *parent = find_proc(pr->ppid);
    if (parent && parent->state == P_RUNNING) {
        cx_notif_signal(parent->notif, 1);
        send_signal(parent, 17, sig ? 5 : 6, pr->pid, sig ? sig : 18); /* CLD_STOPPED, _CONTINUED */
    }
}

/*
 * Sends sig to pr as Linux would: SIGKILL ends it and SIGSTOP stops it here (nothing in
 * the process can refuse them); SIGCONT continues it; every other signal (and SIGCONT,
 * for its handler) goes to the runtime through its signal page and a redirect of its
 * main thread, where its mask and disposition decide.
 */
static void send_signal(struct proc *pr, int sig, int code, int pid, int status)
{
    if (pr->state != P_RUNNING || !pr->sig || sig < 1 || sig > 64)
        return;
    if (pr->host) { /* a vfork child without a domain: kept until it execs or exits */
        pr->sig->info[sig - 1].code = code;
        pr->sig->info[sig - 1].pid = pid;
        pr->sig->info[sig - 1].status = status;
        __atomic_or_fetch(&pr->sig->pending, 1ul << (sig - 1), __ATOMIC_RELEASE);
        return;
    }
    if (sig == 9) {
        kill_proc(pr, 9);
        return;
    }
    if (sig == 19) { /* SIGSTOP */
        set_stopped(pr, 19);
        return;
    }
    if (sig == 18) /* SIGCONT */
        set_stopped(pr, 0);
    if (sig >= 32 && !rt_sigq_push(pr->sig, sig, code, pid, 0, (uint64_t)status, 0)) {
        cx_thread_redirect(pr->thread); /* a real-time signal: one more instance */
        return;
    }
    pr->sig->info[sig - 1].code = code;
    pr->sig->info[sig - 1].pid = pid;
    pr->sig->info[sig - 1].uid = 0;
    pr->sig->info[sig - 1].status = status;
    __atomic_or_fetch(&pr->sig->pending, 1ul << (sig - 1), __ATOMIC_RELEASE);
    cx_thread_redirect(pr->thread);
}

/* kill(2) from pr: pid > 0 one process, 0 pr's group, -1 every process of the sandbox
 * but its first, < -1 the group -pid. Everyone in a sandbox may signal everyone in it. */
static long do_kill(struct proc *pr, long pid, long sig)
{
    if (sig < 0 || sig > 64)
        return -22; /* EINVAL */
    int found = 0;
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *t = &procs[i];
        if (t->state != P_RUNNING)
            continue;
        bool match = pid > 0     ? t->pid == pid
                     : pid == 0  ? t->pgid == pr->pgid
                     : pid == -1 ? t->pid != 1
                                 : t->pgid == -pid;
        if (!match)
            continue;
        found++;
        if (sig)
            send_signal(t, (int)sig, 0 /* SI_USER */, pr->pid, 0);
    }
    return found ? 0 : -3; /* ESRCH */
}

/* sigqueue and rt_sigqueueinfo from pr to process pid: the instance with its code and
 * value is queued (real-time or not: one entry each), or EAGAIN when the target's queue
 * is full. SIGKILL, SIGSTOP and SIGCONT act as kill does. */
static long do_sigqueue(struct proc *pr, long pid, int sig, int code, uint64_t value, uint64_t ids)
{
    struct proc *t = pid > 0 ? find_proc((int)pid) : NULL;
    if (sig < 0 || sig > 64)
        return -22; /* EINVAL */
    if (!t || t->state != P_RUNNING || !t->sig)
        return -3; /* ESRCH */
    if (t != pr && (code >= 0 || code == -6))
        return -1; /* EPERM: only negative codes but SI_TKILL to another process (Linux) */
    if (!sig)
        return 0;
    if (sig == 9 || sig == 19) {
        send_signal(t, sig, code, pr->pid, 0);
        return 0;
    }
    if (rt_sigq_push(t->sig, sig, code, (int32_t)ids, (int32_t)(ids >> 32), value, 0))
        return -11; /* EAGAIN */
    if (t->host)
        return 0; /* a vfork child without a domain: kept */
    if (sig == 18)
        set_stopped(t, 0);
    cx_thread_redirect(t->thread);
    return 0;
}

/*
 * tgkill and tkill from pr to a thread of another process (threads of pr's own process
 * the runtime reaches itself). tgid -1: tkill, the process found from the tid (a main
 * thread's tid is its pid, other threads' are pid * 1000 + n). The process's runtime
 * hands the queued entry to that thread (libc/signal.c); SIGKILL and SIGSTOP act on the
 * whole process, as on Linux.
 */
static long do_tgkill(struct proc *pr, long tgid, long tid, int sig)
{
    if (sig < 0 || sig > 64 || tid <= 0 || tid > 0x7fffffff || (tgid != -1 && tgid <= 0))
        return -22; /* EINVAL */
    struct proc *t = tgid > 0 ? find_proc((int)tgid) : find_proc((int)tid);
    if (!t && tgid == -1)
        t = find_proc((int)(tid / 1000));
    if (!t || t->state != P_RUNNING || !t->sig)
        return -3; /* ESRCH */
    bool live = tid == t->pid;
    for (unsigned i = 0; i < 64 && !live; i++)
        live = __atomic_load_n(&t->sig->tids[i], __ATOMIC_ACQUIRE) == (int32_t)tid;
    if (!live)
        return -3;
    if (!sig)
        return 0;
    if (sig == 9 || sig == 19) {
        send_signal(t, sig, -6, pr->pid, 0);
        return 0;
    }
    if (rt_sigq_push(t->sig, sig, -6 /* SI_TKILL */, pr->pid, 0, 0, (int)tid))
        return -11; /* EAGAIN */
    if (t->host)
        return 0;
    if (sig == 18)
        set_stopped(t, 0);
    cx_thread_redirect(t->thread);
    return 0;
}

/* Updates a process's rt_info in place (its ppid after re-parenting). */
static void set_ppid(struct proc *pr, int ppid)
{
    pr->ppid = ppid;
    if (!pr->info_mem || cx_map(CX_SLOT_SELF_PD, pr->info_mem, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W))
        return;
    ((struct rt_info *)SCRATCH)->ppid = (uint64_t)ppid;
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
}

/* pr has ended with a Linux wait status: it becomes a zombie for its parent to reap
 * (or goes at once when the launcher is its parent), its children go to pid 1. */
static void tty_leader_exit(struct proc *pr);

static bool orphaned(int pgrp, int sid);
static void signal_group(int pgrp, int sig);

/* Whether a member of group pgrp is stopped. */
static bool group_stopped(int pgrp)
{
    for (int i = 0; i < MAX_PROCS; i++)
        if (procs[i].state == P_RUNNING && procs[i].pgid == pgrp && procs[i].stop_sig)
            return true;
    return false;
}

static void proc_exit(struct proc *pr, int wait_status)
{
    if (!pr->cpu_ns && pr->thread) { /* killed: its main thread's time at least */
        struct cx_ret t = cx_raw_thread_config(pr->thread, CX_TCFG_CPU_TIME, 0, 0, 0, 0);
        pr->cpu_ns = t.rsi, pr->sys_ns = t.rdi;
    }
    /* the groups this exit may orphan: pr's own and its children's (POSIX: a group
       newly orphaned with a stopped member gets SIGHUP, then SIGCONT) */
    int groups[MAX_PROCS], sids[MAX_PROCS], n = 0;
    for (int i = -1; i < MAX_PROCS; i++) {
        struct proc *c = i < 0 ? pr : &procs[i];
        if (c->state != P_RUNNING || (i >= 0 && c->ppid != pr->pid))
            continue;
        bool seen = false;
        for (int k = 0; k < n; k++)
            seen |= groups[k] == c->pgid;
        if (!seen && !orphaned(c->pgid, c->sid))
            groups[n] = c->pgid, sids[n++] = c->sid;
    }
    for (int i = 0; i < MAX_PROCS; i++) /* its vfork child ran on its thread */
        if (procs[i].state == P_RUNNING && procs[i].host == pr)
            proc_exit(&procs[i], 9);
    tty_leader_exit(pr);
    release(pr);
    pr->host = NULL;
    pr->state = P_ZOMBIE;
    pr->wait_status = wait_status;
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *c = &procs[i];
        if (c->state == P_FREE || c->ppid != pr->pid)
            continue;
        if (c->state == P_ZOMBIE)
            c->state = P_FREE; /* nobody will wait for it now */
        else
            set_ppid(c, 1);
    }
    for (int k = 0; k < n; k++)
        if (orphaned(groups[k], sids[k]) && group_stopped(groups[k])) {
            signal_group(groups[k], 1);  /* SIGHUP */
            signal_group(groups[k], 18); /* SIGCONT */
        }
    struct proc *parent = find_proc(pr->ppid);
    if (parent && parent->state == P_RUNNING && parent->nocldwait)
        pr->state = P_FREE; /* no zombie: the parent said so */
    if (parent && parent->state == P_RUNNING && parent->notif) {
        cx_notif_signal(parent->notif, 1);
        int code = (wait_status & 0x7f) == 0 ? 1 : (wait_status & 0x80) ? 3 : 2;
        int st = code == 1 ? (wait_status >> 8) & 0xff : wait_status & 0x7f;
        send_signal(parent, 17, code, pr->pid, st); /* SIGCHLD: CLD_EXITED, _DUMPED, _KILLED */
    }
}

/* wait4: the first zombie child of pr that matches pid (-1 or 0: any); returns its pid
 * and status (reaping it), 0 when matching children are all running, -ECHILD. */
/*
 * RT_LABEL_NARROW (w0: a rule's number, as the runtime counts them): pr is about to run a
 * program to which the config gives its own tree (programs.c). Its bound becomes the
 * rule's, within any bound it had; every session outside it is taken from it: its
 * capabilities at the process's slots are deleted, and the buffers of all its sessions
 * and terminals are unmapped (the runtime maps again those it still holds, so nothing it
 * lost stays visible), the boot archive too unless the tree mounts it. 0 or -errno.
 */
static long do_narrow(struct proc *pr, uint64_t number)
{
    const struct program_rule *r = programs_rule(number);
    if (!r)
        return -22; /* EINVAL */
    pr->labels = (pr->narrowed ? pr->labels : ~0ul) & r->labels;
    pr->narrowed = true;
    if (!r->archive && !pr->no_archive) {
        pr->no_archive = true;
        cx_unmap(pr->pd, RT_ARCHIVE_ADDR, archive_pages);
    }
    cx_unmap(pr->pd, RT_SESSIONS_BASE, RT_MAX_SESSIONS * FS_BUF_PAGES);
    cx_unmap(pr->pd, RT_TERMINALS_BASE, RT_MAX_TERMINALS * TERM_SHARED_BYTES / CX_PAGE_SIZE);
    unsigned taken = 0;
    for (unsigned id = 1; id < MAX_SHARED; id++) {
        struct shared *sh = &shared[id];
        if (!sh->used || !sh->quota || !holds(sh, pr))
            continue; /* pipes (no quota) stay with it */
        if (sh->label >= 0 && (pr->labels & (1ul << sh->label)))
            continue;
        cx_cap_delete_in(pr->pd, sh->slot_mem);
        cx_cap_delete_in(pr->pd, sh->slot_notif);
        if (sh->notif2)
            cx_cap_delete_in(pr->pd, sh->slot_notif2);
        shared_drop(pr, id);
        taken++;
    }
    cx_printf("posix-spawn: pid %d runs %s in its own tree (config line %u): %u sessions "
              "taken away\n",
              pr->pid, r->path, r->line, taken);
    return 0;
}

/* ns[0] and ns[1]: a reaped child's CPU and system time (reply words 2 and 3). */
static long do_wait(struct proc *pr, long pid, int options, int *status, uint64_t ns[2])
{
    ns[0] = ns[1] = 0;
    bool any = false;
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *c = &procs[i];
        if (c->state == P_FREE || c->ppid != pr->pid)
            continue;
        if (pid > 0 ? c->pid != pid : pid < -1 ? c->pgid != -pid : pid == 0 && c->pgid != pr->pgid)
            continue;
        if (c->state == P_ZOMBIE && !(options & 4))
            continue; /* a zombie is no child to wait for without WEXITED (Linux: ECHILD) */
        any = true;
        bool keep = options & 0x01000000; /* WNOWAIT: report, leave it to be waited for */
        if (c->state == P_ZOMBIE && (options & 4)) { /* WEXITED */
            *status = c->wait_status;
            ns[0] = c->cpu_ns, ns[1] = c->sys_ns;
            if (!keep)
                c->state = P_FREE;
            return c->pid;
        }
        if ((options & 2) && c->stop_report) { /* WUNTRACED, WSTOPPED */
            c->stop_report = keep;
            *status = (c->stop_sig << 8) | 0x7f;
            return c->pid;
        }
        if ((options & 8) && c->cont_report) { /* WCONTINUED */
            c->cont_report = keep;
            *status = 0xffff;
            return c->pid;
        }
    }
    return any ? 0 : -10; /* ECHILD */
}

/* Process groups and sessions: getpgid, setpgid, getsid, setsid (as Linux checks them). */
static long do_pgrp(struct proc *pr, uint64_t op, long pid, long pgid)
{
    struct proc *t = pid ? find_proc((int)pid) : pr;
    switch (op) {
    case RT_PGRP_GETPGID:
    case RT_PGRP_GETSID:
        if (pid < 0 || !t)
            return -3; /* ESRCH */
        return op == RT_PGRP_GETPGID ? t->pgid : t->sid;
    case RT_PGRP_SETSID:
        for (int i = 0; i < MAX_PROCS; i++)
            if (procs[i].state == P_RUNNING && procs[i].pgid == pr->pid)
                return -1; /* EPERM: already a group leader */
        pr->sid = pr->pgid = pr->pid;
        pr->no_ctty = false;
        return pr->sid;
    case RT_PGRP_SETPGID:
        if (pid < 0 || pgid < 0)
            return -22; /* EINVAL */
        if (!t || (t != pr && t->ppid != pr->pid))
            return -3; /* ESRCH */
        if (t->sid != pr->sid || t->sid == t->pid)
            return -1; /* EPERM: another session, or a session leader */
        if (!pgid)
            pgid = t->pid;
        if (pgid != t->pid) {
            bool exists = false;
            for (int i = 0; i < MAX_PROCS; i++)
                if (procs[i].state == P_RUNNING && procs[i].pgid == pgid && procs[i].sid == pr->sid)
                    exists = true;
            if (!exists)
                return -1; /* EPERM */
        }
        t->pgid = (int)pgid;
        return 0;
    default:
        return -22;
    }
}

/*
 * Terminals (docs/terminal.md): one Terminal session per label for the whole sandbox,
 * opened at the first process's request and kept for the sandbox's life. The launcher
 * is the terminal's half of the process model: which session it controls, its
 * foreground group, and the signals the line discipline raises (an event thread waits
 * for them and passes them to the main loop as a message).
 */
#define MAX_TTYS 4
#define TTY_VA 0x58000000ul /* page 0 of each terminal's memory */
#define TTY_EVENT_BADGE 0x7ffffffful
#define TERM_DONATION (512ul << 10)
struct tty {
    uint64_t id; /* its shared object */
    char label[CX_SESSION_LABEL_WORDS * 8];
    int sid, fg; /* the session it controls and its foreground group (0: none) */
    struct term_shared *sh;
};
static struct tty ttys[MAX_TTYS];
static uint64_t tty_event_notif;

static void tty_publish(struct tty *t)
{
    __atomic_store_n(&t->sh->sid, t->sid, __ATOMIC_RELEASE);
    __atomic_store_n(&t->sh->fg_pgrp, t->fg, __ATOMIC_RELEASE);
}

/* Sends sig to every process of group pgrp (from the terminal: SI_KERNEL). */
static void signal_group(int pgrp, int sig)
{
    for (int i = 0; i < MAX_PROCS && pgrp > 0; i++)
        if (procs[i].state == P_RUNNING && procs[i].pgid == pgrp)
            send_signal(&procs[i], sig, 0x80, 0, 0);
}

static uint8_t event_stack[8192] __attribute__((aligned(16)));
static uint8_t event_ipcbuf[CX_PAGE_SIZE] __attribute__((aligned(CX_PAGE_SIZE)));
static uint64_t event_ep;

/* The event thread: a terminal raised a signal; the main loop sends it. */
static void event_main(void)
{
    for (;;) {
        uint64_t bits;
        if (cx_notif_wait(tty_event_notif, CX_TIMEOUT_NONE, &bits) == 0)
            cx_raw_ipc_call(event_ep, CX_TAG(RT_LABEL_TTY, 0, 0), 0, 0, 0, 0);
    }
}

static long start_event_thread(void)
{
    tty_event_notif = cx_slot_alloc(), event_ep = cx_slot_alloc();
    long err = cx_notif_create(quota, tty_event_notif);
    if (!err)
        err = cx_cap_copy(ep, CX_SLOT_SELF_PD, event_ep, CX_R_WRITE, TTY_EVENT_BADGE);
    if (!err)
        err = cx_thread_start(quota, cx_slot_alloc(), event_main, event_stack, sizeof(event_stack),
                              event_ipcbuf, 100);
    return err;
}

/* The signals the terminals raised go to their foreground groups. */
static void tty_events(void)
{
    for (unsigned i = 0; i < MAX_TTYS; i++) {
        struct tty *t = &ttys[i];
        if (!t->id)
            continue;
        uint64_t bits = __atomic_exchange_n(&t->sh->sig_pending, 0, __ATOMIC_ACQ_REL);
        while (bits) {
            int sig = __builtin_ctzl(bits) + 1;
            bits &= bits - 1;
            if (t->sid)
                signal_group(t->fg, sig);
        }
    }
}

static struct tty *tty_of(uint64_t id)
{
    for (unsigned i = 0; i < MAX_TTYS; i++)
        if (ttys[i].id && ttys[i].id == id)
            return &ttys[i];
    return NULL;
}

/*
 * RT_LABEL_TERMINAL: the terminal of a label for pr (IPC buffer words 4..15 the label,
 * 16..18 pr's slots for the endpoint, memory and input notification). Opens the session
 * at the first request; returns the terminal's id or -errno.
 */
static long terminal_open(struct proc *pr)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    enum { SW = CX_SESSION_SERVICE_WORDS, W = SW + CX_SESSION_LABEL_WORDS };
    uint64_t words[W];
    memset(words, 0, sizeof(words));
    memcpy(words, TERM_SERVICE, sizeof(TERM_SERVICE));
    memcpy(words + SW, b->words + SW, CX_SESSION_LABEL_WORDS * 8);
    char *label = (char *)(words + SW);
    label[CX_SESSION_LABEL_WORDS * 8 - 1] = 0;
    uint64_t slots[3] = {b->words[W], b->words[W + 1], b->words[W + 2]};
    for (int k = 0; k < 3; k++)
        if (slots[k] < CX_SLOT_FIRST_FREE || slots[k] >= PROC_SLOTS ||
            slots[k] == slots[(k + 1) % 3])
            return -22; /* EINVAL */
    if (!label_allowed(pr, programs_label_index(label), "Terminal", label))
        return -1; /* EPERM */
    struct tty *t = NULL;
    for (unsigned i = 0; i < MAX_TTYS && !t; i++)
        if (ttys[i].id && !strcmp(ttys[i].label, label))
            t = &ttys[i];
    if (!t) {
        unsigned i = 0;
        while (i < MAX_TTYS && ttys[i].id)
            i++;
        uint64_t id = 1;
        while (id < MAX_SHARED && shared[id].used)
            id++;
        if (i == MAX_TTYS || id == MAX_SHARED)
            return -24; /* EMFILE */
        if (!tty_event_notif && start_event_thread()) {
            cx_printf("posix-spawn: cannot start the terminal event thread\n");
            return -12;
        }
        struct shared *sh = &shared[id];
        long r = request_session(words, TERM_DONATION, sh);
        if (r < 0)
            return r;
        sh->pinned = true;
        sh->label = programs_label_index(label);
        sh->notif2 = cx_slot_alloc();
        uint64_t ev = cx_slot_alloc();
        t = &ttys[i];
        t->sh = (struct term_shared *)(TTY_VA + i * CX_PAGE_SIZE);
        /* the server signals: input (our copy keeps wait rights for the processes) */
        long err = cx_notif_create(quota, sh->notif2);
        if (!err)
            err = cx_cap_copy(tty_event_notif, CX_SLOT_SELF_PD, ev, CX_R_WRITE, 0);
        if (!err)
            err = cx_map(CX_SLOT_SELF_PD, sh->mem, 0, (uint64_t)t->sh, 1, CX_MAP_R | CX_MAP_W);
        if (!err) {
            b->send_caps[0] = sh->notif2;
            b->send_caps[1] = ev;
            struct cx_msg m = {.tag = CX_TAG(TERM_LABEL_REQUEST, 3, 2)};
            m.w[0] = TERM_OP_BIND;
            m.w[1] = m.w[2] = 0;
            err = cx_call(sh->notif, &m); /* bounded: LAUNCHER_CALL_TIMEOUT_NS */
            if (!err && m.w[0])
                err = CX_E_INVALID_ARG;
        }
        cx_cap_delete(ev), cx_slot_free(ev);
        if (err == CX_E_TIMEOUT) {
            cx_printf("posix-spawn: terminal '%s': the Terminal server did not answer within "
                      "%lu s: EIO\n",
                      label, LAUNCHER_CALL_TIMEOUT_NS / 1000000000ul);
        } else if (err) {
            cx_printf("posix-spawn: terminal '%s': cannot set up the session: %s\n", label,
                      cx_strerror(err));
        }
        if (err) {
            cx_unmap(CX_SLOT_SELF_PD, (uint64_t)t->sh, 1);
            shared_free(sh);
            memset(t, 0, sizeof(*t));
            return -5; /* EIO */
        }
        t->id = id;
        memcpy(t->label, label, sizeof(t->label));
        tty_publish(t);
    }
    struct shared *sh = &shared[t->id];
    if (!holds(sh, pr)) {
        if (sh->slot_mem &&
            (sh->slot_notif != slots[0] || sh->slot_mem != slots[1] || sh->slot_notif2 != slots[2]))
            return -16; /* EBUSY: every holder has it at the same slots (for fork) */
        sh->slot_notif = slots[0], sh->slot_mem = slots[1], sh->slot_notif2 = slots[2];
        const uint64_t src[3] = {sh->notif, sh->mem, sh->notif2};
        const uint8_t rights[3] = {CX_R_WRITE, CX_R_READ | CX_R_WRITE, CX_R_READ};
        for (unsigned k = 0; k < 3; k++)
            if (cx_cap_copy(src[k], pr->pd, slots[k], rights[k], 0)) {
                while (k--) /* pr holds none of it: the copies made go again */
                    cx_cap_delete_in(pr->pd, slots[k]);
                if (!shared_held(sh)) /* nobody fixed the slots yet */
                    sh->slot_notif = sh->slot_mem = sh->slot_notif2 = 0;
                return -22;
            }
        unsigned i = (unsigned)(pr - procs);
        sh->holders[i / 64] |= 1ul << (i % 64);
    }
    return (long)t->id;
}

static bool is_ctty(const struct tty *t, const struct proc *pr)
{
    return t->sid && t->sid == pr->sid && !pr->no_ctty;
}

/* A group is orphaned when no member has a parent in another group of its session. */
static bool orphaned(int pgrp, int sid)
{
    for (int i = 0; i < MAX_PROCS; i++) {
        const struct proc *p = &procs[i];
        if (p->state != P_RUNNING || p->pgid != pgrp)
            continue;
        const struct proc *parent = find_proc(p->ppid);
        if (parent && parent->state == P_RUNNING && parent->pgid != pgrp && parent->sid == sid)
            return false;
    }
    return true;
}

/* RT_LABEL_TTY: the controlling-terminal calls (TERM_CTL_*). */
static long tty_ctl(struct proc *pr, uint64_t op, uint64_t id, long arg)
{
    struct tty *t = tty_of(id);
    if (!t || !holds(&shared[t->id], pr))
        return -25; /* ENOTTY */
    bool leader = pr->pid == pr->sid;
    switch (op) {
    case TERM_CTL_OPEN:
    case TERM_CTL_SCTTY:
        if (is_ctty(t, pr))
            return 0;
        for (unsigned i = 0; i < MAX_TTYS; i++)
            if (ttys[i].id && ttys[i].sid == pr->sid && leader)
                return op == TERM_CTL_OPEN ? 0 : -1; /* it has one: EPERM */
        if (!leader || (t->sid && (op == TERM_CTL_OPEN || arg != 1)))
            return op == TERM_CTL_OPEN ? 0 : -1;
        if (op == TERM_CTL_OPEN && arg) /* O_NOCTTY */
            return 0;
        if (t->sid) /* stolen (TIOCSCTTY with 1) */
            for (int i = 0; i < MAX_PROCS; i++)
                if (procs[i].sid == t->sid)
                    procs[i].no_ctty = true;
        t->sid = pr->sid, t->fg = pr->pgid;
        pr->no_ctty = false;
        tty_publish(t);
        return 0;
    case TERM_CTL_NOTTY:
        if (!is_ctty(t, pr))
            return -25;
        if (leader) {                /* the session loses it: its foreground hears of it */
            signal_group(t->fg, 1);  /* SIGHUP */
            signal_group(t->fg, 18); /* SIGCONT */
            t->sid = t->fg = 0;
            tty_publish(t);
        } else {
            pr->no_ctty = true;
        }
        return 0;
    case TERM_CTL_GPGRP:
    case TERM_CTL_GSID:
        if (!is_ctty(t, pr))
            return -25;
        return op == TERM_CTL_GPGRP ? t->fg : t->sid;
    case TERM_CTL_SPGRP: {
        if (!is_ctty(t, pr))
            return -25;
        bool exists = false, same = false;
        for (int i = 0; i < MAX_PROCS; i++)
            if (procs[i].state == P_RUNNING && procs[i].pgid == arg) {
                exists = true;
                same |= procs[i].sid == pr->sid;
            }
        if (!exists)
            return -3; /* ESRCH */
        if (!same)
            return -1; /* EPERM */
        t->fg = (int)arg;
        tty_publish(t);
        return 0;
    }
    case TERM_CTL_JOB:
        if (!is_ctty(t, pr) || !t->fg || pr->pgid == t->fg)
            return 0;
        /* a background group: the runtime sends SIGTTIN or SIGTTOU, unless it ignores
           or blocks them; an orphaned group gets EIO instead of stopping for ever */
        return orphaned(pr->pgid, pr->sid) ? 2 : 1;
    default:
        return -22;
    }
}

/* A session leader that ends takes its terminal with it: SIGHUP to the foreground. */
static void tty_leader_exit(struct proc *pr)
{
    if (pr->pid != pr->sid)
        return;
    for (unsigned i = 0; i < MAX_TTYS; i++) {
        struct tty *t = &ttys[i];
        if (t->id && t->sid == pr->sid) {
            signal_group(t->fg, 1);
            signal_group(t->fg, 18);
            t->sid = t->fg = 0;
            tty_publish(t);
        }
    }
}

/*
 * RT_LABEL_PROC (layout.h): the process table as /proc shows it. What a process says of
 * itself (RT_PROC_SET) is only its own name, cut to the fields' sizes; the rest is the
 * launcher's. Only this sandbox's processes exist here. Returns the reply's word count
 * (m->w filled) with w0 0, a count or -errno.
 */
static unsigned proc_query(struct proc *pr, struct cx_msg *m, unsigned words)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    uint64_t op = m->w[0];
    if (words < 2) {
        m->w[0] = (uint64_t)-22; /* EINVAL */
        return 1;
    }
    if (op == RT_PROC_SET) {
        uint64_t clen = m->w[1], nlen = m->w[2];
        if (words < 6 || clen > RT_PROC_CMD_MAX || nlen > 15 ||
            (clen + 7) / 8 > (uint64_t)(words - 6)) {
            m->w[0] = (uint64_t)-22;
            return 1;
        }
        memset(pr->comm, 0, sizeof(pr->comm));
        memcpy(pr->comm, b->words + 4, nlen);
        memcpy(pr->cmd, b->words + 6, clen);
        pr->cmd_len = (uint32_t)clen;
        m->w[0] = 0;
        return 1;
    }
    if (op == RT_PROC_LIST) {
        long after = (long)m->w[1];
        unsigned n = 0;
        /* ascending (the table is in no pid order): the smallest above after, each time */
        for (;;) {
            long best = -1;
            for (int i = 0; i < MAX_PROCS; i++)
                if (procs[i].state != P_FREE && procs[i].pid > after &&
                    (best < 0 || procs[i].pid < best))
                    best = procs[i].pid;
            if (best < 0 || n == RT_PROC_LIST_MAX)
                break;
            b->words[1 + n++] = (uint64_t)best;
            after = best;
        }
        memcpy(m->w + 1, b->words + 1, 3 * 8); /* words 1..3 travel in registers */
        m->w[0] = n;
        return 1 + n;
    }
    if (op != RT_PROC_INFO) {
        m->w[0] = (uint64_t)-22;
        return 1;
    }
    struct proc *q = m->w[1] > 0 && m->w[1] < (1ul << 31) ? find_proc((int)m->w[1]) : NULL;
    if (!q || q->state == P_FREE) {
        m->w[0] = (uint64_t)-3; /* ESRCH */
        return 1;
    }
    struct rt_proc_reply r;
    memset(&r, 0, sizeof(r));
    r.ppid = q->ppid, r.pgid = q->pgid, r.sid = q->sid, r.tpgid = -1;
    r.state = q->state == P_ZOMBIE ? 'Z' : q->stop_sig ? 'T' : q == pr ? 'R' : 'S';
    r.start_ns = q->start_ns;
    if (q->state == P_RUNNING) {
        for (int i = 0; i < MAX_TTYS; i++) {
            if (ttys[i].id && is_ctty(&ttys[i], q)) {
                r.tty_nr = (4u << 8) | 64u; /* ttyS0, as the terminal plugin's rdev */
                r.tpgid = ttys[i].fg ? ttys[i].fg : -1;
            }
        }
        if (q->thread && !q->host) {
            struct cx_ret t = cx_raw_thread_config(q->thread, CX_TCFG_CPU_TIME, 0, 0, 0, 0);
            r.cpu_ns = t.rsi, r.sys_ns = t.rdi < t.rsi ? t.rdi : t.rsi;
        }
    } else {
        r.cpu_ns = q->cpu_ns, r.sys_ns = q->sys_ns;
    }
    memcpy(r.comm, q->comm, sizeof(r.comm));
    r.cmd_len = q->cmd_len;
    memcpy(r.cmd, q->cmd, q->cmd_len);
    unsigned n = (unsigned)((offsetof(struct rt_proc_reply, cmd) + q->cmd_len + 7) / 8);
    memset(b->words + 1, 0, n * 8);
    memcpy(b->words + 1, &r, offsetof(struct rt_proc_reply, cmd) + q->cmd_len);
    memcpy(m->w + 1, b->words + 1, 3 * 8);
    m->w[0] = 0;
    return 1 + n;
}

/*
 * The sandbox ends: every file system it used writes back what it holds (FS_SYNCFS, as
 * Linux syncs before it powers off), so that what its processes wrote is on the disk
 * before init stops the machine. Each call is bounded (LAUNCHER_CALL_TIMEOUT_NS) and
 * touches no session buffer (the request is all in registers).
 */
static void sync_file_systems(void)
{
    for (unsigned id = 1; id < MAX_SHARED; id++) {
        struct shared *sh = &shared[id];
        if (!sh->used || !sh->fs)
            continue; /* not a File_system session */
        cx_ipcbuf()->words[4] = cx_ipcbuf()->words[5] = 0;
        struct cx_ret r =
            cx_raw_ipc_call(sh->notif, CX_TAG(FS_LABEL_REQUEST, 6, 0), FS_SYNCFS, 0, 0, 0);
        if (r.err || (long)r.rdx < 0)
            cx_printf("posix-spawn: the sandbox ends, and a file system it used could not "
                      "write back what it holds: %s\n",
                      r.err ? cx_strerror(r.err) : "the server's error");
    }
}

static void end_all(void)
{
    for (int i = 0; i < MAX_PROCS; i++)
        if (procs[i].state != P_FREE) {
            release(&procs[i]);
            procs[i].state = P_FREE;
        }
    for (int i = 0; i < MAX_PROCS; i++)
        procs[i].state = P_FREE;
}

int main(int argc, char **argv)
{
    /* its calls go to init (which waits up to INIT_CALL_TIMEOUT_NS for a provider) and
     * to servers: none may hold the sandbox for good (docs/sessions.md, "Timeouts") */
    cx_thread_config(CX_SLOT_SELF_THREAD, CX_TCFG_CALL_TIMEOUT, LAUNCHER_CALL_TIMEOUT_NS);
    int trace = 0, a = 1;
    if (a < argc && !strcmp(argv[a], "--trace"))
        trace = 1, a++;
    if (a < argc)
        prog_name = argv[a];
    uint64_t archive = cx_named_cap("archive");
    uint64_t size = cx_named_value("archive");
    long err = cx_map(CX_SLOT_SELF_PD, archive, 0, ARCHIVE_VA,
                      (size + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE, CX_MAP_R);
    if (err) {
        cx_printf("posix-spawn: no boot archive (give it `boot-archive`): %s\n", cx_strerror(err));
        return 2;
    }
    if (find_image(&runtime, "capix-runtime"))
        return 127;
    if (programs_load(cx_start_info ? cx_start_info->name : ""))
        return 126;
    if (find_image(&vdso, "capix-vdso"))
        vdso.data = NULL; /* no vDSO: clock_gettime takes the system call */
    ep = cx_slot_alloc();
    err = cx_ep_create(CX_SLOT_QUOTA, ep);
    if (!err)
        err = start_first(argc - a, argv + a, trace);
    if (err) {
        cx_printf("posix-spawn: cannot start %s: %s\n", prog_name, cx_strerror(err));
        end_all();
        return 126;
    }
    struct cx_msg m;
    err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    for (;;) {
        uint64_t label = CX_TAG_LABEL(m.tag);
        if (!err && m.badge == TTY_EVENT_BADGE) { /* a terminal raised signals */
            tty_events();
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        }
        struct proc *pr = err ? NULL : find_proc((int)m.badge);
        if (!pr || pr->state != P_RUNNING) {
            err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
            continue;
        }
        int ws = -1;
        if (pr->host && label == RT_LABEL_EXIT) {
            /* a vfork child's _exit: its parent's thread goes on (a SIGKILL sent to the
               child meanwhile is its end) */
            ws = pr->sig && (pr->sig->pending & (1ul << 8)) ? 9 : (int)m.w[0];
            pr->cpu_ns = pr->sys_ns = 0;
            proc_exit(pr, ws);
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        }
        /* objects and sessions a domain-less vfork child makes belong to its host */
        struct proc *holder = pr->host ? pr->host : pr;
        if (label == RT_LABEL_EXIT) {
            ws = (int)m.w[0];
            pr->exit_reported = true;
            /* what the runtime says: only its parent's figures */
            pr->cpu_ns = m.w[1], pr->sys_ns = m.w[2] < m.w[1] ? m.w[2] : m.w[1];
        } else if (label == RT_LABEL_VFORK || label == RT_LABEL_VFORK_EXEC) {
            m.w[0] = (uint64_t)(label == RT_LABEL_VFORK ? do_vfork(pr, m.w[0]) : do_vfork_exec(pr));
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_VFORK_READY || label == RT_LABEL_VFORK_DONE) {
            if (label == RT_LABEL_VFORK_READY) {
                struct proc *parent = find_proc(pr->ppid);
                pr->vfork_ready = true;
                if (parent && parent->state == P_RUNNING && parent->notif)
                    cx_notif_signal(parent->notif, 1);
                m.w[0] = 0;
            } else {
                struct proc *c = find_proc((int)m.w[0]);
                m.w[0] = !c || c->state != P_RUNNING || c->vfork_ready || c->ppid != pr->pid;
            }
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == CX_LABEL_FAULT) {
            /* a read (error code bit 1 clear: the runtime only reads its views; a write
             * there would fault again on the read-only page, for good) */
            if (m.w[CX_FW_VECTOR] == 14 && !(m.w[CX_FW_ERROR] & 2) &&
                patch_gone_view(pr, m.w[CX_FW_ADDR])) {
                m.tag = CX_TAG(CX_FAULT_RESUME, 0, 0); /* the copy ends, and is not used */
                err = cx_reply_recv(ep, &m);
                continue;
            }
            if (m.w[CX_FW_VECTOR] == 14 && replace_gone_buffer(pr, m.w[CX_FW_ADDR])) {
                m.tag = CX_TAG(CX_FAULT_RESUME, 0, 0); /* its next request gives EIO */
                err = cx_reply_recv(ep, &m);
                continue;
            }
            report_runtime_fault(pr->pid, m.w[CX_FW_ADDR], m.w[CX_FW_RIP]);
            ws = 11; /* SIGSEGV (no core is written: no 0x80) */
        } else if (label == RT_LABEL_FORK) {
            m.w[0] = (uint64_t)do_fork(pr, CX_TAG_WORDS(m.tag) >= 1 && (m.w[0] & 1));
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_SESSION) {
            m.w[0] = (uint64_t)session_open(holder, &m);
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_FIFO || label == RT_LABEL_UNIX) {
            m.w[0] =
                (uint64_t)fifo_open(holder, label == RT_LABEL_UNIX, m.w[0], m.w[1], m.w[2], m.w[3]);
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_SHARED_NEW || label == RT_LABEL_SHARED_DROP) {
            if (label == RT_LABEL_SHARED_NEW)
                m.w[0] = (uint64_t)shared_new(holder, m.w[0], m.w[1], m.w[2]);
            else
                shared_drop(holder, m.w[0]), m.w[0] = 0;
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_KILL || label == RT_LABEL_STOP || label == RT_LABEL_SIGQUEUE ||
                   label == RT_LABEL_TGKILL) {
            if (label == RT_LABEL_KILL)
                m.w[0] = (uint64_t)do_kill(pr, (long)m.w[0], (long)m.w[1]);
            else if (label == RT_LABEL_SIGQUEUE)
                m.w[0] = (uint64_t)do_sigqueue(pr, (long)m.w[0], (int)(uint32_t)m.w[1],
                                               (int)(m.w[1] >> 32), m.w[2], m.w[3]);
            else if (label == RT_LABEL_TGKILL)
                m.w[0] = (uint64_t)do_tgkill(pr, (long)m.w[0], (long)m.w[1], (int)m.w[2]);
            else
                set_stopped(pr, (int)m.w[0]), m.w[0] = 0;
            m.tag = CX_TAG(0, 1, 0);
            if (sandbox_status < 0) {
                err = pr->state == P_RUNNING ? cx_reply_recv(ep, &m)
                                             : cx_recv(ep, CX_TIMEOUT_NONE, &m);
                continue;
            }
        } else if (label == RT_LABEL_TERMINAL || label == RT_LABEL_TTY) {
            m.w[0] = label == RT_LABEL_TERMINAL
                         ? (uint64_t)terminal_open(holder)
                         : (uint64_t)tty_ctl(pr, m.w[0], m.w[1], (long)m.w[2]);
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_NARROW) {
            m.w[0] = (uint64_t)do_narrow(pr, m.w[0]);
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_NOCLDWAIT) {
            pr->nocldwait = m.w[0] != 0;
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_PROC) {
            unsigned n = proc_query(pr, &m, CX_TAG_WORDS(m.tag));
            m.tag = CX_TAG(0, n, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_PGRP) {
            m.w[0] = (uint64_t)do_pgrp(pr, m.w[0], (long)m.w[1], (long)m.w[2]);
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_WAIT) {
            int status = 0;
            m.w[0] = (uint64_t)do_wait(pr, (long)m.w[0], (int)m.w[1], &status, &m.w[2]);
            m.w[1] = (uint64_t)status;
            m.tag = CX_TAG(0, 4, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else { /* RT_LABEL_FAULT_REPORT (the runtime has logged it), or unknown */
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        }
        if (sandbox_status < 0 && pr->pid == 1) /* the sandbox ends with its first process */
            sandbox_status = (ws & 0x7f) ? 128 + (ws & 0x7f) : (ws >> 8) & 0xff;
        if (sandbox_status >= 0) {
            sync_file_systems();
            end_all();
            return sandbox_status;
        }
        proc_exit(pr, ws);
        err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    }
}
