/*
 * Program memory: brk and anonymous mmap/munmap/mprotect/madvise, each backed by
 * capix memory objects charged to the process's quota, and file mappings: private ones
 * are copies; shared ones of a file system that shares its pages (ram_fs, through the
 * fs plugin's map) map the server's memory objects themselves.
 *
 * Records: one per mapped range {va, pages, object, page offset in it}, sorted by
 * address. Objects: the memory objects behind them with a count of records using
 * each (an munmap in the middle of a mapping leaves two records on one object); an
 * object is deleted when no record uses it. Anonymous mmap addresses are handed out
 * downwards from RT_MMAP_TOP into the highest gap that fits. PROT_NONE pages are
 * mapped without access (the kernel keeps their memory and enters no page-table entry),
 * so a touch is SIGSEGV with SEGV_ACCERR and mprotect back finds the bytes unchanged.
 *
 * For /proc/self/maps (rt_memory_area) each record also keeps the protection the
 * program asked for (mprotect splits records where it changes) and the file it maps,
 * if any: an entry of mapfiles[] (path, device, inode, the file offset at the mapping's
 * first page), counted by the records that name it.
 */
#include <stdbool.h>
#include <string.h>
#include <vfs/plugin.h>
#include "runtime.h"

#define MAX_RECORDS 4096
#define MAX_OBJECTS 4096
#define BRK_STEP (64ul << 10)

struct record {
    uint64_t va, pages, off;
    uint32_t obj;
    uint8_t prot;  /* PROT_* as the program asked (what maps shows) */
    uint16_t file; /* its mapfiles[] entry, 0: none (memory) */
};

/* A file mapping as maps names it: the records of one mmap of a file share it. */
#define MAX_MAPFILES 256
struct mapfile {
    uint32_t refs; /* records naming it; 0: free */
    bool shared;   /* MAP_SHARED (also when its pages are a copy) */
    uint64_t dev, ino;
    uint64_t va, off; /* the mapping's first page and its file offset in bytes */
    char *name;       /* the path when it was mapped (rt_alloc'd), or NULL */
    size_t name_size;
};
static struct mapfile mapfiles[MAX_MAPFILES]; /* [0] unused */
struct object {
    uint64_t slot;
    uint32_t refs;
    bool shared;           /* mapped CX_MAP_SHARE (MAP_SHARED): fork children map it too */
    uint32_t lid;          /* MAP_SHARED anonymous memory: the launcher's object (it holds the
                              original, so the memory outlives this process), else 0 */
    struct vfs_file *file; /* a writable shared file mapping's file (one reference): msync
                              marks its mtime and ctime, else NULL */
};

/* Records of pages of a shared file mapping beyond the file's end use this object: it
 * has no memory (it is never handed out), and a fault there is SIGBUS. */
#define HOLE_OBJ (MAX_OBJECTS - 1)

static struct record records[MAX_RECORDS];
static unsigned nrecords;
static struct object objects[MAX_OBJECTS];
static uint64_t brk_cur, brk_mapped;
/* The process's capability slots in use (rt->slots of them, at most SLOT_MAX): a
 * thread takes up to four (its thread, its futex notification, its runtime area, the
 * stack the program maps for it), so 1,024 threads take 4,096. slot_hint: no word below
 * it has a free bit. */
#define SLOT_MAX 8192
static uint64_t slot_bits[SLOT_MAX / 64];
static uint64_t slot_hint;

uint64_t rt_slot_alloc(void)
{
    uint64_t limit = rt->slots < SLOT_MAX ? rt->slots : SLOT_MAX;
    if (slot_hint < rt->first_free_slot / 64)
        slot_hint = rt->first_free_slot / 64;
    for (uint64_t w = slot_hint; w * 64 < limit; w++) {
        uint64_t bits = slot_bits[w];
        if (w * 64 < rt->first_free_slot) /* the launcher's slots below are not ours */
            bits |= (1ul << (rt->first_free_slot - w * 64)) - 1;
        if (bits == ~0ul)
            continue;
        slot_hint = w;
        uint64_t s = w * 64 + (uint64_t)__builtin_ctzl(~bits);
        if (s >= limit)
            return 0;
        slot_bits[w] |= 1ul << (s % 64);
        return s;
    }
    slot_hint = limit / 64;
    return 0;
}

void rt_slot_free(uint64_t slot)
{
    if (slot < SLOT_MAX) {
        slot_bits[slot / 64] &= ~(1ul << (slot % 64));
        if (slot / 64 < slot_hint)
            slot_hint = slot / 64;
    }
}

static uint64_t page_up(uint64_t x)
{
    return (x + CX_PAGE_SIZE - 1) & ~(CX_PAGE_SIZE - 1);
}

/* The kernel's flags for prot: none for PROT_NONE (the pages stay reserved, every touch
 * faults), else readable plus write and execute as asked. */
static uint64_t map_flags(uint64_t prot)
{
    if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
        return 0;
    return CX_MAP_R | (prot & PROT_WRITE ? CX_MAP_W : 0) | (prot & PROT_EXEC ? CX_MAP_X : 0);
}

static uint8_t prot_of(uint64_t cx_flags)
{
    return (uint8_t)((cx_flags & CX_MAP_R ? PROT_READ : 0) |
                     (cx_flags & CX_MAP_W ? PROT_WRITE : 0) |
                     (cx_flags & CX_MAP_X ? PROT_EXEC : 0));
}

/* Inserts a record like r (protection and file) for [va, va + pages) at page off of
 * object obj, in address order. */
static void record_insert_like(const struct record *r, uint64_t va, uint64_t pages, uint64_t off,
                               uint32_t obj)
{
    unsigned i = 0;
    while (i < nrecords && records[i].va < va)
        i++;
    memmove(&records[i + 1], &records[i], (nrecords - i) * sizeof(records[0]));
    records[i] = (struct record){va, pages, off, obj, r->prot, r->file};
    nrecords++;
    objects[obj].refs++;
    if (r->file)
        mapfiles[r->file].refs++;
}

/* A new record of memory with the protection of cx_flags. */
static void record_insert(uint64_t va, uint64_t pages, uint64_t off, uint32_t obj,
                          uint64_t cx_flags)
{
    struct record like = {0, 0, 0, 0, prot_of(cx_flags), 0};
    record_insert_like(&like, va, pages, off, obj);
}

static void mapfile_put(uint16_t f)
{
    if (f && --mapfiles[f].refs == 0 && mapfiles[f].name) {
        rt_free(mapfiles[f].name, mapfiles[f].name_size);
        mapfiles[f].name = NULL;
    }
}

/* A mapfiles[] entry for a mapping of file at va (file offset off), with no record yet:
 * its index, or 0 when the table is full (the mapping is then shown as memory). */
static uint16_t mapfile_new(int fd, const struct linux_stat *st, uint64_t va, uint64_t off,
                            bool shared)
{
    uint16_t f = 1;
    while (f < MAX_MAPFILES && mapfiles[f].refs)
        f++;
    if (f == MAX_MAPFILES)
        return 0;
    struct mapfile *m = &mapfiles[f];
    *m = (struct mapfile){0, shared, st->st_dev, st->st_ino, va, off, NULL, 0};
    char *path = rt_alloc(PATH_MAX);
    int64_t n = path ? vfs_fd_path(rt_vfs, fd, path, PATH_MAX) : -ENOMEM;
    if (n > 0 && (size_t)n < PATH_MAX && (m->name = rt_alloc((size_t)n + 1)) != NULL) {
        memcpy(m->name, path, (size_t)n);
        m->name[n] = 0;
        m->name_size = (size_t)n + 1;
    }
    if (path)
        rt_free(path, PATH_MAX);
    return f;
}

/* Splits the record that holds va inside it (not at its start) into two at va; false
 * when the table is full. */
static bool record_split(uint64_t va)
{
    for (unsigned i = 0; i < nrecords && records[i].va < va; i++) {
        struct record r = records[i];
        uint64_t rend = r.va + r.pages * CX_PAGE_SIZE;
        if (va < rend) {
            if (nrecords == MAX_RECORDS)
                return false;
            records[i].pages = (va - r.va) / CX_PAGE_SIZE;
            record_insert_like(&r, va, (rend - va) / CX_PAGE_SIZE,
                               r.off + (va - r.va) / CX_PAGE_SIZE, r.obj);
            return true;
        }
    }
    return true;
}

/* Joins neighbouring records that differ in nothing (what record_split parted). */
static void records_join(void)
{
    for (unsigned i = 0; i + 1 < nrecords;) {
        struct record *a = &records[i], *b = &records[i + 1];
        if (a->va + a->pages * CX_PAGE_SIZE == b->va && a->obj == b->obj &&
            a->off + a->pages == b->off && a->prot == b->prot && a->file == b->file) {
            a->pages += b->pages;
            objects[b->obj].refs--; /* a still uses it */
            if (b->file)
                mapfiles[b->file].refs--;
            memmove(b, b + 1, (nrecords - i - 2) * sizeof(records[0]));
            nrecords--;
        } else {
            i++;
        }
    }
}

/* What maps shows for [addr, addr + len): the protection prot, and with set_file the
 * mapfiles[] entry file (0: none), on the records there (split at the ends). */
static void records_mark(uint64_t addr, uint64_t len, uint8_t prot, bool set_file, uint16_t file)
{
    uint64_t end = addr + page_up(len);
    if (!record_split(addr) || !record_split(end))
        return; /* no room to part them: maps keeps the old protection */
    for (unsigned i = 0; i < nrecords && records[i].va < end; i++) {
        struct record *r = &records[i];
        if (r->va < addr)
            continue;
        r->prot = prot;
        if (set_file && r->file != file) {
            mapfile_put(r->file);
            r->file = file;
            if (file)
                mapfiles[file].refs++;
        }
    }
    records_join();
}

static void object_put(uint32_t obj)
{
    if (obj == HOLE_OBJ) {
        objects[obj].refs--;
        return;
    }
    if (--objects[obj].refs == 0) {
        cx_cap_delete(objects[obj].slot);
        rt_slot_free(objects[obj].slot);
        if (objects[obj].lid)
            cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_DROP, 1, 0), objects[obj].lid, 0, 0, 0);
        objects[obj].slot = 0;
        objects[obj].lid = 0;
        if (objects[obj].file)
            vfs_file_put(objects[obj].file);
        objects[obj].file = NULL;
    }
}

/* Makes a memory object of pages and maps it at va; 0 or -errno. */
static long map_new(uint64_t va, uint64_t pages, uint64_t flags)
{
    if (nrecords == MAX_RECORDS)
        return -ENOMEM;
    uint32_t obj = 0;
    while (obj < HOLE_OBJ && objects[obj].slot)
        obj++;
    uint64_t slot = obj < HOLE_OBJ ? rt_slot_alloc() : 0;
    if (!slot)
        return -ENOMEM;
    /* shared memory is the launcher's, as Linux keeps it while any process maps it: the
     * launcher holds the original and gives it to fork children too */
    long lid = 0, err;
    if (flags & CX_MAP_SHARE) {
        struct cx_ret r =
            cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_NEW, 3, 0), pages, slot, 0, 0);
        lid = r.err ? -ENOMEM : (long)r.rdx;
        err = lid > 0 ? 0 : -ENOMEM;
    } else {
        err = cx_mem_create(rt->slot_quota, pages, slot);
    }
    if (!err)
        err = cx_map(rt->slot_pd, slot, 0, va, pages, flags);
    if (err) {
        cx_cap_delete(slot);
        rt_slot_free(slot);
        if (lid > 0)
            cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_DROP, 1, 0), (uint64_t)lid, 0, 0, 0);
        return -ENOMEM;
    }
    objects[obj] =
        (struct object){slot, 0, (flags & CX_MAP_SHARE) != 0, (uint32_t)(lid > 0 ? lid : 0), NULL};
    record_insert(va, pages, 0, obj, flags);
    return 0;
}

/* Whether addr lies in a MAP_SHARED mapping, whose futex words other processes may
 * share: their waits and wakes go to the kernel (thread.c). Runtime lock held. */
bool rt_addr_shared(uint64_t addr)
{
    for (unsigned i = 0; i < nrecords && records[i].va <= addr; i++)
        if (addr < records[i].va + records[i].pages * CX_PAGE_SIZE)
            return objects[records[i].obj].shared;
    return false;
}

/*
 * A shared file mapping: pages [first, first + pages) of the file at va, from the memory
 * objects its file system holds the file in (vfs_file_map; the same pages every reader,
 * writer and mapping of the file uses), each mapped CX_MAP_SHARE so that fork children
 * share them too. Pages beyond the object that holds the file's last byte get a hole
 * record: no memory, an access is SIGBUS (rt_addr_beyond_eof), as on Linux for pages
 * beyond the end (they stay so if the file grows later). 0 or -errno, -ENODEV before
 * anything is mapped when the file system cannot share pages (the caller unmaps).
 */
static long map_file(struct vfs_file *file, uint64_t va, uint64_t pages, uint64_t first,
                     uint64_t flags)
{
    for (uint64_t done = 0; done < pages;) {
        struct vfs_map m;
        long err = vfs_file_map(file, first + done, 0, &m);
        if (err == -ENXIO) {
            if (nrecords == MAX_RECORDS)
                return -ENOMEM;
            record_insert(va + done * CX_PAGE_SIZE, pages - done, 0, HOLE_OBJ, flags);
            return 0;
        }
        if (err)
            return err == -ENODEV && done ? -EIO : err;
        if ((flags & CX_MAP_W) && !m.writable) {
            cx_cap_delete(m.mem);
            rt_slot_free(m.mem);
            return -EACCES;
        }
        uint64_t in = first + done - m.first;
        uint64_t n = m.pages - in < pages - done ? m.pages - in : pages - done;
        uint32_t obj = 0;
        while (obj < HOLE_OBJ && objects[obj].slot)
            obj++;
        if (obj == HOLE_OBJ || nrecords == MAX_RECORDS ||
            cx_map(rt->slot_pd, m.mem, in, va + done * CX_PAGE_SIZE, n, flags | CX_MAP_SHARE)) {
            cx_cap_delete(m.mem);
            rt_slot_free(m.mem);
            return -ENOMEM;
        }
        objects[obj] = (struct object){m.mem, 0, true, 0, (flags & CX_MAP_W) ? file : NULL};
        if (flags & CX_MAP_W)
            vfs_file_get(file);
        record_insert(va + done * CX_PAGE_SIZE, n, in, obj, flags);
        done += n;
    }
    return 0;
}

/* Whether addr lies in pages of a shared file mapping beyond the file's end (a fault
 * there is SIGBUS, not SIGSEGV). */
bool rt_addr_beyond_eof(uint64_t addr)
{
    for (unsigned i = 0; i < nrecords && records[i].va <= addr; i++)
        if (addr < records[i].va + records[i].pages * CX_PAGE_SIZE)
            return records[i].obj == HOLE_OBJ;
    return false;
}

long rt_brk(uint64_t addr)
{
    if (!brk_cur)
        brk_cur = brk_mapped = rt_brk_start;
    if (addr < rt_brk_start || addr > RT_BRK_MAX)
        return (long)brk_cur;
    if (addr > brk_mapped) {
        uint64_t grow = page_up(addr) - brk_mapped;
        if (grow < BRK_STEP && brk_mapped + BRK_STEP <= RT_BRK_MAX)
            grow = BRK_STEP;
        if (map_new(brk_mapped, grow / CX_PAGE_SIZE, CX_MAP_R | CX_MAP_W))
            return (long)brk_cur;
        brk_mapped += grow;
    } else if (addr < brk_cur) {
        /* whole pages given back read as zero and are read-write again when the break
         * grows over them (Linux unmaps them; the program may have mprotected them);
         * the bytes of the page the new break lies in stay, as on Linux */
        uint64_t from = page_up(addr), to = page_up(brk_cur);
        if (from < to &&
            !cx_protect(rt->slot_pd, from, (to - from) / CX_PAGE_SIZE, (CX_MAP_R | CX_MAP_W) & 7))
            memset((void *)from, 0, to - from);
    }
    brk_cur = addr;
    return (long)brk_cur;
}

/* The highest gap of pages below RT_MMAP_TOP, or 0. */
static uint64_t find_gap(uint64_t pages)
{
    uint64_t len = pages * CX_PAGE_SIZE, top = RT_MMAP_TOP;
    for (int i = (int)nrecords - 1; i >= 0; i--) {
        uint64_t end = records[i].va + records[i].pages * CX_PAGE_SIZE;
        if (end <= top) {
            if (top - end >= len)
                return top - len;
            top = records[i].va;
        } else if (records[i].va < top) {
            top = records[i].va;
        }
        if (top < RT_MMAP_BOTTOM + len)
            return 0;
    }
    return top - len >= RT_MMAP_BOTTOM ? top - len : 0;
}

long rt_munmap(uint64_t addr, uint64_t len)
{
    if ((addr & (CX_PAGE_SIZE - 1)) || len == 0 || addr >= CX_USER_TOP || len > CX_USER_TOP - addr)
        return -EINVAL;
    uint64_t end = addr + page_up(len);
    rt_mlock_forget(addr, end - addr); /* unmapped pages are no longer locked */
    for (unsigned i = 0; i < nrecords;) {
        struct record r = records[i];
        uint64_t rend = r.va + r.pages * CX_PAGE_SIZE;
        if (rend <= addr || r.va >= end) {
            i++;
            continue;
        }
        uint64_t s = r.va > addr ? r.va : addr, e = rend < end ? rend : end;
        cx_unmap(rt->slot_pd, s, (e - s) / CX_PAGE_SIZE);
        memmove(&records[i], &records[i + 1], (nrecords - i - 1) * sizeof(records[0]));
        nrecords--;
        if (r.va < s)
            record_insert_like(&r, r.va, (s - r.va) / CX_PAGE_SIZE, r.off, r.obj);
        if (e < rend)
            record_insert_like(&r, e, (rend - e) / CX_PAGE_SIZE, r.off + (e - r.va) / CX_PAGE_SIZE,
                               r.obj);
        object_put(r.obj);
        mapfile_put(r.file);
        i = 0; /* the table changed: scan again (what is left does not overlap) */
    }
    return 0;
}

/* mmap's end: the new mapping at va is locked under mlockall(MCL_FUTURE) (EAGAIN and
 * no mapping past RLIMIT_MEMLOCK, as Linux); va or -errno. */
static long locked_new(uint64_t va, uint64_t pages)
{
    long err = rt_mlock_new(va, pages * CX_PAGE_SIZE);
    if (err) {
        rt_munmap(va, pages * CX_PAGE_SIZE);
        return err;
    }
    return (long)va;
}

/* mmap's end for a file mapped at va: maps names it (records_mark), then locked_new. */
static long file_mapped(struct vfs_file *file, int fd, uint64_t va, uint64_t pages, uint64_t off,
                        uint64_t prot, bool shared)
{
    struct linux_stat st;
    uint16_t f = 0;
    if (vfs_file_stat(file, &st) == 0)
        f = mapfile_new(fd, &st, va, off, shared);
    if (f)
        mapfiles[f].refs++; /* held while the records are marked */
    records_mark(va, pages * CX_PAGE_SIZE, (uint8_t)(prot & 7), true, f);
    mapfile_put(f);
    return locked_new(va, pages);
}

long rt_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off)
{
    if (len == 0 || len > RT_MMAP_TOP)
        return -EINVAL;
    if (!(flags & (MAP_PRIVATE | MAP_SHARED)))
        return -EINVAL;
    struct vfs_file *file = NULL;
    bool shared_file = false;
    if (!(flags & MAP_ANONYMOUS)) {
        /* a file: its bytes are copied in (private mappings are copies on Linux too
         * until written; a shared one would need the file system to share pages) */
        file = vfs_fd_file(rt_vfs, (int)fd);
        if (!file || (file->flags & O_PATH))
            return -EBADF;
        if (off & (CX_PAGE_SIZE - 1))
            return -EINVAL;
        if ((file->flags & O_ACCMODE) == O_WRONLY)
            return -EACCES;
        struct linux_stat st;
        if (vfs_file_stat(file, &st) || (st.st_mode & S_IFMT) != S_IFREG)
            return -ENODEV;
        if ((flags & MAP_SHARED) && (prot & PROT_WRITE) && (file->flags & O_ACCMODE) != O_RDWR)
            return -EACCES;
        shared_file = (flags & MAP_SHARED) != 0; /* a copy if its file system cannot share */
    }
    uint64_t pages = page_up(len) / CX_PAGE_SIZE;
    uint64_t mf = map_flags(prot) | (flags & MAP_SHARED ? CX_MAP_SHARE : 0);
    uint64_t va;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr & (CX_PAGE_SIZE - 1) || addr >= CX_USER_TOP ||
            pages * CX_PAGE_SIZE > CX_USER_TOP - addr)
            return -EINVAL;
        if (flags & MAP_FIXED_NOREPLACE) {
            for (unsigned i = 0; i < nrecords; i++)
                if (records[i].va < addr + pages * CX_PAGE_SIZE &&
                    addr < records[i].va + records[i].pages * CX_PAGE_SIZE)
                    return -EEXIST;
        } else {
            rt_munmap(addr, pages * CX_PAGE_SIZE);
        }
        va = addr;
    } else {
        va = find_gap(pages);
        if (!va)
            return -ENOMEM;
    }
    if (!file) {
        long err = map_new(va, pages, mf);
        if (err)
            return err;
        records_mark(va, pages * CX_PAGE_SIZE, (uint8_t)(prot & 7), false, 0);
        return locked_new(va, pages);
    }
    if (shared_file) {
        long err = map_file(file, va, pages, off / CX_PAGE_SIZE, mf);
        if (err == 0)
            return file_mapped(file, (int)fd, va, pages, off, prot, true);
        rt_munmap(va, pages * CX_PAGE_SIZE);
        if (err != -ENODEV)
            return err;
        if (prot & PROT_WRITE) {
            static int said;
            if (!said++)
                rt_log("[runtime] mmap: this file system cannot share its pages: writable "
                       "shared mapping refused\n");
            return -ENODEV;
        }
        mf &= ~(uint64_t)CX_MAP_SHARE; /* read-only: a copy of the bytes */
    }
    long err = map_new(va, pages, CX_MAP_R | CX_MAP_W);
    for (uint64_t done = 0; !err && done < len;) {
        int64_t r = vfs_file_pread(file, (char *)va + done, len - done, off + done);
        if (r < 0)
            err = r;
        if (r <= 0)
            break; /* the end of the file: the rest stays zero */
        done += (uint64_t)r;
    }
    if (!err && mf != (CX_MAP_R | CX_MAP_W))
        err = cx_protect(rt->slot_pd, va, pages, mf & 7) ? -ENOMEM : 0;
    if (err) {
        rt_munmap(va, pages * CX_PAGE_SIZE);
        return err;
    }
    return file_mapped(file, (int)fd, va, pages, off, prot, (flags & MAP_SHARED) != 0);
}

static bool range_mapped(uint64_t addr, uint64_t len);

/* Whether any page of [addr, addr + len) is mapped by brk or mmap. */
static bool range_used(uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < nrecords; i++)
        if (records[i].va < addr + len && addr < records[i].va + records[i].pages * CX_PAGE_SIZE)
            return true;
    return false;
}

/* mremap: shrinks in place, grows in place when the pages after are free, else (with
 * MREMAP_MAYMOVE) moves by copying into a new mapping. Anonymous read-write memory only,
 * as musl's realloc uses it. */
long rt_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
    if ((old & (CX_PAGE_SIZE - 1)) || !new_len || (flags & ~3ul) || (flags & 2))
        return (flags & 2) && !(flags & ~3ul) ? -ENOSYS : -EINVAL; /* MREMAP_FIXED: not yet */
    old_len = page_up(old_len);
    new_len = page_up(new_len);
    if (!old_len || !range_mapped(old, old_len))
        return -EFAULT;
    if (new_len <= old_len) {
        if (new_len < old_len)
            rt_munmap(old + new_len, old_len - new_len);
        return (long)old;
    }
    uint64_t extra = new_len - old_len;
    if (old + new_len <= RT_MMAP_TOP && !range_used(old + old_len, extra) &&
        map_new(old + old_len, extra / CX_PAGE_SIZE, CX_MAP_R | CX_MAP_W) == 0)
        return (long)old;
    if (!(flags & 1))
        return -ENOMEM;
    uint64_t va = find_gap(new_len / CX_PAGE_SIZE);
    if (!va || map_new(va, new_len / CX_PAGE_SIZE, CX_MAP_R | CX_MAP_W))
        return -ENOMEM;
    memcpy((void *)va, (const void *)old, old_len);
    rt_munmap(old, old_len);
    return (long)va;
}

long rt_mprotect(uint64_t addr, uint64_t len, uint64_t prot)
{
    if (addr & (CX_PAGE_SIZE - 1))
        return -EINVAL;
    if (len == 0)
        return 0;
    if (prot & PROT_WRITE)
        rt_exe_private(addr, len); /* a program's code mapped from its file's pages */
    long err = cx_protect(rt->slot_pd, addr, page_up(len) / CX_PAGE_SIZE, map_flags(prot) & 7);
    if (err == CX_E_MAPPING)
        return -ENOMEM;
    if (!err) {
        records_mark(addr, len, (uint8_t)(prot & 7), false, 0);
        rt_exe_protect(addr, len, (uint32_t)(prot & 7));
    }
    return err == CX_E_NO_RIGHTS ? -EACCES : err ? -EINVAL : 0;
}

/* Whether every page of [addr, addr + len) is mapped. */
static bool range_mapped(uint64_t addr, uint64_t len)
{
    uint64_t end = addr + page_up(len);
    for (unsigned i = 0; i < nrecords && addr < end; i++) {
        uint64_t rend = records[i].va + records[i].pages * CX_PAGE_SIZE;
        if (records[i].va <= addr && addr < rend)
            addr = rend;
    }
    return addr >= end;
}

/* msync: a shared file mapping is the file's own pages, so there is nothing to write
 * back; the checks are Linux's. */
/* mincore: one byte per page, 1 where the page has its frame (the kernel knows:
 * pd_resident), 0 where it was never touched; ENOMEM where a page is not mapped (what
 * gnulib's stack probing and vim rely on), EINVAL for an unaligned start. */
long rt_mincore(uint64_t addr, uint64_t len, uint64_t vec)
{
    if (addr & (CX_PAGE_SIZE - 1))
        return -EINVAL;
    if (len == 0)
        return 0;
    if (len > CX_USER_TOP || addr > CX_USER_TOP - len)
        return -ENOMEM;
    uint64_t pages = (len + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
    if (!rt_user_write(vec, pages))
        return -EFAULT;
    for (uint64_t done = 0; done < pages;) {
        uint64_t n = pages - done < CX_RESIDENT_MAX ? pages - done : CX_RESIDENT_MAX;
        long err =
            cx_raw_pd_resident(rt->slot_pd, addr + done * CX_PAGE_SIZE, n, vec + done, 0, 0).err;
        if (err)
            return err == CX_E_MAPPING ? -ENOMEM : -EFAULT;
        for (uint64_t i = 0; i < n; i++) /* a PROT_NONE page is reported as any other */
            ((uint8_t *)vec)[done + i] &= 1;
        done += n;
    }
    return 0;
}

long rt_msync(uint64_t addr, uint64_t len, uint64_t flags)
{
    if ((addr & (CX_PAGE_SIZE - 1)) || (flags & ~7ul) || ((flags & 1) && (flags & 4)) ||
        len > CX_USER_TOP)
        return -EINVAL; /* MS_ASYNC 1, MS_INVALIDATE 2, MS_SYNC 4 */
    if (len && !range_mapped(addr, len))
        return -ENOMEM;
    if ((flags & 2) && rt_mlock_busy(addr, len))
        return -EBUSY; /* MS_INVALIDATE of locked pages, as Linux */
    /* MS_SYNC or MS_ASYNC: the files of writable shared mappings in the range get their
     * mtime and ctime marked (POSIX: after a write reference, by the next msync; the
     * pages are the file's own, so that is all there is to do; without dirty bits, a
     * mapping not written since is marked too) */
    uint64_t end = addr + page_up(len);
    for (unsigned i = 0; (flags & 5) && i < nrecords && records[i].va < end; i++) {
        struct object *o = &objects[records[i].obj];
        if (o->file && records[i].va + records[i].pages * CX_PAGE_SIZE > addr)
            vfs_file_touch(rt_vfs, o->file);
    }
    return 0;
}

/* The record that maps va, or NULL. */
static const struct record *record_of(uint64_t va)
{
    for (unsigned i = 0; i < nrecords && records[i].va <= va; i++)
        if (va < records[i].va + records[i].pages * CX_PAGE_SIZE)
            return &records[i];
    return NULL;
}

/* MADV_DONTNEED: every page of private memory that has its frame reads as zero after
 * (one never touched already does); a page the program may not write (read-only, or
 * PROT_NONE) is opened for the zeroing and closed again. Shared memory keeps what it
 * holds, as Linux's pages come back from the object. The runtime's records map every
 * page (checked before). */
static void dontneed(uint64_t addr, uint64_t pages)
{
    uint8_t vec[CX_RESIDENT_MAX];
    for (uint64_t done = 0; done < pages;) {
        uint64_t n = pages - done < CX_RESIDENT_MAX ? pages - done : CX_RESIDENT_MAX;
        uint64_t va = addr + done * CX_PAGE_SIZE;
        long err = cx_raw_pd_resident(rt->slot_pd, va, n, (uint64_t)vec, 0, 0).err;
        if (err && n > 1) { /* a page the kernel does not map (beyond a file's end): alone */
            n = 1;
            err = cx_raw_pd_resident(rt->slot_pd, va, 1, (uint64_t)vec, 0, 0).err;
        }
        if (err)
            vec[0] = 0; /* no memory there: nothing to zero */
        for (uint64_t i = 0; i < n; i++) {
            uint64_t p = va + i * CX_PAGE_SIZE;
            const struct record *r = record_of(p);
            if (!(vec[i] & 1) || !r || objects[r->obj].shared)
                continue;
            uint64_t flags = map_flags(r->prot) & 7;
            bool closed = !(flags & CX_MAP_W) || (vec[i] & CX_RESIDENT_NOACCESS);
            if (closed && cx_protect(rt->slot_pd, p, 1, CX_MAP_R | CX_MAP_W))
                continue;
            memset((void *)p, 0, CX_PAGE_SIZE);
            if (closed)
                cx_protect(rt->slot_pd, p, 1, flags);
        }
        done += n;
    }
}

long rt_madvise(uint64_t addr, uint64_t len, uint64_t advice)
{
    if (addr & (CX_PAGE_SIZE - 1) || len > CX_USER_TOP)
        return -EINVAL;
    if (advice == MADV_DONTNEED && !range_mapped(addr, len))
        return -ENOMEM;
    if (advice == MADV_DONTNEED && rt_mlock_busy(addr, len))
        return -EINVAL; /* Linux keeps locked pages */
    switch (advice) {
    case MADV_DONTNEED:
        /* private anonymous memory reads as zero afterwards, as on Linux */
        dontneed(addr, page_up(len) / CX_PAGE_SIZE);
        return 0;
    case MADV_NORMAL:
    case MADV_RANDOM:
    case MADV_SEQUENTIAL:
    case MADV_WILLNEED:
    case MADV_FREE: /* the kernel may keep the pages: keeping them is allowed */
        return 0;
    default:
        return -EINVAL;
    }
}

/* Whether two records that meet show as one area of maps: the same protection, both
 * in the heap or neither, and the same file, or both private memory, or the same shared
 * object continued. */
static bool same_area(const struct record *a, const struct record *b)
{
    bool heap_a = a->va >= rt_brk_start && a->va < brk_mapped;
    bool heap_b = b->va >= rt_brk_start && b->va < brk_mapped;
    if (a->prot != b->prot || heap_a != heap_b || a->file != b->file)
        return false;
    if (a->file || (!objects[a->obj].shared && !objects[b->obj].shared))
        return true;
    return a->obj == b->obj && a->off + a->pages == b->off;
}

int rt_memory_area(uint64_t from, struct vfs_mapping *out)
{
    unsigned i = 0;
    while (i < nrecords && records[i].va < from)
        i++;
    if (i == nrecords)
        return 0;
    const struct record *r = &records[i], *last = r;
    while (i + 1 < nrecords && records[i + 1].va == last->va + last->pages * CX_PAGE_SIZE &&
           same_area(last, &records[i + 1]))
        last = &records[++i];
    out->start = r->va;
    out->end = last->va + last->pages * CX_PAGE_SIZE;
    out->prot = r->prot;
    if (r->file) {
        const struct mapfile *m = &mapfiles[r->file];
        out->offset = m->off + (r->va - m->va);
        out->dev = m->dev;
        out->ino = m->ino;
        out->shared = m->shared;
        out->name = m->name;
    } else if (objects[r->obj].shared) {
        /* shared memory: Linux's is a file of its internal shmem mount */
        out->offset = r->off * CX_PAGE_SIZE;
        out->dev = LINUX_MAKEDEV(0, 1);
        out->ino = objects[r->obj].lid;
        out->shared = true;
        out->name = "/dev/zero";
        out->deleted = true;
    } else if (r->va >= rt_brk_start && r->va < brk_mapped) {
        out->name = "[heap]";
    }
    return 1;
}

uint64_t rt_memory_mapped_bytes(void)
{
    uint64_t pages = 0;
    for (unsigned i = 0; i < nrecords; i++)
        pages += records[i].pages;
    return pages * CX_PAGE_SIZE;
}

long rt_memory_each(long (*fn)(uint64_t start, uint64_t end, bool touch), bool touch)
{
    for (unsigned i = 0; i < nrecords; i++) {
        long err = fn(records[i].va, records[i].va + records[i].pages * CX_PAGE_SIZE, touch);
        if (err)
            return err;
    }
    return 0;
}

/* exit: the files that writable shared mappings hold (for msync) are let go before the
 * descriptors close, so that each description's last reference goes with its last
 * descriptor and the file system hears the close (the mappings go with the process).
 * An object holds a file only while a mapping (a record) holds the object: the records
 * are what to look at, not all MAX_OBJECTS objects (a scan of those cost every exit
 * 25,000 instructions). */
void rt_memory_drop_files(void)
{
    for (unsigned i = 0; i < nrecords; i++) {
        struct object *o = &objects[records[i].obj];
        if (o->file) {
            vfs_file_put(o->file);
            o->file = NULL;
        }
    }
}

/* execve: every mapping made by brk and mmap goes. */
void rt_memory_reset(void)
{
    rt_mlock_reset();
    while (nrecords) {
        struct record r = records[nrecords - 1];
        cx_unmap(rt->slot_pd, r.va, r.pages);
        nrecords--;
        object_put(r.obj);
        mapfile_put(r.file);
    }
    brk_cur = brk_mapped = 0;
}
