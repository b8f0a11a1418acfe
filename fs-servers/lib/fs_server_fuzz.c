/*
 * libFuzzer target for the file-system server library: sequences of requests, with
 * random operations, words and buffer bytes, from two sessions on one server (session 0
 * confined to "/", session 1 to "/b" with a small quota, writeable or not by the
 * input's first byte). The server is a ram file system (by the first byte, one marked
 * as keeping its data on a device, as fat does: mapped files are copies for views,
 * fs_mirror.c) or, by the first byte, a composition: a tar archive at "/" with ram instances
 * mounted at "/b" and below a directory of the archive, and node plugins in "/dev". Words are often
 * numbers the server gave earlier, so the requests reach deep into the operations. After each
 * request the answer must be a count, a number or a Linux errno, no session may have used more than
 * its quota, every memory object of a mapped file must be paid for by a session that is open (at
 * most FS_SESSION_MAX_CHUNKS each), and at the end, with the sessions closed and the server
 * destroyed, every allocation must have been given back.
 *
 * Input: one byte of setup, then requests: an op byte (the low bit picks the session,
 * the rest the operation and, above FS_OP_COUNT, the pid in the buffer's lock tag: 0 the
 * session's owner, 1..4 sub-clients with credentials that the server checks),
 * five word tags (see word()), a data length byte and that many data bytes.
 */
#include <capix/config.h>
#include <fs_server.h>
#include <stdlib.h>
#include <vfs_plugins.h>

#include "../../vfs/fuzz/fuzz_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The credentials of the sub-clients that pids 1..4 ask as (pid 0: the owner's, unchecked) */
static const struct vfs_cred creds[4] = {
    {.uid = 0, .gid = 0, .caps = ~0ull},
    {.uid = 65534, .gid = 65534},
    {.uid = 1000, .gid = 1000, .ngroups = 2, .groups = {0, 100}},
    {.uid = 0, .gid = 0},
};

#define NREMEMBER 16

struct input {
    const uint8_t *p;
    size_t left;
};

static uint8_t byte(struct input *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

static uint64_t remembered[2][NREMEMBER];

/* One word, by its tag: 0-1 small values, 2-3 earlier numbers, 4 raw 8 bytes,
 * 5 special values, 6 modes, 7 flags. */
static uint64_t word(struct input *in, int s)
{
    static const uint64_t special[8] = {
        0,          FS_POS_HANDLE,         FS_DATA_MAX, FS_DATA_MAX + 1, (uint64_t)INT64_MAX,
        1ull << 63, FS_READ_NO_DATA | 255, 256};
    static const uint64_t modes[8] = {S_IFREG | 0644,  S_IFDIR | 0755, S_IFLNK | 0777,
                                      S_IFCHR | 0600,  S_IFIFO | 0644, 0644,
                                      S_IFDIR | 02775, 0170000};
    static const uint64_t flags[8] = {O_RDONLY,          O_WRONLY,           O_RDWR,
                                      O_RDWR | O_APPEND, O_WRONLY | O_TRUNC, O_RDONLY | O_DIRECTORY,
                                      RENAME_EXCHANGE,   AT_REMOVEDIR};
    uint8_t tag = byte(in);
    uint64_t w = 0;
    int i;
    switch (tag >> 5) {
    case 0:
    case 1:
        return tag & 63;
    case 2:
    case 3:
        return remembered[s][tag & (NREMEMBER - 1)];
    case 4:
        for (i = 0; i < 8; i++)
            w = w << 8 | byte(in);
        return w;
    case 5:
        return special[tag & 7];
    case 6:
        return modes[tag & 7];
    default:
        return flags[tag & 7];
    }
}

/* Memory for mapped files (FS_MAP): counted, so that none may be left at the end. */
static long mem_objects;

static void *mem_create(void *ctx, struct fs_session *payer, uint64_t pages, uint64_t *id)
{
    void *p = calloc(pages, 4096);
    if (p) {
        mem_objects++;
        *id = (uint64_t)mem_objects;
    }
    return p;
}

static void mem_destroy(void *ctx, void *addr, uint64_t pages, uint64_t id)
{
    free(addr);
    mem_objects--;
}

static bool mem_in_use(void *ctx, uint64_t id)
{
    return (id & 1) != 0;
}

/* ram marked as keeping its data on a device (as fat does): mapped files are copies
 * for views (fs_mirror.c) */
static struct vfs_fs_ops device_ops;

static int device_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    int rc = vfs_plugin_ram.mount(a, out);
    if (rc == 0) {
        device_ops = *(*out)->ops;
        device_ops.data_on_device = true;
        (*out)->ops = &device_ops;
    }
    return rc;
}

static const struct vfs_plugin device_ram = {"ram", VFS_PLUGIN_TREE, NULL, device_mount};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fs_mem_ops mem = {NULL, mem_create, mem_destroy, mem_in_use};
    static char arena_mem[4096];
    static const char config[] = "ram size=4M";
    static const char composition[] =
        "vfs { tar a.tar; dir /b { ram size=1M }; dir /dir/m { ram }; dir /dev { null; zero } }";
    bool composed;
    static struct fs_buf buf;
    static const uint64_t quotas[2] = {1 << 20, 8192};
    struct cfg_arena arena = {arena_mem, sizeof arena_mem, 0};
    struct input in = {data, size};
    struct cfg_node *root;
    struct cfg_error err;
    struct fs_server *srv;
    struct fs_session *ss[2];
    unsigned n = 0, next[2] = {0, 0};
    uint8_t setup = byte(&in);
    int s;

    memset(remembered, 0, sizeof remembered);
    composed = setup & 8;
    if (composed) {
        if (cfg_parse("fuzz.cfg", composition, sizeof composition - 1, &arena, &root, &err) != 0 ||
            fs_server_create_vfs(&fuzz_env, vfs_plugins_all, vfs_plugins_all_count,
                                 cfg_first(root, "vfs"), &srv, &err) != 0)
            abort();
    } else {
        if (cfg_parse("fuzz.cfg", config, sizeof config - 1, &arena, &root, &err) != 0 ||
            fs_server_create(&fuzz_env, (setup & 64) ? &device_ram : &vfs_plugin_ram,
                             cfg_first(root, NULL), &srv, &err) != 0)
            abort();
    }
    if (setup & 16)
        fs_server_set_mem(srv, &mem); /* files can be mapped (FS_MAP) */
    if (!composed && (setup & 32))
        fs_server_set_coherent(srv); /* as ram_fs: the change counts in the buffers */
    if (fs_session_open(srv, "/", true, quotas[0], &ss[0]) != 0 ||
        fs_session_open(srv, "/b", setup & 1, quotas[1], &ss[1]) != 0)
        abort();
    while (in.left && n++ < 256) {
        struct fs_msg m;
        uint8_t op = byte(&in);
        size_t len, i;
        s = op & 1;
        memset(&m, 0, sizeof m);
        m.op = (uint64_t)(op >> 1) % (FS_OP_COUNT + 1);
        for (i = 0; i < 5; i++)
            m.a[i] = word(&in, s);
        /* the process asking (the lock's tag: 0, none, or pids 1..4), and FS_GONE and
         * FS_EXEC often well formed, with one of those pids */
        buf.lock = (int32_t)((op >> 1) / (FS_OP_COUNT + 1));
        if ((m.op == FS_GONE || m.op == FS_EXEC) && !(m.a[1] & 1)) {
            if (m.op == FS_GONE)
                m.a[0] %= 5;
            m.a[1] = m.a[2] = m.a[3] = m.a[4] = 0;
        }
        len = byte(&in);
        if (len > in.left)
            len = in.left;
        memcpy(buf.data, in.p, len);
        in.p += len;
        in.left -= len;
        /* junk behind the data: lengths beyond it must not matter */
        memset(buf.data + len, 0x2f, 64);
        if (buf.lock) /* pids 1..4 ask as sub-clients, each with its credentials */
            fs_server_handle_as(srv, ss[s], &creds[buf.lock - 1], &m, &buf);
        else
            fs_server_handle(srv, ss[s], &m, &buf);
        if (m.r[0] < -133)
            abort();
        if (m.r[0] > 0 &&
            (m.op == FS_ATTACH || m.op == FS_LOOKUP || m.op == FS_CREATE || m.op == FS_OPEN))
            remembered[s][next[s]++ % NREMEMBER] = (uint64_t)m.r[0];
        if (m.op == FS_READ && m.r[0] > (int64_t)FS_DATA_MAX)
            abort();
        for (i = 0; i < 2; i++)
            if (fs_session_used(ss[i]) > quotas[i])
                abort();
        if (m.op == FS_MAP && m.r[0] > 0 && (uint64_t)m.r[0] > m.a[3])
            abort(); /* more further chunks than asked for */
        if (m.op == FS_MAP && m.r[0] >= 0 &&
            (m.r[2] <= 0 || (uint64_t)m.r[1] > m.a[1] ||
             m.a[1] - (uint64_t)m.r[1] >= (uint64_t)m.r[2]))
            abort(); /* an answer that does not hold the page */
        if (fs_session_chunks(ss[0]) > FS_SESSION_MAX_CHUNKS ||
            fs_session_chunks(ss[1]) > FS_SESSION_MAX_CHUNKS ||
            mem_objects != (long)(fs_session_chunks(ss[0]) + fs_session_chunks(ss[1])))
            abort(); /* a chunk without an open payer, or a payer beyond its bound */
        if ((n & 31) == 0)
            fs_server_collect(srv);
        if ((setup & 2) && n == 128) {
            /* a client that dies in the middle: a new session takes its place */
            fs_session_close(ss[1]);
            if (fs_session_open(srv, "/b", setup & 1, quotas[1], &ss[1]) != 0 &&
                fs_session_open(srv, "/", false, quotas[1], &ss[1]) != 0)
                abort();
            memset(remembered[1], 0, sizeof remembered[1]);
        }
    }
    fs_session_close(ss[0]);
    if (setup & 4)
        fs_server_destroy(srv); /* with a session still open */
    else {
        fs_session_close(ss[1]);
        fs_server_destroy(srv);
    }
    if (fuzz_live != 0 || mem_objects != 0)
        abort();
    return 0;
}
