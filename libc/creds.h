/*
 * Credentials (creds.c, docs/runtime.md "Credentials"): the launcher holds them; the
 * runtime keeps the live process context's copy (what the launcher last answered), so
 * that the get calls need no message, and hands each change to the launcher.
 */
#ifndef CAPIX_RT_CREDS_H
#define CAPIX_RT_CREDS_H

#include <stdbool.h>
#include <stdint.h>
#include <capix/posix_protocol.h>

struct rt_call;

/* The live context's credentials (read under the runtime lock). */
extern struct rt_creds rt_cred;

/* The credential calls (setuid ... getgroups, the get calls), or RT_NOT_MINE. */
long rt_creds_syscall(const struct rt_call *c);

/* Whether the live context's effective set holds capability cap (CAP_* of Linux). */
bool rt_capable(unsigned cap);

/* prctl's capability and securebits options (PR_GET/SET_KEEPCAPS, PR_GET/SET_SECUREBITS,
 * PR_GET/SET_NO_NEW_PRIVS, PR_CAPBSET_READ/DROP, PR_CAP_AMBIENT) with a[0] the option and
 * a[1..4] its arguments, or RT_NOT_MINE for another option. */
long rt_creds_prctl(const uint64_t *a);

/* At start-up: the launcher's credentials for this process (else the config's ids). */
void rt_creds_init(void);

/* At exec: the mode, owner and group of the file about to be loaded (called for each
 * file an exec opens; the last one before rt_creds_exec counts: the program, or a
 * script's interpreter). Kept here because entering a program's own tree may drop
 * the file itself. */
struct linux_stat;
void rt_creds_exec_file(const struct linux_stat *st);

/* At exec, before the new program's stack is built: the launcher applies the file's
 * set-user-id and set-group-id bits and makes the saved ids the effective ones, and
 * in the same call its table names the new command (argv, for /proc). Returns whether the exec is a
 * secure one (AT_SECURE: it changed the identity). */
bool rt_creds_exec(const char *const argv[]);

/* access, faccessat, faccessat2: Linux checks with the real ids unless flags has
 * AT_EACCESS (the VFS checks with the fs ids otherwise). */
long rt_creds_faccessat(int dirfd, const char *path, int mode, int flags);

/* vfork.c's process contexts: a new context starts with the live credentials; a switch
 * keeps the live ones in *save and makes *load live. */
void rt_creds_copy(struct rt_creds *to);
void rt_creds_swap(struct rt_creds *save, const struct rt_creds *load);

#endif
