/*
 * Byte-range locks as POSIX record locks (fcntl F_SETLK, F_GETLK) and Linux's OFD locks
 * define them, for whoever keeps the locks of a file: a file-system server for its
 * files, a runtime for its private ones. Pure and freestanding: no allocation, no libc;
 * the caller owns a bounded table of entries (and charges it to whoever pays).
 *
 * A lock covers the offsets [start, end] (end inclusive; RL_EOF: to the end of the file
 * whatever its size, Linux's OFFSET_MAX) for one owner (an opaque number: a process for
 * record locks, a description for OFD locks). Invariant of a table: the locks of one
 * owner never overlap, and two locks of one owner and type are never adjacent (they are
 * merged). Shared (read) locks of different owners may overlap; an exclusive (write)
 * lock overlaps no other owner's lock (the caller checks with rl_conflict first).
 */
#ifndef CAPIX_RANGE_LOCK_H
#define CAPIX_RANGE_LOCK_H

#include <stdbool.h>
#include <stdint.h>

#define RL_EOF INT64_MAX /* an end "to the end of the file" (Linux's OFFSET_MAX) */

enum rl_type { RL_UNLOCK = 0, RL_READ = 1, RL_WRITE = 2 };

struct rl_lock {
    uint64_t owner;
    int64_t start, end; /* 0 <= start <= end <= RL_EOF */
    uint8_t type;       /* RL_READ or RL_WRITE */
};

struct rl_table {
    struct rl_lock *locks; /* cap entries, owned by the caller; n used */
    unsigned n, cap;
};

/*
 * The range of a struct flock: whence base (0, the description's offset for SEEK_CUR,
 * the file's size for SEEK_END, each >= 0), l_start and l_len as the program gave them.
 * Sets *start and *end (inclusive) and returns 0, or -EINVAL (a start before 0) or
 * -EOVERFLOW (beyond RL_EOF), as Linux's flock_to_posix_lock does. No overflow in any
 * case.
 */
int rl_range(int64_t base, int64_t l_start, int64_t l_len, int64_t *start, int64_t *end);

/* l_start and l_len for F_GETLK's answer of a lock [start, end] (l_len 0: to the end). */
void rl_to_flock(int64_t start, int64_t end, int64_t *l_start, int64_t *l_len);

/*
 * The first lock of another owner than owner that conflicts with a lock of type over
 * [start, end] (a write lock conflicts with any, a read lock with a write lock): its
 * index, or -1 if none.
 */
int rl_conflict(const struct rl_table *t, uint64_t owner, int type, int64_t start, int64_t end);

/*
 * Sets owner's lock of type over [start, end], or removes owner's locks there (RL_UNLOCK):
 * replaces what owner held in the range (splitting a lock that reaches beyond it),
 * merging with owner's adjacent or overlapping locks of the same type. Does not look
 * at other owners (rl_conflict). Returns 0, -EINVAL for a bad type or range, or
 * -ENOLCK when the table has no room (nothing changed then).
 */
int rl_set(struct rl_table *t, uint64_t owner, int type, int64_t start, int64_t end);

/* Removes every lock of owner (a close, an exit); returns how many went. */
unsigned rl_release_owner(struct rl_table *t, uint64_t owner);

/* Locks of owner in the table (what a quota counts). */
unsigned rl_count_owner(const struct rl_table *t, uint64_t owner);

/*
 * Deadlock detection for a blocking lock: waiting[i] is the owner that owner_of[i] waits
 * for (n pairs: who waits for whom now). True if owner, about to wait for blocker, would
 * close a cycle: blocker waits (directly or through others, up to n steps) for owner.
 */
bool rl_would_deadlock(const uint64_t *owner_of, const uint64_t *waiting, unsigned n,
                       uint64_t owner, uint64_t blocker);

#endif
