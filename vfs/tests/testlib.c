/*
 * Shared helpers of the VFS and plugin host tests (testlib.h).
 */
#include "testlib.h"

#include <stdarg.h>
#include <stdlib.h>
#include <vfs_plugins.h>

bool tl_failed;
uint64_t tl_clock_ns;
long tl_alloc_fail_after = -1;
static char reason[1024];
static unsigned passed, failed;
static long long live_bytes;
static struct vfs *current[8];
static unsigned ncurrent;
static char arena_mem[1 << 18];
static struct cfg_arena arena;

struct module {
    const char *name;
    const void *data;
    size_t len;
};
static struct module modules[16];
static unsigned nmodules;

void tl_fail(int line, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (tl_failed)
        return;
    tl_failed = true;
    n = snprintf(reason, sizeof reason, "line %d: ", line);
    va_start(ap, fmt);
    vsnprintf(reason + n, sizeof reason - (size_t)n, fmt, ap);
    va_end(ap);
}

static void *t_alloc(void *ctx, size_t size)
{
    size_t *p;
    if (tl_alloc_fail_after == 0)
        return NULL;
    if (tl_alloc_fail_after > 0)
        tl_alloc_fail_after--;
    p = malloc(size + 16);
    if (!p)
        return NULL;
    p[0] = size;
    live_bytes += (long long)size;
    memset(p + 2, 0xa5, size); /* no caller may rely on zeroed memory */
    return p + 2;
}

static void t_free(void *ctx, void *ptr, size_t size)
{
    size_t *p = (size_t *)ptr - 2;
    if (p[0] != size) {
        fprintf(stderr, "free of %zu bytes with size %zu\n", p[0], size);
        abort();
    }
    live_bytes -= (long long)size;
    free(p);
}

static uint64_t t_now(void *ctx)
{
    return tl_clock_ns;
}

static const void *t_module(void *ctx, const char *name, size_t *size)
{
    unsigned i;
    for (i = 0; i < nmodules; i++)
        if (strcmp(modules[i].name, name) == 0) {
            *size = modules[i].len;
            return modules[i].data;
        }
    return NULL;
}

static void t_log(void *ctx, const char *line)
{
    printf("# log: %s\n", line);
}

struct vfs_env tl_env = {
    .alloc = t_alloc, .free = t_free, .now_ns = t_now, .module = t_module, .log = t_log};

void tl_add_module(const char *name, const void *data, size_t len)
{
    if (nmodules < 16)
        modules[nmodules++] = (struct module){name, data, len};
}

void tl_run(const char *name, void (*fn)(void))
{
    unsigned i;
    tl_failed = false;
    reason[0] = '\0';
    tl_clock_ns = 1700000000ull * 1000000000ull;
    tl_alloc_fail_after = -1;
    live_bytes = 0;
    fn();
    for (i = 0; i < ncurrent; i++)
        vfs_destroy(current[i]);
    ncurrent = 0;
    if (!tl_failed && live_bytes != 0)
        tl_fail(0, "%lld bytes still allocated after the case (leak)", live_bytes);
    if (tl_failed) {
        printf("FAIL %s: %s\n", name, reason);
        failed++;
    } else {
        printf("PASS %s\n", name);
        passed++;
    }
    fflush(stdout);
}

int tl_finish(void)
{
    printf("# %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}

const char *tl_errname(long long v)
{
    static const struct {
        int e;
        const char *name;
    } names[] = {
        {EPERM, "EPERM"},         {ENOENT, "ENOENT"},         {EIO, "EIO"},
        {ENXIO, "ENXIO"},         {EBADF, "EBADF"},           {EAGAIN, "EAGAIN"},
        {ENOMEM, "ENOMEM"},       {EACCES, "EACCES"},         {EFAULT, "EFAULT"},
        {EBUSY, "EBUSY"},         {EEXIST, "EEXIST"},         {EXDEV, "EXDEV"},
        {ENOTDIR, "ENOTDIR"},     {EISDIR, "EISDIR"},         {EINVAL, "EINVAL"},
        {EMFILE, "EMFILE"},       {ENOTTY, "ENOTTY"},         {EFBIG, "EFBIG"},
        {ENOSPC, "ENOSPC"},       {ESPIPE, "ESPIPE"},         {EROFS, "EROFS"},
        {EMLINK, "EMLINK"},       {ERANGE, "ERANGE"},         {ENAMETOOLONG, "ENAMETOOLONG"},
        {ENOSYS, "ENOSYS"},       {ENOTEMPTY, "ENOTEMPTY"},   {ELOOP, "ELOOP"},
        {EOVERFLOW, "EOVERFLOW"}, {EOPNOTSUPP, "EOPNOTSUPP"},
    };
    size_t i;
    if (v >= 0)
        return "";
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (-v == names[i].e)
            return names[i].name;
    return "?";
}

static int build(const char *text, struct vfs **out, struct cfg_error *err)
{
    static char wrapped[1 << 16];
    struct cfg_node *root;
    int rc;
    if (strncmp(text, "vfs", 3) == 0)
        snprintf(wrapped, sizeof wrapped, "%s", text);
    else
        snprintf(wrapped, sizeof wrapped, "vfs {\n%s\n}\n", text);
    arena.base = arena_mem;
    arena.size = sizeof arena_mem;
    arena.used = 0;
    rc = cfg_parse("test.cfg", wrapped, strlen(wrapped), &arena, &root, err);
    if (rc < 0)
        return -1000 + rc;
    return vfs_create(&tl_env, vfs_plugins_all, vfs_plugins_all_count, cfg_first(root, "vfs"), 256,
                      out, err);
}

struct vfs *tl_vfs(const char *text)
{
    struct cfg_error err;
    struct vfs *v = NULL;
    char msg[256];
    int rc = build(text, &v, &err);
    if (rc < 0) {
        cfg_format_error(&err, msg, sizeof msg);
        tl_fail(0, "vfs_create failed (%d): %s", rc, msg);
        return NULL;
    }
    if (ncurrent < 8)
        current[ncurrent++] = v;
    return v;
}

const char *tl_vfs_error(const char *text)
{
    static char msg[256];
    struct cfg_error err;
    struct vfs *v = NULL;
    int rc = build(text, &v, &err);
    if (rc == 0) {
        if (ncurrent < 8)
            current[ncurrent++] = v;
        tl_fail(0, "the configuration was accepted");
        return NULL;
    }
    cfg_format_error(&err, msg, sizeof msg);
    return msg;
}

static int put(struct vfs *v, const char *path, const char *text, int flags)
{
    int fd = vfs_openat(v, AT_FDCWD, path, O_WRONLY | O_CREAT | flags, 0644);
    int64_t n;
    if (fd < 0)
        return fd;
    n = vfs_write(v, fd, text, strlen(text));
    vfs_close(v, fd);
    if (n < 0)
        return (int)n;
    return n == (int64_t)strlen(text) ? 0 : -EIO;
}

int tl_write(struct vfs *v, const char *path, const char *text)
{
    return put(v, path, text, O_TRUNC);
}

int tl_append(struct vfs *v, const char *path, const char *text)
{
    return put(v, path, text, O_APPEND);
}

const char *tl_read(struct vfs *v, const char *path, int *err)
{
    static char buf[1 << 16];
    size_t used = 0;
    int fd = vfs_openat(v, AT_FDCWD, path, O_RDONLY, 0);
    if (fd < 0) {
        if (err)
            *err = fd;
        return NULL;
    }
    for (;;) {
        int64_t n = vfs_read(v, fd, buf + used, sizeof buf - 1 - used);
        if (n < 0) {
            vfs_close(v, fd);
            if (err)
                *err = (int)n;
            return NULL;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    vfs_close(v, fd);
    buf[used] = '\0';
    if (err)
        *err = 0;
    return buf;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *ls(struct vfs *v, const char *path, bool sorted)
{
    static char out[1 << 14];
    static char names[512][NAME_MAX + 1];
    char *ptrs[512];
    uint64_t bufw[32]; /* getdents records are 8-byte aligned */
    char *buf = (char *)bufw;
    unsigned n = 0, i;
    size_t used = 0;
    int fd = vfs_openat(v, AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0) {
        snprintf(out, sizeof out, "<%s>", tl_errname(fd));
        return out;
    }
    for (;;) {
        int64_t len = vfs_getdents64(v, fd, buf, sizeof bufw), off = 0;
        if (len <= 0)
            break;
        while (off < len) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") && n < 512) {
                snprintf(names[n], sizeof names[n], "%s", d->d_name);
                ptrs[n] = names[n];
                n++;
            }
            off += d->d_reclen;
        }
    }
    vfs_close(v, fd);
    if (sorted)
        qsort(ptrs, n, sizeof ptrs[0], cmp);
    out[0] = '\0';
    for (i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? " " : "", ptrs[i]);
    return out;
}

const char *tl_ls(struct vfs *v, const char *path)
{
    return ls(v, path, false);
}

const char *tl_ls_sorted(struct vfs *v, const char *path)
{
    return ls(v, path, true);
}
