/*
 * What the two files of fs_test share: the loopback sessions (struct loop: a transport
 * that calls the server library directly and counts the references the client holds),
 * the server they reach, mk (a vfs for the case), RUN_FS (a case between a fresh server
 * and the reference checks) and the cases of fs_share_test.c.
 */
#ifndef FS_TEST_H
#define FS_TEST_H

#include "../../vfs/tests/testlib.h"

#include <fs_server.h>
#include <pthread.h>
#include <stdlib.h>
#include <vfs_plugins.h>

#define MAX_REFS 4096

struct ref {
    uint64_t num;
    long count;
};

struct loop {
    const char *label;
    struct fs_session *ss;
    struct fs_buf *buf;
    bool open;
    bool gone;        /* the transport fails (the server is gone) */
    bool answer_eio;  /* the server answers EIO to everything */
    bool skip_refs;   /* the case leaves references behind on purpose */
    bool bad_release; /* a RELEASE or CLOSE of something not held */
    unsigned calls[FS_OP_COUNT + 1];
    unsigned reads_no_data; /* READs answered without the bytes (FS_READ_NO_DATA) */
    struct ref nodes[MAX_REFS], handles[MAX_REFS];
    unsigned nnodes, nhandles;
    uint64_t acquired[MAX_REFS], dupped[MAX_REFS]; /* ACQUIRE and DUP, in order */
    unsigned nacquired, ndupped;
};

extern struct fs_server *server;
extern struct loop loops[4]; /* sessions "", "other", "ro" and "sub" */

/* What the client holds of num (node or handle). */
long held(const struct ref *refs, unsigned n, uint64_t num);
/* A request of the test's own on a session (as another holder of it would send). */
int64_t loop_request(struct loop *l, uint64_t op, uint64_t a0);

/* Views for the plugin (fs_transport.view): how many are live, and the memory objects
 * they hold now (in capix: a copy of their capability), which the server cannot take
 * back (viewed_in_use in fs_share_test.c). */
#define VIEWED_MAX 128
extern unsigned views_live;
extern uint64_t viewed[VIEWED_MAX];
/* The server's memory objects in these tests (fs_share_test.c): plain memory whose
 * number is its address; test_mem_live counts those the server holds now. */
extern unsigned test_mem_live;
void *test_mem_create(void *ctx, struct fs_session *payer, uint64_t pages, uint64_t *id);
void test_mem_destroy(void *ctx, void *addr, uint64_t pages, uint64_t id);

/* A vfs (destroyed at the end of the case, before the server), or NULL. */
struct vfs *mk(const char *text);

extern void (*body)(void); /* the case RUN_FS runs */
/* The server's tree plugin for the next case (NULL: ram); RUN_FS_ON sets it. */
extern const struct vfs_plugin *server_plugin;
/* Runs body between a fresh server and sessions and the checks that nothing is held. */
void wrapped(void);

#define RUN_FS(fn)                                                                                 \
    do {                                                                                           \
        body = fn;                                                                                 \
        tl_run(#fn, wrapped);                                                                      \
    } while (0)

#define RUN_FS_ON(fn, plugin)                                                                      \
    do {                                                                                           \
        server_plugin = plugin;                                                                    \
        RUN_FS(fn);                                                                                \
        server_plugin = NULL;                                                                      \
    } while (0)

/* The cases of fs_share_test.c, and the checks that every view and mapped file went. */
void fs_share_cases(void);
/* The cases of fs_mirror_test.c: views of files on a device (fs-servers/lib/fs_mirror.c). */
void fs_mirror_cases(void);

#endif
