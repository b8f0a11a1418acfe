/*
 * Programs with their own tree (docs/sandboxes.md): a `program PATH { vfs { ... } }` node
 * of the component's config gives the program at PATH its own file tree when a process
 * executes it. Here, before the old program goes, the runtime builds that tree, keeps
 * the descriptors the new tree may keep (pipes, stateless devices, and files of the
 * sessions the new tree mounts too) and closes all others, then asks the launcher to
 * narrow the process (RT_LABEL_NARROW). The launcher is what enforces: it takes every
 * session outside the tree away from the process's capability space and unmaps their
 * buffers; this file only keeps the runtime's view consistent with that.
 */
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>
#include "runtime.h"

#define MAX_RULES 32

struct rule {
    const char *path;
    const struct cfg_node *vfs;
};

static struct rule rules[MAX_RULES];
static unsigned nrules;

int rt_programs_add(const struct cfg_node *n, struct cfg_error *err)
{
    const char *path = cfg_nargs(n) == 1 ? cfg_arg(n, 0) : NULL;
    const struct cfg_node *vfs = cfg_first(n, "vfs");
    if (!path || n->nvalues != 1 || path[0] != '/')
        return cfg_error_at(err, n, "as in: program /usr/bin/vim { vfs { ... } }");
    if (!vfs || cfg_first(n, NULL) != vfs || cfg_next(vfs, NULL))
        return cfg_error_at(err, n, "program %s: expected exactly one 'vfs { ... }' inside", path);
    if (nrules == MAX_RULES)
        return cfg_error_at(err, n, "too many program rules (at most %u)", MAX_RULES);
    rules[nrules++] = (struct rule){path, vfs};
    return 0;
}

unsigned rt_programs_count(void)
{
    return nrules;
}

unsigned rt_program_rule(const char *path)
{
    for (unsigned i = 0; i < nrules; i++)
        if (!strcmp(rules[i].path, path))
            return i + 1;
    return 0;
}

/* What a descriptor may take into the program's tree (ctx: the new vfs): files of a
 * session or terminal the new tree mounts too, pipes and stateless devices. */
static bool keep(void *ctx, struct vfs_file *f)
{
    const struct vfs_fs *fs = f->node->fs;
    const char *name = fs->plugin ? fs->plugin->name : "";
    const char *label = fs->label ? fs->label : "";
    if (!strcmp(name, "fs") || !strcmp(name, "terminal"))
        return vfs_has_mount(ctx, name, label);
    static const char *const stateless[] = {"pipe",   "null",    "zero", "full",
                                            "random", "urandom", "log"};
    for (unsigned i = 0; i < sizeof(stateless) / sizeof(stateless[0]); i++)
        if (!strcmp(name, stateless[i]))
            return true;
    return false; /* in-process trees (ram, tar, ...), directories of the composition */
}

long rt_program_enter(unsigned number, struct vfs_file **exe)
{
    if (number < 1 || number > nrules)
        return -EINVAL;
    const struct rule *r = &rules[number - 1];
    struct vfs *nv;
    struct cfg_error err;
    int rc = rt_vfs_build(r->vfs, &nv, &err);
    if (rc) {
        char msg[256];
        if (rc == -EINVAL)
            cfg_format_error(&err, msg, sizeof(msg));
        rt_log("[runtime] %s: cannot build its tree: %s\n", r->path,
               rc == -EINVAL ? msg : rt_strerror(rc));
        return -EACCES;
    }
    uint32_t mask = vfs_umask(rt_vfs, 0);
    vfs_umask(rt_vfs, mask);
    vfs_umask(nv, mask);
    static char cwd[4096];
    if (vfs_getcwd(rt_vfs, cwd, sizeof(cwd)) < 0 || vfs_chdir(nv, cwd))
        vfs_chdir(nv, "/");
    /* from here on the process is committed: a failure ends it */
    int moved = vfs_move_fds(rt_vfs, nv, keep, nv);
    /* the running program's file and the new one (kept for /proc and fault reports) go
     * now unless the new tree keeps their file system: afterwards their buffers are gone */
    rt_exec_forget_exe();
    if (!keep(nv, *exe)) {
        vfs_file_put(*exe);
        *exe = NULL;
    }
    /* the old tree keeps no server node and no view of a file's pages (mapped in the
     * runtime's half, which the new program keeps: a view of a session the launcher takes
     * away would still show that file) */
    vfs_fs_drop_caches(rt_vfs);
    if (moved ||
        cx_raw_ipc_call(rt->slot_parent, CX_TAG(RT_LABEL_NARROW, 1, 0), number, 0, 0, 0).rdx) {
        rt_log("[runtime] %s: the launcher did not narrow this process\n", r->path);
        rt_exit_process(LINUX_W_EXITCODE(0, SIGKILL));
    }
    rt_sessions_after_narrow();
    rt_terminals_after_narrow();
    rt_pipes_after_narrow();
    /* the old tree stays allocated: descriptors kept from it (pipes, devices, sessions)
     * still name its file systems; nothing reaches it by a path any more */
    rt_vfs = nv;
    return 0;
}
