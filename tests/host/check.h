/*
 * The harness of the host unit tests: CHECK macros that end the current case with a
 * reason, and check_run, which runs a table of cases and prints one "PASS prefix_name"
 * or "FAIL prefix_name: reason" line each. Header only, its state static: a test made of
 * several files runs each file's cases from that file (drivers/terminal/ldisc_test.h).
 */
#ifndef CAPIX_TESTS_CHECK_H
#define CAPIX_TESTS_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct check_case {
    const char *name;
    void (*fn)(void);
};

static bool case_failed;
static char case_reason[512];

/* Records the first failure of the current case (later ones are ignored). */
__attribute__((format(printf, 2, 3))) static inline void fail(int line, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (case_failed)
        return;
    case_failed = true;
    n = snprintf(case_reason, sizeof case_reason, "line %d: ", line);
    va_start(ap, fmt);
    vsnprintf(case_reason + n, sizeof case_reason - (size_t)n, fmt, ap);
    va_end(ap);
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fail(__LINE__, "%s", #cond);                                                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_INT(got, want)                                                                       \
    do {                                                                                           \
        long long got_ = (long long)(got), want_ = (long long)(want);                              \
        if (got_ != want_) {                                                                       \
            fail(__LINE__, "%s is %lld, expected %lld", #got, got_, want_);                        \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *got_ = (got), *want_ = (want);                                                 \
        if (!got_ || strcmp(got_, want_) != 0) {                                                   \
            fail(__LINE__, "%s is \"%s\", expected \"%s\"", #got, got_ ? got_ : "(null)", want_);  \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Runs every case; returns the number that failed. */
static inline int check_run(const char *prefix, const struct check_case *cases, size_t n)
{
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        case_failed = false;
        cases[i].fn();
        if (case_failed) {
            printf("FAIL %s_%s: %s\n", prefix, cases[i].name, case_reason);
            failed++;
        } else {
            printf("PASS %s_%s\n", prefix, cases[i].name);
        }
    }
    return failed;
}

#endif
