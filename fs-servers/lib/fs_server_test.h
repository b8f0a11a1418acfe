/*
 * What the files of fs_server_test share: the server under test with its buffer and
 * reply, one helper per request as a client would make it, CASE (a case on a fresh
 * server over "ram size=1M", destroyed at its end), and the cases of
 * fs_server_comp_test.c (a composition) and fs_server_map_test.c (mapped files, locks).
 */
#ifndef FS_SERVER_TEST_H
#define FS_SERVER_TEST_H

#include <capix/range_lock.h>
#include <fs_server.h>
#include <stdlib.h>
#include <vfs_plugins.h>

#include "../../vfs/tests/testlib.h"

extern struct fs_server *srv;
extern struct fs_buf buf;
extern struct fs_msg msg;
extern char arena_mem[1 << 14]; /* the configuration arena */
extern void (*body)(void);      /* the case CASE runs */

/* Makes srv from the text of a ram node ("ram size=1M"): 0 or an error. */
int make_server(const char *text, struct cfg_error *err);
/* One request through fs_server_handle, as a client makes it: the reply's r[0] (msg holds
 * the whole reply, buf the bulk data). The helpers after it make one request each. */
int64_t call(struct fs_session *ss, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
             uint64_t a4);
int64_t attach(struct fs_session *ss);
int64_t lookup(struct fs_session *ss, int64_t dir, const char *name);
int64_t create(struct fs_session *ss, int64_t dir, const char *name, uint32_t mode);
int64_t symlink_(struct fs_session *ss, int64_t dir, const char *name, const char *target);
int64_t unlink_(struct fs_session *ss, int64_t dir, const char *name, unsigned flags);
int64_t link_(struct fs_session *ss, int64_t dir, const char *name, int64_t node);
int64_t rename_(struct fs_session *ss, int64_t od, const char *on, int64_t nd, const char *nn,
                unsigned flags);
int64_t open_(struct fs_session *ss, int64_t node, unsigned flags);
int64_t write_(struct fs_session *ss, int64_t h, const char *text, uint64_t pos);
/* Reads up to n bytes; the text (NUL-terminated) in a static buffer, or NULL. */
const char *read_(struct fs_session *ss, int64_t h, size_t n, uint64_t pos);
int64_t size_of(struct fs_session *ss, int64_t node);
struct linux_stat stat_of(struct fs_session *ss, int64_t node);
int64_t setattr(struct fs_session *ss, int64_t node, const struct fs_setattr *a);
/* A whole directory as "name name ..." in readdir order, read with chunks of size. */
const char *ls(struct fs_session *ss, int64_t dir, size_t size);
/* Runs body on a fresh server over "ram size=1M" and destroys it (CASE). */
void with_server(void);

#define CASE(fn)                                                                                   \
    do {                                                                                           \
        body = fn;                                                                                 \
        tl_run(#fn, with_server);                                                                  \
    } while (0)

/* The cases of fs_server_map_test.c: locks, then mapped files (each CASE). */
void fs_server_lock_cases(void);
void fs_server_map_cases(void);
/* The cases of fs_server_comp_test.c (a composition of a tar, ram and a node plugin). */
void fs_server_comp_cases(void);
/* The cases of fs_server_cred_test.c (sub-clients' credentials checked). */
void fs_server_cred_cases(void);
/* call() serves its requests as a sub-client with these credentials when not NULL. */
extern const struct vfs_cred *call_cred;

#endif
