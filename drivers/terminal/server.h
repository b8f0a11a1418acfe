/*
 * The terminal server's logic (README.md), apart from IPC and devices so that it runs
 * on the host: one terminal (a line discipline) and the session attached to it, and
 * term_server_handle, which decodes, checks and answers one request of the Terminal
 * protocol (lib/include/capix/term_protocol.h). Not thread-safe: the native server
 * holds its lock around every call.
 */
#ifndef TERMINAL_SERVER_H
#define TERMINAL_SERVER_H

#include "ldisc.h"

#define TERM_NOTIFY_INPUT 1u /* the session's input notification: something changed */
#define TERM_NOTIFY_EVENT 2u /* the event notification: sig_pending has a new bit */

struct term_server_ops {
    void *ctx;
    void (*out)(void *ctx, const uint8_t *buf, size_t n); /* to the device */
    void (*notify)(void *ctx, unsigned which);            /* TERM_NOTIFY_* */
};

struct term_server {
    struct ldisc ld;
    struct term_server_ops ops;
    struct term_shared *sh; /* the attached session's page 0, or NULL */
};

void term_server_init(struct term_server *s, const struct term_server_ops *ops);
/* Attaches a session's shared memory (TERM_SHARED_BYTES, zeroed), or detaches (NULL). */
void term_server_attach(struct term_server *s, struct term_shared *sh);
/* Bytes from the device. */
void term_server_input(struct term_server *s, const uint8_t *buf, size_t n);
/* One request: op and arg as in the message, area the caller's data area
 * (TERM_AREA_BYTES, or NULL when the area number was out of range). Returns the reply's
 * w0: a count, 0, or a negative errno. */
long term_server_handle(struct term_server *s, uint64_t op, uint64_t arg, uint8_t *area);

#endif
