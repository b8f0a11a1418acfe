/*
 * Host tests of the line discipline (ldisc.h), part of ldisc_test: editing a line
 * (erase, kill, word erase, reprint, literal next) and ending one (end of file, EOL,
 * EOL2). The bytes expected are Linux's n_tty's.
 */
#include "ldisc_test.h"

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

void ldisc_edit_cases(void)
{
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
}
