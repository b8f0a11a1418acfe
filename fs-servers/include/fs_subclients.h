/*
 * Sub-clients of the native server's sessions (fs-servers/lib/fs_subclients.c): badges of
 * one session, each with the credentials its owner (the launcher) gave it, so that the
 * server knows which process asks (docs/fs-protocol.md, "Sub-clients").
 */
#ifndef FS_SUBCLIENTS_H
#define FS_SUBCLIENTS_H

#include <capix/capix.h>
#include <fs_server.h>

/* The badge of session entry i (0..63) is i + 1; sub-client k's is i + 1 | (k + 1) << 8. */
#define FS_SUB_SHIFT 8
#define FS_SUB_BADGE(i, k) (((uint64_t)(i) + 1) | (((uint64_t)(k) + 1) << FS_SUB_SHIFT))

struct fs_sub {
    uint64_t ep; /* the badged endpoint (the original: revoked and deleted at the end) */
    uint32_t pid;
    struct vfs_cred cred;
};

/* A session's sub-clients and the bound of its policy on the ids they may claim. */
struct fs_subs {
    struct fs_sub *sub[FS_MAX_SUBCLIENTS];
    bool bounded;        /* ids=LO-HI: ids outside become 65534, capabilities go */
    uint32_t lo, hi;     /* unless 0 is within the bound */
    bool clamped_logged; /* a clamp was logged for this session */
};

/* An owner's request FS_CLIENT_ADD, FS_SETCREDS or FS_CLIENT_DROP (m: the IPC message,
 * its words 6.. in the IPC buffer) on the session entry i with server endpoint ep: the
 * answer in m (tag, words and, for ADD, the endpoint to send). */
void fs_subs_request(struct fs_subs *t, unsigned i, struct fs_session *ss, uint64_t ep,
                     const char *label, struct cx_msg *m);
/* The allocator the records come from (the server's heap) and the server's name for
 * the log, once at start. */
void fs_subs_set_env(const struct vfs_env *env, const char *name);
/* The sub-client of a badge's upper bits k (1..), or NULL. */
struct fs_sub *fs_subs_get(struct fs_subs *t, uint64_t k);
/* Ends every sub-client (the session's end). */
void fs_subs_free(struct fs_subs *t, struct fs_session *ss);

#endif
