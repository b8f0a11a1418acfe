/*
 * The line discipline of the terminal server (README.md): what Linux's n_tty does
 * between a character device and the processes reading and writing a terminal.
 * Freestanding (no libc, no allocation), host-tested and fuzzed. One struct ldisc is
 * one terminal; it is not thread-safe (the server holds its lock around every call).
 *
 * Input: bytes from the device go to ldisc_input, which applies the input flags
 * (ISTRIP, IGNCR, ICRNL, INLCR, IXON/IXANY), ISIG (VINTR, VQUIT, VSUSP raise signals
 * through ops->signal and flush unless NOFLSH), canonical editing (VERASE, VKILL,
 * VWERASE, VREPRINT, VLNEXT, VEOF, VEOL, VEOL2) and echo (ECHO, ECHOE, ECHOK, ECHONL,
 * ECHOCTL, ECHOKE), writing echoes through ops->out.
 * Reading: ldisc_read takes what a read(2) would get now: in canonical mode at most one
 * line (VEOF at a line start gives 0, end of file); otherwise what is queued. VMIN and
 * VTIME are the reader's business: ldisc_readable says whether a read would return now.
 * Output: ldisc_write applies the output flags (OPOST, ONLCR, OCRNL, ONOCR, ONLRET,
 * OLCUC, XTABS) and gives the result to ops->out; while output is stopped (IXON's
 * VSTOP, or TCOOFF) it takes nothing, so that no byte is ever lost.
 */
#ifndef TERMINAL_LDISC_H
#define TERMINAL_LDISC_H

#include <capix/term_protocol.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LDISC_INPUT_MAX 4096 /* bytes queued for reading (Linux: N_TTY_BUF_SIZE) */

struct ldisc_ops {
    void *ctx;
    void (*out)(void *ctx, const uint8_t *buf, size_t n); /* to the device, all of it */
    void (*signal)(void *ctx, int sig);                   /* 2 SIGINT, 3 SIGQUIT, 20 SIGTSTP */
};

struct ldisc {
    struct ldisc_ops ops;
    struct term_termios tio;
    struct term_winsize ws;
    /* the input queue: a ring of LDISC_INPUT_MAX bytes; [tail, commit) is readable,
       [commit, head) the line being edited (canonical mode) */
    uint8_t buf[LDISC_INPUT_MAX];
    /* per byte of buf: 1 when it ends a line (newline, VEOL, VEOL2), 2 for the
       end-of-file mark VEOF queues (a 0 byte that reads never return) */
    uint8_t eol[LDISC_INPUT_MAX];
    size_t head, tail, commit; /* free-running counts, indices modulo LDISC_INPUT_MAX */
    size_t column;             /* output column, for tab and erase echo */
    size_t canon_column;       /* column where the line being edited started */
    bool lnext;                /* the next byte is literal (VLNEXT seen) */
    bool stopped;              /* output stopped by VSTOP or TCOOFF */
    bool tco_stopped;          /* by TCOOFF: only TCOON restarts it */
    bool erasing;              /* ECHOPRT: inside "\erased/" */
};

/* Sets Linux's defaults (as a fresh tty: stty sane): iflag ICRNL|IXON|IUTF8, oflag
 * OPOST|ONLCR, cflag B38400|CS8|CREAD|HUPCL, lflag ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|
 * ECHOKE|IEXTEN, c_cc ^C ^\ DEL ^U ^D 0 1 0 ^Q ^S ^Z 0 ^R ^O ^W ^V 0, window 24x80. */
void ldisc_init(struct ldisc *l, const struct ldisc_ops *ops);

/* Bytes from the device (keystrokes). */
void ldisc_input(struct ldisc *l, const uint8_t *buf, size_t n);

/* Whether a read would return now (data, or end of file): canonical mode, a complete
 * line or VEOF is queued; otherwise at least one byte (for_poll with VTIME 0 and
 * VMIN > 0: at least VMIN bytes, as Linux's poll). */
bool ldisc_readable(const struct ldisc *l, bool for_poll);

/* Bytes queued for reading (FIONREAD: in canonical mode, of complete lines only). */
size_t ldisc_nread(const struct ldisc *l);

/* Takes up to n bytes: -EAGAIN (-11) when nothing is readable, 0 for end of file (or
 * when n is 0). */
long ldisc_read(struct ldisc *l, uint8_t *buf, size_t n);

/* Output: returns the bytes taken (n), or 0 while output is stopped. */
size_t ldisc_write(struct ldisc *l, const uint8_t *buf, size_t n);

bool ldisc_stopped(const struct ldisc *l);

void ldisc_get(const struct ldisc *l, struct term_termios *t);
/* Takes new settings (switching from canonical to raw makes the line being edited
 * readable, as Linux does); TERM_SET_FLUSH also flushes input. Returns 0. */
int ldisc_set(struct ldisc *l, const struct term_termios *t, int when);

/* TCFLSH: 0 input, 1 output (nothing is queued for output here), 2 both; -EINVAL else. */
int ldisc_flush(struct ldisc *l, int queue);
/* TCXONC: 0 TCOOFF, 1 TCOON, 2 TCIOFF (sends VSTOP), 3 TCION (sends VSTART); -EINVAL. */
int ldisc_flow(struct ldisc *l, int action);

/* Window size; returns true when it changed (the caller raises SIGWINCH). */
bool ldisc_set_winsize(struct ldisc *l, const struct term_winsize *ws);

#endif
