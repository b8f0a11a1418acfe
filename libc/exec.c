/*
 * Loading a program from the process's own VFS into its address space, and the initial
 * stack musl expects (argc, argv, envp, auxv). Used at start-up (start.c); execve will
 * use it as well. The file's first bytes (its ELF and program headers) are read into a
 * block of the runtime heap and checked by lib/elf (elf_parse_head); each PT_LOAD
 * segment's file bytes are then read straight to their addresses in one memory object
 * mapped there with each page's permissions (its .bss and the gaps are the object's
 * zero-filled pages, touched only when the program touches them).
 */
#include <capix/elf.h>
#include <string.h>
#include <vfs_plugins.h>
#include "creds.h"
#include "runtime.h"

#define STATIC_PIE_BASE 0x555555554000ul

uint64_t rt_brk_start;
char rt_exe_path[4096] = "";
const char *rt_cmdline = "";
size_t rt_cmdline_len;
const char *rt_environ = "";
size_t rt_environ_len;
static struct vfs_file *exe_file; /* for symbols in fault reports */
static uint64_t exe_bias;
static uint64_t image_va, image_pages, image_slot; /* the program's segments */
static uint64_t stack_slot;                        /* the program's stack */
/* The program's areas as maps shows them (rt_exe_area), ascending: each PT_LOAD segment
 * (the first 16) is a part of the file [page of vaddr, page after vaddr + filesz) and,
 * when memsz reaches further, a part of zeros (its .bss), as Linux's loader maps them;
 * mprotect splits them (rt_exe_protect). */
#define EXE_AREAS 48
static struct exe_area {
    uint64_t start, end, offset; /* offset: in the file; ~0: the zeros part */
    uint8_t prot;
} exe_areas[EXE_AREAS];
static unsigned exe_nareas;
static uint64_t exe_dev, exe_ino; /* the program file's st_dev and st_ino */

static uint64_t page_up(uint64_t x);

/* Adds the areas of segment s (at its loaded address) after those before it. */
static void exe_area_add(const struct elf_segment *s, uint64_t bias)
{
    uint64_t va = s->vaddr + bias, lo = va & ~(CX_PAGE_SIZE - 1);
    uint64_t file_end = page_up(va + s->filesz), mem_end = page_up(va + s->memsz);
    uint8_t prot =
        (uint8_t)((s->flags & ELF_PF_R ? PROT_READ : 0) | (s->flags & ELF_PF_W ? PROT_WRITE : 0) |
                  (s->flags & ELF_PF_X ? PROT_EXEC : 0));
    uint64_t prev = exe_nareas ? exe_areas[exe_nareas - 1].end : 0;
    uint64_t from = lo < prev ? prev : lo;
    if (from < file_end && exe_nareas < EXE_AREAS)
        exe_areas[exe_nareas++] = (struct exe_area){
            from, file_end, (s->offset & ~(CX_PAGE_SIZE - 1)) + (from - lo), prot};
    if (file_end > from)
        from = file_end;
    if (from < mem_end && exe_nareas < EXE_AREAS)
        exe_areas[exe_nareas++] = (struct exe_area){from, mem_end, ~0ull, prot};
}

static uint64_t page_up(uint64_t x)
{
    return (x + CX_PAGE_SIZE - 1) & ~(CX_PAGE_SIZE - 1);
}

/* Reads the whole of f into a scratch memory object mapped at RT_SCRATCH_ADDR (fault
 * reports' symbols). */
static long read_whole(struct vfs_file *f, uint64_t size, uint64_t *slot)
{
    if (size > RT_SCRATCH_MAX)
        return -ENOMEM;
    uint64_t pages = page_up(size ? size : 1) / CX_PAGE_SIZE;
    *slot = rt_slot_alloc();
    if (!*slot)
        return -ENOMEM;
    if (cx_mem_create(rt->slot_quota, pages, *slot)) {
        rt_slot_free(*slot);
        return -ENOMEM;
    }
    if (cx_map(rt->slot_pd, *slot, 0, RT_SCRATCH_ADDR, pages, CX_MAP_R | CX_MAP_W)) {
        cx_cap_delete(*slot);
        rt_slot_free(*slot);
        return -ENOMEM;
    }
    for (uint64_t done = 0; done < size;) {
        int64_t r = vfs_file_pread(f, (char *)RT_SCRATCH_ADDR + done, size - done, done);
        if (r <= 0) {
            cx_unmap(rt->slot_pd, RT_SCRATCH_ADDR, pages);
            cx_cap_delete(*slot);
            rt_slot_free(*slot);
            return r < 0 ? r : -EIO;
        }
        done += (uint64_t)r;
    }
    return 0;
}

/* The head of a program's file: its first bytes, enough for elf_parse_head. */
#define HEAD_FIRST 1024ul     /* read first: the headers of any usual program */
#define HEAD_MAX (64ul << 10) /* read when they reach further (Linux: at most 64 KiB of them) */
struct exe_head {
    unsigned char *buf; /* rt_alloc'd, size bytes */
    size_t size, have;  /* have: the file's bytes in buf */
};

/* Reads up to want bytes from the start of f (of size bytes) into a new head. */
static long head_read(struct vfs_file *f, uint64_t size, size_t want, struct exe_head *h)
{
    h->size = size < want ? (size ? (size_t)size : 1) : want;
    h->have = 0;
    h->buf = rt_alloc(h->size);
    if (!h->buf)
        return -ENOMEM;
    while (h->have < h->size && h->have < size) {
        int64_t r = vfs_file_pread(f, h->buf + h->have, h->size - h->have, h->have);
        if (r <= 0) {
            rt_free(h->buf, h->size);
            h->buf = NULL;
            return r < 0 ? r : -EIO;
        }
        h->have += (size_t)r;
    }
    return 0;
}

static void head_free(struct exe_head *h)
{
    if (h->buf)
        rt_free(h->buf, h->size);
    h->buf = NULL;
}

static _Noreturn void exec_commit(const char *path, struct vfs_file *f, const struct elf_info *eip,
                                  struct exe_head head, const char *const argv[],
                                  const char *const envp[]);

static void drop_scratch(uint64_t slot, uint64_t size)
{
    cx_unmap(rt->slot_pd, RT_SCRATCH_ADDR, page_up(size ? size : 1) / CX_PAGE_SIZE);
    cx_cap_delete(slot);
    rt_slot_free(slot);
}

static uint64_t map_flags(uint32_t pf)
{
    return CX_MAP_R | (pf & ELF_PF_W ? CX_MAP_W : 0) | (pf & ELF_PF_X ? CX_MAP_X : 0);
}

/* A program with its own tree (a rule, docs/sandboxes.md) is read whole into the scratch
 * window before the tree is entered, since the new tree may not hold its file system
 * (rt_program_enter then drops the file): its segments come from there. 0: none. */
static uint64_t whole_slot, whole_size;

/* The program's file read whole for its own tree (whole_slot); 0 or -errno. */
static long read_whole_for_rule(struct vfs_file *f, const struct elf_info *ei)
{
    return read_whole(f, ei->len, &whole_slot) ? -ENOMEM : (whole_size = ei->len, 0);
}

static bool read_from_chunks(char *dst, uint64_t len, uint64_t off);

/* Reads len bytes of f at off to dst (from the scratch copy when there is one: the
 * ranges were checked against its length by elf_parse_head; else from a chunk of the
 * file this exec holds, else by reading the file). */
static long read_at(struct vfs_file *f, char *dst, uint64_t len, uint64_t off)
{
    if (whole_slot) {
        if (off > whole_size || len > whole_size - off)
            return -EIO;
        memcpy(dst, (const char *)RT_SCRATCH_ADDR + off, len);
        return 0;
    }
    if (read_from_chunks(dst, len, off))
        return 0;
    if (!f)
        return -EIO;
    for (uint64_t done = 0; done < len;) {
        int64_t r = vfs_file_pread(f, dst + done, len - done, off + done);
        if (r <= 0)
            return r < 0 ? r : -EIO; /* shorter than when checked */
        done += (uint64_t)r;
    }
    return 0;
}

/*
 * A program's read-only segments mapped from its file system's pages where it lends
 * them executable (FS_MAP_EXEC: a server whose files never change, as the rootfs): the
 * same frames in every process of the session that runs the program, as Linux's page
 * cache gives them. Nothing is copied, and an emulator that keeps its translations of
 * code by physical page (QEMU's TCG) keeps them from one exec to the next. Each range
 * is a part of one memory object (a chunk of the file) whose capability the runtime
 * holds until the image goes; a fork child maps the same (CX_MAP_SHARE). A range that
 * mprotect makes writable becomes a private copy first (exe_private).
 */
#define SHARED_MAX 32
static struct shared_range {
    uint64_t va, pages, slot;
    uint8_t flags; /* CX_MAP_R/X as mapped */
    bool private_; /* a private copy now (slot: its object) */
} shared[SHARED_MAX];
static unsigned nshared;

/*
 * The chunks of the program's file this exec got (FS_MAP), asked for a few at a time:
 * the first request takes the chunk that holds the first page shared and the ones after
 * it up to chunks_want (the end of the shared ranges), up to seven in one answer, so a
 * small program's segments cost one request, not one a chunk. Each shared range holds
 * its own capability (a copy where two ranges use one chunk); chunks_drop gives up the
 * rest at the end of the exec.
 */
#define EXE_CHUNKS 24
static struct exe_chunk {
    uint64_t mem, first, pages;
    bool used; /* a shared range holds mem */
} chunks[EXE_CHUNKS];
static unsigned nchunks;
static uint64_t chunks_want; /* the file page where the shared ranges end */
static bool chunks_exec;     /* the file system lends them executable (FS_MAP_EXEC) */

static struct exe_chunk *chunk_for(struct vfs_file *f, uint64_t fp)
{
    for (unsigned i = 0; i < nchunks; i++)
        if (fp >= chunks[i].first && fp - chunks[i].first < chunks[i].pages)
            return &chunks[i];
    if (nchunks == EXE_CHUNKS)
        return NULL;
    /* chunk k + 1 starts at page 2^k, and each doubles */
    unsigned more = 0;
    for (uint64_t next = fp ? 2ull << (63 - __builtin_clzll(fp)) : 1;
         next < chunks_want && more < VFS_MAP_MORE && nchunks + 1 + more < EXE_CHUNKS; next *= 2)
        more++;
    struct vfs_map m;
    if (vfs_file_map(f, fp, more, &m))
        return NULL;
    struct exe_chunk *c = &chunks[nchunks];
    chunks[nchunks++] = (struct exe_chunk){m.mem, m.first, m.pages, false};
    for (unsigned i = 0; i < m.nmore; i++)
        chunks[nchunks++] =
            (struct exe_chunk){m.more[i].mem, m.more[i].first, m.more[i].pages, false};
    chunks_exec = m.executable;
    return c;
}

/* Copies [off, off + len) of the file from the chunk that holds all of it, mapped for
 * the copy in the scratch window (free while no whole copy is there); false when none
 * does (the caller reads the file). */
static bool read_from_chunks(char *dst, uint64_t len, uint64_t off)
{
    for (unsigned i = 0; i < nchunks && !whole_slot; i++) {
        const struct exe_chunk *c = &chunks[i];
        uint64_t lo = c->first * CX_PAGE_SIZE, bytes = c->pages * CX_PAGE_SIZE;
        if (off < lo || off - lo > bytes || len > bytes - (off - lo) ||
            c->pages > RT_SCRATCH_MAX / CX_PAGE_SIZE)
            continue;
        if (cx_map(rt->slot_pd, c->mem, 0, RT_SCRATCH_ADDR, c->pages, CX_MAP_R))
            return false;
        memcpy(dst, (const char *)RT_SCRATCH_ADDR + (off - lo), len);
        cx_unmap(rt->slot_pd, RT_SCRATCH_ADDR, c->pages);
        return true;
    }
    return false;
}

static void chunks_drop(void)
{
    for (unsigned i = 0; i < nchunks; i++)
        if (!chunks[i].used) {
            cx_cap_delete(chunks[i].mem);
            rt_slot_free(chunks[i].mem);
        }
    nchunks = 0;
}

/* Maps what it can of segment sg's pages from f's pages: those not shared with the
 * segments before and after it (prev_end: where the one before ends, next_lo: the page
 * where the one after starts). False when the file system lends none. */
static bool share_segment(struct vfs_file *f, const struct elf_segment *sg, uint64_t bias,
                          uint64_t prev_end, uint64_t next_lo)
{
    if ((sg->flags & ELF_PF_W) || sg->memsz != sg->filesz || !sg->filesz ||
        ((sg->vaddr - sg->offset) & (CX_PAGE_SIZE - 1)))
        return true; /* written, with zeros after the file's bytes, or not aligned */
    uint64_t a = sg->vaddr & ~(CX_PAGE_SIZE - 1), b = page_up(sg->vaddr + sg->filesz);
    if (a < prev_end)
        a += CX_PAGE_SIZE;
    if (b > next_lo)
        b = next_lo;
    uint64_t fp = ((sg->offset & ~(CX_PAGE_SIZE - 1)) + (a - (sg->vaddr & ~(CX_PAGE_SIZE - 1)))) /
                  CX_PAGE_SIZE;
    uint8_t flags = (uint8_t)map_flags(sg->flags);
    while (a < b && nshared < SHARED_MAX) {
        struct exe_chunk *c = chunk_for(f, fp);
        if (!c)
            return nshared > 0;
        uint64_t slot = c->mem, in = fp - c->first, n = c->pages - in;
        if (n > (b - a) / CX_PAGE_SIZE)
            n = (b - a) / CX_PAGE_SIZE;
        if (c->used &&
            (!(slot = rt_slot_alloc()) || cx_cap_copy(c->mem, rt->slot_pd, slot, CX_R_ALL, 0))) {
            if (slot)
                rt_slot_free(slot);
            return false;
        }
        if (!chunks_exec || cx_map(rt->slot_pd, slot, in, bias + a, n, flags | CX_MAP_SHARE)) {
            if (c->used) {
                cx_cap_delete(slot);
                rt_slot_free(slot);
            }
            return false;
        }
        c->used = true;
        shared[nshared++] = (struct shared_range){bias + a, n, slot, flags, false};
        a += n * CX_PAGE_SIZE;
        fp += n;
    }
    return true;
}

/* The end of the first shared range at or after va that starts before end, else end;
 * *from: its start (end when none). */
static uint64_t shared_next(uint64_t va, uint64_t end, uint64_t *from)
{
    for (unsigned i = 0; i < nshared; i++)
        if (shared[i].va + shared[i].pages * CX_PAGE_SIZE > va && shared[i].va < end) {
            *from = shared[i].va > va ? shared[i].va : va;
            return shared[i].va + shared[i].pages * CX_PAGE_SIZE;
        }
    *from = end;
    return end;
}

/* Maps the private object m (from page lo of the image at base) over [va, end) but the
 * shared ranges, with flags; or protects those parts (protect). 0 or -ENOMEM. */
static long private_parts(uint64_t m, uint64_t base, uint64_t va, uint64_t end, uint64_t flags,
                          bool protect)
{
    while (va < end) {
        uint64_t from, next = shared_next(va, end, &from);
        if (from > va && (protect ? cx_protect(rt->slot_pd, va, (from - va) / CX_PAGE_SIZE, flags)
                                  : cx_map(rt->slot_pd, m, (va - base) / CX_PAGE_SIZE, va,
                                           (from - va) / CX_PAGE_SIZE, flags)))
            return -ENOMEM;
        va = next > from ? next : end;
    }
    return 0;
}

/* Reads len bytes of f at off to dst but where dst is in a shared range. */
static long read_private(struct vfs_file *f, uint64_t dst, uint64_t len, uint64_t off)
{
    uint64_t end = dst + len;
    while (dst < end) {
        uint64_t from, next = shared_next(dst, end, &from);
        if (from > dst) {
            long r = read_at(f, (char *)dst, from - dst, off);
            if (r)
                return r;
        }
        if (next >= end)
            break;
        off += next - dst;
        dst = next;
    }
    return 0;
}

/* Makes the shared ranges over [addr, addr + len) private copies, as mprotect asks to
 * write there (Linux's private mappings copy on write). */
void rt_exe_private(uint64_t addr, uint64_t len)
{
    uint64_t end = addr + page_up(len);
    for (unsigned i = 0; i < nshared; i++) {
        struct shared_range *sr = &shared[i];
        uint64_t bytes = sr->pages * CX_PAGE_SIZE;
        if (sr->private_ || sr->va >= end || sr->va + bytes <= addr)
            continue;
        uint64_t m = rt_slot_alloc();
        char *page = rt_alloc(CX_PAGE_SIZE);
        if (!m || !page || cx_mem_create(rt->slot_quota, sr->pages, m)) {
            if (m)
                rt_slot_free(m);
            if (page)
                rt_free(page, CX_PAGE_SIZE);
            return; /* mprotect then fails: the pages stay as they were */
        }
        for (uint64_t k = 0; k < sr->pages; k++) {
            uint64_t va = sr->va + k * CX_PAGE_SIZE;
            memcpy(page, (const void *)va, CX_PAGE_SIZE);
            cx_unmap(rt->slot_pd, va, 1);
            cx_map(rt->slot_pd, m, k, va, 1, CX_MAP_R | CX_MAP_W | CX_MAP_X);
            memcpy((void *)va, page, CX_PAGE_SIZE);
        }
        cx_protect(rt->slot_pd, sr->va, sr->pages, sr->flags);
        rt_free(page, CX_PAGE_SIZE);
        cx_cap_delete(sr->slot);
        rt_slot_free(sr->slot);
        sr->slot = m;
        sr->private_ = true;
    }
}

/* The shared ranges go (teardown: the image's unmapping took their pages). */
static void shared_drop(void)
{
    for (unsigned i = 0; i < nshared; i++) {
        cx_cap_delete(shared[i].slot); /* a fork child's slots are empty: harmless */
        rt_slot_free(shared[i].slot);
    }
    nshared = 0;
}

/* Maps the image's PT_LOAD segments at bias, reading their bytes from f (its read-only
 * segments from f's pages where its file system lends them: share_segment). */
static long load_segments_from(const struct elf_info *ei, uint64_t bias, struct vfs_file *file)
{
    uint64_t lo = ei->load_min & ~(CX_PAGE_SIZE - 1);
    uint64_t pages = page_up(ei->load_max - lo) / CX_PAGE_SIZE;
    /* the segments, read once (a program has a handful; past LOAD_SEGS, each page asks
     * elf_load_segment again) */
    enum { LOAD_SEGS = 16 };
    struct elf_segment seg, segs[LOAD_SEGS];
    unsigned nseg = 0;
    while (elf_load_segment(ei, nseg, &seg) == 0) {
        if (nseg < LOAD_SEGS)
            segs[nseg] = seg;
        nseg++;
    }
    nshared = 0;
    chunks_want = 0; /* the chunks of every segment's bytes: the written ones are copied */
    for (unsigned i = 0; i < nseg && i < LOAD_SEGS; i++)
        if (segs[i].filesz && page_up(segs[i].offset + segs[i].filesz) / CX_PAGE_SIZE > chunks_want)
            chunks_want = page_up(segs[i].offset + segs[i].filesz) / CX_PAGE_SIZE;
    for (unsigned i = 0; file && !whole_slot && nseg <= LOAD_SEGS && i < nseg; i++) {
        uint64_t prev_end = i ? segs[i - 1].vaddr + segs[i - 1].memsz : 0;
        uint64_t next_lo = i + 1 < nseg ? segs[i + 1].vaddr & ~(CX_PAGE_SIZE - 1) : ~0ull;
        if (!share_segment(file, &segs[i], bias, prev_end, next_lo))
            break;
    }
    uint64_t m = rt_slot_alloc();
    if (!m || cx_mem_create(rt->slot_quota, pages, m))
        return -ENOMEM;
    image_va = bias + lo, image_pages = pages, image_slot = m;
    if (private_parts(m, bias + lo, bias + lo, bias + lo + pages * CX_PAGE_SIZE,
                      CX_MAP_R | CX_MAP_W, false))
        return -ENOMEM;
    for (unsigned i = 0; i < nseg; i++) {
        if (i >= LOAD_SEGS && elf_load_segment(ei, i, &seg) != 0)
            break;
        const struct elf_segment *sg = i < LOAD_SEGS ? &segs[i] : &seg;
        long r = read_private(file, bias + sg->vaddr, sg->filesz, sg->offset);
        if (r)
            return r;
    }
    exe_nareas = 0;
    for (unsigned i = 0; i < nseg && i < LOAD_SEGS; i++)
        exe_area_add(&segs[i], bias);
    /* each page gets the union of the flags of the segments on it: a segment's pages
     * its own, but for a first page it shares with the segments before it (ascending,
     * not overlapping: only the page where the last of them ended can be shared); the
     * shared ranges have theirs */
    uint64_t done = 0, last_flags = 0; /* pages set from lo on; the flags of the last */
    for (unsigned i = 0; i < nseg; i++) {
        if (i >= LOAD_SEGS && elf_load_segment(ei, i, &seg) != 0)
            break;
        const struct elf_segment *sg = i < LOAD_SEGS ? &segs[i] : &seg;
        if (!sg->memsz)
            continue;
        uint64_t from = (sg->vaddr & ~(CX_PAGE_SIZE - 1)) - lo, f = map_flags(sg->flags);
        uint64_t to = page_up(sg->vaddr + sg->memsz) - lo;
        if (from < done) { /* the page before done: shared */
            last_flags |= f;
            if (private_parts(m, 0, bias + lo + done - CX_PAGE_SIZE, bias + lo + done, last_flags,
                              true))
                return -ENOMEM;
            from = done;
        }
        if (from < to) {
            if (private_parts(m, 0, bias + lo + from, bias + lo + to, f, true))
                return -ENOMEM;
            done = to;
            last_flags = f;
        }
    }
    return 0;
}

static long load_segments(const struct elf_info *ei, uint64_t bias, struct vfs_file *file)
{
    long r = load_segments_from(ei, bias, file);
    chunks_drop(); /* the chunks no shared range holds */
    return r;
}

/* Builds the initial stack below RT_PROG_STACK_TOP; returns the stack pointer. */
static long build_stack(const struct elf_info *ei, uint64_t bias, const char *const argv[],
                        const char *const envp[], bool secure, uint64_t *sp)
{
    uint64_t m = rt_slot_alloc();
    const uint64_t base = RT_PROG_STACK_TOP - RT_PROG_STACK_PAGES * CX_PAGE_SIZE;
    if (!m || cx_mem_create(rt->slot_quota, RT_PROG_STACK_PAGES, m) ||
        cx_map(rt->slot_pd, m, 0, base, RT_PROG_STACK_PAGES, CX_MAP_R | CX_MAP_W))
        return -ENOMEM;
    stack_slot = m;
    unsigned argc = 0, envc = 0;
    size_t strings = 0;
    while (argv[argc])
        strings += strlen(argv[argc++]) + 1;
    while (envp[envc])
        strings += strlen(envp[envc++]) + 1;
    if (strings + 8 * (argc + envc) > 256 * 1024) /* Linux: a quarter of the stack limit */
        return -E2BIG;
    char *top = (char *)RT_PROG_STACK_TOP;
#define PUT_STR(str)                                                                               \
    ({                                                                                             \
        size_t n_ = strlen(str) + 1;                                                               \
        top -= n_;                                                                                 \
        memcpy(top, (str), n_);                                                                    \
        (uint64_t) top;                                                                            \
    })
    uint64_t execfn = PUT_STR(rt_exe_path);
    uint64_t platform = PUT_STR("x86_64");
    uint64_t execfn_end = (uint64_t)top; /* the argv strings go right below */
    /* strings of argv and envp, remembered in the vector area afterwards */
    uint64_t *ptrs = (uint64_t *)(((uint64_t)top - strings - 16) & ~7ul) - (argc + envc);
    for (unsigned i = 0; i < argc; i++)
        ptrs[i] = PUT_STR(argv[argc - 1 - i]); /* in reverse: argv strings end up in order */
    for (unsigned i = 0; i < argc / 2; i++) {
        uint64_t t = ptrs[i];
        ptrs[i] = ptrs[argc - 1 - i];
        ptrs[argc - 1 - i] = t;
    }
    rt_cmdline = argc ? (const char *)ptrs[0] : "";
    rt_cmdline_len = argc ? (size_t)(execfn_end - ptrs[0]) : 0;
    uint64_t env_end = (uint64_t)top; /* the environment's strings in order, right below */
    for (unsigned i = 0; i < envc; i++)
        ptrs[argc + envc - 1 - i] = PUT_STR(envp[envc - 1 - i]);
    rt_environ = envc ? (const char *)ptrs[argc] : "";
    rt_environ_len = envc ? (size_t)(env_end - ptrs[argc]) : 0;
    top -= 16;
    uint64_t random = (uint64_t)top;
    rt_random_bytes(top, 16);
    uint64_t auxv[][2] = {
        {3, ei->phdr_vaddr + bias}, /* AT_PHDR */
        {4, 56},                    /* AT_PHENT */
        {5, ei->phnum},             /* AT_PHNUM */
        {6, CX_PAGE_SIZE},          /* AT_PAGESZ */
        {7, 0},                     /* AT_BASE */
        {8, 0},                     /* AT_FLAGS */
        {9, ei->entry + bias},      /* AT_ENTRY */
        {11, rt_cred.uid.real},     /* AT_UID */
        {12, rt_cred.uid.eff},      /* AT_EUID */
        {13, rt_cred.gid.real},     /* AT_GID */
        {14, rt_cred.gid.eff},      /* AT_EGID */
        {16, 0x078bfbff},           /* AT_HWCAP: baseline x86-64 */
        {17, 100},                  /* AT_CLKTCK */
        {15, platform},             /* AT_PLATFORM */
        {23, secure},               /* AT_SECURE */
        {25, random},               /* AT_RANDOM */
        {31, execfn},               /* AT_EXECFN */
        {33, RT_VDSO_ADDR},         /* AT_SYSINFO_EHDR (replaced below when absent) */
        {0, 0},                     /* AT_NULL */
    };
    if (!rt->vdso)
        auxv[17][0] = 1; /* AT_IGNORE: no vDSO, clock_gettime takes the system call */
    uint64_t words = 1 + argc + 1 + envc + 1 + 2 * (sizeof(auxv) / 16);
    uint64_t *w = (uint64_t *)((((uint64_t)ptrs - 64 - words * 8)) & ~15ul);
    *sp = (uint64_t)w;
    *w++ = argc;
    for (unsigned i = 0; i < argc; i++)
        *w++ = ptrs[i];
    *w++ = 0;
    for (unsigned i = 0; i < envc; i++)
        *w++ = ptrs[argc + i];
    *w++ = 0;
    memcpy(w, auxv, sizeof(auxv));
    return 0;
#undef PUT_STR
}

/* The old program goes: its threads, mappings, stack, close-on-exec descriptors and
 * signal handlers. (In a fork child the slots of inherited objects are empty: deleting
 * them fails harmlessly, and unmapping by address frees the copies.) */
static void teardown(void)
{
    rt_threads_exec();
    rt_memory_reset();
    exe_nareas = 0;
    if (image_pages) {
        cx_unmap(rt->slot_pd, image_va, image_pages);
        cx_cap_delete(image_slot);
        rt_slot_free(image_slot);
        image_pages = 0;
    }
    shared_drop();
    if (stack_slot) {
        cx_unmap(rt->slot_pd, RT_PROG_STACK_TOP - RT_PROG_STACK_PAGES * CX_PAGE_SIZE,
                 RT_PROG_STACK_PAGES);
        cx_cap_delete(stack_slot);
        rt_slot_free(stack_slot);
        stack_slot = 0;
    }
    vfs_close_on_exec(rt_vfs);
    rt_signals_exec();
    rt_timers_exec();
    rt_sched_exec();
}

/* A `#!` script: runs INTERPRETER [ARG] PATH ARGV[1..] instead (Linux's rules: the rest
 * of the line after the interpreter is one argument; the line ends at 255 bytes). */
static long exec_script(const char *path, const char *text, uint64_t size, const char *const argv[],
                        const char *const envp[], int depth)
{
    char line[256];
    size_t n = 0;
    for (size_t i = 2; i < size && i < 257 && text[i] != '\n'; i++)
        line[n++] = text[i];
    line[n] = 0;
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    char *interp = p;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    char *arg = NULL;
    if (*p) {
        *p++ = 0;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t l = strlen(p);
        while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
            p[--l] = 0;
        if (*p)
            arg = p;
    }
    if (!*interp)
        return -ENOEXEC;
    unsigned argc = 0;
    while (argv[argc])
        argc++;
    const char **nargv = rt_alloc((argc + 3) * sizeof(char *));
    if (!nargv)
        return -ENOMEM;
    unsigned k = 0;
    nargv[k++] = interp;
    if (arg)
        nargv[k++] = arg;
    nargv[k++] = path;
    for (unsigned i = 1; i < argc; i++)
        nargv[k++] = argv[i];
    nargv[k] = NULL;
    long r = rt_exec_depth(interp, nargv, envp, depth + 1);
    rt_free(nargv, (argc + 3) * sizeof(char *));
    return r;
}

/* The number of the rule for the program in f (docs/sandboxes.md), matched by its
 * absolute path in the tree with symbolic links resolved (else the path as given, made
 * absolute); 0 if it has none. */
static unsigned rule_of(struct vfs_file *f, const char *path)
{
    if (!rt_programs_count())
        return 0;
    static char buf[4096];
    int64_t n = -1;
    vfs_file_get(f);
    int fd = vfs_install_fd(rt_vfs, f, 0, true);
    if (fd >= 0) {
        n = vfs_fd_path(rt_vfs, fd, buf, sizeof(buf));
        vfs_close(rt_vfs, fd);
    } else {
        vfs_file_put(f);
    }
    if (n > 0)
        return rt_program_rule(buf);
    if (path[0] == '/')
        return rt_program_rule(path);
    n = vfs_getcwd(rt_vfs, buf, sizeof(buf));
    size_t len = n > 0 ? (size_t)n - 1 : 0, pl = strlen(path);
    if (len + pl + 2 > sizeof(buf))
        return 0;
    if (len && buf[len - 1] != '/')
        buf[len++] = '/';
    memcpy(buf + len, path, pl + 1);
    return rt_program_rule(buf);
}

static unsigned script_rule; /* the rule of the script whose interpreter is being loaded */

void rt_exec_disown_exe(void)
{
    if (exe_file && exe_file->refs == 1)
        vfs_fs_file_forget(exe_file); /* the parent's program: its close sends nothing */
}

void rt_exec_forget_exe(void)
{
    if (exe_file)
        vfs_file_put(exe_file);
    exe_file = NULL;
}

/*
 * A vfork child's exec (vfork.c): path, argv and envp go into one block of the runtime
 * heap, which the child's new domain gets a copy of, with the program's checked head;
 * that domain reads the segments and finishes the exec (rt_exec_pending). Here the child
 * context then ends: RT_VFORK_EXECED. An error (no memory or domain) returns to the
 * child with its program intact.
 */
static struct {
    struct vfs_file *f;
    struct elf_info ei;
    struct exe_head head;
    const char *path;
    const char **argv, **envp;
    unsigned rule; /* the program's own tree, entered in the new domain */
} pending;

static long exec_vfork(const char *path, struct vfs_file *f, const struct elf_info *ei,
                       struct exe_head *head, const char *const argv[], const char *const envp[],
                       unsigned rule)
{
    pending.rule = rule;
    size_t bytes = strlen(path) + 1, nargs = 0, nenv = 0;
    for (; argv && argv[nargs]; nargs++)
        bytes += strlen(argv[nargs]) + 1;
    for (; envp && envp[nenv]; nenv++)
        bytes += strlen(envp[nenv]) + 1;
    size_t total = (nargs + nenv + 2) * sizeof(char *) + bytes;
    const char **v = rt_alloc(total);
    long r = -ENOMEM;
    if (v) {
        char *s = (char *)(v + nargs + nenv + 2);
        pending.path = s;
        s += strlen(path) + 1;
        memcpy((char *)pending.path, path, strlen(path) + 1);
        for (size_t i = 0; i < nargs + nenv; i++) {
            const char *src = i < nargs ? argv[i] : envp[i - nargs];
            size_t l = strlen(src) + 1;
            memcpy(s, src, l);
            v[i < nargs ? i : i + 1] = s;
            s += l;
        }
        v[nargs] = NULL;
        v[nargs + 1 + nenv] = NULL;
        pending.f = f, pending.ei = *ei, pending.head = *head;
        pending.argv = v, pending.envp = v + nargs + 1;
        r = rt_vfork_exec();
        rt_free(v, total); /* the new domain has its copy */
    }
    memset(&pending, 0, sizeof(pending));
    head_free(head); /* the new domain has its copy */
    vfs_file_put(f);
    return r ? r : RT_VFORK_EXECED;
}

_Noreturn void rt_exec_pending(void)
{
    script_rule = 0;
    /* the tree is entered here, past the point where the child could still be told: a
     * failure (a tree naming a session this process may not have) ends it */
    if (pending.rule && (read_whole_for_rule(pending.f, &pending.ei) ||
                         rt_program_enter(pending.rule, &pending.f))) {
        rt_log("[runtime] %s: cannot enter its own tree\n", pending.path);
        rt_exit_process(LINUX_W_EXITCODE(0, SIGKILL));
    }
    exec_commit(pending.path, pending.f, &pending.ei, pending.head,
                (const char *const *)pending.argv, (const char *const *)pending.envp);
}

long rt_exec(const char *path, const char *const argv[], const char *const envp[])
{
    return rt_exec_depth(path, argv, envp, 0);
}

long rt_exec_depth(const char *path, const char *const argv[], const char *const envp[], int depth)
{
    if (depth > 4)
        return -ELOOP; /* Linux allows 4 levels of interpreters */
    struct vfs_file *f;
    int r = vfs_open_file(rt_vfs, AT_FDCWD, path, O_RDONLY, 0, &f);
    if (r)
        return r;
    struct linux_stat st;
    r = vfs_file_stat(f, &st);
    if (!r && (st.st_mode & S_IFMT) != S_IFREG)
        r = -EACCES;
    if (!r)
        rt_creds_exec_file(&st); /* its set-id bits, if it is the one loaded */
    if (!r)
        r = vfs_faccessat(rt_vfs, AT_FDCWD, path, X_OK, 0);
    uint64_t size = (uint64_t)st.st_size;
    struct exe_head head = {0};
    if (!r)
        r = (int)head_read(f, size, HEAD_FIRST, &head);
    if (r) {
        vfs_file_put(f);
        return r;
    }
    if (head.have >= 2 && !memcmp(head.buf, "#!", 2)) {
        char line[258];
        size_t hn = head.have < sizeof(line) ? head.have : sizeof(line);
        memcpy(line, head.buf, hn);
        head_free(&head);
        unsigned outer = script_rule;
        if (!script_rule)
            script_rule = rule_of(f, path); /* a script's rule holds for its interpreter */
        vfs_file_put(f);
        long sr = exec_script(path, line, hn, argv, envp, depth);
        script_rule = outer;
        return sr;
    }
    /* a program's file on a file-system server is busy while it runs (ETXTBSY both
     * ways, as Linux's deny-write; a script's is not, nor on Linux): the handle holds it
     * until its last close, at the next exec or the exit of every process holding it */
    r = vfs_fs_file_exec(f);
    if (r) {
        head_free(&head);
        vfs_file_put(f);
        return r;
    }
    struct elf_info ei;
    int e = elf_parse_head(head.buf, head.have, size, &ei);
    if (e == ELF_EHEAD && head.have < size && head.size < HEAD_MAX) { /* more headers */
        head_free(&head);
        r = (int)head_read(f, size, HEAD_MAX, &head);
        if (r) {
            vfs_file_put(f);
            return r;
        }
        e = elf_parse_head(head.buf, head.have, size, &ei);
    }
    if (e || ei.interp || !ei.has_phdr_vaddr) {
        if (!e && ei.interp)
            rt_log("[runtime] %s: dynamically linked (interpreter %s): only static programs "
                   "run\n",
                   path, ei.interp);
        else if (e)
            rt_log("[runtime] %s: not an executable: %s\n", path, elf_strerror(e));
        head_free(&head);
        vfs_file_put(f);
        return -ENOEXEC;
    }
    /* a program with its own tree (docs/sandboxes.md) */
    unsigned rule = script_rule ? script_rule : rule_of(f, path);
    if (rt_in_vfork()) /* the child's own domain does the rest */
        return exec_vfork(path, f, &ei, &head, argv, envp, rule);
    /* its tree is built now, while a failure still leaves the old program as it was */
    if (rule) {
        long pr = read_whole_for_rule(f, &ei);
        if (!pr && (pr = rt_program_enter(rule, &f)) != 0) {
            drop_scratch(whole_slot, whole_size);
            whole_slot = 0;
        }
        if (pr) {
            head_free(&head);
            vfs_file_put(f);
            return pr;
        }
    }
    script_rule = 0;
    exec_commit(path, f, &ei, head, argv, envp);
}

/* path with symbolic links at its end followed (at most 40; links in its directories
 * stay), in a static buffer; path itself if it is no link. */
static const char *link_followed(const char *path)
{
    static char out[2][4096];
    const char *cur = path;
    for (int i = 0; i < 40; i++) {
        char *next = out[i % 2];
        int64_t n = vfs_readlinkat(rt_vfs, AT_FDCWD, cur, next, sizeof(out[0]) - 1);
        if (n <= 0)
            break;
        next[n] = 0;
        if (next[0] != '/') { /* relative to the link's directory */
            size_t dl = strlen(cur);
            while (dl && cur[dl - 1] != '/')
                dl--;
            if (dl + (size_t)n + 1 > sizeof(out[0]))
                break;
            memmove(next + dl, next, (size_t)n + 1);
            memcpy(next, cur, dl);
        }
        cur = next;
    }
    return cur;
}

/* From a checked program on: the old image goes, the new one is entered. */
static _Noreturn void exec_commit(const char *path, struct vfs_file *f, const struct elf_info *eip,
                                  struct exe_head head, const char *const argv[],
                                  const char *const envp[])
{
    struct elf_info ei = *eip;
    /* the absolute path, for /proc/self/exe and AT_EXECFN; through symbolic links at its
     * end, so that a program that runs /proc/self/exe again (the link to itself) is
     * named by its file, as Linux's /proc/self/exe names it, not by the link */
    path = link_followed(path);
    if (path[0] == '/') {
        size_t n = strlen(path);
        if (n >= sizeof(rt_exe_path))
            n = sizeof(rt_exe_path) - 1;
        memcpy(rt_exe_path, path, n);
        rt_exe_path[n] = 0;
    } else {
        int64_t n = vfs_getcwd(rt_vfs, rt_exe_path, sizeof(rt_exe_path));
        size_t len = n > 0 ? (size_t)n - 1 : 0;
        if (len && rt_exe_path[len - 1] != '/' && len + 1 < sizeof(rt_exe_path))
            rt_exe_path[len++] = '/';
        size_t pl = strlen(path);
        if (len + pl >= sizeof(rt_exe_path))
            pl = sizeof(rt_exe_path) - 1 - len;
        memcpy(rt_exe_path + len, path, pl);
        rt_exe_path[len + pl] = 0;
    }
    uint64_t bias = ei.type == ELF_ET_DYN ? STATIC_PIE_BASE : 0;
    /* From here on the old image is gone: a failure ends the process. */
    teardown();
    long err = load_segments(&ei, bias, f);
    if (whole_slot) {
        drop_scratch(whole_slot, whole_size);
        whole_slot = 0;
    }
    uint64_t sp = 0;
    /* set-user-id bits (the saved ids follow), and the new command for /proc */
    bool secure = rt_creds_exec(argv);
    if (!err)
        err = build_stack(&ei, bias, argv, envp, secure, &sp);
    head_free(&head);
    if (err) {
        rt_log("[runtime] %s: cannot load: %s\n", path, rt_strerror(err));
        rt_exit_process(
            LINUX_W_EXITCODE(0, SIGKILL)); /* as Linux kills a process whose exec failed late */
    }
    rt_brk_start = page_up(bias + ei.load_max);
    if (exe_file)
        vfs_file_put(exe_file);
    exe_file = f;
    struct linux_stat st;
    exe_dev = exe_ino = 0;
    if (f && vfs_file_stat(f, &st) == 0)
        exe_dev = st.st_dev, exe_ino = st.st_ino;
    exe_bias = bias;

    static struct cx_regs regs;
    cx_thread_regs(rt->slot_thread, CX_REGS_GET, CX_CTX_SAVED, &regs);
    uint8_t fx[512];
    memcpy(fx, regs.fxsave, sizeof(fx));
    memset(&regs, 0, sizeof(regs));
    memcpy(regs.fxsave, fx, sizeof(fx));
    regs.fxsave[0] = 0x7f; /* FCW 0x037f */
    regs.fxsave[1] = 0x03;
    regs.fxsave[24] = 0x80; /* MXCSR 0x1f80 */
    regs.fxsave[25] = 0x1f;
    regs.rip = ei.entry + bias;
    regs.rsp = sp;
    regs.rflags = 0x202;
    rt_unlock(); /* taken by rt_syscall, which this call never returns to */
    cx_raw_lx_resume((uint64_t)&regs, 0, 0, 0, 0, 0);
    rt_lock();
    rt_log("[runtime] %s: cannot enter the program\n", path);
    rt_exit_process(LINUX_W_EXITCODE(0, SIGKILL));
}

int rt_exe_area(uint64_t from, struct vfs_mapping *out)
{
    for (unsigned i = 0; i < exe_nareas; i++) {
        const struct exe_area *a = &exe_areas[i];
        if (a->start < from)
            continue;
        out->start = a->start;
        out->end = a->end;
        out->prot = a->prot;
        if (a->offset != ~0ull) {
            out->offset = a->offset;
            out->dev = exe_dev;
            out->ino = exe_ino;
            out->name = rt_exe_path;
        }
        return 1;
    }
    return 0;
}

/* Parts area i in two at va (inside it); false when the table is full. */
static bool exe_area_split(unsigned i, uint64_t va)
{
    if (exe_nareas == EXE_AREAS)
        return false;
    memmove(&exe_areas[i + 1], &exe_areas[i], (exe_nareas - i) * sizeof(exe_areas[0]));
    exe_nareas++;
    exe_areas[i].end = va;
    exe_areas[i + 1].start = va;
    if (exe_areas[i + 1].offset != ~0ull)
        exe_areas[i + 1].offset += va - exe_areas[i].start;
    return true;
}

void rt_exe_protect(uint64_t addr, uint64_t len, uint32_t prot)
{
    uint64_t end = addr + page_up(len);
    for (unsigned i = 0; i < exe_nareas; i++) {
        struct exe_area *a = &exe_areas[i];
        if (a->end <= addr || a->start >= end)
            continue;
        if (a->start < addr) {
            if (!exe_area_split(i, addr))
                return;
            continue; /* the part from addr is next */
        }
        if (a->end > end && !exe_area_split(i, end))
            return;
        exe_areas[i].prot = (uint8_t)prot;
    }
    /* neighbours that differ in nothing again are one */
    for (unsigned i = 0; i + 1 < exe_nareas;) {
        struct exe_area *a = &exe_areas[i], *b = &exe_areas[i + 1];
        bool file = a->offset != ~0ull;
        if (a->end == b->start && a->prot == b->prot && file == (b->offset != ~0ull) &&
            (!file || a->offset + (a->end - a->start) == b->offset)) {
            a->end = b->end;
            memmove(b, b + 1, (exe_nareas - i - 2) * sizeof(exe_areas[0]));
            exe_nareas--;
        } else {
            i++;
        }
    }
}

int rt_exe_symbol(uint64_t addr, char *buf, size_t size)
{
    if (!exe_file)
        return -1;
    struct linux_stat st;
    uint64_t scratch;
    if (vfs_file_stat(exe_file, &st) || read_whole(exe_file, (uint64_t)st.st_size, &scratch))
        return -1;
    const char *fn;
    uint64_t off;
    int r = elf_symbolize((const void *)RT_SCRATCH_ADDR, (size_t)st.st_size, addr - exe_bias, &fn,
                          &off);
    if (!r)
        cx_snprintf(buf, size, "%s+%#lx", fn, off);
    drop_scratch(scratch, (uint64_t)st.st_size);
    return r ? -1 : 0;
}

/* The length of the program's string at s, probed (at most max bytes are looked at):
 * -EFAULT if a byte of it cannot be read, max if it has no NUL before. */
static long user_strlen(const char *s, uint64_t max)
{
    uint64_t p = (uint64_t)s;
    if (p < 0x10000 || p >= CX_USER_TOP)
        return -EFAULT;
    if (max > CX_USER_TOP - p)
        max = CX_USER_TOP - p;
    long n = rt_probe_str(p, max);
    return n < 0 ? -EFAULT : n;
}

/* The number of pointers in the program's NULL-ended vector v (NULL: none), each
 * pointer probed; -EFAULT if one cannot be read, -E2BIG past Linux's MAX_ARG_STRINGS. */
static long user_vector(char *const v[])
{
    long n = 0;
    for (; v; n++) {
        if (!rt_user_read((uint64_t)&v[n], sizeof(v[n])))
            return -EFAULT;
        if (!v[n])
            break;
        if (n == 0x7fffffff)
            return -E2BIG;
    }
    return n;
}

/* execve: copies path, argv and envp out of the program's memory (which goes), then
 * loads. Returns only an error, with the old program intact. As Linux, the path comes
 * first (EFAULT, ENAMETOOLONG), then the two vectors, then their strings: each probed
 * before it is read (EFAULT for a bad page, as Linux's copies give), and copied at most
 * as long as it was found (another thread may change it meanwhile). */
long rt_execve(const char *path, char *const argv[], char *const envp[])
{
    const uint64_t max = 2u << 20; /* the strings' bytes, path included (E2BIG past) */
    long pl = user_strlen(path, PATH_MAX);
    if (pl < 0)
        return pl;
    if (pl == PATH_MAX)
        return -ENAMETOOLONG;
    long nargs = user_vector(argv), nenv = nargs < 0 ? 0 : user_vector(envp);
    if (nargs < 0 || nenv < 0)
        return nargs < 0 ? nargs : nenv;
    /* an empty argv: the program gets one empty argv[0], as from Linux 5.18 (programs
     * take argv[0] for granted) */
    static char empty[1];
    static char *const empty_argv[] = {empty, NULL};
    if (nargs == 0)
        argv = empty_argv, nargs = 1;
    uint64_t bytes = (uint64_t)pl + 1;
    for (long i = 0; i < nargs + nenv; i++) {
        long l = user_strlen(i < nargs ? argv[i] : envp[i - nargs], max - bytes);
        if (l < 0)
            return l;
        bytes += (uint64_t)l + 1;
        if (bytes > max)
            return -E2BIG;
    }
    size_t total = (size_t)(nargs + nenv + 2) * sizeof(char *) + bytes;
    char **v = rt_alloc(total);
    if (!v)
        return -ENOMEM;
    char *s = (char *)(v + nargs + nenv + 2), *end = (char *)v + total;
#define COPY(str)                                                                                  \
    ({                                                                                             \
        size_t l_ = strnlen((str), (size_t)(end - s - 1));                                         \
        memcpy(s, (str), l_);                                                                      \
        s[l_] = 0;                                                                                 \
        s += l_ + 1;                                                                               \
        s - l_ - 1;                                                                                \
    })
    const char *p = COPY(path);
    for (long i = 0; i < nargs; i++)
        v[i] = COPY(argv[i]);
    v[nargs] = NULL;
    for (long i = 0; i < nenv; i++)
        v[nargs + 1 + i] = COPY(envp[i]);
    v[nargs + 1 + nenv] = NULL;
#undef COPY
    long r = rt_exec(p, (const char *const *)v, (const char *const *)(v + nargs + 1));
    rt_free(v, total);
    if (r == RT_VFORK_EXECED)
        rt_vfork_exec_done(); /* the child's domain runs the program: the parent resumes */
    return r;
}
