/*
 * The differential test of vfs/tests/oracle_test.c (every section: the same operations
 * on the host's tmpfs and on a vfs must agree) run with the vfs's root being an `fs`
 * mount: each section gets a session of a ram_fs-like server (fs-servers/lib with a
 * ram file system, called directly) confined to a directory of its own. So fs through
 * the File_system protocol must behave as Linux does, exactly as ram in-process does.
 */
#include "../../vfs/tests/testlib.h"

#include <fs_server.h>
#include <stdlib.h>
#include <vfs_plugins.h>

static struct fs_server *oserver;

struct osession {
    struct fs_session *ss;
    struct fs_buf *buf;
};
static struct osession osessions[64];
static unsigned nosessions;

static void *o_alloc(void *ctx, size_t size)
{
    return malloc(size ? size : 1);
}

static void o_free(void *ctx, void *ptr, size_t size)
{
    free(ptr);
}

static uint64_t o_now(void *ctx)
{
    return tl_clock_ns;
}

static const struct vfs_env oserver_env = {.alloc = o_alloc, .free = o_free, .now_ns = o_now};

static int ocall(void *ctx, struct fs_msg *m)
{
    struct osession *s = ctx;
    fs_server_handle(oserver, s->ss, m, s->buf);
    return 0;
}

/* env->session: a session confined to /LABEL of the server's tree. */
static int osession_open(void *ctx, const char *service, const char *label, uint64_t quota,
                         struct fs_transport *out)
{
    (void)quota;
    struct osession *s;
    char root[256];
    int rc;
    if (nosessions == sizeof osessions / sizeof osessions[0])
        return -ENOMEM;
    s = &osessions[nosessions];
    snprintf(root, sizeof root, "/%s", label);
    rc = fs_session_open(oserver, root, true, 1ull << 30, &s->ss);
    if (rc < 0)
        return rc;
    s->buf = aligned_alloc(4096, sizeof *s->buf);
    memset(s->buf, 0, sizeof *s->buf);
    nosessions++;
    out->ctx = s;
    out->buf = s->buf;
    out->call = ocall;
    return 0;
}

static struct vfs *oracle_fs_vfs(const char *section)
{
    char text[256];
    snprintf(text, sizeof text, "fs label=%s", section);
    tl_env.session = osession_open;
    return tl_vfs(text);
}

static void oracle_fs_begin(void)
{
    static char arena_mem[4096];
    struct cfg_arena arena = {.base = arena_mem, .size = sizeof arena_mem};
    struct cfg_node *root;
    struct cfg_error err;
    if (cfg_parse("server.cfg", "ram\n", 4, &arena, &root, &err) < 0 ||
        fs_server_create(&oserver_env, &vfs_plugin_ram, cfg_first(root, "ram"), &oserver, &err) <
            0) {
        fprintf(stderr, "cannot make the server\n");
        abort();
    }
}

static void oracle_fs_end(void)
{
    unsigned i;
    for (i = 0; i < nosessions; i++) {
        fs_session_close(osessions[i].ss);
        free(osessions[i].buf);
    }
    fs_server_destroy(oserver);
}

#define ORACLE_VFS(section) oracle_fs_vfs(section)
#define ORACLE_BEGIN() oracle_fs_begin()
#define ORACLE_END() oracle_fs_end()
#include "../../vfs/tests/oracle_test.c"
