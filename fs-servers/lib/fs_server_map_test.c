/*
 * Host tests of the file-system server library, part of fs_server_test
 * (fs_server_test.h): mapped files (FS_MAP's chunks on memory objects that are plain
 * zeroed memory here, who pays for them, their reclaim), the chunk-by-chunk copies of
 * files on a device (fs_mirror.c) and file locks (FS_LOCK).
 */
#include "fs_server_internal.h"
#include "fs_server_test.h"

/* ---- mapped files: memory objects are plain zeroed memory here ---- */

#define MEM_IDS 4096
#define MEM_ALL_BUSY UINT64_MAX
static unsigned mem_live;
static uint64_t mem_next_id, mem_busy_id;     /* an id a client maps, or MEM_ALL_BUSY */
static struct fs_session *mem_payer[MEM_IDS]; /* by id, while it lives */
static uint8_t *mem_addr[MEM_IDS];

static void *mem_create(void *ctx, struct fs_session *payer, uint64_t pages, uint64_t *id)
{
    void *p = mem_next_id + 1 < MEM_IDS ? calloc(pages, 4096) : NULL;
    if (p) {
        mem_live++;
        *id = ++mem_next_id;
        mem_payer[*id] = payer;
        mem_addr[*id] = p;
    }
    return p;
}

static void mem_destroy(void *ctx, void *addr, uint64_t pages, uint64_t id)
{
    free(addr);
    mem_live--;
    mem_payer[id] = NULL;
    mem_addr[id] = NULL;
}

static bool mem_in_use(void *ctx, uint64_t id)
{
    return mem_busy_id == MEM_ALL_BUSY || mem_busy_id == id;
}

static const struct fs_mem_ops test_mem = {NULL, mem_create, mem_destroy, mem_in_use};

/* FS_MAP of page: r1..r4 say which chunk holds it. */
static int64_t map_(struct fs_session *ss, int64_t h, uint64_t page)
{
    return call(ss, FS_MAP, (uint64_t)h, page, 0, 0, 0);
}

static void mapped_files(void)
{
    struct fs_session *ss, *ro;
    int64_t root, f, h, hr, d;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    f = create(ss, root, "shm", S_IFREG | 0600);
    h = open_(ss, f, O_RDWR);
    CHECK_INT(map_(ss, h, 0), -ENODEV); /* no memory given yet */
    fs_server_set_mem(srv, &test_mem);
    d = create(ss, root, "dir", S_IFDIR | 0755);
    CHECK_INT(map_(ss, open_(ss, d, O_RDONLY), 0), -ENODEV);
    CHECK_INT(map_(ss, 12345, 0), -EBADF);
    int64_t hw = open_(ss, f, O_WRONLY);
    CHECK_INT(map_(ss, hw, 0), -EACCES);
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)hw, 0, 0, 0, 0), 0);
    CHECK_INT(write_(ss, h, "before", 0), 6);
    /* an empty or small file maps page 0; pages beyond the chunk of the end do not */
    CHECK_INT(map_(ss, h, 0), 0);
    CHECK_INT(msg.r[1], 0);
    CHECK_INT(msg.r[2], 1);
    CHECK_INT(msg.r[4], 1);
    uint64_t id0 = (uint64_t)msg.r[3];
    CHECK_INT(map_(ss, h, 1), -ENXIO);
    CHECK_INT(map_(ss, h, 1ull << 40), -ENOMEM);
    CHECK_INT(fs_server_mapped_pages(srv), 1);
    /* the bytes were copied in; reads and writes now use the chunk */
    CHECK_STR(read_(ss, h, 100, 0), "before");
    /* a read at the handle's offset that leaves the bytes in the chunks (the client
     * copies them from its views): the offset moves, nothing is copied */
    buf.data[0] = '#';
    CHECK_INT(call(ss, FS_READ, (uint64_t)h, 4 | FS_READ_NO_DATA, FS_POS_HANDLE, 0, 0), 4);
    CHECK_INT(msg.r[1], 0);
    CHECK_INT(msg.r[2], 1);
    CHECK_INT(buf.data[0], '#');
    CHECK_INT(call(ss, FS_READ, (uint64_t)h, 100 | FS_READ_NO_DATA, FS_POS_HANDLE, 0, 0), 2);
    CHECK_INT(msg.r[1], 4);
    CHECK_INT(call(ss, FS_READ, (uint64_t)h, (FS_DATA_MAX + 1) | FS_READ_NO_DATA, 0, 0, 0),
              -EINVAL);
    CHECK_INT(call(ss, FS_SEEK, (uint64_t)h, 0, SEEK_SET, 0, 0), 0);
    CHECK_INT(write_(ss, h, "AFTER", 0), 5);
    CHECK_STR(read_(ss, h, 100, 0), "AFTERe");
    /* growth adds chunks, and page 0's object stays the same */
    CHECK_INT(call(ss, FS_SEEK, (uint64_t)h, 0, SEEK_SET, 0, 0), 0);
    struct fs_setattr sa = {.mask = VFS_SET_SIZE, .size = 5 * 4096};
    memcpy(buf.data, &sa, sizeof sa);
    CHECK_INT(call(ss, FS_SETATTR, (uint64_t)f, 0, 0, 0, 0), 0);
    CHECK_INT(map_(ss, h, 4), 0);
    CHECK_INT(msg.r[1], 4);
    CHECK_INT(msg.r[2], 4);
    CHECK_INT(map_(ss, h, 0), 0);
    CHECK_INT((uint64_t)msg.r[3], id0);
    CHECK_INT(write_(ss, h, "far", 4 * 4096 + 10), 3);
    CHECK_STR(read_(ss, h, 3, 4 * 4096 + 10), "far");
    CHECK_INT(size_of(ss, f), 5 * 4096);
    /* a write beyond the end grows the file; the gap reads as zero */
    CHECK_INT(write_(ss, h, "end", 6 * 4096), 3);
    CHECK_INT(size_of(ss, f), 6 * 4096 + 3);
    CHECK_STR(read_(ss, h, 1, 5 * 4096 + 7), "");
    CHECK_INT(msg.r[0], 1);
    CHECK_INT(buf.data[0], 0);
    /* shrinking zeroes what was cut off: growing again shows zeros, not old bytes */
    sa.size = 3;
    memcpy(buf.data, &sa, sizeof sa);
    CHECK_INT(call(ss, FS_SETATTR, (uint64_t)f, 0, 0, 0, 0), 0);
    CHECK_STR(read_(ss, h, 100, 0), "AFT");
    sa.size = 6;
    memcpy(buf.data, &sa, sizeof sa);
    CHECK_INT(call(ss, FS_SETATTR, (uint64_t)f, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_READ, (uint64_t)h, 100, 0, 0, 0), 6);
    CHECK(memcmp(buf.data, "AFT\0\0\0", 6) == 0);
    /* O_TRUNC and O_APPEND on a mapped file */
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    h = open_(ss, f, O_RDWR | O_TRUNC | O_APPEND);
    CHECK_INT(size_of(ss, f), 0);
    CHECK_INT(write_(ss, h, "one", 0), 3);
    CHECK_INT(write_(ss, h, "two", 0), 3);
    CHECK_STR(read_(ss, h, 100, 0), "onetwo");
    /* a read-only session maps read-only */
    CHECK_INT(fs_session_open(srv, "/", false, 0, &ro), 0);
    int64_t rroot = attach(ro);
    hr = open_(ro, lookup(ro, rroot, "shm"), O_RDONLY);
    CHECK_INT(map_(ro, hr, 0), 0);
    CHECK_INT(msg.r[4], 0);
    CHECK_INT((uint64_t)msg.r[3], id0);
    fs_session_close(ro);
    /* the chunks stay while the file has a name, or a session holds it, or a client
     * maps a chunk; but one wholly beyond the end goes unless a client maps it */
    CHECK_INT(mem_live, 2);
    CHECK_INT(fs_session_chunks(ss), 2);
    mem_busy_id = MEM_ALL_BUSY;
    fs_server_collect(srv);
    CHECK_INT(mem_live, 2);
    mem_busy_id = 0;
    fs_server_collect(srv);
    CHECK_INT(mem_live, 1); /* pages 4..7 of a file of 6 bytes */
    CHECK_INT(fs_session_chunks(ss), 1);
    CHECK_INT(unlink_(ss, root, "shm", 0), 0);
    fs_server_collect(srv);
    CHECK_INT(mem_live, 1); /* the session still holds it */
    CHECK_STR(read_(ss, h, 100, 0), "onetwo");
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_RELEASE, (uint64_t)f, 0, 0, 0, 0), 0);
    mem_busy_id = id0;
    fs_server_collect(srv);
    CHECK_INT(mem_live, 1); /* a client maps it */
    mem_busy_id = 0;
    fs_server_collect(srv);
    CHECK_INT(mem_live, 0);
    CHECK_INT(fs_server_mapped_pages(srv), 0);
    /* a mapped file whose payer is still open at the server's end is freed with it */
    f = create(ss, root, "other", S_IFREG | 0600);
    h = open_(ss, f, O_RDWR);
    CHECK_INT(map_(ss, h, 0), 0);
    CHECK_INT(mem_live, 1);
}

/* FS_MAP with further chunks (a3): the ones after the page's, while they hold bytes of
 * the file, in one answer (a program's segments take one request, not one a chunk). */
static void mapped_more(void)
{
    struct fs_session *ss;
    fs_server_set_mem(srv, &test_mem);
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    int64_t root = attach(ss), f = create(ss, root, "prog", S_IFREG | 0755);
    int64_t h = open_(ss, f, O_RDWR);
    CHECK_INT(write_(ss, h, "last", 20 * 4096), 4); /* pages 0..20: chunks 0..5 */
    CHECK_INT(call(ss, FS_MAP, (uint64_t)h, 0, 0, FS_MAP_MORE + 1, 0), -EINVAL);
    CHECK_INT(call(ss, FS_MAP, (uint64_t)h, 0, 0, 2, 0), 2); /* chunks 1 and 2 follow */
    CHECK_INT(msg.r[1], 0);
    CHECK_INT(msg.r[2], 1);
    uint64_t id0 = (uint64_t)msg.r[3], id1 = msg.more[0], id2 = msg.more[1];
    CHECK(id0 && id1 && id2 && id0 != id1 && id1 != id2 && id0 != id2);
    CHECK_INT(mem_live, 6); /* the file became a mapped one: all its chunks */
    /* asked for more than the file holds: chunks 3, 4 and 5 (pages 4..31), no more */
    CHECK_INT(call(ss, FS_MAP, (uint64_t)h, 2, 0, FS_MAP_MORE, 0), 3);
    CHECK_INT(msg.r[1], 2);
    CHECK_INT(msg.r[2], 2);
    CHECK_INT((uint64_t)msg.r[3], id2);
    uint64_t id5 = msg.more[2];
    CHECK(id5 && msg.more[0] != id5 && msg.more[1] != id5);
    /* the same objects for each page, asked alone */
    CHECK_INT(call(ss, FS_MAP, (uint64_t)h, 1, 0, 0, 0), 0);
    CHECK_INT((uint64_t)msg.r[3], id1);
    CHECK_INT(call(ss, FS_MAP, (uint64_t)h, 20, 0, FS_MAP_MORE, 0), 0); /* the last chunk */
    CHECK_INT((uint64_t)msg.r[3], id5);
    CHECK_INT(msg.r[1], 16);
    CHECK_INT(msg.r[2], 16);
    CHECK_INT(call(ss, FS_MAP, (uint64_t)h, 32, 0, FS_MAP_MORE, 0), -ENXIO);
    fs_session_close(ss);
}

/* Who pays for chunks: the session whose request made them, at most
 * FS_SESSION_MAX_CHUNKS each; a session's end takes its chunks with it, and the bytes
 * of the files they held go back into the files. */
static void mapped_payers(void)
{
    struct fs_session *a, *b;
    int64_t ra, rb, fa[FS_SESSION_MAX_CHUNKS + 1], ha[FS_SESSION_MAX_CHUNKS + 1], fb, hb, h;
    char name[16];
    fs_server_set_mem(srv, &test_mem);
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &a), 0);
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &b), 0);
    ra = attach(a);
    rb = attach(b);
    /* a maps one small file after another until it has all the chunks it may have (its
     * clients map them all: none can be reclaimed) */
    mem_busy_id = MEM_ALL_BUSY;
    for (int i = 0; i <= FS_SESSION_MAX_CHUNKS; i++) {
        snprintf(name, sizeof name, "a%d", i);
        fa[i] = create(a, ra, name, S_IFREG | 0600);
        ha[i] = open_(a, fa[i], O_RDWR);
        CHECK_INT(map_(a, ha[i], 0), i < FS_SESSION_MAX_CHUNKS ? 0 : -ENOMEM);
        if (i < FS_SESSION_MAX_CHUNKS)
            CHECK(mem_payer[msg.r[3]] == a);
    }
    CHECK_INT(fs_session_chunks(a), FS_SESSION_MAX_CHUNKS);
    CHECK_INT(write_(a, ha[FS_SESSION_MAX_CHUNKS], "plain", 0), 5); /* not mapped: fine */
    /* b still maps files of its own, and a's without paying for a's chunks */
    fb = create(b, rb, "b", S_IFREG | 0600);
    hb = open_(b, fb, O_RDWR);
    CHECK_INT(map_(b, hb, 0), 0);
    CHECK(mem_payer[msg.r[3]] == b);
    h = open_(b, lookup(b, rb, "a0"), O_RDWR);
    CHECK_INT(map_(b, h, 0), 0);
    CHECK(mem_payer[msg.r[3]] == a);
    CHECK_INT(fs_session_chunks(b), 1);
    /* a write that grows a's file into a new chunk is paid by the writer; for a, whose
     * chunks are used up, such a write fails */
    CHECK_INT(write_(b, h, "by b", 3 * 4096), 4);
    CHECK_INT(fs_session_chunks(b), 2);
    CHECK_INT(write_(a, ha[1], "far", 3 * 4096), -ENOMEM);
    /* bytes a client wrote through its mapping of a0 (chunk 0) */
    CHECK_INT(map_(a, ha[0], 0), 0);
    memcpy(mem_addr[msg.r[3]], "through a mapping", 17);
    struct linux_stat before = stat_of(b, lookup(b, rb, "a0"));
    mem_busy_id = 0;
    /* a ends: every file with a chunk a paid for is a plain file again, b's chunks of
     * those files go too, b's own file keeps its chunk */
    fs_session_close(a);
    CHECK_INT(mem_live, 1);
    CHECK_INT(fs_session_chunks(b), 1);
    CHECK_INT(fs_server_mapped_pages(srv), 1);
    CHECK_STR(read_(b, h, 17, 0), "through a mapping");
    CHECK_STR(read_(b, h, 4, 3 * 4096), "by b");
    struct linux_stat after = stat_of(b, lookup(b, rb, "a0"));
    CHECK_INT(after.st_size, 3 * 4096 + 4);
    CHECK_INT(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
    CHECK_INT(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
    CHECK_STR(read_(b, open_(b, lookup(b, rb, "a64"), O_RDONLY), 5, 0), "plain");
    /* mapped again, at b's cost, with the same bytes */
    CHECK_INT(map_(b, h, 0), 0);
    CHECK(mem_payer[msg.r[3]] == b);
    CHECK(memcmp(mem_addr[msg.r[3]], "through a mapping", 17) == 0);
    CHECK_INT(fs_session_chunks(b), 4); /* its own, and a0's chunks 0..2 (pages 0..3) */
    /* truncated to nothing: the chunks beyond the end go when no client maps them */
    CHECK_INT(write_(b, hb, "x", 5 * 4096), 1); /* grows "b" into chunk 3 (pages 4..7) */
    CHECK_INT(fs_session_chunks(b), 5);
    CHECK_INT(map_(b, hb, 5), 0);
    uint64_t far = (uint64_t)msg.r[3];
    CHECK(mem_payer[far] == b);
    struct fs_setattr sa = {.mask = VFS_SET_SIZE, .size = 0};
    memcpy(buf.data, &sa, sizeof sa);
    CHECK_INT(call(b, FS_SETATTR, (uint64_t)fb, 0, 0, 0, 0), 0);
    mem_busy_id = far;
    fs_server_collect(srv);
    CHECK_INT(fs_session_chunks(b), 5);
    mem_busy_id = 0;
    fs_server_collect(srv);
    CHECK_INT(fs_session_chunks(b), 4); /* chunk 0 of an empty mapped file stays */
    CHECK_INT(mem_live, 4);
    fs_session_close(b);
    CHECK_INT(mem_live, 0);
    CHECK_INT(fs_server_mapped_pages(srv), 0);
}

/* A file on a device (fs_mirror.c; the ram tree marked so here): FS_MAP_VIEW makes
 * only the chunk it names, from the plugin's bytes; READ copies from the copy only
 * where it has the chunks of the whole range; WRITE goes into the chunks that exist and
 * makes none; a chunk that cannot be made gives EFBIG (the client stops asking). */
static void mirror_chunks(void)
{
    static struct vfs_fs_ops device_ops;
    struct vfs_fs *fs = vfs_fs_next(srv->vfs, NULL);
    struct fs_session *ss;
    int64_t root, f, h, g;
    char name[16];
    uint64_t id;
    device_ops = *fs->ops;
    device_ops.data_on_device = true;
    fs->ops = &device_ops;
    fs_server_set_mem(srv, &test_mem);
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    f = create(ss, root, "big", S_IFREG | 0600);
    h = open_(ss, f, O_RDWR);
    CHECK_INT(write_(ss, h, "page0", 0), 5);
    CHECK_INT(write_(ss, h, "page9", 9 * 4096), 5);
    CHECK_INT(call(ss, FS_MAP, (uint64_t)h, 9, 0, 0, 0), -ENODEV); /* not a view */
    CHECK_INT(call(ss, FS_MAP, (uint64_t)h, 16, FS_MAP_VIEW, 0, 0), -ENXIO);
    CHECK_INT(call(ss, FS_MAP, (uint64_t)h, 9, FS_MAP_VIEW, 0, 0), 0);
    CHECK_INT(msg.r[1], 8); /* chunk 4: pages 8..15 */
    CHECK_INT(msg.r[2], 8);
    CHECK_INT(msg.r[4], 0);
    id = (uint64_t)msg.r[3];
    CHECK_INT(mem_live, 1); /* that chunk only */
    CHECK(memcmp(mem_addr[id] + 4096, "page9", 5) == 0);
    /* writes: into the chunk that exists; none is made for page 0 */
    CHECK_INT(write_(ss, h, "PAGE9", 9 * 4096), 5);
    CHECK(memcmp(mem_addr[id] + 4096, "PAGE9", 5) == 0);
    CHECK_INT(write_(ss, h, "PAGE0", 0), 5);
    CHECK_INT(mem_live, 1);
    /* reads: from the copy where it has the range's chunks (the bytes put into it
     * show), else from the plugin */
    CHECK_STR(read_(ss, h, 5, 0), "PAGE0");
    memcpy(mem_addr[id] + 4096, "xxxxx", 5);
    CHECK_STR(read_(ss, h, 5, 9 * 4096), "xxxxx");
    memcpy(mem_addr[id], "yyyyy", 5);
    CHECK_INT(call(ss, FS_READ, (uint64_t)h, 8, 8 * 4096 - 3, 0, 0), 8); /* chunks 3 and 4 */
    CHECK(memcmp(buf.data, "\0\0\0\0\0\0\0\0", 8) == 0);
    /* a chunk that cannot be made: EFBIG (the session has all the chunks it may have,
     * each mapped by a client) */
    mem_busy_id = MEM_ALL_BUSY;
    for (int i = 1; i <= FS_SESSION_MAX_CHUNKS; i++) {
        snprintf(name, sizeof name, "f%d", i);
        g = open_(ss, create(ss, root, name, S_IFREG | 0600), O_RDWR);
        CHECK_INT(write_(ss, g, "x", 0), 1);
        CHECK_INT(call(ss, FS_MAP, (uint64_t)g, 0, FS_MAP_VIEW, 0, 0),
                  i < FS_SESSION_MAX_CHUNKS ? 0 : -EFBIG);
    }
    CHECK_INT(mem_live, FS_SESSION_MAX_CHUNKS);
    /* copies no client maps go */
    mem_busy_id = 0;
    fs_server_collect(srv);
    CHECK_INT(mem_live, 0);
    CHECK_STR(read_(ss, h, 5, 9 * 4096), "PAGE9"); /* the plugin's bytes */
    fs_session_close(ss);
}

/* A session out of chunks gets back those of files no client maps now: they become
 * plain files again with their bytes, and map again later; chunks a client maps stay. */
static void mapped_reclaim(void)
{
    struct fs_session *c;
    int64_t r, h[FS_SESSION_MAX_CHUNKS + 1];
    uint64_t first = 0;
    char name[16];
    fs_server_set_mem(srv, &test_mem);
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &c), 0);
    r = attach(c);
    mem_busy_id = MEM_ALL_BUSY;
    for (int i = 0; i <= FS_SESSION_MAX_CHUNKS; i++) {
        snprintf(name, sizeof name, "r%d", i);
        h[i] = open_(c, create(c, r, name, S_IFREG | 0600), O_RDWR);
        if (i == 0)
            CHECK_INT(write_(c, h[0], "twenty bytes written", 0), 20);
        CHECK_INT(map_(c, h[i], 0), i < FS_SESSION_MAX_CHUNKS ? 0 : -ENOMEM);
        if (i == 0) { /* and changed through a mapping */
            first = (uint64_t)msg.r[3];
            memcpy(mem_addr[first], "kept through reclaim", 20);
        }
    }
    CHECK_INT(fs_session_chunks(c), FS_SESSION_MAX_CHUNKS);
    /* no client maps anything but r1's chunk: the next FS_MAP takes the others back */
    mem_busy_id = first + 1;
    CHECK_INT(map_(c, h[FS_SESSION_MAX_CHUNKS], 0), 0);
    CHECK_INT(fs_session_chunks(c), 2);
    CHECK(mem_addr[first] == NULL);     /* r0 is a plain file again */
    CHECK(mem_addr[first + 1] != NULL); /* r1's chunk is still a client's */
    CHECK_STR(read_(c, h[0], 20, 0), "kept through reclaim");
    CHECK_INT(map_(c, h[0], 0), 0); /* and maps anew with the same bytes */
    CHECK(memcmp(mem_addr[msg.r[3]], "kept through reclaim", 20) == 0);
    CHECK_INT(fs_session_chunks(c), 3);
    mem_busy_id = 0;
    fs_session_close(c);
    CHECK_INT(fs_server_mapped_pages(srv), 0);
}

/* ---- file locks (FS_LOCK, docs/locks.md) ---- */

static int64_t lock(struct fs_session *ss, int64_t h, unsigned cmd, unsigned type, unsigned cls,
                    int64_t start, int64_t end, uint64_t pid)
{
    return call(ss, FS_LOCK, (uint64_t)h, cmd | type << 8 | cls, (uint64_t)start, (uint64_t)end,
                pid);
}

/* Two sessions (two sandboxes) and two processes in one: conflicts, GET's answer,
 * merging, OFD and flock owners, release at close and at the session's end, EDEADLK,
 * the bound, and malformed requests. */
static void file_locks(void)
{
    struct fs_session *a, *b;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &a), 0);
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &b), 0);
    int64_t f = create(a, attach(a), "f", S_IFREG | 0644);
    int64_t ha = open_(a, f, O_RDWR), ha2 = open_(a, f, O_RDWR);
    int64_t fb = lookup(b, attach(b), "f"), hb = open_(b, fb, O_RDWR);
    int64_t hro = open_(b, fb, O_RDONLY);
    CHECK(ha > 0 && ha2 > 0 && hb > 0 && hro > 0);
    /* pid 10 of session a write-locks [0, 99]; pid 11 of a and pid 10 of b conflict */
    CHECK_INT(lock(a, ha, FS_LOCK_SET, RL_WRITE, 0, 0, 99, 10), 0);
    CHECK_INT(lock(a, ha, FS_LOCK_SET, RL_READ, 0, 50, 50, 11), -EAGAIN);
    CHECK_INT(lock(b, hb, FS_LOCK_SET, RL_READ, 0, 50, 50, 10), -EAGAIN);
    CHECK_INT(lock(b, hb, FS_LOCK_SET, RL_READ, 0, 100, 200, 10), 0);
    CHECK_INT(lock(b, hb, FS_LOCK_GET, RL_WRITE, 0, 0, RL_EOF, 10), 0);
    CHECK_INT(msg.r[1], RL_WRITE);
    CHECK_INT(msg.r[2], 0);
    CHECK_INT(msg.r[3], 99);
    CHECK_INT(msg.r[4], 10);
    CHECK_INT(lock(a, ha, FS_LOCK_GET, RL_READ, 0, 0, 99, 10), 0);
    CHECK_INT(msg.r[1], 0); /* one's own locks never conflict */
    /* a read lock on a write-only or a write lock on a read-only handle */
    CHECK_INT(lock(b, hro, FS_LOCK_SET, RL_WRITE, 0, 300, 300, 10), -EBADF);
    /* the two-process cycle: b/10 waits for a/10, then a/10 would wait for b/10 */
    CHECK_INT(lock(b, hb, FS_LOCK_WAIT, RL_WRITE, 0, 0, 0, 10), -EAGAIN);
    CHECK_INT(lock(a, ha, FS_LOCK_WAIT, RL_WRITE, 0, 150, 150, 10), -EDEADLK);
    CHECK_INT(lock(a, ha, FS_LOCK_WAIT, RL_WRITE, 0, 150, 150, 12), -EAGAIN);
    /* a's pid 10 releases its locks on the file (a close); b's go on */
    CHECK_INT(lock(a, ha, FS_LOCK_RELEASE, 0, 0, 0, 0, 10), 0);
    CHECK_INT(lock(b, hb, FS_LOCK_SET, RL_WRITE, 0, 0, 0, 10), 0);
    /* OFD locks: owned by the handle, whatever the pid; released at its last close */
    CHECK_INT(lock(a, ha, FS_LOCK_SET, RL_WRITE, FS_LOCK_OFD, 1000, 1999, 0), 0);
    CHECK_INT(lock(a, ha2, FS_LOCK_SET, RL_WRITE, FS_LOCK_OFD, 1500, 1500, 0), -EAGAIN);
    CHECK_INT(lock(a, ha, FS_LOCK_GET, RL_WRITE, 0, 1500, 1500, 99), 0);
    CHECK_INT(msg.r[4], -1);
    /* flock is a table of its own: no conflict with the fcntl locks above */
    CHECK_INT(lock(a, ha, FS_LOCK_SET, RL_WRITE, FS_LOCK_FLOCK, 0, RL_EOF, 0), 0);
    CHECK_INT(lock(b, hro, FS_LOCK_SET, RL_READ, FS_LOCK_FLOCK, 0, RL_EOF, 0), -EAGAIN);
    CHECK_INT(call(a, FS_CLOSE, (uint64_t)ha, 0, 0, 0, 0), 0);
    CHECK_INT(lock(b, hro, FS_LOCK_SET, RL_READ, FS_LOCK_FLOCK, 0, RL_EOF, 0), 0);
    CHECK_INT(lock(a, ha2, FS_LOCK_SET, RL_WRITE, FS_LOCK_OFD, 1500, 1500, 0), 0);
    /* the session's bound */
    int64_t i, r = 0;
    for (i = 0; i < 300 && r == 0; i++)
        r = lock(a, ha2, FS_LOCK_SET, i % 2 ? RL_READ : RL_WRITE, 0, 10000 + i, 10000 + i, 7);
    CHECK_INT(r, -ENOLCK);
    CHECK(i > 200);
    /* malformed */
    CHECK_INT(lock(a, ha2, FS_LOCK_SET, RL_READ, 0, 5, 4, 7), -EINVAL);
    CHECK_INT(lock(a, ha2, FS_LOCK_SET, RL_READ, 0, -1, 4, 7), -EINVAL);
    CHECK_INT(lock(a, ha2, FS_LOCK_SET, RL_READ, 0, 0, -1, 7), -EINVAL);
    CHECK_INT(lock(a, ha2, FS_LOCK_SET, 3, 0, 0, 1, 7), -EINVAL);
    CHECK_INT(lock(a, ha2, 9, RL_READ, 0, 0, 1, 7), -EINVAL);
    CHECK_INT(lock(a, ha2, FS_LOCK_SET, RL_READ, 0, 0, 1, 0), -EINVAL);
    CHECK_INT(lock(a, ha2, FS_LOCK_SET, RL_READ, 0, 0, 1, 1ull << 31), -EINVAL);
    CHECK_INT(lock(a, ha2, FS_LOCK_SET, RL_READ, FS_LOCK_OFD | FS_LOCK_FLOCK, 0, 1, 0), -EINVAL);
    CHECK_INT(lock(a, ha2, FS_LOCK_SET, RL_READ, 1u << 20, 0, 1, 7), -EINVAL);
    CHECK_INT(lock(b, 12345, FS_LOCK_SET, RL_READ, 0, 0, 1, 7), -EBADF);
    /* without a handle: every record lock of one pid in the session (its launcher) */
    CHECK_INT(lock(b, hb, FS_LOCK_SET, RL_WRITE, 0, 5000, 5000, 33), 0);
    CHECK_INT(lock(b, 0, FS_LOCK_RELEASE, 0, 0, 0, 0, 33), 0);
    CHECK_INT(lock(b, hb, FS_LOCK_SET, RL_WRITE, 0, 5000, 5000, 34), 0);
    CHECK_INT(lock(b, 0, FS_LOCK_RELEASE, 0, 0, 0, 0, 0), -EBADF);
    CHECK_INT(lock(b, 0, FS_LOCK_SET, RL_READ, 0, 0, 0, 33), -EBADF);
    CHECK_INT(lock(b, 0, FS_LOCK_RELEASE, 0, 0, 0, 0, 34), 0);
    /* a's end takes all its locks: b can lock everything */
    fs_session_close(a);
    CHECK_INT(lock(b, hb, FS_LOCK_SET, RL_WRITE, 0, 0, RL_EOF, 10), 0);
    fs_session_close(b);
}

void fs_server_lock_cases(void)
{
    CASE(file_locks);
}

void fs_server_map_cases(void)
{
    CASE(mapped_files);
    CASE(mapped_more);
    CASE(mapped_payers);
    CASE(mapped_reclaim);
    CASE(mirror_chunks);
    if (mem_live) /* the server's end freed the last mapped file */
        tl_fail(__LINE__, "%u memory objects left", mem_live);
}
