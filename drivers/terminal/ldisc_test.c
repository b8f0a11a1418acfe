/*
 * Host tests of the line discipline (ldisc.h): each case starts from a fresh terminal
 * with Linux's defaults, feeds keystrokes and writes, and checks the exact bytes sent
 * to the device (echo and output), the signals raised and what reads return. The
 * expected bytes are what Linux's n_tty gives for the same settings.
 */
#include "ldisc.h"

#include "../../tests/host/check.h"

static unsigned passed, nfailed;

static struct ldisc L;
static uint8_t sent[16384]; /* what reached the device since the last check */
static size_t nsent;
static int sigs[16];
static unsigned nsigs;

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
static const char *esc(const uint8_t *p, size_t n, char *dst, size_t max)
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

static bool check_bytes(int line, const char *what, const uint8_t *got, size_t ngot,
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
static bool check_sent(int line, const char *want, size_t n)
{
    bool ok = check_bytes(line, "sent", sent, nsent, want, n);
    nsent = 0;
    return ok;
}

static bool check_read(int line, size_t most, const char *want, size_t n)
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
static void set_flags(enum flag_word w, uint32_t on, uint32_t off)
{
    struct term_termios t;
    uint32_t *f;
    ldisc_get(&L, &t);
    f = w == IFLAGS ? &t.c_iflag : w == OFLAGS ? &t.c_oflag : &t.c_lflag;
    *f = (*f | on) & ~off;
    ldisc_set(&L, &t, TERM_SET_NOW);
}

#define IFLAG(on, off) set_flags(IFLAGS, on, off)
#define OFLAG(on, off) set_flags(OFLAGS, on, off)
#define LFLAG(on, off) set_flags(LFLAGS, on, off)

static void set_cc(int i, uint8_t v)
{
    struct term_termios t;
    ldisc_get(&L, &t);
    t.c_cc[i] = v;
    ldisc_set(&L, &t, TERM_SET_NOW);
}

/* Runs one case on a fresh terminal (tests/host/check.h prints its line). */
static void run(const char *name, void (*fn)(void))
{
    struct ldisc_ops ops = {.ctx = NULL, .out = cap_out, .signal = cap_signal};
    struct check_case c = {name, fn};
    nsent = 0;
    nsigs = 0;
    ldisc_init(&L, &ops);
    if (check_run("ldisc", &c, 1))
        nfailed++;
    else
        passed++;
    fflush(stdout);
}
#define RUN(fn) run(#fn, fn)

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

/* ---- erase ---- */

static void erase_echoe(void)
{
    IN("\x7f"); /* nothing to erase: no echo */
    CHECK_SENT("");
    IN("abc\x7f");
    CHECK_SENT("abc\b \b");
    IN("\n");
    CHECK_READ(100, "ab\n");
}

static void erase_no_echoe(void)
{
    LFLAG(0, TERM_ECHOE);
    IN("abc\x7f");
    CHECK_SENT("abc^?");
    LFLAG(0, TERM_ECHOCTL);
    IN("x\x7f");
    CHECK_SENT("x\x7f");
    IN("\n");
    CHECK_READ(100, "ab\n");
}

static void erase_tab(void)
{
    IN("ab\t\x7f");
    CHECK_SENT("ab\t\b\b\b\b\b\b");
    IN("\x7f");
    CHECK_SENT("\b \b");
    IN("\n");
    CHECK_READ(100, "a\n");
}

static void erase_tab_after_prompt(void)
{
    CHECK_INT(OUT("$ "), 2);
    IN("a\t\x7f"); /* the line starts at column 2 */
    CHECK_SENT("$ a\t\b\b\b\b\b");
}

static void erase_tab_after_tab(void)
{
    IN("a\t\t\x7f");
    CHECK_SENT("a\t\t\b\b\b\b\b\b\b\b");
}

static void erase_tab_after_ctrl(void)
{
    IN("\x01\t\x7f"); /* ^A takes two columns */
    CHECK_SENT("^A\t\b\b\b\b\b\b");
}

static void erase_tab_xtabs(void)
{
    OFLAG(TERM_XTABS, 0);
    IN("ab\t\x7f");
    CHECK_SENT("ab      \b\b\b\b\b\b");
}

static void erase_ctrl(void)
{
    IN("a\x01\x7f");
    CHECK_SENT("a^A\b \b\b \b");
    LFLAG(0, TERM_ECHOCTL);
    IN("\x02\x7f"); /* echoed as is, so nothing to erase on the screen */
    CHECK_SENT("\x02");
    IN("\n");
    CHECK_READ(100, "a\n");
}

static void erase_utf8(void)
{
    IN("x\xc3\xa9\xe2\x82\xac\x7f\x7f\n");
    CHECK_SENT("x\xc3\xa9\xe2\x82\xac\b \b\b \b\r\n");
    CHECK_READ(100, "x\n");
    IFLAG(0, TERM_IUTF8);
    IN("x\xc3\xa9\x7f\n");
    CHECK_SENT("x\xc3\xa9\b \b\r\n");
    CHECK_READ(100, "x\xc3\n");
}

static void erase_echoprt(void)
{
    LFLAG(TERM_ECHOPRT, 0);
    IN("abc\x7f\x7f"
       "d\n");
    CHECK_SENT("abc\\cb/d\r\n");
    CHECK_READ(100, "ad\n");
}

/* ---- kill, word erase, reprint ---- */

static void kill_echoke(void)
{
    IN("abc\x15");
    CHECK_SENT("abc\b \b\b \b\b \b");
    IN("d\n");
    CHECK_SENT("d\r\n");
    CHECK_READ(100, "d\n");
    IN("a\tb\x15");
    CHECK_SENT("a\tb"
               "\b \b"
               "\b\b\b\b\b\b\b" /* the tab: 7 columns after "a" */
               "\b \b");
}

static void kill_echok(void)
{
    LFLAG(0, TERM_ECHOKE);
    IN("abc\x15");
    CHECK_SENT("abc^U\r\n");
    LFLAG(0, TERM_ECHOK);
    IN("ab\x15");
    CHECK_SENT("ab^U");
    IN("\n");
    CHECK_READ(100, "\n");
}

static void kill_no_echo(void)
{
    LFLAG(0, TERM_ECHO);
    IN("abc\x15"
       "d\n");
    CHECK_SENT("");
    CHECK_READ(100, "d\n");
}

static void werase(void)
{
    IN("foo bar  \x17");
    CHECK_SENT("foo bar  \b \b\b \b\b \b\b \b\b \b");
    IN("\n");
    CHECK_READ(100, "foo \n");
    IN("foo/bar_1\x17\n"); /* as Linux: a word is letters, digits and _ */
    CHECK_READ(100, "foo/\n");
}

static void werase_needs_iexten(void)
{
    LFLAG(0, TERM_IEXTEN);
    IN("ab\x17\n");
    CHECK_SENT("ab^W\r\n");
    CHECK_READ(100, "ab\x17\n");
}

static void reprint(void)
{
    IN("a\x01"
       "b\x12");
    CHECK_SENT("a^Ab^R\r\na^Ab");
    IN("\n");
    CHECK_READ(100, "a\x01"
                    "b\n");
    LFLAG(0, TERM_ECHO); /* without echo, ^R is an ordinary character */
    IN("x\x12\n");
    CHECK_READ(100, "x\x12\n");
}

/* ---- literal next ---- */

static void lnext(void)
{
    IN("\x16");
    CHECK_SENT("^\b");
    IN("\x03");
    CHECK_SENT("^C");
    CHECK_INT(nsigs, 0);
    IN("\x16\x7f\x16\n");
    CHECK_SENT("^\b^?^\b^J");
    CHECK(!ldisc_readable(&L, false)); /* a literal newline does not end the line */
    IN("\n");
    CHECK_READ(100, "\x03\x7f\n\n");
}

static void lnext_plain(void)
{
    LFLAG(0, TERM_ECHOCTL);
    IN("\x16\x03\n");
    CHECK_SENT("\x03\r\n");
    CHECK_READ(100, "\x03\n");
    LFLAG(TERM_ECHOCTL, TERM_IEXTEN);
    IN("\x16\n");
    CHECK_SENT("^V\r\n");
    CHECK_READ(100, "\x16\n");
}

/* ---- end of file and line ends ---- */

static void veof_at_start(void)
{
    IN("\x04");
    CHECK_SENT("");
    CHECK(ldisc_readable(&L, false));
    CHECK_INT(ldisc_nread(&L), 0);
    CHECK_READ(100, ""); /* end of file, once */
    CHECK_NOTHING();
}

static void veof_mid_line(void)
{
    IN("ab\x04");
    CHECK_SENT("ab");
    CHECK_INT(ldisc_nread(&L), 2);
    CHECK_READ(100, "ab");
    CHECK_NOTHING();
    IN("ab\x04\x04");
    CHECK_READ(100, "ab");
    CHECK_READ(100, "");
    CHECK_NOTHING();
}

static void veof_partial_read(void)
{
    IN("ab\x04");
    CHECK_READ(1, "a");
    CHECK_READ(1, "b"); /* the mark right after a full buffer is eaten (Linux 5.18+) */
    CHECK_NOTHING();
}

static void veol(void)
{
    set_cc(TERM_VEOL, ';');
    IN("ab;");
    CHECK_SENT("ab;");
    CHECK_READ(100, "ab;");
    set_cc(TERM_VEOL, 0x01);
    IN("x\x01");
    CHECK_SENT("x^A");
    CHECK_READ(100, "x\x01");
}

static void veol2(void)
{
    set_cc(TERM_VEOL2, '!');
    IN("hi!");
    CHECK_READ(100, "hi!");
    LFLAG(0, TERM_IEXTEN);
    IN("x!");
    CHECK(!ldisc_readable(&L, false));
}

static void nul_never_special(void)
{
    IN("a"); /* VEOL, VEOL2 and VSWTC are 0: disabled */
    ldisc_input(&L, (const uint8_t *)"\0", 1);
    CHECK(!ldisc_readable(&L, false));
    IN("\n");
    CHECK_SENT("a^@\r\n");
    CHECK_READ(100, "a\0\n");
}

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
    RUN(erase_echoe);
    RUN(erase_no_echoe);
    RUN(erase_tab);
    RUN(erase_tab_after_prompt);
    RUN(erase_tab_after_tab);
    RUN(erase_tab_after_ctrl);
    RUN(erase_tab_xtabs);
    RUN(erase_ctrl);
    RUN(erase_utf8);
    RUN(erase_echoprt);
    RUN(kill_echoke);
    RUN(kill_echok);
    RUN(kill_no_echo);
    RUN(werase);
    RUN(werase_needs_iexten);
    RUN(reprint);
    RUN(lnext);
    RUN(lnext_plain);
    RUN(veof_at_start);
    RUN(veof_mid_line);
    RUN(veof_partial_read);
    RUN(veol);
    RUN(veol2);
    RUN(nul_never_special);
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
    printf("# %u passed, %u failed\n", passed, nfailed);
    return nfailed ? 1 : 0;
}
