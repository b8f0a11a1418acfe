/*
 * libFuzzer target for the line discipline (ldisc.h): sequences of operations on one
 * terminal (keystrokes, reads, writes, new settings, flushes, flow control, window
 * sizes). After every operation the queue must be within its bounds and consistent
 * (readable and the FIONREAD count agree with what a read then returns), writes take
 * all or nothing, only the three job-control signals are raised, and the output is
 * bounded. While the settings pass bytes through unchanged (no input flags, no
 * canonical mode, signals or echo), a model queue must match what reads return.
 *
 * Input: operations, each an op byte (low three bits, see step()) and its arguments.
 */
#include "ldisc.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

struct input {
    const uint8_t *p;
    size_t left;
};

static uint8_t byte(struct input *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

static uint16_t word16(struct input *in)
{
    uint16_t lo = byte(in);
    return (uint16_t)(lo | byte(in) << 8);
}

static struct ldisc L;
static size_t sent;  /* bytes given to ops.out during the current operation */
static uint8_t sink; /* every byte sent is read, for the sanitizers */
static uint8_t model[LDISC_INPUT_MAX];
static size_t model_n;
static bool model_ok;

static void on_out(void *ctx, const uint8_t *buf, size_t n)
{
    size_t i;
    REQUIRE(ctx == &L && n > 0);
    for (i = 0; i < n; i++)
        sink ^= buf[i];
    sent += n;
}

static void on_signal(void *ctx, int sig)
{
    REQUIRE(ctx == &L);
    REQUIRE(sig == 2 || sig == 3 || sig == 20);
}

/* Whether input bytes reach the queue unchanged and without side effects. */
static bool transparent(void)
{
    return !(L.tio.c_iflag &
             (TERM_ISTRIP | TERM_INLCR | TERM_IGNCR | TERM_ICRNL | TERM_IUCLC | TERM_IXON)) &&
           !(L.tio.c_lflag & (TERM_ICANON | TERM_ISIG | TERM_ECHO));
}

static void check_invariants(void)
{
    size_t used = L.head - L.tail, ready = L.commit - L.tail;
    bool canon = (L.tio.c_lflag & TERM_ICANON) != 0;

    REQUIRE(used <= LDISC_INPUT_MAX);
    REQUIRE(ready <= used);
    if (!canon)
        REQUIRE(L.commit == L.head);
    if (canon && ready)
        REQUIRE(L.eol[(L.commit - 1) & (LDISC_INPUT_MAX - 1)]);
    REQUIRE(ldisc_readable(&L, false) == (ready != 0));
    REQUIRE(!ldisc_readable(&L, true) || ldisc_readable(&L, false));
    REQUIRE(ldisc_nread(&L) <= ready);
    if (!canon)
        REQUIRE(ldisc_nread(&L) == ready);
    REQUIRE(ldisc_stopped(&L) == L.stopped);
    REQUIRE(!L.tco_stopped || L.stopped);
    if (model_ok)
        REQUIRE(ldisc_nread(&L) == model_n);
}

static void op_input(const uint8_t *buf, size_t n)
{
    size_t i;
    ldisc_input(&L, buf, n);
    if (!model_ok)
        return;
    for (i = 0; i < n && model_n < LDISC_INPUT_MAX; i++)
        model[model_n++] = buf[i];
    REQUIRE(sent == (L.tio.c_iflag & TERM_IMAXBEL ? n - i : 0)); /* bells only */
}

static void op_read(size_t n)
{
    static uint8_t buf[LDISC_INPUT_MAX + 16];
    bool readable = ldisc_readable(&L, false);
    size_t before = ldisc_nread(&L);
    long got = ldisc_read(&L, buf, n);

    if (!readable) {
        REQUIRE(got == -11);
        return;
    }
    REQUIRE(got >= 0 && (size_t)got <= n && (size_t)got <= before);
    REQUIRE(ldisc_nread(&L) == before - (size_t)got);
    if (!(L.tio.c_lflag & TERM_ICANON))
        REQUIRE((size_t)got == (n < before ? n : before));
    if (model_ok) {
        REQUIRE(memcmp(buf, model, (size_t)got) == 0);
        memmove(model, model + got, model_n - (size_t)got);
        model_n -= (size_t)got;
    }
}

static void op_write(const uint8_t *buf, size_t n)
{
    bool stopped = ldisc_stopped(&L);
    size_t took = ldisc_write(&L, buf, n);

    if (stopped || n == 0) {
        REQUIRE(took == 0 && sent == 0);
        return;
    }
    REQUIRE(took == n);
    if (!(L.tio.c_oflag & TERM_OPOST))
        REQUIRE(sent == n);
    else
        REQUIRE(sent <= 8 * n);
}

static void op_set(struct input *in)
{
    struct term_termios t, got;
    uint8_t how = byte(in);
    int i;

    ldisc_get(&L, &t);
    t.c_iflag = word16(in);
    t.c_oflag = word16(in);
    t.c_lflag = word16(in);
    if (how & 1)
        for (i = 0; i < TERM_NCCS; i++)
            t.c_cc[i] = how & 2 ? byte(in) & 0x1f : byte(in);
    ldisc_set(&L, &t, (how >> 2) & 3);
    ldisc_get(&L, &got);
    REQUIRE(memcmp(&t, &got, sizeof t) == 0);
    if (((how >> 2) & 3) == TERM_SET_FLUSH) {
        REQUIRE(L.head == L.tail);
        model_n = 0;
    }
}

/* One operation; returns false at the end of the input. */
static bool step(struct input *in)
{
    static uint8_t burst[8192];
    uint8_t op, n;
    int r, arg;

    if (!in->left)
        return false;
    op = byte(in);
    sent = 0;
    if (!transparent()) {
        model_ok = false;
    } else if (!model_ok && L.head == L.tail) {
        model_ok = true;
        model_n = 0;
    }
    switch (op & 7) {
    case 0: /* keystrokes */
        n = byte(in);
        if (n > in->left)
            n = (uint8_t)in->left;
        op_input(in->p, n);
        in->p += n;
        in->left -= n;
        break;
    case 1: /* a read of 0..254 bytes, or of more than the queue holds */
        n = byte(in);
        op_read(n == 255 ? sizeof burst : n);
        break;
    case 2: /* output */
        n = byte(in);
        if (n > in->left)
            n = (uint8_t)in->left;
        op_write(in->p, n);
        in->p += n;
        in->left -= n;
        break;
    case 3:
        op_set(in);
        break;
    case 4:
        arg = byte(in) % 5 - 1;
        r = ldisc_flush(&L, arg);
        REQUIRE(r == (arg >= 0 && arg <= 2 ? 0 : -22));
        if (arg == 0 || arg == 2) {
            REQUIRE(L.head == L.tail && !ldisc_readable(&L, false));
            model_n = 0;
        }
        break;
    case 5:
        arg = byte(in) % 6 - 1;
        r = ldisc_flow(&L, arg);
        REQUIRE(r == (arg >= 0 && arg <= 3 ? 0 : -22));
        REQUIRE(sent <= 1);
        if (arg == 0)
            REQUIRE(ldisc_stopped(&L));
        if (arg == 1)
            REQUIRE(!L.tco_stopped);
        break;
    case 6: {
        struct term_winsize ws;
        ws.ws_row = word16(in);
        ws.ws_col = word16(in);
        ws.ws_xpixel = byte(in);
        ws.ws_ypixel = byte(in);
        ldisc_set_winsize(&L, &ws);
        REQUIRE(!ldisc_set_winsize(&L, &ws));
        REQUIRE(memcmp(&L.ws, &ws, sizeof ws) == 0);
        break;
    }
    case 7: /* many copies of one byte, to fill the queue */
        n = byte(in);
        memset(burst, byte(in), sizeof burst);
        op_input(burst, ((size_t)n + 1) * 32);
        break;
    }
    check_invariants();
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ldisc_ops ops = {.ctx = &L, .out = on_out, .signal = on_signal};
    struct input in = {data, size};

    ldisc_init(&L, &ops);
    model_ok = false;
    model_n = 0;
    check_invariants();
    while (step(&in))
        ;
    return 0;
}
