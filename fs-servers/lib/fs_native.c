/*
 * The native file-system server around the server library (fs_server.h): the
 * receive-decode-reply loop, session creation and end, and the policies, shared by
 * ram_fs (one tree plugin instance) and the vfs server (a VFS composition). It serves
 * File_system sessions (docs/sessions.md, docs/fs-protocol.md); each session is
 * confined to a root and is writeable or not, by the first `policy` of the server's
 * config that matches the session's label:
 *
 *     config {
 *         ram size=32M                  # ram_fs: the tree plugin served (default ram)
 *         vfs { tar rootfs.tar; dir /home { ram } }   # the vfs server: a composition
 *         policy label-prefix="shell" root=/ writeable     # first match wins
 *         policy label-suffix="-> docs" root=/docs         # read-only
 *         policy label="box -> tmp" root=/ writeable ids=1000-1999  # no root there
 *     }
 *
 * A session's buffer is made from the quota its client donated; the session may make
 * as many bytes of files as that quota (fs_session_open's budget). When the last copy
 * of a session's capability is gone (the client closed it or died), the server frees
 * everything of it and the quota goes back.
 *
 * A session's badge is its entry + 1 (1..64); the owner (who asked for it: in a POSIX
 * sandbox the launcher) may make sub-clients of it, badges entry + 1 | k << 8 with a
 * process's credentials, whose requests are checked (fs_subclients.c; policy `ids=`).
 *
 * Invariant: every session is watched (cap_watch on its badged endpoint) from the moment
 * its answer has gone out, whether or not the client ever sends a request: the watch is
 * set at the top of the loop after the reply that carried the capability (set before it,
 * it would fire at once, since the only copy is still ours), and a watch that cannot be
 * set ends the session. A session's endpoint is revoked before it is deleted, so that no
 * copy of it outlives the session and reaches the next one in the same slot.
 *
 * The loop answers with ipc_reply_recv, which waits without a timeout, so a second
 * thread (the watcher) wakes it: it waits on the watches' notification and calls the
 * endpoint with the bits (badge WAKE_BADGE); a session is ended when its bit comes and
 * its endpoint has no copy left (a bit is also raised when a session is made, so that
 * the loop, woken after the answer has gone out, sets its watch). While files are
 * mapped, the watcher also asks every 100 ms for the memory of mapped files nobody
 * needs any more to be collected.
 */
#include <capix/capix.h>
#include <capix/config.h>
#include <capix/fs_protocol.h>
#include <capix/heap.h>
#include <capix/tar.h>
#include <string.h>
#include <vfs_plugins.h>
#include "fs_native.h"
#include "fs_server.h"
#include "fs_subclients.h"

#define HEAP_BASE 0x10000000ul
#define HEAP_LIMIT (1ul << 30)
#define BUFS_BASE 0x60000000ul
#define ARCHIVE_VA 0x80000000ul
#define MAX_SESSIONS 64
#define MAX_POLICIES 16
#define CHUNKS_BASE 0x1000000000ul /* memory objects of mapped files (FS_MAP): */
#define CHUNKS_WINDOW (2ul << 30)  /* 2 GiB of addresses for each session entry */
#define MAX_CHUNKS (MAX_SESSIONS * FS_SESSION_MAX_CHUNKS)
#define WAKE_BADGE (MAX_SESSIONS + 1) /* the watcher's calls (sessions have 1..64) */
#define COLLECT_NS 100000000ul        /* how often mapped files are looked at */
#define WRITEBACK_NS 5000000000ul     /* a change is written back within this (fat's cache) */

struct policy {
    int match; /* 0 any, 1 exact, 2 prefix, 3 suffix */
    const char *label, *root;
    bool writeable;
    bool bounded; /* ids=LO-HI: the ids its sub-clients may claim (fs_subclients.c) */
    uint32_t lo, hi;
};

struct session {
    struct fs_session *ss;
    uint64_t badged, mem, quota;
    uint64_t chunks_top; /* what its window of chunk addresses has handed out */
    bool watched;
    char label[CX_SESSION_FULL_WORDS * 8];
    struct fs_subs subs; /* its sub-clients (badges i + 1 | k << 8, fs_subclients.h) */
};

/* A memory object holding part of a mapped file (fs_mapped.c's chunks): the original,
 * a read-write and a read-only copy that clients' copies derive from (so that in_use
 * can ask whether any client copy is left), and where it is mapped here. Session entry
 * i owns records [i * FS_SESSION_MAX_CHUNKS, (i + 1) * FS_SESSION_MAX_CHUNKS) and the
 * addresses [CHUNKS_BASE + i * CHUNKS_WINDOW, + CHUNKS_WINDOW); a chunk is made from the
 * quota the session's client donated (fs_mapped.c: the session whose request needs it
 * pays), so one session mapping without end exhausts its own records, addresses and
 * quota, never another's. A freed record keeps its address range (span) for the next
 * chunk that fits; when the session ends, its chunks are all gone (fs_session_close)
 * and its records and window start afresh for the next session of the entry. */
struct chunk_rec {
    uint64_t orig, rw, ro;
    uint64_t va, pages, span; /* pages: the chunk's now; span: its address range's */
};

static struct cx_heap heap;
static struct chunk_rec chunks[MAX_CHUNKS];
static bool lend_exec; /* chunks' read-only capabilities may map executable */
static struct policy policies[MAX_POLICIES];
static unsigned npolicies;
static struct session sessions[MAX_SESSIONS];
static struct fs_server *srv;
static uint64_t ep, watch_notif, wake_ep;
static volatile bool collect_due;      /* files are mapped: the watcher calls every 100 ms */
static volatile uint64_t writeback_at; /* the clock when the tree's changes are written back */
static uint8_t watcher_stack[4096] __attribute__((aligned(16)));
static char arena_buf[64 << 10];
static const char *srv_name;   /* for the log: "ram_fs", "vfs" */
static bool table_full_logged; /* a refusal for a full table was logged */

static void *env_alloc(void *ctx, size_t size)
{
    return cx_heap_alloc(&heap, size);
}

static void env_free(void *ctx, void *p, size_t size)
{
    cx_heap_free(&heap, p, size);
}

static bool env_grow(void *ctx, void *p, size_t size, size_t new_size)
{
    return cx_heap_grow(&heap, p, size, new_size);
}

/* The kernel's clock (nanoseconds since boot) without a kernel call: the kernel counts
 * it from the TSC as t / hz * 10^9 + t % hz * 10^9 / hz, and says hz with the first
 * answer; the same sum here gives the same value (as the POSIX runtime's vDSO does). A
 * file time per request (relatime on READ, mtime on WRITE) cost a kernel call each. */
static uint64_t clock_now(void)
{
    static uint64_t hz;
    uint32_t lo, hi;
    if (!hz) {
        struct cx_ret r = cx_raw_clock(0, 0, 0, 0, 0, 0);
        hz = r.rdi;
        if (!hz)
            return r.rsi;
    }
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t t = (uint64_t)hi << 32 | lo;
    return t / hz * 1000000000u + t % hz * 1000000000u / hz;
}

static uint64_t env_now(void *ctx)
{
    int64_t off = cx_start_info ? cx_start_info->realtime_offset_ns : 0;
    return clock_now() + (uint64_t)off;
}

/* What the server's own quota has left: what an unlimited ram tree may still hold. */
static uint64_t env_mem_avail(void *ctx)
{
    struct cx_ret q = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0);
    return q.rsi > q.rdi ? q.rsi - q.rdi : 0;
}

static void env_log(void *ctx, const char *line)
{
    cx_printf("%s\n", line);
}

/* Boot modules (`ram from=NAME`, `tar NAME`): `@boot` is the boot archive (given with
 * `boot-archive`) itself, other names are its members. */
static const void *env_module(void *ctx, const char *name, size_t *size)
{
    static struct tar_entry e;
    uint64_t len = cx_named_value("archive");
    if (len && !strcmp(name, "@boot")) {
        *size = len;
        return (const void *)ARCHIVE_VA;
    }
    if (!len || tar_find((const void *)ARCHIVE_VA, len, name, &e) || e.type != TAR_FILE)
        return NULL;
    *size = e.size;
    return e.data;
}

static void chunk_slots_free(struct chunk_rec *c)
{
    uint64_t *slots[] = {&c->rw, &c->ro, &c->orig};
    for (int k = 0; k < 3; k++)
        if (*slots[k]) {
            cx_cap_delete(*slots[k]);
            cx_slot_free(*slots[k]);
            *slots[k] = 0;
        }
}

/* A chunk of pages for payer's session, from the quota its client donated; NULL when
 * that quota, the session's records or its window are used up. */
static void *chunk_create(void *ctx, struct fs_session *payer, uint64_t pages, uint64_t *id)
{
    enum { N = FS_SESSION_MAX_CHUNKS };
    unsigned i = 0, j, fit = N, fresh = N, spare = N;
    while (i < MAX_SESSIONS && (!sessions[i].ss || sessions[i].ss != payer))
        i++;
    if (i == MAX_SESSIONS || pages > CHUNKS_WINDOW / CX_PAGE_SIZE)
        return NULL;
    struct session *s = &sessions[i];
    struct chunk_rec *recs = &chunks[i * N];
    for (j = 0; j < N; j++) { /* the smallest free range that fits, else a fresh one */
        if (recs[j].orig)
            continue;
        if (!recs[j].span && fresh == N)
            fresh = j;
        if (recs[j].span && spare == N)
            spare = j;
        if (recs[j].span >= pages && (fit == N || recs[j].span < recs[fit].span))
            fit = j;
    }
    j = fit < N ? fit : fresh < N ? fresh : spare;
    if (j == N)
        return NULL;
    struct chunk_rec *c = &recs[j];
    if (j != fit) { /* a new range from the window (a spare record's old one is lost) */
        if (s->chunks_top + pages * CX_PAGE_SIZE > CHUNKS_WINDOW)
            return NULL;
        c->va = CHUNKS_BASE + i * CHUNKS_WINDOW + s->chunks_top;
        c->span = pages;
        s->chunks_top += pages * CX_PAGE_SIZE;
    }
    c->pages = pages;
    c->orig = cx_slot_alloc();
    c->rw = cx_slot_alloc();
    c->ro = cx_slot_alloc();
    if (!c->orig || !c->rw || !c->ro || cx_mem_create(s->quota, pages, c->orig) ||
        cx_cap_copy(c->orig, CX_SLOT_SELF_PD, c->rw, CX_R_READ | CX_R_WRITE, 0) ||
        cx_cap_copy(c->orig, CX_SLOT_SELF_PD, c->ro, CX_R_READ | (lend_exec ? CX_R_EXEC : 0), 0) ||
        cx_map(CX_SLOT_SELF_PD, c->orig, 0, c->va, pages, CX_MAP_R | CX_MAP_W)) {
        chunk_slots_free(c);
        return NULL;
    }
    *id = i * N + j + 1;
    return (void *)c->va;
}

/* The record of chunk id, if it holds a chunk. */
static struct chunk_rec *chunk_at(uint64_t id)
{
    return id >= 1 && id <= MAX_CHUNKS && chunks[id - 1].orig ? &chunks[id - 1] : NULL;
}

static void chunk_destroy(void *ctx, void *addr, uint64_t pages, uint64_t id)
{
    struct chunk_rec *c = chunk_at(id);
    if (!c)
        return;
    cx_unmap(CX_SLOT_SELF_PD, c->va, c->pages);
    chunk_slots_free(c); /* deleting the original destroys it */
}

static bool has_copies(uint64_t slot)
{
    return cx_raw_cap_info(slot, 0, 0, 0, 0, 0).r10 & CX_CAPF_CHILDREN;
}

/* A client holds a copy of the chunk's capability, or maps it without one (a fork child
 * maps what its parent mapped CX_MAP_SHARE: a program's code, a MAP_SHARED file; the
 * server's own mapping is the one more). */
static bool chunk_in_use(void *ctx, uint64_t id)
{
    struct chunk_rec *c = chunk_at(id);
    return c && (has_copies(c->rw) || has_copies(c->ro) ||
                 cx_raw_cap_info(c->orig, 0, 0, 0, 0, 0).r8 > 1);
}

static const struct fs_mem_ops chunk_ops = {NULL, chunk_create, chunk_destroy, chunk_in_use};

static const struct vfs_env env = {.alloc = env_alloc,
                                   .free = env_free,
                                   .grow = env_grow,
                                   .now_ns = env_now,
                                   .log = env_log,
                                   .module = env_module,
                                   .mem_avail = env_mem_avail};

/* Reads the config: the file system (a tree plugin node, or for kind FS_NATIVE_VFS a
 * `vfs` node) and the policies. 0, or -1 after saying why. */
/* A tree plugin of the server's own beyond vfs_plugins_all (fat), and its default. */
static const struct vfs_plugin *extra_plugin;

/* A policy's ids=N or ids=LO-HI: 0, or -1 if malformed. */
static int parse_ids(const char *v, struct policy *p)
{
    uint64_t x[2] = {0, 0};
    unsigned k = 0;
    bool digit = false;
    for (; *v; v++) {
        if (*v >= '0' && *v <= '9' && x[k] <= 0xffffffffu) {
            x[k] = x[k] * 10 + (uint64_t)(*v - '0');
            digit = true;
        } else if (*v == '-' && k == 0 && digit) {
            k = 1;
            digit = false;
        } else {
            return -1;
        }
    }
    if (!digit || x[k] > 0xffffffffu || (k && x[0] > x[1]))
        return -1;
    p->bounded = true;
    p->lo = (uint32_t)x[0];
    p->hi = (uint32_t)(k ? x[1] : x[0]);
    return 0;
}

static int read_config(enum fs_native_kind kind, const struct vfs_plugin **plugin,
                       const struct cfg_node **fs_node)
{
    size_t len;
    const char *text = cx_config_text(&len);
    struct cfg_arena a = {arena_buf, sizeof(arena_buf), 0};
    struct cfg_node *root;
    struct cfg_error err;
    const struct cfg_node *cfg = NULL;
    if (text && cfg_parse("config", text, len, &a, &root, &err) == 0) {
        cfg = cfg_component_config(root, cx_start_info->name);
    } else if (text) {
        char msg[256];
        cfg_format_error(&err, msg, sizeof(msg));
        cx_printf("%s: configuration error: %s\n", srv_name, msg);
        return -1;
    }
    *plugin = extra_plugin ? extra_plugin : &vfs_plugin_ram;
    *fs_node = NULL;
    for (const struct cfg_node *n = cfg ? cfg_first(cfg, NULL) : NULL; n; n = cfg_next(n, NULL)) {
        if (!strcmp(n->name, "policy")) {
            if (npolicies == MAX_POLICIES) {
                cfg_error_at(&err, n, "too many policies (at most %u)", MAX_POLICIES);
                goto bad;
            }
            struct policy *p = &policies[npolicies++];
            cfg_label_selector(n, &p->label, &p->match);
            p->root = cfg_prop(n, "root") ? cfg_prop(n, "root") : "/";
            p->writeable = cfg_nargs(n) == 1 && !strcmp(cfg_arg(n, 0), "writeable");
            if (cfg_prop(n, "ids") && parse_ids(cfg_prop(n, "ids"), p) < 0) {
                cfg_error_at(&err, n, "ids= takes ID or LO-HI (decimal, LO <= HI)");
                goto bad;
            }
            if (cfg_nargs(n) > 1 || (cfg_nargs(n) == 1 && !p->writeable) || p->root[0] != '/') {
                cfg_error_at(&err, n,
                             "as in: policy [label=L | label-prefix=L | "
                             "label-suffix=L] root=/PATH [writeable]");
                goto bad;
            }
            continue;
        }
        if (kind == FS_NATIVE_VFS) {
            if (strcmp(n->name, "vfs") || *fs_node) {
                cfg_error_at(&err, n,
                             *fs_node ? "the vfs server serves one vfs block"
                                      : "unknown node '%s' (expected policy, or vfs { ... })",
                             n->name);
                goto bad;
            }
            *fs_node = n;
            continue;
        }
        const struct vfs_plugin *found = NULL;
        for (size_t i = 0; i < vfs_plugins_all_count; i++)
            if (!strcmp(vfs_plugins_all[i]->name, n->name) &&
                vfs_plugins_all[i]->kind == VFS_PLUGIN_TREE)
                found = vfs_plugins_all[i];
        if (extra_plugin && !strcmp(extra_plugin->name, n->name))
            found = extra_plugin;
        if (!found || *fs_node) {
            if (found)
                cfg_error_at(&err, n, "%s serves one file system", srv_name);
            else
                cfg_error_at(&err, n,
                             "unknown node '%s' (expected policy, or a tree plugin such as ram)",
                             n->name);
            goto bad;
        }
        *plugin = found;
        *fs_node = n;
    }
    if (kind == FS_NATIVE_VFS && !*fs_node) {
        cx_printf("%s: configuration error: no vfs { ... } block to serve\n", srv_name);
        return -1;
    }
    return 0;
bad:;
    char msg[256];
    cfg_format_error(&err, msg, sizeof(msg));
    cx_printf("%s: configuration error: %s\n", srv_name, msg);
    return -1;
}

/* Ends session i (its client closed it or died): frees all of it and deletes the donated
 * quota; then says how many sessions are left and what the server's own quota holds
 * (its heap keeps the pages it grew by, so the figure comes back when later sessions
 * need no more than earlier ones did). */
static void close_session(unsigned i)
{
    struct session *s = &sessions[i];
    char label[sizeof(s->label)];
    if (!s->ss)
        return;
    memcpy(label, s->label, sizeof(label));
    fs_subs_free(&s->subs, s->ss); /* every sub-client's endpoint revoked */
    fs_session_close(s->ss);       /* with every chunk it paid for */
    for (unsigned j = 0; j < FS_SESSION_MAX_CHUNKS; j++) {
        struct chunk_rec *c = &chunks[i * FS_SESSION_MAX_CHUNKS + j];
        if (c->orig) { /* cannot happen: the library frees them all */
            cx_printf("%s: session '%s' ended with a chunk left: freed\n", srv_name, label);
            chunk_destroy(NULL, NULL, c->pages, i * FS_SESSION_MAX_CHUNKS + j + 1);
        }
        memset(c, 0, sizeof(*c)); /* the window starts afresh for the entry's next session */
    }
    cx_unmap(CX_SLOT_SELF_PD, BUFS_BASE + i * FS_BUF_PAGES * CX_PAGE_SIZE, FS_BUF_PAGES);
    if (s->badged) /* copies left (a watch that could not be set): they go too */
        cx_cap_revoke(s->badged);
    uint64_t *slots[] = {&s->badged, &s->mem, &s->quota};
    for (int k = 0; k < 3; k++)
        if (*slots[k]) {
            cx_cap_delete(*slots[k]);
            cx_slot_free(*slots[k]);
        }
    memset(s, 0, sizeof(*s));
    table_full_logged = false;
    unsigned open = 0;
    for (unsigned k = 0; k < MAX_SESSIONS; k++)
        open += sessions[k].ss != NULL;
    struct cx_ret q = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0);
    cx_printf("%s: session '%s' ended; %u open, quota used %lu bytes\n", srv_name, label, open,
              q.rdi);
}

/* Watches the sessions made since the last call: their answers (with the client's copy
 * of the endpoint) have gone out. A session whose copies are all gone already, or whose
 * answer never arrived, is seen at once (the watch fires when set); one that cannot be
 * watched is ended, so that nothing lives on unwatched. */
static bool unwatched; /* a session was made since the last watch_new_sessions */

static void watch_new_sessions(void)
{
    if (!unwatched)
        return;
    unwatched = false;
    for (unsigned i = 0; i < MAX_SESSIONS; i++) {
        struct session *s = &sessions[i];
        if (!s->ss || s->watched)
            continue;
        long err = cx_raw_cap_watch(s->badged, watch_notif, 1ul << i, 0, 0, 0).err;
        s->watched = true;
        if (err) {
            cx_printf("%s: session '%s': cannot watch its capability (%s): ended\n", srv_name,
                      s->label, cx_strerror(err));
            close_session(i);
        }
    }
}

/* Ends the sessions among bits whose endpoint has no copy left (the watch fired; a bit
 * raised when the session was made finds the client's copy there). */
static void sessions_gone(uint64_t bits)
{
    for (unsigned i = 0; i < MAX_SESSIONS; i++)
        if (bits & (1ul << i) && sessions[i].ss && sessions[i].watched &&
            !has_copies(sessions[i].badged))
            close_session(i);
}

/* Writes back the tree's changes (the watcher's call, WRITEBACK_NS after the first
 * change since the last sync); a failure is logged once and tried again later. */
static void write_back(void)
{
    static bool failed;
    writeback_at = 0;
    int r = fs_server_dirty(srv) ? fs_server_writeback(srv) : 0;
    if (r < 0 && !failed)
        cx_printf("%s: writing back the changes failed (errno %d): tried again in %lu s\n",
                  srv_name, -r, WRITEBACK_NS / 1000000000ul);
    failed = r < 0;
    if (r < 0)
        writeback_at = cx_clock_ns() + WRITEBACK_NS;
}

/* The watcher thread: passes the watches' bits to the loop (word 0), while files are
 * mapped asks it every COLLECT_NS to collect (word 1), and when writeback_at has come,
 * to write back the tree's changes (word 2). Its calls carry words in registers only. */
static void watcher_main(void)
{
    uint64_t next = cx_clock_ns() + COLLECT_NS;
    for (;;) {
        uint64_t bits = 0, now = cx_clock_ns();
        if (now < next)
            cx_notif_wait(watch_notif, next - now, &bits);
        bool tick = cx_clock_ns() >= next;
        if (tick)
            next = cx_clock_ns() + COLLECT_NS;
        uint64_t at = writeback_at;
        bool writeback = tick && at && cx_clock_ns() >= at;
        if (bits || (tick && collect_due) || writeback)
            cx_raw_ipc_call(wake_ep, CX_TAG(0, 3, 0), bits, tick && collect_due, writeback, 0);
    }
}

/* SESSION_CREATE from init: words 0..15 the label, the donated quota in qslot. The new
 * session is watched once the answer has gone out (watch_new_sessions, woken by the
 * bit raised here). */
static void create_session(struct cx_msg *m, uint64_t qslot)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    char label[CX_SESSION_FULL_WORDS * 8];
    cx_session_label(m, label);
    m->tag = CX_TAG(0, 1, 0);
    unsigned i = 0;
    while (i < MAX_SESSIONS && sessions[i].ss)
        i++;
    const struct policy *p = NULL;
    for (unsigned k = 0; k < npolicies && !p; k++)
        if (cx_label_matches(policies[k].match, policies[k].label, label))
            p = &policies[k];
    struct session *s = i < MAX_SESSIONS ? &sessions[i] : NULL; /* the free entry */
    long r = 0;
    if (!qslot) {
        r = -22;
    } else if (!p) {
        cx_printf("%s: no policy for the session '%s': denied\n", srv_name, label);
        r = -1; /* EPERM */
    } else if (!s) {
        if (!table_full_logged) /* once until a session ends */
            cx_printf("%s: all %u sessions in use: '%s' refused (EMFILE)\n", srv_name, MAX_SESSIONS,
                      label);
        table_full_logged = true;
        r = -24; /* EMFILE */
    } else {
        struct cx_ret q = cx_raw_quota_info(qslot, 0, 0, 0, 0, 0);
        uint64_t budget =
            q.rsi > FS_BUF_PAGES * CX_PAGE_SIZE * 2 ? q.rsi - FS_BUF_PAGES * CX_PAGE_SIZE * 2 : 0;
        s->quota = qslot;
        s->mem = cx_slot_alloc();
        s->badged = cx_slot_alloc();
        uint64_t va = BUFS_BASE + i * FS_BUF_PAGES * CX_PAGE_SIZE;
        if (cx_mem_create(qslot, FS_BUF_PAGES, s->mem) ||
            cx_map(CX_SLOT_SELF_PD, s->mem, 0, va, FS_BUF_PAGES, CX_MAP_R | CX_MAP_W)) {
            r = -12;
        } else if ((r = fs_session_open(srv, p->root, p->writeable, budget, &s->ss)) != 0) {
            cx_printf("%s: session '%s': cannot open its root %s (errno %ld)\n", srv_name, label,
                      p->root, -r);
        } else if (cx_cap_copy(ep, CX_SLOT_SELF_PD, s->badged, CX_R_WRITE, i + 1)) {
            r = -12;
        }
        if (r) {
            if (s->ss)
                fs_session_close(s->ss);
            s->ss = NULL;
            cx_unmap(CX_SLOT_SELF_PD, va, FS_BUF_PAGES);
            cx_cap_delete(s->mem), cx_slot_free(s->mem);
            cx_cap_delete(s->badged), cx_slot_free(s->badged);
            s->mem = s->badged = 0;
        } else {
            memcpy(s->label, label, sizeof(label));
            s->subs.bounded = p->bounded;
            s->subs.lo = p->lo;
            s->subs.hi = p->hi;
            unwatched = true;
            cx_notif_signal(watch_notif, 1ul << i); /* a look after the answer */
            m->tag = CX_TAG(0, 1, 2);
            b->send_caps[0] = s->badged;
            b->send_caps[1] = s->mem;
            cx_printf("%s: session '%s': root %s, %s\n", srv_name, label, p->root,
                      p->writeable ? "writeable" : "read-only");
            m->w[0] = 0;
            return;
        }
    }
    if (qslot) {
        cx_cap_delete(qslot);
        cx_slot_free(qslot);
        if (s)
            s->quota = 0;
    }
    m->w[0] = (uint64_t)r;
}

/* The owner's operations on sub-clients (fs_subclients.c), and -EPERM for them through a
 * sub-client; false for any other message. */
static bool sub_request(struct cx_msg *m)
{
    unsigned i = (unsigned)(m->badge & 0xff) - 1;
    uint64_t op = m->w[0];
    if (CX_TAG_LABEL(m->tag) != FS_LABEL_REQUEST || m->badge == WAKE_BADGE || i >= MAX_SESSIONS ||
        !sessions[i].ss || (op != FS_CLIENT_ADD && op != FS_SETCREDS && op != FS_CLIENT_DROP))
        return false;
    if (m->badge >> FS_SUB_SHIFT) {
        static bool logged;
        if (!logged)
            cx_printf("%s: session '%s': a sub-client asked for the owner's operation %lu: "
                      "EPERM\n",
                      srv_name, sessions[i].label, op);
        logged = true;
        m->tag = CX_TAG(0, 1, 0);
        m->w[0] = (uint64_t)-1; /* EPERM */
        return true;
    }
    fs_subs_request(&sessions[i].subs, i, sessions[i].ss, ep, sessions[i].label, m);
    return true;
}

int fs_native_main_with(const char *name, const struct vfs_plugin *tree)
{
    extra_plugin = tree;
    return fs_native_main(name, FS_NATIVE_TREE);
}

int fs_native_main(const char *name, enum fs_native_kind kind)
{
    srv_name = name;
    heap = (struct cx_heap){.base = HEAP_BASE,
                            .limit = HEAP_LIMIT,
                            .quota = CX_SLOT_QUOTA,
                            .pd = CX_SLOT_SELF_PD,
                            .slot_alloc = cx_slot_alloc,
                            .slot_free = cx_slot_free};
    uint64_t alen = cx_named_value("archive");
    if (alen && cx_map(CX_SLOT_SELF_PD, cx_named_cap("archive"), 0, ARCHIVE_VA,
                       (alen + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE, CX_MAP_R))
        cx_printf("%s: cannot map the boot archive\n", name);
    const struct vfs_plugin *plugin;
    const struct cfg_node *fs_node;
    if (read_config(kind, &plugin, &fs_node))
        return 2;
    struct cfg_error err;
    int r = kind == FS_NATIVE_VFS ? fs_server_create_vfs(&env, vfs_plugins_all,
                                                         vfs_plugins_all_count, fs_node, &srv, &err)
                                  : fs_server_create(&env, plugin, fs_node, &srv, &err);
    if (r) {
        char msg[256];
        cfg_format_error(&err, msg, sizeof(msg));
        cx_printf("%s: cannot make the file system: %s\n", name, r == -22 ? msg : "no memory");
        return 2;
    }
    fs_subs_set_env(&env, name);
    /* ram files can be mapped shared (FS_MAP), a device's small files are copied for
     * views, and only the server's sessions change such a tree: clients may cache; a
     * composition that nothing changes (a tar archive) too, its chunks a copy */
    if ((kind == FS_NATIVE_TREE && (plugin == &vfs_plugin_ram || plugin == extra_plugin)) ||
        (kind == FS_NATIVE_VFS && fs_server_unchanging(srv))) {
        fs_server_set_mem(srv, &chunk_ops);
        fs_server_set_coherent(srv);
        lend_exec = fs_server_unchanging(srv); /* FS_MAP_EXEC: programs' code */
    }
    ep = cx_slot_alloc();
    watch_notif = cx_slot_alloc();
    wake_ep = cx_slot_alloc();
    uint64_t prio = cx_start_info && cx_start_info->priority ? cx_start_info->priority : 100;
    if (cx_ep_create(CX_SLOT_QUOTA, ep) || cx_notif_create(CX_SLOT_QUOTA, watch_notif) ||
        cx_cap_copy(ep, CX_SLOT_SELF_PD, wake_ep, CX_R_WRITE, WAKE_BADGE) ||
        cx_thread_start(CX_SLOT_QUOTA, cx_slot_alloc(), watcher_main, watcher_stack,
                        sizeof(watcher_stack), NULL, prio)) {
        cx_printf("%s: no endpoint or watcher thread\n", name);
        return 2;
    }
    struct cx_ipcbuf *b = cx_ipcbuf();
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_ANNOUNCE, 4, 1)};
    memset(m.w, 0, sizeof(m.w));
    memcpy(m.w, "File_system", 12);
    b->send_caps[0] = ep;
    if (cx_call(CX_SLOT_PARENT, &m) || m.w[0]) {
        cx_printf("%s: init did not take the announcement (%ld)\n", name, (long)m.w[0]);
        return 2;
    }
    uint64_t spare = cx_slot_alloc();
    b->recv_slots[0] = spare;
    long e = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    for (;;) {
        watch_new_sessions(); /* the answers before this message have gone out */
        if (e) {
            b->recv_slots[0] = spare;
            e = cx_recv(ep, CX_TIMEOUT_NONE, &m);
            continue;
        }
        uint64_t got = 0;
        if (CX_TAG_CAPS(m.tag)) {
            got = spare;
            spare = cx_slot_alloc();
        }
        if (m.badge == WAKE_BADGE) { /* the watcher */
            sessions_gone(m.w[0]);
            if (m.w[1]) /* mapped files nobody needs any more */
                fs_server_collect(srv);
            if (m.w[2]) /* changes a few seconds old: on the disk now, as Linux's flusher */
                write_back();
            if (got)
                cx_cap_delete(got), cx_slot_free(got);
            m.tag = CX_TAG(0, 0, 0);
        } else if (m.badge == 0 && CX_TAG_LABEL(m.tag) == CX_LABEL_SESSION_CREATE) {
            create_session(&m, got);
        } else if (sub_request(&m)) {
            if (got)
                cx_cap_delete(got), cx_slot_free(got);
        } else if ((m.badge & 0xff) >= 1 && (m.badge & 0xff) <= MAX_SESSIONS &&
                   sessions[(m.badge & 0xff) - 1].ss && CX_TAG_LABEL(m.tag) == FS_LABEL_REQUEST &&
                   (!(m.badge >> FS_SUB_SHIFT) ||
                    fs_subs_get(&sessions[(m.badge & 0xff) - 1].subs, m.badge >> FS_SUB_SHIFT))) {
            /* a sub-client's badge without its record (revoked copies cannot call, so
             * never) falls to ENOSYS below: never served as the owner */
            unsigned i = (unsigned)(m.badge & 0xff) - 1;
            struct session *s = &sessions[i];
            struct fs_sub *sub = fs_subs_get(&s->subs, m.badge >> FS_SUB_SHIFT);
            /* a3 and a4 travel in the IPC buffer only when not 0 (4 words: registers) */
            unsigned nw = CX_TAG_WORDS(m.tag);
            struct fs_msg msg = {
                .op = m.w[0],
                .a = {m.w[1], m.w[2], m.w[3], nw > 4 ? b->words[4] : 0, nw > 5 ? b->words[5] : 0}};
            fs_server_handle_as(srv, s->ss, sub ? &sub->cred : NULL, &msg,
                                (struct fs_buf *)(BUFS_BASE + i * FS_BUF_PAGES * CX_PAGE_SIZE));
            m.tag = CX_TAG(0, msg.r[4] ? 5 : 4, 0); /* r4 in the buffer only when not 0 */
            if (msg.op == FS_MAP && msg.r[0] >= 0) {
                /* the memory objects go with the answer (the one that holds the page,
                 * then r0 further ones); r3 becomes the client's slot */
                unsigned n = 0, more = (unsigned)msg.r[0] <= FS_MAP_MORE ? (unsigned)msg.r[0] : 0;
                for (; n <= more; n++) {
                    struct chunk_rec *c = chunk_at(n ? msg.more[n - 1] : (uint64_t)msg.r[3]);
                    if (!c)
                        break;
                    b->send_caps[n] = msg.r[4] == 1 ? c->rw : c->ro;
                }
                if (n == 0) {
                    msg.r[0] = -5; /* EIO */
                } else {
                    msg.r[0] = (int64_t)n - 1;
                    msg.r[3] = 0;
                    m.tag = CX_TAG(0, msg.r[4] ? 5 : 4, n);
                }
            }
            for (int k = 0; k < 4; k++)
                m.w[k] = (uint64_t)msg.r[k];
            if (msg.r[4])
                b->words[4] = (uint64_t)msg.r[4];
        } else {
            if (got)
                cx_cap_delete(got), cx_slot_free(got);
            m.tag = CX_TAG(0, 1, 0);
            m.w[0] = (uint64_t)-38; /* ENOSYS */
        }
        collect_due = fs_server_mapped_pages(srv) != 0;
        if (!fs_server_dirty(srv))
            writeback_at = 0; /* a client's sync took it all */
        else if (!writeback_at)
            writeback_at = clock_now() + WRITEBACK_NS;
        b->recv_slots[0] = spare;
        e = cx_reply_recv(ep, &m);
    }
}
