/*
 * Host tests of the line discipline (ldisc.h): each case starts from a fresh terminal
 * with Linux's defaults, feeds keystrokes and writes, and checks the exact bytes sent
 * to the device (echo and output), the signals raised and what reads return. The
 * expected bytes are what Linux's n_tty gives for the same settings. This file holds the
 * defaults, line assembly, input flags and signals, and runs every case; the others are
 * in ldisc_edit_test.c and ldisc_output_test.c (ldisc_test.h).
 */
#include "ldisc_test.h"

unsigned passed, nfailed;

struct ldisc L;
uint8_t sent[16384];
size_t nsent;
int sigs[16];
unsigned nsigs;

static void cap_out(void *ctx, const uint8_t *buf, size_t n)
{
    if (n > sizeof sent - nsent)
        n = sizeof sent - nsent;
    memcpy(sent + nsent, buf, n);
    nsent += n;
}

static void cap_signal(void *ctx, int sig)
{
    if (nsigs < 16)
        sigs[nsigs] = sig;
    nsigs++;
}

/* Bytes as a C string literal would show them. */
const char *esc(const uint8_t *p, size_t n, char *dst, size_t max)
{
    size_t used = 0, i;
    for (i = 0; i < n && used + 8 < max; i++) {
        uint8_t c = p[i];
        if (c == '\\')
            used += (size_t)snprintf(dst + used, max - used, "\\\\");
        else if (c == '\r')
            used += (size_t)snprintf(dst + used, max - used, "\\r");
        else if (c == '\n')
            used += (size_t)snprintf(dst + used, max - used, "\\n");
        else if (c == '\t')
            used += (size_t)snprintf(dst + used, max - used, "\\t");
        else if (c == '\b')
            used += (size_t)snprintf(dst + used, max - used, "\\b");
        else if (c < 0x20 || c >= 0x7f)
            used += (size_t)snprintf(dst + used, max - used, "\\x%02x", c);
        else
            dst[used++] = (char)c;
    }
    dst[used] = '\0';
    return dst;
}

void set_flags(enum flag_word w, uint32_t on, uint32_t off)
{
    struct term_termios t;
    uint32_t *f;
    ldisc_get(&L, &t);
    f = w == IFLAGS ? &t.c_iflag : w == OFLAGS ? &t.c_oflag : &t.c_lflag;
    *f = (*f | on) & ~off;
    ldisc_set(&L, &t, TERM_SET_NOW);
}

void set_cc(int i, uint8_t v)
{
    struct term_termios t;
    ldisc_get(&L, &t);
    t.c_cc[i] = v;
    ldisc_set(&L, &t, TERM_SET_NOW);
}

void ldisc_test_fresh(void)
{
    static const struct ldisc_ops ops = {.ctx = NULL, .out = cap_out, .signal = cap_signal};
    nsent = 0;
    nsigs = 0;
    ldisc_init(&L, &ops);
}

/* ---- defaults ---- */

static void defaults(void)
{
    struct term_termios t;
    ldisc_get(&L, &t);
    CHECK_INT(t.c_iflag, TERM_ICRNL | TERM_IXON | TERM_IUTF8);
    CHECK_INT(t.c_oflag, TERM_OPOST | TERM_ONLCR);
    CHECK_INT(t.c_cflag, TERM_B38400 | TERM_CS8 | TERM_CREAD | TERM_HUPCL);
    CHECK_INT(t.c_lflag, TERM_ISIG | TERM_ICANON | TERM_ECHO | TERM_ECHOE | TERM_ECHOK |
                             TERM_ECHOCTL | TERM_ECHOKE | TERM_IEXTEN);
    CHECK(memcmp(t.c_cc, "\x03\x1c\x7f\x15\x04\x00\x01\x00\x11\x13\x1a\x00\x12\x0f\x17\x16\x00",
                 17) == 0);
    CHECK_INT(L.ws.ws_row, 24);
    CHECK_INT(L.ws.ws_col, 80);
    CHECK(!ldisc_stopped(&L));
    CHECK(!ldisc_readable(&L, false));
    CHECK_INT(ldisc_nread(&L), 0);
    CHECK_NOTHING();
}

/* ---- canonical line assembly ---- */

static void canon_line(void)
{
    IN("abc");
    CHECK_SENT("abc");
    CHECK(!ldisc_readable(&L, false));
    CHECK(!ldisc_readable(&L, true));
    CHECK_INT(ldisc_nread(&L), 0);
    CHECK_NOTHING();
    IN("\n");
    CHECK_SENT("\r\n");
    CHECK(ldisc_readable(&L, false));
    CHECK_INT(ldisc_nread(&L), 4);
    CHECK_READ(100, "abc\n");
    CHECK_NOTHING();
    CHECK_INT(ldisc_read(&L, (uint8_t[1]){0}, 0), -11);
}

static void read_partial(void)
{
    IN("hello\n");
    CHECK_READ(2, "he");
    CHECK_INT(ldisc_nread(&L), 4);
    CHECK_READ(2, "ll");
    CHECK_READ(10, "o\n");
    IN("a\nb\n");
    CHECK_INT(ldisc_nread(&L), 4);
    CHECK_INT(ldisc_read(&L, (uint8_t[1]){0}, 0), 0); /* takes nothing */
    CHECK_READ(10, "a\n");                            /* one line per read */
    CHECK_INT(ldisc_nread(&L), 2);
    CHECK_READ(10, "b\n");
    CHECK_NOTHING();
}

/* ---- input flags ---- */

static void icrnl(void)
{
    IN("ab\r");
    CHECK_SENT("ab\r\n");
    CHECK_READ(100, "ab\n");
    IFLAG(0, TERM_ICRNL);
    IN("a\r\n"); /* a plain control character now, echoed as ^M */
    CHECK_SENT("a^M\r\n");
    CHECK_READ(100, "a\r\n");
}

static void inlcr(void)
{
    IFLAG(TERM_INLCR, 0);
    IN("a\n"); /* becomes \r: no line end */
    CHECK_SENT("a^M");
    CHECK(!ldisc_readable(&L, false));
    IN("\r"); /* ICRNL still makes this one a newline */
    CHECK_SENT("\r\n");
    CHECK_READ(100, "a\r\n");
}

static void igncr(void)
{
    IFLAG(TERM_IGNCR, 0);
    IN("a\rb\n");
    CHECK_SENT("ab\r\n");
    CHECK_READ(100, "ab\n");
}

static void istrip(void)
{
    IN("\xe1\n");
    CHECK_SENT("\xe1\r\n");
    CHECK_READ(100, "\xe1\n");
    IFLAG(TERM_ISTRIP, 0);
    IN("\xe1\xe2\x8a");
    CHECK_SENT("ab\r\n");
    CHECK_READ(100, "ab\n");
    IN("\x83"); /* stripped before the special characters are looked at */
    CHECK_INT(nsigs, 1);
    CHECK_INT(sigs[0], 2);
    CHECK_SENT("^C");
}

static void iuclc(void)
{
    IFLAG(TERM_IUCLC, 0);
    IN("AbC\n");
    CHECK_READ(100, "abc\n");
    LFLAG(0, TERM_IEXTEN); /* Linux: IUCLC only with IEXTEN */
    IN("AbC\n");
    CHECK_READ(100, "AbC\n");
}

static void ixon(void)
{
    IN("\x13"); /* VSTOP */
    CHECK(ldisc_stopped(&L));
    CHECK_SENT("");
    CHECK_INT(OUT("x"), 0);
    CHECK_SENT("");
    IN("a"); /* without IXANY other keys do not restart */
    CHECK(ldisc_stopped(&L));
    CHECK_SENT("a");
    IN("\x11"); /* VSTART */
    CHECK(!ldisc_stopped(&L));
    CHECK_INT(OUT("x"), 1);
    CHECK_SENT("x");
    IN("\x11"); /* when not stopped: nothing, and not queued */
    CHECK(!ldisc_stopped(&L));
    IN("\n");
    CHECK_READ(100, "a\n");
}

static void ixon_raw_not_queued(void)
{
    LFLAG(0, TERM_ICANON | TERM_ECHO);
    IN("a\x13"
       "b\x11"
       "c");
    CHECK(!ldisc_stopped(&L));
    CHECK_READ(100, "abc");
}

static void ixany(void)
{
    IFLAG(TERM_IXANY, 0);
    IN("\x13");
    CHECK(ldisc_stopped(&L));
    IN("b");
    CHECK(!ldisc_stopped(&L));
    CHECK_SENT("b");
    IN("\n");
    CHECK_READ(100, "b\n");
    /* a stop by TCOOFF is only ended by TCOON */
    CHECK_INT(ldisc_flow(&L, 0), 0);
    IN("c\x11");
    CHECK(ldisc_stopped(&L));
    CHECK_INT(ldisc_flow(&L, 1), 0);
    CHECK(!ldisc_stopped(&L));
}

static void ixon_off(void)
{
    IFLAG(0, TERM_IXON);
    IN("\x13\n");
    CHECK(!ldisc_stopped(&L));
    CHECK_SENT("^S\r\n");
    CHECK_READ(100, "\x13\n");
    /* clearing IXON restarts output stopped by VSTOP */
    IFLAG(TERM_IXON, 0);
    IN("\x13");
    CHECK(ldisc_stopped(&L));
    IFLAG(0, TERM_IXON);
    CHECK(!ldisc_stopped(&L));
}

/* ---- signals ---- */

static void isig_intr(void)
{
    IN("abc");
    IN("\x03");
    CHECK_INT(nsigs, 1);
    CHECK_INT(sigs[0], 2);
    CHECK_SENT("abc^C");
    CHECK(!ldisc_readable(&L, false));
    IN("d\n"); /* the line was flushed */
    CHECK_READ(100, "d\n");
}

static void isig_quit(void)
{
    IN("x\n"
       "y\x1c");
    CHECK_INT(nsigs, 1);
    CHECK_INT(sigs[0], 3);
    CHECK_SENT("x\r\ny^\\");
    CHECK_NOTHING(); /* complete lines are flushed too */
}

static void isig_susp(void)
{
    IN("\x1a");
    CHECK_INT(nsigs, 1);
    CHECK_INT(sigs[0], 20);
    CHECK_SENT("^Z");
    CHECK_NOTHING();
}

static void isig_noflsh(void)
{
    LFLAG(TERM_NOFLSH, 0);
    IN("ab\x03\n");
    CHECK_INT(nsigs, 1);
    CHECK_SENT("ab^C\r\n");
    CHECK_READ(100, "ab\n");
}

static void isig_off(void)
{
    LFLAG(0, TERM_ISIG);
    IN("\x03\x1c\x1a\n");
    CHECK_INT(nsigs, 0);
    CHECK_SENT("^C^\\^Z\r\n");
    CHECK_READ(100, "\x03\x1c\x1a\n");
}

static void isig_echo(void)
{
    LFLAG(0, TERM_ECHOCTL);
    IN("\x03");
    CHECK_SENT("\x03");
    LFLAG(0, TERM_ECHO);
    IN("\x03");
    CHECK_SENT("");
    CHECK_INT(nsigs, 2);
}

static void isig_restarts_output(void)
{
    IN("\x13");
    CHECK(ldisc_stopped(&L));
    IN("\x03");
    CHECK(!ldisc_stopped(&L));
}

int main(void)
{
    RUN(defaults);
    RUN(canon_line);
    RUN(read_partial);
    RUN(icrnl);
    RUN(inlcr);
    RUN(igncr);
    RUN(istrip);
    RUN(iuclc);
    RUN(ixon);
    RUN(ixon_raw_not_queued);
    RUN(ixany);
    RUN(ixon_off);
    RUN(isig_intr);
    RUN(isig_quit);
    RUN(isig_susp);
    RUN(isig_noflsh);
    RUN(isig_off);
    RUN(isig_echo);
    RUN(isig_restarts_output);
    ldisc_edit_cases();
    ldisc_output_cases();
    printf("# %u passed, %u failed\n", passed, nfailed);
    return nfailed ? 1 : 0;
}
