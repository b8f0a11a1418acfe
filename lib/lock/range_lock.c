/*
 * Byte-range locks (include/capix/range_lock.h): the range arithmetic of struct flock,
 * conflicts, setting and removing with splitting and merging, and the wait-for cycle
 * check. The table is an unordered array: tables are small (bounded by their keeper),
 * and every operation is one or two passes over it. Every sum is checked before it is
 * made: values come from programs.
 */
#include <capix/range_lock.h>

/* Linux's numbers: the callers hand them to programs. */
#define RL_EINVAL 22
#define RL_ENOLCK 37
#define RL_EOVERFLOW 75

int rl_range(int64_t base, int64_t l_start, int64_t l_len, int64_t *start, int64_t *end)
{
    int64_t s, e;
    if (base < 0)
        return -RL_EINVAL;
    if (l_start > RL_EOF - base)
        return -RL_EOVERFLOW;
    if (l_start < -base) /* base + l_start < 0 */
        return -RL_EINVAL;
    s = base + l_start;
    if (l_len > 0) {
        if (l_len - 1 > RL_EOF - s)
            return -RL_EOVERFLOW;
        e = s + (l_len - 1);
    } else if (l_len < 0) {
        if (l_len < -s) /* s + l_len < 0; l_len == INT64_MIN too, as s <= RL_EOF */
            return -RL_EINVAL;
        e = s - 1;
        s = s + l_len;
    } else {
        e = RL_EOF;
    }
    *start = s;
    *end = e;
    return 0;
}

void rl_to_flock(int64_t start, int64_t end, int64_t *l_start, int64_t *l_len)
{
    *l_start = start;
    *l_len = end == RL_EOF ? 0 : end - start + 1;
}

static bool overlaps(const struct rl_lock *l, int64_t start, int64_t end)
{
    return l->start <= end && start <= l->end;
}

/* Overlapping or adjacent (end + 1 == start, without overflow). */
static bool touches(const struct rl_lock *l, int64_t start, int64_t end)
{
    return (l->start <= end || l->start - 1 == end) && (start <= l->end || l->end == start - 1);
}

int rl_conflict(const struct rl_table *t, uint64_t owner, int type, int64_t start, int64_t end)
{
    for (unsigned i = 0; i < t->n; i++) {
        const struct rl_lock *l = &t->locks[i];
        if (l->owner != owner && overlaps(l, start, end) &&
            (type == RL_WRITE || l->type == RL_WRITE))
            return (int)i;
    }
    return -1;
}

static void remove_at(struct rl_table *t, unsigned i)
{
    t->locks[i] = t->locks[--t->n];
}

int rl_set(struct rl_table *t, uint64_t owner, int type, int64_t start, int64_t end)
{
    unsigned inside = 0, splits = 0;
    bool grown = true;
    if ((type != RL_UNLOCK && type != RL_READ && type != RL_WRITE) || start < 0 || end < start ||
        end > RL_EOF)
        return -RL_EINVAL;
    /* the new lock takes in owner's locks of its type that it touches */
    while (type != RL_UNLOCK && grown) {
        grown = false;
        for (unsigned i = 0; i < t->n; i++) {
            const struct rl_lock *l = &t->locks[i];
            if (l->owner == owner && l->type == type && touches(l, start, end) &&
                (l->start < start || l->end > end)) {
                start = l->start < start ? l->start : start;
                end = l->end > end ? l->end : end;
                grown = true;
            }
        }
    }
    for (unsigned i = 0; i < t->n; i++) {
        const struct rl_lock *l = &t->locks[i];
        if (l->owner != owner || !overlaps(l, start, end))
            continue;
        if (l->start >= start && l->end <= end)
            inside++;
        else if (l->start < start && l->end > end)
            splits++;
    }
    if (t->n - inside + splits + (type != RL_UNLOCK) > t->cap)
        return -RL_ENOLCK;
    for (unsigned i = 0; i < t->n;) {
        struct rl_lock *l = &t->locks[i];
        if (l->owner != owner || !overlaps(l, start, end)) {
            i++;
            continue;
        }
        if (l->start >= start && l->end <= end) {
            remove_at(t, i); /* the last entry moved here: look at i again */
            continue;
        }
        if (l->start < start && l->end > end) { /* the right part becomes its own lock */
            struct rl_lock right = *l;
            right.start = end + 1;
            l->end = start - 1;
            t->locks[t->n++] = right;
        } else if (l->start < start) {
            l->end = start - 1;
        } else {
            l->start = end + 1;
        }
        i++;
    }
    if (type != RL_UNLOCK)
        t->locks[t->n++] =
            (struct rl_lock){.owner = owner, .start = start, .end = end, .type = (uint8_t)type};
    return 0;
}

unsigned rl_release_owner(struct rl_table *t, uint64_t owner)
{
    unsigned gone = 0;
    for (unsigned i = 0; i < t->n;)
        if (t->locks[i].owner == owner) {
            remove_at(t, i);
            gone++;
        } else {
            i++;
        }
    return gone;
}

unsigned rl_count_owner(const struct rl_table *t, uint64_t owner)
{
    unsigned k = 0;
    for (unsigned i = 0; i < t->n; i++)
        k += t->locks[i].owner == owner;
    return k;
}

bool rl_would_deadlock(const uint64_t *owner_of, const uint64_t *waiting, unsigned n,
                       uint64_t owner, uint64_t blocker)
{
    uint64_t at = blocker;
    for (unsigned step = 0; step <= n; step++) {
        if (at == owner)
            return true;
        unsigned i = 0;
        while (i < n && owner_of[i] != at)
            i++;
        if (i == n)
            return false; /* at waits for nobody */
        at = waiting[i];
    }
    return false; /* a cycle that does not pass through owner: not ours to report */
}
