/*
 * What the host tests of the line discipline share: the terminal under test, what it
 * sent to the device and the signals it raised, checks of exact bytes, and RUN, which
 * runs one case on a fresh terminal. tests/host/check.h keeps a case's verdict per file,
 * so each file runs its own cases: ldisc_test.c (defaults, line assembly, input flags,
 * signals, and main), ldisc_edit_test.c (erase, kill, literal next, end of file),
 * ldisc_output_test.c (echo, output, mode switches, flush, flow, window size).
 */
#ifndef LDISC_TEST_H
#define LDISC_TEST_H

#include "ldisc.h"

#include "../../tests/host/check.h"

extern struct ldisc L;
extern uint8_t sent[16384]; /* what reached the device since the last check */
extern size_t nsent;
extern int sigs[16];
extern unsigned nsigs;
extern unsigned passed, nfailed;

/* Bytes as a C string literal would show them, in dst (max bytes); returns dst. */
const char *esc(const uint8_t *p, size_t n, char *dst, size_t max);
/* A fresh terminal with Linux's defaults; nothing sent, no signal raised. */
void ldisc_test_fresh(void);

static inline bool check_bytes(int line, const char *what, const uint8_t *got, size_t ngot,
                               const char *want, size_t nwant)
{
    char a[400], b[400];
    if (ngot == nwant && memcmp(got, want, nwant) == 0)
        return true;
    fail(line, "%s is \"%s\", expected \"%s\"", what, esc(got, ngot, a, sizeof a),
         esc((const uint8_t *)want, nwant, b, sizeof b));
    return false;
}

/* Compares what reached the device with want, and forgets it. */
static inline bool check_sent(int line, const char *want, size_t n)
{
    bool ok = check_bytes(line, "sent", sent, nsent, want, n);
    nsent = 0;
    return ok;
}

static inline bool check_read(int line, size_t most, const char *want, size_t n)
{
    static uint8_t buf[8192];
    long got = ldisc_read(&L, buf, most);
    if (got < 0) {
        fail(line, "read(%zu) is %ld, expected \"%.*s\"", most, got, (int)n, want);
        return false;
    }
    return check_bytes(line, "read", buf, (size_t)got, want, n);
}

/* The bytes sent to the device since the last CHECK_SENT are exactly S (a literal). */
#define CHECK_SENT(s)                                                                              \
    do {                                                                                           \
        if (!check_sent(__LINE__, s, sizeof(s) - 1))                                               \
            return;                                                                                \
    } while (0)

/* A read of at most N bytes returns exactly S (a literal; "" is end of file). */
#define CHECK_READ(n, s)                                                                           \
    do {                                                                                           \
        if (!check_read(__LINE__, n, s, sizeof(s) - 1))                                            \
            return;                                                                                \
    } while (0)

#define CHECK_NOTHING() CHECK_INT(ldisc_read(&L, (uint8_t[1]){0}, 1), -11)

/* Keystrokes (a literal). */
#define IN(s) ldisc_input(&L, (const uint8_t *)(s), sizeof(s) - 1)
/* Output from a process (a literal); returns the bytes taken. */
#define OUT(s) ldisc_write(&L, (const uint8_t *)(s), sizeof(s) - 1)

enum flag_word { IFLAGS, OFLAGS, LFLAGS };

/* Sets the bits on and clears the bits off of one flag word. */
void set_flags(enum flag_word w, uint32_t on, uint32_t off);
/* Sets one control character. */
void set_cc(int i, uint8_t v);

#define IFLAG(on, off) set_flags(IFLAGS, on, off)
#define OFLAG(on, off) set_flags(OFLAGS, on, off)
#define LFLAG(on, off) set_flags(LFLAGS, on, off)

/* Runs one case on a fresh terminal and prints its line; call it from the file that
 * holds the case (check.h's verdict is per file). */
static inline void run(const char *name, void (*fn)(void))
{
    struct check_case c = {name, fn};
    ldisc_test_fresh();
    if (check_run("ldisc", &c, 1))
        nfailed++;
    else
        passed++;
    fflush(stdout);
}
#define RUN(fn) run(#fn, fn)

/* The cases of ldisc_edit_test.c and ldisc_output_test.c, run in the order they are
 * written. */
void ldisc_edit_cases(void);
void ldisc_output_cases(void);

#endif
