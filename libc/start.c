/*
 * Start-up of a POSIX process: the launcher starts the main thread on the start stub,
 * whose call (RT_NR_START) arrives here. The runtime reads its component's `config`
 * block (docs/runtime.md, "Configuration"), builds the VFS, opens the standard streams,
 * enters the working directory and loads the program from its own VFS (exec.c).
 */
#include <capix/config.h>
#include <capix/net_protocol.h>
#include <capix/tar.h>
#include <string.h>
#include <vfs_plugins.h>
#include "creds.h"
#include "runtime.h"

struct vfs *rt_vfs;
static int started;

/* The tree a component gets when its config has no `vfs` block. */
static const char default_vfs[] =
    "vfs {\n"
    "    tar @boot\n"
    "    dir /dev {\n"
    "        null; zero; full; random; urandom; tty; log\n"
    "        symlink fd /proc/self/fd; symlink stdin /proc/self/fd/0\n"
    "        symlink stdout /proc/self/fd/1; symlink stderr /proc/self/fd/2\n"
    "    }\n"
    "    dir /proc { proc }\n"
    "    dir /tmp { ram mode=1777 }\n"
    "}\n";

/* ---- what the VFS gets from the runtime ---- */

static void *env_alloc(void *ctx, size_t size)
{
    return rt_alloc(size);
}

static void env_free(void *ctx, void *p, size_t size)
{
    rt_free(p, size);
}

static uint64_t env_now(void *ctx)
{
    return rt_realtime_ns();
}

/* `@boot` is the boot archive itself; other names are its members. */
static const void *env_module(void *ctx, const char *name, size_t *size)
{
    static struct tar_entry e;
    if (!rt->archive_size)
        return NULL;
    if (!strcmp(name, "@boot")) {
        *size = rt->archive_size;
        return (const void *)RT_ARCHIVE_ADDR;
    }
    if (tar_find((const void *)RT_ARCHIVE_ADDR, rt->archive_size, name, &e) || e.type != TAR_FILE)
        return NULL;
    *size = e.size;
    return e.data;
}

static void env_log(void *ctx, const char *line)
{
    rt_log("%s\n", line);
}

static uint64_t env_mem_avail(void *ctx)
{
    struct cx_ret q = cx_raw_quota_info(rt->slot_quota, 0, 0, 0, 0, 0);
    return q.rsi > q.rdi ? q.rsi - q.rdi : 0;
}

static void env_random(void *ctx, void *buf, size_t n)
{
    rt_random_bytes(buf, n);
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* The flags of /proc/cpuinfo that CPUID leaf 1 shows (edx bits, then ecx bits). */
static void cpu_flags(char *out, size_t size, uint32_t edx, uint32_t ecx)
{
    static const char *const dnames[32] = {
        "fpu",  "vme",  "de",   "pse", "tsc",  "msr", "pae",   "mce", "cx8",     "apic", NULL,
        "sep",  "mtrr", "pge",  "mca", "cmov", "pat", "pse36", NULL,  "clflush", NULL,   "dts",
        "acpi", "mmx",  "fxsr", "sse", "sse2", "ss",  "ht",    "tm",  NULL,      "pbe"};
    static const char *const cnames[32] = {
        "pni", "pclmulqdq", NULL,    NULL,     NULL,     NULL,     NULL,     NULL,
        NULL,  "ssse3",     NULL,    NULL,     "fma",    "cx16",   NULL,     NULL,
        NULL,  NULL,        NULL,    "sse4_1", "sse4_2", "x2apic", "movbe",  "popcnt",
        NULL,  "aes",       "xsave", NULL,     "avx",    "f16c",   "rdrand", "hypervisor"};
    size_t pos = 0;
    for (int i = 0; i < 64; i++) {
        const char *n = i < 32 ? ((edx >> i) & 1 ? dnames[i] : NULL)
                               : ((ecx >> (i - 32)) & 1 ? cnames[i - 32] : NULL);
        size_t l = n ? strlen(n) : 0;
        if (!n || pos + l + 2 > size)
            continue;
        if (pos)
            out[pos++] = ' ';
        memcpy(out + pos, n, l);
        pos += l;
    }
    out[pos] = 0;
}

static int env_process(void *ctx, struct vfs_process *p)
{
    p->pid = (int32_t)rt->pid;
    p->ppid = (int32_t)rt->ppid;
    size_t n = strlen(rt_exe_path);
    if (n >= sizeof(p->exe))
        n = sizeof(p->exe) - 1;
    memcpy(p->exe, rt_exe_path, n);
    p->cmdline = rt_cmdline;
    p->cmdline_len = rt_cmdline_len;
    p->environ = rt_environ;
    p->environ_len = rt_environ_len;
    struct cx_ret q = cx_raw_quota_info(rt->slot_quota, 0, 0, 0, 0, 0);
    p->mem_total = q.rsi;
    p->mem_free = q.rsi > q.rdi ? q.rsi - q.rdi : 0;
    p->ncpus = 1;
    uint32_t r[4];
    cpuid(0, r);
    memcpy(p->cpu_vendor, &r[1], 4);
    memcpy(p->cpu_vendor + 4, &r[3], 4);
    memcpy(p->cpu_vendor + 8, &r[2], 4);
    cpuid(1, r);
    p->cpu_family = (r[0] >> 8) & 15;
    p->cpu_model_id = (r[0] >> 4) & 15;
    p->cpu_stepping = r[0] & 15;
    if (p->cpu_family == 15)
        p->cpu_family += (r[0] >> 20) & 0xff;
    if (p->cpu_family == 6 || p->cpu_family >= 15)
        p->cpu_model_id += ((r[0] >> 16) & 15) << 4;
    cpu_flags(p->cpu_flags, sizeof(p->cpu_flags), r[3], r[2]);
    cpuid(0x80000000, r);
    if (r[0] >= 0x80000004) {
        for (uint32_t i = 0; i < 3; i++) {
            cpuid(0x80000002 + i, r);
            memcpy(p->cpu_model + 16 * i, r, 16);
        }
        p->cpu_model[48] = 0;
    }
    p->cpu_khz = (uint32_t)(cx_raw_clock(0, 0, 0, 0, 0, 0).rdi / 1000);
    p->uptime_ns = cx_clock_ns();
    return 0;
}

static int env_session(void *ctx, const char *service, const char *label, uint64_t quota,
                       struct fs_transport *out)
{
    return rt_session_open(service, label, quota, out);
}

static int env_terminal(void *ctx, const char *label, struct term_transport *out)
{
    return rt_terminal_open(label, out);
}

static const struct vfs_env vfs_env = {
    .session = env_session,
    .terminal = env_terminal,
    .fifo_open = rt_fifo_open,
    .random = env_random,
    .process = env_process,
    .pids = rt_proc_pids,
    .peer = rt_proc_peer,
    .mapping = rt_maps_area,
    .alloc = env_alloc,
    .free = env_free,
    .now_ns = env_now,
    .module = env_module,
    .log = env_log,
    .mem_avail = env_mem_avail,
};

/* ---- configuration ---- */

struct start_config {
    const struct cfg_node *node; /* the `config` block, or NULL */
    const struct cfg_node *vfs, *argv;
    const char *cwd, *stdio[3];
    unsigned nenv;
    const char *env[64];
};

static _Noreturn void fail(int status, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    cx_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    rt_log("[runtime] %s\n", buf);
    rt_exit_process(status << 8);
}

static _Noreturn void config_fail(const struct cfg_error *err)
{
    char msg[256];
    cfg_format_error(err, msg, sizeof(msg));
    fail(126, "configuration error: %s", msg);
}

static struct cfg_node *parse(const char *file, const char *text, size_t len)
{
    struct cfg_arena a = {NULL, len * 8 + 16384, 0};
    a.base = rt_alloc(a.size);
    if (!a.base)
        fail(126, "no memory for the configuration");
    struct cfg_node *root;
    struct cfg_error err;
    if (cfg_parse(file, text, len, &a, &root, &err))
        config_fail(&err);
    return root; /* the arena stays: the tree is used until the program runs */
}

/* An octal number such as 022 (the umask). */
static int parse_octal(const char *t, uint64_t *v)
{
    *v = 0;
    if (!*t)
        return -1;
    for (; *t; t++) {
        if (*t < '0' || *t > '7' || *v > 0777)
            return -1;
        *v = *v * 8 + (uint64_t)(*t - '0');
    }
    return 0;
}

static int one_arg(const struct cfg_node *n, const char **out, struct cfg_error *err)
{
    if (cfg_nargs(n) != 1 || n->nvalues != 1)
        return cfg_error_at(err, n, "'%s' takes one value", n->name);
    *out = cfg_arg(n, 0);
    return 0;
}

static int read_config(struct start_config *sc, struct cfg_error *err)
{
    memset(sc, 0, sizeof(*sc));
    sc->cwd = "/";
    sc->stdio[0] = "/dev/null";
    sc->stdio[1] = sc->stdio[2] = "/dev/log";
    if (rt->config_size) {
        const struct cfg_node *root =
            parse("config", (const char *)RT_CONFIG_ADDR, rt->config_size);
        for (const struct cfg_node *c = cfg_first(root, "component"); c;
             c = cfg_next(c, "component"))
            if (cfg_nargs(c) == 1 && !strcmp(cfg_arg(c, 0), rt->component))
                sc->node = cfg_first(c, "config");
    }
    for (const struct cfg_node *n = sc->node ? cfg_first(sc->node, NULL) : NULL; n;
         n = cfg_next(n, NULL)) {
        int e = 0, s;
        if (!strcmp(n->name, "vfs")) {
            if (sc->vfs)
                return cfg_error_at(err, n, "'vfs' is given twice (first on line %u)",
                                    sc->vfs->line);
            sc->vfs = n;
        } else if (!strcmp(n->name, "argv")) {
            if (!cfg_nargs(n) || cfg_nargs(n) != n->nvalues)
                return cfg_error_at(err, n, "'argv' takes the program's path and arguments");
            sc->argv = n;
        } else if (!strcmp(n->name, "env")) {
            for (unsigned i = 0; i < n->nvalues; i++) {
                /* NAME=VALUE is a property to the parser ("NAME=VALUE" quoted is not) */
                const struct cfg_value *v = &n->values[i];
                const char *text = v->text;
                if (v->key) {
                    size_t kl = strlen(v->key), tl = strlen(v->text);
                    char *t = rt_alloc(kl + tl + 2);
                    if (!t)
                        return cfg_error_at_value(err, n, v, "no memory");
                    memcpy(t, v->key, kl);
                    t[kl] = '=';
                    memcpy(t + kl + 1, v->text, tl + 1);
                    text = t;
                } else if (!strchr(text, '=') || text[0] == '=') {
                    return cfg_error_at_value(err, n, v, "'env' takes NAME=VALUE words");
                }
                if (sc->nenv == 63)
                    return cfg_error_at_value(err, n, v, "too many environment variables");
                sc->env[sc->nenv++] = text;
            }
        } else if (!strcmp(n->name, "cwd")) {
            e = one_arg(n, &sc->cwd, err);
        } else if ((s = !strcmp(n->name, "stdin")    ? 0
                        : !strcmp(n->name, "stdout") ? 1
                        : !strcmp(n->name, "stderr") ? 2
                                                     : -1) >= 0) {
            e = one_arg(n, &sc->stdio[s], err);
        } else if (!strcmp(n->name, "program")) {
            e = rt_programs_add(n, err);
        } else if (!strcmp(n->name, "trace")) {
            if (n->nvalues)
                return cfg_error_at(err, n, "'trace' takes no values");
            rt_trace = 1;
        } else if (!strcmp(n->name, "sockets")) {
            const char *t = "";
            uint64_t v = 0;
            e = one_arg(n, &t, err);
            if (!e && (cfg_parse_u64(t, &v) != 0 || v < 1 || v > NET_HANDLES_MAX))
                return cfg_error_at(err, n,
                                    "'sockets': expected a number of sockets from 1 to %u, "
                                    "found '%s'",
                                    NET_HANDLES_MAX, t);
            if (!e)
                rt_net_sockets = (uint32_t)v;
        } else if (!strcmp(n->name, "nosuid") || !strcmp(n->name, "suid")) {
            if (n->nvalues) /* the launcher's (posix-spawn/creds.c) */
                return cfg_error_at(err, n, "'%s' takes no values", n->name);
        } else if (!strcmp(n->name, "uid") || !strcmp(n->name, "gid") ||
                   !strcmp(n->name, "umask")) {
            const char *t = "";
            uint64_t v = 0;
            e = one_arg(n, &t, err);
            bool octal = !strcmp(n->name, "umask");
            if (!e && (octal ? parse_octal(t, &v) : cfg_parse_u64(t, &v)) != 0)
                return cfg_error_at(err, n, "'%s': expected %s, found '%s'", n->name,
                                    octal ? "an octal mode such as 022" : "a number", t);
            if (!e && v > (octal ? 0777u : 0xfffffffeu))
                return cfg_error_at(err, n, "'%s': %s is out of range", n->name, t);
            if (!e && n->name[1] == 'm')
                rt_umask_initial = (uint32_t)v;
            else if (!e && n->name[0] == 'u')
                rt_uid = (uint32_t)v;
            else if (!e)
                rt_gid = (uint32_t)v;
        } else {
            return cfg_error_at(
                err, n,
                "unknown node '%s' in a POSIX component's config (expected "
                "argv, env, cwd, stdin, stdout, stderr, uid, gid, umask, suid, nosuid, "
                "sockets, "
                "trace, program or vfs)",
                n->name);
        }
        if (e)
            return e;
    }
    return 0;
}

/* Opens the standard stream fd at path. */
static void open_stdio(int fd, const char *path)
{
    int flags = fd == 0 ? O_RDONLY : O_WRONLY | O_CREAT;
    int r = vfs_openat(rt_vfs, AT_FDCWD, path, flags, 0644);
    if (r >= 0 && r != fd) {
        int d = vfs_dup2(rt_vfs, r, fd);
        vfs_close(rt_vfs, r);
        r = d;
    }
    if (r < 0)
        fail(126, "cannot open %s %s: %s",
             fd == 0   ? "stdin"
             : fd == 1 ? "stdout"
                       : "stderr",
             path, rt_strerror(r));
}

int rt_hidden_mount(struct vfs_fs *fs, struct vfs_node *root, const struct vfs_fs_ops *ops,
                    uint64_t ino, struct vfs_fs **out)
{
    fs->ops = ops;
    root->fs = fs;
    root->type = S_IFDIR;
    root->ino = ino;
    root->refs = 1;
    fs->root = root;
    *out = fs;
    return 0;
}

int rt_vfs_build(const struct cfg_node *node, struct vfs **out, struct cfg_error *err)
{
    static const struct vfs_plugin *plugins[64];
    size_t np = 0;
    for (size_t i = 0; i < vfs_plugins_all_count && np < 63; i++)
        plugins[np++] = vfs_plugins_all[i];
    plugins[np++] = &rt_plugin_uart;
    int r = vfs_create(&vfs_env, plugins, np, node, 1024, out, err);
    if (!r)
        vfs_set_ids(*out, rt_uid, rt_gid);
    return r;
}

long rt_start(void)
{
    if (started)
        return -ENOSYS;
    started = 1;
    struct start_config sc;
    struct cfg_error err;
    if (read_config(&sc, &err))
        config_fail(&err);
    rt_trace |= (int)rt->trace;

    const struct cfg_node *vfs_node = sc.vfs;
    if (!vfs_node)
        vfs_node = cfg_first(parse("<default vfs>", default_vfs, sizeof(default_vfs) - 1), "vfs");
    int r = rt_vfs_build(vfs_node, &rt_vfs, &err);
    if (r == -EINVAL)
        config_fail(&err);
    if (r)
        fail(126, "cannot build the file tree: %s", rt_strerror(r));
    vfs_set_ids(rt_vfs, rt_uid, rt_gid);
    rt_creds_init(); /* the launcher's (from the same config) */
    vfs_umask(rt_vfs, rt_umask_initial);
    for (int fd = 0; fd < 3; fd++)
        open_stdio(fd, sc.stdio[fd]);
    r = vfs_chdir(rt_vfs, sc.cwd);
    if (r)
        fail(126, "cannot enter the working directory %s: %s", sc.cwd, rt_strerror(r));

    /* argv: the launcher's arguments, else the config's `argv` */
    static const char *argv[256];
    unsigned argc = 0;
    if (rt->argc) {
        const char *a = rt->args;
        for (unsigned i = 0; i < rt->argc && argc < 255; i++, a += strlen(a) + 1)
            argv[argc++] = a;
    } else if (sc.argv) {
        for (unsigned i = 0; i < cfg_nargs(sc.argv) && argc < 255; i++)
            argv[argc++] = cfg_arg(sc.argv, i);
    } else {
        fail(127, "no program to run: give the launcher arguments or the config `argv`");
    }
    static const char *const default_env[] = {"PATH=/bin:/usr/bin", "HOME=/", "TERM=dumb",
                                              "LANG=C.UTF-8"};
    static const char *envp[65];
    unsigned nenv = 0;
    if (sc.nenv)
        for (unsigned i = 0; i < sc.nenv; i++)
            envp[nenv++] = sc.env[i];
    else
        for (unsigned i = 0; i < 4; i++)
            envp[nenv++] = default_env[i];
    envp[nenv] = NULL;
    argv[argc] = NULL;
    r = (int)rt_exec(argv[0], argv, envp);
    fail(r == -ENOENT ? 127 : 126, "cannot run %s: %s", argv[0], rt_strerror(r));
}
