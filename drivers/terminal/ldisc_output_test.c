/*
 * Host tests of the line discipline (ldisc.h), part of ldisc_test: echo flags, output
 * processing, switches between canonical and raw mode and readiness, flushes, flow
 * control and the window size. The bytes expected are Linux's n_tty's.
 */
#include "ldisc_test.h"

/* ---- echo flags ---- */

static void echo_off(void)
{
    LFLAG(0, TERM_ECHO);
    IN("ab\n");
    CHECK_SENT("");
    CHECK_READ(100, "ab\n");
}

static void echonl(void)
{
    LFLAG(TERM_ECHONL, TERM_ECHO);
    IN("ab\n");
    CHECK_SENT("\r\n");
    CHECK_READ(100, "ab\n");
    LFLAG(0, TERM_ICANON); /* only in canonical mode */
    IN("c\n");
    CHECK_SENT("");
}

static void echoctl(void)
{
    LFLAG(0, TERM_ICANON);
    IN("\x01\t\x7f"
       "a");
    CHECK_SENT("^A\t^?a");
    LFLAG(0, TERM_ECHOCTL);
    IN("\x01\t\x7f");
    CHECK_SENT("\x01\t\x7f");
    CHECK_READ(100, "\x01\t\x7f"
                    "a\x01\t\x7f");
}

static void echo_raw_newlines(void)
{
    LFLAG(0, TERM_ICANON);
    IN("\r"); /* ICRNL: a newline, echoed as one */
    CHECK_SENT("\r\n");
    IN("\n"); /* Linux: an ordinary control character here, so ^J */
    CHECK_SENT("^J");
    CHECK_READ(100, "\n\n");
}

/* ---- output ---- */

static void opost_onlcr(void)
{
    CHECK_INT(OUT("a\nb"), 3);
    CHECK_SENT("a\r\nb");
    OFLAG(0, TERM_OPOST);
    CHECK_INT(OUT("a\nb\t"), 4);
    CHECK_SENT("a\nb\t");
    OFLAG(TERM_OPOST, TERM_ONLCR);
    CHECK_INT(OUT("a\n"), 2);
    CHECK_SENT("a\n");
    IN("x\n"); /* echo too */
    CHECK_SENT("x\n");
}

static void ocrnl(void)
{
    OFLAG(TERM_OCRNL, TERM_ONLCR);
    CHECK_INT(OUT("a\rb"), 3);
    CHECK_SENT("a\nb");
}

static void onocr(void)
{
    OFLAG(TERM_ONOCR, 0);
    CHECK_INT(OUT("\rab\r\r"), 5);
    CHECK_SENT("ab\r");
}

static void onlret(void)
{
    OFLAG(TERM_XTABS, TERM_ONLCR);
    CHECK_INT(OUT("ab\n\t"), 4); /* the column stays at 2 */
    CHECK_SENT("ab\n      ");
    OFLAG(TERM_ONLRET, 0);
    CHECK_INT(OUT("ab\n\t"), 4);
    CHECK_SENT("ab\n        ");
}

static void olcuc(void)
{
    OFLAG(TERM_OLCUC, 0);
    CHECK_INT(OUT("abc1Z\xe1"), 6);
    CHECK_SENT("ABC1Z\xe1");
    IN("q");
    CHECK_SENT("Q");
}

static void xtabs(void)
{
    CHECK_INT(OUT("a\tb"), 3);
    CHECK_SENT("a\tb");
    OFLAG(TERM_XTABS, 0);
    CHECK_INT(OUT("\na\tb\t"), 5);
    CHECK_SENT("\r\na"
               "       "
               "b"
               "       ");
    CHECK_INT(OUT("\r\xc3\xa9\t"), 4); /* a UTF-8 character takes one column */
    CHECK_SENT("\r\xc3\xa9"
               "       ");
    IN("\t");
    CHECK_SENT("        ");
}

/* ---- mode switches, readiness ---- */

static void canon_to_raw(void)
{
    IN("abc");
    CHECK(!ldisc_readable(&L, false));
    LFLAG(0, TERM_ICANON);
    CHECK(ldisc_readable(&L, false));
    CHECK_INT(ldisc_nread(&L), 3);
    CHECK_READ(100, "abc");
    IN("a\x7f\x15\x04");
    CHECK_SENT("abca^?^U^D");
    CHECK_READ(2, "a\x7f");
    CHECK_READ(100, "\x15\x04");
    CHECK_NOTHING();
}

static void raw_to_canon(void)
{
    LFLAG(0, TERM_ICANON);
    IN("x\ny");
    LFLAG(TERM_ICANON, 0); /* what was queued is one line */
    CHECK(ldisc_readable(&L, false));
    CHECK_INT(ldisc_nread(&L), 3);
    CHECK_READ(100, "x\ny");
    CHECK_NOTHING();
    IN("z");
    CHECK(!ldisc_readable(&L, false));
}

static void mode_switch_nul(void)
{
    IN("\x04"); /* an end-of-file mark reads as a NUL byte in raw mode (Linux) */
    LFLAG(0, TERM_ICANON);
    CHECK_INT(ldisc_nread(&L), 1);
    CHECK_READ(10, "\0");
    ldisc_input(&L, (const uint8_t *)"a\0", 2);
    LFLAG(TERM_ICANON, 0); /* a NUL byte at the end stays data (Linux: end of file) */
    CHECK_INT(ldisc_nread(&L), 2);
    CHECK_READ(10, "a\0");
    CHECK_NOTHING();
}

static void vmin_poll(void)
{
    struct term_termios t;
    ldisc_get(&L, &t);
    t.c_lflag &= ~(uint32_t)TERM_ICANON;
    t.c_cc[TERM_VMIN] = 3;
    t.c_cc[TERM_VTIME] = 0;
    ldisc_set(&L, &t, TERM_SET_NOW);
    CHECK(!ldisc_readable(&L, false));
    IN("ab");
    CHECK(ldisc_readable(&L, false));
    CHECK(!ldisc_readable(&L, true));
    IN("c");
    CHECK(ldisc_readable(&L, true));
    t.c_cc[TERM_VTIME] = 1; /* with a timer, poll wakes for one byte */
    ldisc_set(&L, &t, TERM_SET_NOW);
    CHECK_READ(2, "ab");
    CHECK(ldisc_readable(&L, true));
    t.c_cc[TERM_VTIME] = 0;
    t.c_cc[TERM_VMIN] = 0;
    ldisc_set(&L, &t, TERM_SET_NOW);
    CHECK(ldisc_readable(&L, true));
    CHECK_READ(5, "c");
    CHECK(!ldisc_readable(&L, true));
    CHECK_NOTHING();
}

static void queue_full_canon(void)
{
    static uint8_t many[5000];
    static uint8_t got[8192];
    memset(many, 'a', sizeof many);
    IFLAG(TERM_IMAXBEL, 0);
    LFLAG(0, TERM_ECHO);
    ldisc_input(&L, many, sizeof many);
    CHECK_INT(nsent, sizeof many - (LDISC_INPUT_MAX - 1)); /* a bell per byte dropped */
    CHECK(sent[0] == '\a' && sent[nsent - 1] == '\a');
    nsent = 0;
    CHECK(!ldisc_readable(&L, false));
    IN("\n"); /* the line can still end */
    CHECK_INT(ldisc_nread(&L), LDISC_INPUT_MAX);
    CHECK_INT(ldisc_read(&L, got, sizeof got), LDISC_INPUT_MAX);
    CHECK(got[LDISC_INPUT_MAX - 2] == 'a' && got[LDISC_INPUT_MAX - 1] == '\n');
    IFLAG(0, TERM_IMAXBEL);
    ldisc_input(&L, many, sizeof many);
    CHECK_INT(nsent, 0);
}

static void queue_full_raw(void)
{
    static uint8_t many[5000], got[8192];
    size_t i;
    for (i = 0; i < sizeof many; i++)
        many[i] = (uint8_t)i;
    LFLAG(0, TERM_ICANON | TERM_ECHO | TERM_ISIG | TERM_IEXTEN);
    IFLAG(0, TERM_ICRNL | TERM_IXON);
    ldisc_input(&L, many, sizeof many);
    CHECK_INT(ldisc_nread(&L), LDISC_INPUT_MAX);
    CHECK_INT(ldisc_read(&L, got, sizeof got), LDISC_INPUT_MAX);
    CHECK(memcmp(got, many, LDISC_INPUT_MAX) == 0);
    /* around the end of the ring */
    ldisc_input(&L, many, 3000);
    CHECK_INT(ldisc_read(&L, got, 1000), 1000);
    ldisc_input(&L, many + 3000, 2000);
    CHECK_INT(ldisc_nread(&L), 4000);
    CHECK_INT(ldisc_read(&L, got, sizeof got), 4000);
    CHECK(memcmp(got, many + 1000, 4000) == 0);
    CHECK_NOTHING();
}

/* ---- flush, flow control, window size ---- */

static void flush(void)
{
    IN("ab\ncd");
    CHECK_INT(ldisc_flush(&L, 1), 0); /* output: nothing queued here */
    CHECK(ldisc_readable(&L, false));
    CHECK_INT(ldisc_flush(&L, 0), 0);
    CHECK(!ldisc_readable(&L, false));
    IN("e\n");
    CHECK_READ(100, "e\n");
    IN("f\n");
    CHECK_INT(ldisc_flush(&L, 2), 0);
    CHECK_NOTHING();
    CHECK_INT(ldisc_flush(&L, 3), -22);
    CHECK_INT(ldisc_flush(&L, -1), -22);
}

static void set_flush(void)
{
    struct term_termios t;
    ldisc_get(&L, &t);
    IN("x\n");
    CHECK_INT(ldisc_set(&L, &t, TERM_SET_DRAIN), 0);
    CHECK(ldisc_readable(&L, false));
    CHECK_INT(ldisc_set(&L, &t, TERM_SET_FLUSH), 0);
    CHECK(!ldisc_readable(&L, false));
}

static void flow(void)
{
    CHECK_INT(ldisc_flow(&L, 0), 0); /* TCOOFF */
    CHECK(ldisc_stopped(&L));
    CHECK_INT(OUT("x"), 0);
    CHECK_INT(ldisc_flow(&L, 2), 0); /* TCIOFF: sent even while stopped */
    CHECK_SENT("\x13");
    CHECK_INT(ldisc_flow(&L, 1), 0); /* TCOON */
    CHECK(!ldisc_stopped(&L));
    CHECK_INT(OUT("x"), 1);
    CHECK_SENT("x");
    CHECK_INT(ldisc_flow(&L, 3), 0); /* TCION */
    CHECK_SENT("\x11");
    set_cc(TERM_VSTART, 0);
    CHECK_INT(ldisc_flow(&L, 3), 0);
    CHECK_SENT("");
    CHECK_INT(ldisc_flow(&L, 4), -22);
    CHECK_INT(ldisc_flow(&L, -1), -22);
    IN("\x13"); /* TCOON does not end a stop by VSTOP (Linux) */
    CHECK(ldisc_stopped(&L));
    CHECK_INT(ldisc_flow(&L, 1), 0);
    CHECK(ldisc_stopped(&L));
}

static void winsize(void)
{
    struct term_winsize ws = {24, 80, 0, 0};
    CHECK(!ldisc_set_winsize(&L, &ws));
    ws.ws_row = 30;
    ws.ws_col = 100;
    CHECK(ldisc_set_winsize(&L, &ws));
    CHECK(!ldisc_set_winsize(&L, &ws));
    CHECK_INT(L.ws.ws_col, 100);
    ws.ws_xpixel = 640;
    CHECK(ldisc_set_winsize(&L, &ws));
}

void ldisc_output_cases(void)
{
    RUN(echo_off);
    RUN(echonl);
    RUN(echoctl);
    RUN(echo_raw_newlines);
    RUN(opost_onlcr);
    RUN(ocrnl);
    RUN(onocr);
    RUN(onlret);
    RUN(olcuc);
    RUN(xtabs);
    RUN(canon_to_raw);
    RUN(raw_to_canon);
    RUN(mode_switch_nul);
    RUN(vmin_poll);
    RUN(queue_full_canon);
    RUN(queue_full_raw);
    RUN(flush);
    RUN(set_flush);
    RUN(flow);
    RUN(winsize);
}
