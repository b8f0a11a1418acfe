/*
 * fsattack: attacks on a file-system server from inside a sandbox (the fs-attack
 * scenario; issue 16, findings 3 and 8; docs/sandboxes.md). Two roles:
 *
 *   fsattack attacker ROUNDS   (its sandbox has /tmp from a ram_fs and a route to it)
 *   fsattack victim            (another sandbox with /tmp from the same ram_fs)
 *
 * The attacker speaks to its launcher and to the server with native calls (through the
 * runtime's `syscall; ret` gadget, tests/hostile/native.h): RT_LABEL_SESSION for a
 * File_system session at slots it names, then the File_system protocol itself
 * (lib/include/capix/fs_protocol.h) on the session's endpoint and buffer.
 *
 * 1. Sessions (finding 3): ROUNDS sessions asked for and dropped at once, without a
 *    single request to the server; then ROUNDS/2 whose copy into the process fails half
 *    way (one of the two slots named is in use). Every request must be granted (the
 *    server frees what was dropped: its table of 64 sessions never fills), a failed copy
 *    must leave nothing in the process, the sandbox's quota (the kernel's figure, through
 *    sysinfo) must come back to the byte, and a fresh session must still make, write and
 *    read a file. The server logs its own quota at each session's end; the scenario's
 *    `check` compares those figures.
 * 2. Mappings (finding 8): on a fresh session, files are made, grown to 256 KiB, mapped
 *    (FS_MAP of each chunk, mapped here and written), then truncated to 0 while they stay
 *    mapped, until the server refuses (ENOMEM or ENOSPC: the session's mapping budget,
 *    docs/fs-protocol.md). The first file keeps its bytes. While the attacker holds all
 *    that, the victim (told through /tmp/attacker.limit) makes, maps, writes and reads
 *    back files of its own on the same server and answers with /tmp/victim.done. Then
 *    the attacker drops the session with everything still mapped: the sandbox's quota
 *    must come back to the byte, and the first file must still hold what was written
 *    through its mapping (read with the ordinary /tmp).
 *
 * Before each figure is read, init is sent a request it refuses: init keeps its copies
 * of a session's capabilities until its next message (docs/sessions.md, "Not yet"), so
 * the session dropped last would otherwise live on while init is idle.
 *
 * One "PASS name: ..." or "FAIL name: ..." line per check; "fsattack: done" at the end;
 * exit status 0 when everything passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include <capix/component.h>
#include <capix/fs_protocol.h>
#include "hostile_check.h"
#include "native.h"

#define SESSION_BYTES (256ul << 10)   /* the least the launcher donates */
#define MAP_SESSION_BYTES (2ul << 20) /* the mapping session's: its budget for chunks */
#define SLOT_EP 1010                  /* free slots of ours for a session's capabilities */
#define SLOT_MEM 1011
#define SLOT_BUSY 1012       /* holds a copy of our log capability: a copy there fails */
#define CHUNK_SLOTS 600      /* slots [600, 1000) for the chunks' capabilities */
#define CHUNK_SLOTS_END 1000 /* (the runtime hands out slots from far below) */
#define BUF_VA 0x500000000000ul
#define MAP_VA 0x500100000000ul /* the attacker's mappings, 256 KiB a file */
#define MAP_BYTES (256ul << 10)
#define MAP_PAGES (MAP_BYTES / 4096)
#define MAP_MAX_FILES 56 /* 56 * 7 chunks fit the slots */
#define FS_SET_SIZE 8u   /* struct fs_setattr mask: the size (the VFS's VFS_SET_SIZE) */
#define WAIT_STEPS 3000  /* of 10 ms: how long to wait for the other side */

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}

/* What the sandbox has used of its quota (sysinfo reports the kernel's figure). */
static unsigned long sandbox_used(void)
{
    struct sysinfo si;
    if (sysinfo(&si))
        return 0;
    return (si.totalram - si.freeram) * si.mem_unit;
}

static void poke_init(void);

/* The sandbox's figure once it stays the same for 150 ms (what a dropped session held
 * comes back when the server sees its last capability go). */
static unsigned long settled_used(void)
{
    poke_init();
    unsigned long a = sandbox_used(), b;
    for (int i = 0; i < 20; i++, a = b) {
        sleep_ms(150);
        if ((b = sandbox_used()) == a)
            break;
    }
    return a;
}

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static uint64_t waited_ms; /* how long the last sandbox_back_to waited */

/* Waits up to two seconds for the sandbox's figure to be want again. */
static unsigned long sandbox_back_to(unsigned long want)
{
    poke_init();
    uint64_t t0 = now_ms();
    unsigned long now = sandbox_used();
    while (now != want && now_ms() - t0 < 2000) {
        sleep_ms(10);
        now = sandbox_used();
    }
    waited_ms = now_ms() - t0;
    return now;
}

static int wait_for(const char *path)
{
    struct stat st;
    for (int i = 0; i < WAIT_STEPS; i++) {
        if (stat(path, &st) == 0)
            return 0;
        sleep_ms(10);
    }
    return -1;
}

static int touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    return fd < 0 ? -1 : close(fd);
}

/* ---- sessions and the File_system protocol, natively ---- */

static const struct rt_info *info(void)
{
    return (const struct rt_info *)RT_INFO_ADDR;
}

static struct cx_ipcbuf *ipcbuf(void)
{
    return (struct cx_ipcbuf *)RT_IPCBUF_ADDR;
}

static bool slot_empty(uint64_t slot)
{
    return native(CX_SYS_cap_info, slot, 0, 0, 0, 0, 0).err == CX_E_EMPTY_SLOT;
}

static void slot_clear(uint64_t slot)
{
    native(CX_SYS_cap_delete, slot, 0, 0, 0, 0, 0);
}

/* Asks the launcher for a session of service labelled label, with bytes of our quota
 * donated, its endpoint and memory at our slots slot_ep and slot_mem: the session's id,
 * or -errno. */
static long service_request(const char *service, const char *label, uint64_t bytes,
                            uint64_t slot_ep, uint64_t slot_mem)
{
    enum { SW = CX_SESSION_SERVICE_WORDS, W = SW + CX_SESSION_LABEL_WORDS };
    uint64_t words[W];
    memset(words, 0, sizeof(words));
    strncpy((char *)words, service, SW * 8 - 1);
    strncpy((char *)(words + SW), label, CX_SESSION_LABEL_WORDS * 8 - 1);
    struct cx_ipcbuf *b = ipcbuf();
    memcpy(b->words + 4, words + 4, (W - 4) * 8);
    b->words[W] = bytes;
    b->words[W + 1] = slot_ep;
    b->words[W + 2] = slot_mem;
    struct nret r = native(CX_SYS_ipc_call, info()->slot_parent, CX_TAG(RT_LABEL_SESSION, W + 3, 0),
                           words[0], words[1], words[2], words[3]);
    return r.err ? -EIO : (long)r.rdx;
}

static long session_request(const char *label, uint64_t bytes, uint64_t slot_ep, uint64_t slot_mem)
{
    return service_request("File_system", label, bytes, slot_ep, slot_mem);
}

/* init keeps its copies of a session's capabilities until its next message
 * (init/session.c, session_defer_free), so the session a client dropped last ends only
 * then: a request init refuses (no route for the service) is that message. */
static void poke_init(void)
{
    service_request("Nothing", "poke", SESSION_BYTES, SLOT_EP, SLOT_MEM);
}

static void session_drop(long id)
{
    native(CX_SYS_ipc_call, info()->slot_parent, CX_TAG(RT_LABEL_SHARED_DROP, 1, 0), (uint64_t)id,
           0, 0, 0);
}

/* A session of ours with its buffer mapped at BUF_VA. */
static long session_open(const char *label, uint64_t bytes)
{
    long id = session_request(label, bytes, SLOT_EP, SLOT_MEM);
    if (id > 0 &&
        native(CX_SYS_map, info()->slot_pd, SLOT_MEM, 0, BUF_VA, FS_BUF_PAGES, CX_MAP_R | CX_MAP_W)
            .err) {
        slot_clear(SLOT_EP);
        slot_clear(SLOT_MEM);
        session_drop(id);
        return -ENOMEM;
    }
    return id;
}

static void session_close(long id)
{
    native(CX_SYS_unmap, info()->slot_pd, BUF_VA, FS_BUF_PAGES, 0, 0, 0);
    slot_clear(SLOT_EP);
    slot_clear(SLOT_MEM);
    session_drop(id);
}

static struct fs_buf *fsbuf(void)
{
    return (struct fs_buf *)BUF_VA;
}

/* One request on our session: r[0] the result (or -EIO), r[1..4] the other words; a
 * capability in the answer lands in recv_slot. */
static int64_t fs_req(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                      uint64_t recv_slot, int64_t r[5])
{
    struct cx_ipcbuf *b = ipcbuf();
    b->words[4] = a3;
    b->words[5] = 0;
    b->recv_slots[0] = recv_slot;
    struct nret n =
        native(CX_SYS_ipc_call, SLOT_EP, CX_TAG(FS_LABEL_REQUEST, 6, 0), op, a0, a1, a2);
    b->recv_slots[0] = 0;
    int64_t v[5] = {n.err ? -EIO : (int64_t)n.rdx, (int64_t)n.r10, (int64_t)n.r8, (int64_t)n.r9,
                    (int64_t)b->words[4]};
    if (r)
        memcpy(r, v, sizeof(v));
    return v[0];
}

/* name into the buffer; its length */
static uint64_t put_name(const char *name)
{
    size_t n = strlen(name);
    memcpy(fsbuf()->data, name, n);
    return n;
}

static int64_t fs_create(int64_t dir, const char *name)
{
    uint64_t n = put_name(name);
    return fs_req(FS_CREATE, (uint64_t)dir, n, S_IFREG | 0600, 0, 0, NULL);
}

static int64_t fs_resize(int64_t node, uint64_t size)
{
    struct fs_setattr a = {.mask = FS_SET_SIZE, .size = size};
    memcpy(fsbuf()->data, &a, sizeof(a));
    return fs_req(FS_SETATTR, (uint64_t)node, 0, 0, 0, 0, NULL);
}

/* ---- 1. sessions ---- */

/* One session asked for and dropped at once: our copies deleted, the launcher told. */
static long churn_once(void)
{
    long id = session_request("churn", SESSION_BYTES, SLOT_EP, SLOT_MEM);
    if (id <= 0)
        return id < 0 ? id : -EIO;
    slot_clear(SLOT_EP);
    slot_clear(SLOT_MEM);
    session_drop(id);
    return 0;
}

/* One session whose copy into this process fails: one of the two slots is in use
 * (which one alternates). 0 when the request failed and left nothing here. */
static int failed_copy_once(unsigned k)
{
    uint64_t slot_ep = k % 2 ? SLOT_BUSY : SLOT_EP, slot_mem = k % 2 ? SLOT_EP : SLOT_BUSY;
    long id = session_request("churn", SESSION_BYTES, slot_ep, slot_mem);
    int left = !slot_empty(SLOT_EP) || slot_empty(SLOT_BUSY);
    slot_clear(SLOT_EP);
    if (id > 0) { /* granted after all: give it back */
        session_drop(id);
        return -1;
    }
    return left ? -1 : 0;
}

/* A new session makes, writes, reads and removes a file: 0, or -errno. */
static int fresh_session(void)
{
    long id = session_open("fresh", SESSION_BYTES);
    if (id <= 0)
        return id < 0 ? (int)id : -EIO;
    int64_t r[5], root = fs_req(FS_ATTACH, 0, 0, 0, 0, 0, NULL), node = -1, h = -1;
    int err = root < 0 ? (int)root : 0;
    if (!err && (node = fs_create(root, "fresh")) < 0)
        err = (int)node;
    if (!err && (h = fs_req(FS_OPEN, (uint64_t)node, O_RDWR, 0, 0, 0, NULL)) < 0)
        err = (int)h;
    if (!err) {
        memcpy(fsbuf()->data, "fresh", 5);
        if (fs_req(FS_WRITE, (uint64_t)h, 5, 0, 0, 0, r) != 5 ||
            fs_req(FS_READ, (uint64_t)h, 5, 0, 0, 0, r) != 5 || memcmp(fsbuf()->data, "fresh", 5))
            err = -EIO;
    }
    if (h > 0)
        fs_req(FS_CLOSE, (uint64_t)h, 0, 0, 0, 0, NULL);
    if (node > 0) {
        fs_req(FS_RELEASE, (uint64_t)node, 0, 0, 0, 0, NULL);
        fs_req(FS_UNLINK, (uint64_t)root, put_name("fresh"), 0, 0, 0, NULL);
    }
    session_close(id);
    return err;
}

static void sessions_attack(int rounds)
{
    if (native(CX_SYS_cap_copy, CX_SLOT_LOG, CX_SLOT_SELF_PD, SLOT_BUSY, CX_R_ALL, 0, 0).err) {
        check("sessions", 0, "cannot fill slot %d", SLOT_BUSY);
        return;
    }
    /* a few rounds first, so that the launcher's and the server's heaps have grown */
    for (int i = 0; i < 4; i++)
        churn_once();
    unsigned long used0 = settled_used();
    int refused = 0, first_err = 0, at = -1;
    for (int i = 0; i < rounds; i++) {
        long r = churn_once();
        if (r < 0 && !refused++)
            first_err = (int)-r, at = i;
    }
    unsigned long used1 = sandbox_back_to(used0);
    check("sessions dropped before any request", !refused && used1 == used0,
          "%d asked for and dropped, %d refused (the first, round %d: %s); sandbox used %lu "
          "bytes before, %lu after",
          rounds, refused, at, first_err ? strerror(first_err) : "-", used0, used1);
    int bad = 0;
    for (int k = 0; k < rounds / 2; k++)
        bad += failed_copy_once((unsigned)k) != 0;
    unsigned long used2 = sandbox_back_to(used0);
    check("sessions whose copy failed", !bad && used2 == used0,
          "%d with a slot in use, %d left something in the process or were granted; sandbox "
          "used %lu bytes before, %lu after",
          rounds / 2, bad, used0, used2);
    slot_clear(SLOT_BUSY);
    int fresh = fresh_session();
    check("a fresh session after the churn", fresh == 0, "makes, writes and reads a file: %s",
          fresh ? strerror(-fresh) : "yes");
}

/* ---- 2. mappings ---- */

/* Page tables and capability-space chunks of ours for the attacker's mappings, made before the
 * figures are taken (a domain keeps its page tables): one page mapped and unmapped in every 2 MiB.
 */
static void warm_page_tables(void)
{
    uint64_t m = CHUNK_SLOTS;
    if (native(CX_SYS_mem_create, info()->slot_quota, 1, m, 0, 0, 0).err)
        return;
    for (uint64_t va = MAP_VA; va < MAP_VA + MAP_MAX_FILES * MAP_BYTES + (2ul << 20);
         va += 2ul << 20)
        if (!native(CX_SYS_map, info()->slot_pd, m, 0, va, 1, CX_MAP_R).err)
            native(CX_SYS_unmap, info()->slot_pd, va, 1, 0, 0, 0);
    slot_clear(m);
    /* and the capability space's chunks of those slots, made (and charged) at the first
     * look into them: one look per slot (docs/kernel-abi.md) */
    for (uint64_t s = CHUNK_SLOTS; s < CHUNK_SLOTS_END; s++)
        native(CX_SYS_cap_info, s, 0, 0, 0, 0, 0);
}

/* The attacker's files: made, grown, every chunk mapped and written, truncated (but
 * file 0) until the server refuses; *err its answer. Returns the files done. */
static int map_files(int64_t root, uint64_t *next_slot, int *err)
{
    int files;
    *err = 0;
    for (files = 0; files < MAP_MAX_FILES && !*err; files++) {
        char name[32];
        snprintf(name, sizeof(name), "a-%d", files);
        int64_t r[5], node = fs_create(root, name), h = -1;
        if (node < 0 || (h = fs_req(FS_OPEN, (uint64_t)node, O_RDWR, 0, 0, 0, NULL)) < 0 ||
            (r[0] = fs_resize(node, MAP_BYTES)) < 0) {
            *err = (int)(node < 0 ? -node : h < 0 ? -h : -r[0]);
            break;
        }
        uint64_t va = MAP_VA + (uint64_t)files * MAP_BYTES;
        for (uint64_t page = 0; page < MAP_PAGES && !*err;) {
            uint64_t slot = *next_slot;
            while (slot < CHUNK_SLOTS_END && !slot_empty(slot))
                slot++;
            if (slot == CHUNK_SLOTS_END) {
                *err = EMFILE;
                break;
            }
            if (fs_req(FS_MAP, (uint64_t)h, page, 0, 0, slot, r) < 0) {
                *err = (int)-r[0];
                break;
            }
            *next_slot = slot + 1;
            uint64_t first = (uint64_t)r[1], pages = (uint64_t)r[2];
            if (first != page || !pages || first + pages > MAP_PAGES ||
                native(CX_SYS_map, info()->slot_pd, slot, 0, va + first * 4096, pages,
                       CX_MAP_R | CX_MAP_W)
                    .err) {
                *err = EPROTO;
                break;
            }
            for (uint64_t p = 0; p < pages; p++)
                ((volatile uint8_t *)va)[(first + p) * 4096 + 7] = (uint8_t)(files + first + p);
            page = first + pages;
        }
        if (!*err && files > 0 && fs_resize(node, 0) < 0)
            *err = ENOSPC;
        fs_req(FS_CLOSE, (uint64_t)h, 0, 0, 0, 0, NULL);
        fs_req(FS_RELEASE, (uint64_t)node, 0, 0, 0, 0, NULL);
        if (*err)
            break;
    }
    return files;
}

/* File 0 read with the ordinary /tmp: what its mapping wrote, page by page. */
static int file0_intact(void)
{
    static uint8_t data[MAP_BYTES];
    int fd = open("/tmp/a-0", O_RDONLY);
    ssize_t n = fd >= 0 ? pread(fd, data, sizeof(data), 0) : -1;
    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)sizeof(data))
        return 0;
    for (uint64_t p = 0; p < MAP_PAGES; p++)
        if (data[p * 4096 + 7] != (uint8_t)p)
            return 0;
    return 1;
}

static void maps_attack(void)
{
    warm_page_tables();
    unsigned long used0 = settled_used();
    long id = session_open("map", MAP_SESSION_BYTES);
    int64_t root = id > 0 ? fs_req(FS_ATTACH, 0, 0, 0, 0, 0, NULL) : -EIO;
    if (root < 0) {
        check("mappings", 0, "no session to map on: %s", strerror((int)-root));
        return;
    }
    uint64_t next_slot = CHUNK_SLOTS;
    int err, files = map_files(root, &next_slot, &err);
    check("the mapping attacker is stopped", err == ENOMEM || err == ENOSPC,
          "%d files of 256 KiB made, mapped and written, all but the first truncated while "
          "mapped; then %s",
          files, err ? strerror(err) : "no refusal");
    /* the other sandbox maps files while the attacker holds all it got */
    int answered = touch("/tmp/attacker.limit") == 0 ? wait_for("/tmp/victim.done") : -1;
    check("the victim's answer", answered == 0, "%s",
          answered == 0 ? "the victim is done" : "no answer from the victim");
    /* the session goes with everything still mapped here */
    fs_req(FS_RELEASE, (uint64_t)root, 0, 0, 0, 0, NULL);
    session_close(id);
    unsigned long used1 = sandbox_back_to(used0);
    check("quota after the mapping session's end", used1 == used0,
          "sandbox used %lu bytes before, %lu after (%lu ms after the drop)", used0, used1,
          (unsigned long)waited_ms);
    check("a mapped file's bytes outlive the session that mapped them", file0_intact(),
          "/tmp/a-0 read back");
    for (uint64_t s = CHUNK_SLOTS; s < next_slot; s++) /* dead capabilities by now */
        slot_clear(s);
    for (int i = 0; i <= files; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/tmp/a-%d", i);
        unlink(path);
    }
    unlink("/tmp/attacker.limit");
    unlink("/tmp/victim.done");
    unlink("/tmp/victim.ready");
}

/* ---- the victim ---- */

/* One file the victim makes, maps, writes through the mapping and reads back. */
static int victim_file(int k)
{
    char path[64], want[64], got[64] = "";
    snprintf(path, sizeof(path), "/tmp/v-%d", k);
    snprintf(want, sizeof(want), "victim file %d, written through its mapping", k);
    size_t n = strlen(want);
    off_t at = (k * 4096 + 100) % (64 << 10);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 64 << 10))
        return -1;
    char *p = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return -1;
    memcpy(p + at, want, n);
    int ok = pread(fd, got, n, at) == (ssize_t)n && !memcmp(got, want, n);
    munmap(p, 64 << 10);
    ok &= close(fd) == 0 && unlink(path) == 0;
    return ok ? 0 : -1;
}

static int victim(void)
{
    if (touch("/tmp/victim.ready") || wait_for("/tmp/attacker.limit")) {
        check("victim", 0, "the attacker never reached its limit");
        return 1;
    }
    int bad = 0, e = 0;
    for (int k = 0; k < 4; k++)
        if (victim_file(k) != 0)
            bad++, e = errno;
    check("another session maps while the attacker is at its limit", !bad,
          "4 files made, mapped, written and read back: %d failed (%s)", bad,
          bad ? strerror(e) : "-");
    touch("/tmp/victim.done");
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "victim"))
        return victim();
    if (argc != 3 || strcmp(argv[1], "attacker")) {
        fprintf(stderr, "usage: fsattack attacker ROUNDS | fsattack victim\n");
        return 2;
    }
    if (native_init()) {
        check("attacker", 0, "no native-call gadget in the runtime");
        return 1;
    }
    if (wait_for("/tmp/victim.ready")) {
        check("attacker", 0, "the victim never started");
        return 1;
    }
    sessions_attack(atoi(argv[2]));
    maps_attack();
    printf("fsattack: done, %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
