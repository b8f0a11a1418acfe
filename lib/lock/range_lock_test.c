/*
 * Host tests of the byte-range lock logic (lib/lock/range_lock.c), with ASan and UBSan:
 * struct flock ranges against Linux's rules (overflow at every edge), conflicts,
 * merging and splitting, the table bound (ENOLCK changes nothing), release of an
 * owner, and the wait-for cycle check. Also a random run against a byte-map model.
 */
#include <capix/range_lock.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, checks;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(c)) {                                                                                \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                  \
        }                                                                                          \
    } while (0)

static int64_t s, e;

static void ranges(void)
{
    CHECK(rl_range(0, 10, 5, &s, &e) == 0 && s == 10 && e == 14);
    CHECK(rl_range(0, 10, 0, &s, &e) == 0 && s == 10 && e == RL_EOF);
    CHECK(rl_range(0, 10, -5, &s, &e) == 0 && s == 5 && e == 9);
    CHECK(rl_range(0, 10, -10, &s, &e) == 0 && s == 0 && e == 9);
    CHECK(rl_range(0, 10, -11, &s, &e) == -EINVAL);
    CHECK(rl_range(0, 10, INT64_MIN, &s, &e) == -EINVAL);
    CHECK(rl_range(0, -1, 5, &s, &e) == -EINVAL);
    CHECK(rl_range(100, -100, 1, &s, &e) == 0 && s == 0 && e == 0);
    CHECK(rl_range(100, -101, 1, &s, &e) == -EINVAL);
    CHECK(rl_range(100, INT64_MIN, 1, &s, &e) == -EINVAL);
    CHECK(rl_range(1, INT64_MAX, 1, &s, &e) == -EOVERFLOW);
    CHECK(rl_range(0, INT64_MAX, 1, &s, &e) == 0 && s == INT64_MAX && e == INT64_MAX);
    CHECK(rl_range(0, INT64_MAX, 2, &s, &e) == -EOVERFLOW);
    CHECK(rl_range(0, 1, INT64_MAX, &s, &e) == 0 && e == INT64_MAX);
    CHECK(rl_range(0, 2, INT64_MAX, &s, &e) == -EOVERFLOW);
    CHECK(rl_range(INT64_MAX, 0, 0, &s, &e) == 0 && s == INT64_MAX && e == RL_EOF);
    CHECK(rl_range(-1, 0, 0, &s, &e) == -EINVAL);
    int64_t ls, ll;
    rl_to_flock(5, 9, &ls, &ll);
    CHECK(ls == 5 && ll == 5);
    rl_to_flock(5, RL_EOF, &ls, &ll);
    CHECK(ls == 5 && ll == 0);
}

static struct rl_lock space[8];
static struct rl_table t;

static void reset(unsigned cap)
{
    memset(space, 0xa5, sizeof space);
    t.locks = space;
    t.n = 0;
    t.cap = cap;
}

/* The lock of owner covering offset, its type, or 0. */
static int type_at(uint64_t owner, int64_t off)
{
    for (unsigned i = 0; i < t.n; i++)
        if (t.locks[i].owner == owner && t.locks[i].start <= off && off <= t.locks[i].end)
            return t.locks[i].type;
    return 0;
}

static void merge_and_split(void)
{
    reset(8);
    CHECK(rl_set(&t, 1, RL_WRITE, 0, 9) == 0);
    CHECK(rl_set(&t, 1, RL_WRITE, 10, 19) == 0); /* adjacent: merged */
    CHECK(t.n == 1 && t.locks[0].start == 0 && t.locks[0].end == 19);
    CHECK(rl_set(&t, 1, RL_READ, 5, 9) == 0); /* a hole of another type: split in three */
    CHECK(t.n == 3 && type_at(1, 4) == RL_WRITE && type_at(1, 5) == RL_READ &&
          type_at(1, 9) == RL_READ && type_at(1, 10) == RL_WRITE);
    CHECK(rl_set(&t, 1, RL_WRITE, 5, 9) == 0); /* back: one lock again */
    CHECK(t.n == 1 && t.locks[0].start == 0 && t.locks[0].end == 19);
    CHECK(rl_set(&t, 1, RL_UNLOCK, 5, 9) == 0); /* unlock in the middle: two */
    CHECK(t.n == 2 && type_at(1, 4) == RL_WRITE && type_at(1, 5) == 0 && type_at(1, 10));
    CHECK(rl_set(&t, 1, RL_UNLOCK, 0, RL_EOF) == 0);
    CHECK(t.n == 0);
    /* overlapping same type from both sides, and to the end of the file */
    CHECK(rl_set(&t, 1, RL_READ, 10, 20) == 0);
    CHECK(rl_set(&t, 1, RL_READ, 30, 40) == 0);
    CHECK(rl_set(&t, 1, RL_READ, 15, 35) == 0);
    CHECK(t.n == 1 && t.locks[0].start == 10 && t.locks[0].end == 40);
    CHECK(rl_set(&t, 1, RL_READ, 41, RL_EOF) == 0);
    CHECK(t.n == 1 && t.locks[0].end == RL_EOF);
    CHECK(rl_set(&t, 1, RL_WRITE, 0, 0) == 0);
    CHECK(t.n == 2 && type_at(1, 0) == RL_WRITE && type_at(1, 1) == 0);
    CHECK(rl_set(&t, 1, RL_WRITE, INT64_MAX, INT64_MAX) == 0);
    CHECK(type_at(1, INT64_MAX) == RL_WRITE && type_at(1, INT64_MAX - 1) == RL_READ);
    /* other owners are left alone */
    CHECK(rl_set(&t, 2, RL_READ, 10, 20) == 0);
    CHECK(rl_release_owner(&t, 1) == 3);
    CHECK(t.n == 1 && type_at(2, 15) == RL_READ && rl_count_owner(&t, 2) == 1);
    CHECK(rl_set(&t, 2, 7, 0, 1) == -EINVAL);
    CHECK(rl_set(&t, 2, RL_READ, 5, 4) == -EINVAL);
    CHECK(rl_set(&t, 2, RL_READ, -1, 4) == -EINVAL);
}

static void conflicts(void)
{
    reset(8);
    CHECK(rl_set(&t, 1, RL_READ, 0, 9) == 0);
    CHECK(rl_conflict(&t, 2, RL_READ, 0, 9) < 0);   /* shared with shared */
    CHECK(rl_conflict(&t, 2, RL_WRITE, 9, 9) == 0); /* exclusive with anything */
    CHECK(rl_conflict(&t, 2, RL_WRITE, 10, 20) < 0);
    CHECK(rl_conflict(&t, 1, RL_WRITE, 0, 9) < 0); /* one's own never conflicts */
    CHECK(rl_set(&t, 2, RL_WRITE, 10, RL_EOF) == 0);
    CHECK(rl_conflict(&t, 3, RL_READ, INT64_MAX, INT64_MAX) == 1);
    CHECK(rl_conflict(&t, 3, RL_READ, 5, 5) < 0);
}

static void table_bound(void)
{
    reset(2);
    CHECK(rl_set(&t, 1, RL_WRITE, 0, 99) == 0);
    CHECK(rl_set(&t, 1, RL_READ, 10, 19) == -ENOLCK); /* needs three entries */
    CHECK(t.n == 1 && t.locks[0].start == 0 && t.locks[0].end == 99 && t.locks[0].type == RL_WRITE);
    CHECK(rl_set(&t, 1, RL_UNLOCK, 10, 19) == 0); /* two entries: fits */
    CHECK(t.n == 2);
    CHECK(rl_set(&t, 2, RL_READ, 200, 300) == -ENOLCK);
    CHECK(rl_set(&t, 1, RL_WRITE, 10, 19) == 0); /* merges all back into one */
    CHECK(t.n == 1);
    CHECK(rl_set(&t, 2, RL_READ, 200, 300) == 0);
    CHECK(rl_set(&t, 1, RL_READ, 0, 99) == 0); /* replaces in place: fits */
    CHECK(t.n == 2 && type_at(1, 50) == RL_READ);
    reset(0);
    CHECK(rl_set(&t, 1, RL_READ, 0, 1) == -ENOLCK);
    CHECK(rl_set(&t, 1, RL_UNLOCK, 0, 1) == 0);
}

static void deadlocks(void)
{
    uint64_t who[4] = {10, 20, 30}, waits_for[4] = {20, 30, 10};
    /* nobody waits: no cycle */
    CHECK(!rl_would_deadlock(who, waits_for, 0, 1, 2));
    /* 20 waits for 10; 10 about to wait for 20: the two-process cycle */
    uint64_t w1[1] = {20}, f1[1] = {10};
    CHECK(rl_would_deadlock(w1, f1, 1, 10, 20));
    CHECK(!rl_would_deadlock(w1, f1, 1, 30, 20));
    /* a chain 20 -> 30 -> 40; 40 about to wait for 20 */
    uint64_t w2[2] = {20, 30}, f2[2] = {30, 40};
    CHECK(rl_would_deadlock(w2, f2, 2, 40, 20));
    CHECK(!rl_would_deadlock(w2, f2, 2, 50, 20));
    /* a cycle elsewhere (10 -> 20 -> 30 -> 10): a newcomer waiting on it is no deadlock
     * of its own, and the walk ends */
    CHECK(!rl_would_deadlock(who, waits_for, 3, 99, 10));
    CHECK(rl_would_deadlock(who, waits_for, 3, 10, 20));
    CHECK(rl_would_deadlock(who, waits_for, 0, 7, 7)); /* waiting for oneself */
}

/* Random operations against a model: per owner, a map of 64 offsets. */
static void against_model(void)
{
    enum { OWNERS = 3, LEN = 64 };
    static uint8_t model[OWNERS][LEN];
    struct rl_lock big[256];
    struct rl_table bt = {big, 0, 256};
    memset(model, 0, sizeof model);
    srand(1);
    for (int step = 0; step < 20000; step++) {
        unsigned o = (unsigned)rand() % OWNERS;
        int type = rand() % 3;
        int64_t a = rand() % LEN, b = rand() % LEN;
        if (a > b) {
            int64_t x = a;
            a = b;
            b = x;
        }
        if (type != RL_UNLOCK && rl_conflict(&bt, o, type, a, b) >= 0)
            continue;
        if (rl_set(&bt, o, type, a, b) != 0) {
            CHECK(0);
            break;
        }
        for (int64_t i = a; i <= b; i++)
            model[o][i] = (uint8_t)type;
        for (unsigned k = 0; k < OWNERS; k++)
            for (int64_t i = 0; i < LEN; i++) {
                int got = 0;
                for (unsigned j = 0; j < bt.n; j++)
                    if (big[j].owner == k && big[j].start <= i && i <= big[j].end)
                        got = got ? -1 : big[j].type; /* -1: two locks of one owner overlap */
                if (got != model[k][i]) {
                    CHECK(got == model[k][i]);
                    return;
                }
            }
        /* no two locks of one owner and type are adjacent or overlapping */
        for (unsigned i = 0; i < bt.n; i++)
            for (unsigned j = 0; j < bt.n; j++)
                if (i != j && big[i].owner == big[j].owner && big[i].type == big[j].type &&
                    big[i].end + 1 >= big[j].start && big[j].end + 1 >= big[i].start) {
                    CHECK(!"unmerged locks");
                    return;
                }
    }
    CHECK(1);
}

int main(void)
{
    ranges();
    merge_and_split();
    conflicts();
    table_bound();
    deadlocks();
    against_model();
    printf("%s range_lock (%d checks, %d failed)\n", failures ? "FAIL" : "PASS", checks, failures);
    return failures != 0;
}
