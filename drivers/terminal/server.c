/* The terminal server's logic (server.h). */
#include "server.h"
#include <string.h>

#define EAGAIN 11
#define EINVAL 22
#define ENOSYS 38

/* Publishes what readers and writers wait for, and wakes them when it changed (always
 * when input arrived: a reader may wait for more bytes, VMIN). */
static void publish(struct term_server *s, bool input)
{
    struct term_shared *sh = s->sh;
    if (!sh)
        return;
    uint32_t readable = ldisc_readable(&s->ld, true), writable = !ldisc_stopped(&s->ld);
    uint32_t lflag = s->ld.tio.c_lflag;
    uint8_t vmin = s->ld.tio.c_cc[TERM_VMIN], vtime = s->ld.tio.c_cc[TERM_VTIME];
    if (!input && sh->readable == readable && sh->writable == writable && sh->lflag == lflag &&
        sh->vmin == vmin && sh->vtime == vtime)
        return;
    __atomic_store_n(&sh->readable, readable, __ATOMIC_RELEASE);
    __atomic_store_n(&sh->writable, writable, __ATOMIC_RELEASE);
    __atomic_store_n(&sh->lflag, lflag, __ATOMIC_RELEASE);
    sh->vmin = vmin, sh->vtime = vtime;
    __atomic_add_fetch(&sh->seq, 1, __ATOMIC_RELEASE);
    s->ops.notify(s->ops.ctx, TERM_NOTIFY_INPUT);
}

static void raise_signal(struct term_server *s, int sig)
{
    if (!s->sh || sig < 1 || sig > 64)
        return;
    __atomic_or_fetch(&s->sh->sig_pending, 1ul << (sig - 1), __ATOMIC_RELEASE);
    s->ops.notify(s->ops.ctx, TERM_NOTIFY_EVENT);
}

static void ld_out(void *ctx, const uint8_t *buf, size_t n)
{
    struct term_server *s = ctx;
    s->ops.out(s->ops.ctx, buf, n);
}

static void ld_signal(void *ctx, int sig)
{
    raise_signal(ctx, sig);
}

void term_server_init(struct term_server *s, const struct term_server_ops *ops)
{
    memset(s, 0, sizeof(*s));
    s->ops = *ops;
    struct ldisc_ops lo = {.ctx = s, .out = ld_out, .signal = ld_signal};
    ldisc_init(&s->ld, &lo);
}

void term_server_attach(struct term_server *s, struct term_shared *sh)
{
    s->sh = sh;
    if (!sh)
        return;
    publish(s, true);
    sh->magic = TERM_MAGIC;
}

void term_server_input(struct term_server *s, const uint8_t *buf, size_t n)
{
    ldisc_input(&s->ld, buf, n);
    publish(s, n > 0);
}

long term_server_handle(struct term_server *s, uint64_t op, uint64_t arg, uint8_t *area)
{
    if (!area)
        return -EINVAL;
    long r = 0;
    switch (op) {
    case TERM_OP_WRITE:
        if (arg > TERM_AREA_BYTES)
            return -EINVAL;
        r = (long)ldisc_write(&s->ld, area, arg);
        if (r == 0 && arg)
            r = -EAGAIN; /* output is stopped */
        break;
    case TERM_OP_READ:
        if (arg > TERM_AREA_BYTES)
            return -EINVAL;
        r = ldisc_read(&s->ld, area, arg);
        break;
    case TERM_OP_TCGETS: {
        struct term_termios t;
        ldisc_get(&s->ld, &t);
        memcpy(area, &t, sizeof(t));
        break;
    }
    case TERM_OP_TCSETS: {
        struct term_termios t;
        if (arg > TERM_SET_FLUSH)
            return -EINVAL;
        memcpy(&t, area, sizeof(t));
        r = ldisc_set(&s->ld, &t, (int)arg);
        break;
    }
    case TERM_OP_GWINSZ:
        memcpy(area, &s->ld.ws, sizeof(s->ld.ws));
        break;
    case TERM_OP_SWINSZ: {
        struct term_winsize ws;
        memcpy(&ws, area, sizeof(ws));
        if (ldisc_set_winsize(&s->ld, &ws))
            raise_signal(s, 28); /* SIGWINCH */
        break;
    }
    case TERM_OP_FLUSH:
        r = arg > 2 ? -EINVAL : ldisc_flush(&s->ld, (int)arg);
        break;
    case TERM_OP_FLOW:
        r = arg > 3 ? -EINVAL : ldisc_flow(&s->ld, (int)arg);
        break;
    case TERM_OP_NREAD:
        r = (long)ldisc_nread(&s->ld);
        break;
    default:
        return -ENOSYS;
    }
    publish(s, false);
    return r;
}
