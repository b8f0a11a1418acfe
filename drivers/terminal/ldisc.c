/*
 * The line discipline (ldisc.h): Linux's n_tty, written again from its behaviour.
 *
 * The input queue is a ring of free-running counts: tail <= commit <= head and
 * head - tail <= LDISC_INPUT_MAX. [tail, commit) is readable, [commit, head) is the line
 * being edited; outside canonical mode commit == head. In canonical mode the readable
 * part always ends with a byte marked in eol[]: EOL_LINE for a line end, EOL_EOF for
 * the end-of-file mark VEOF leaves (a 0 byte, never returned by a read; Linux also
 * stores a 0 but tells it apart by its value, so a NUL byte queued in raw mode turns
 * into end of file when ICANON is set again: not here). A c_cc value of 0 disables
 * that character, so a 0 byte is never special.
 *
 * Echo is written at once (Linux buffers it, and holds it while output is stopped; we
 * have no room for that). Everything sent to the device goes through struct out, which
 * applies the output flags as Linux's do_output_char does and keeps the column.
 */
#include "ldisc.h"

#include <string.h>

#define ERR_AGAIN 11
#define ERR_INVAL 22

#define SIG_INT 2
#define SIG_QUIT 3
#define SIG_TSTP 20

#define EOL_LINE 1
#define EOL_EOF 2

#define MASK(i) ((i) & (LDISC_INPUT_MAX - 1))

_Static_assert((LDISC_INPUT_MAX & (LDISC_INPUT_MAX - 1)) == 0, "ring size: a power of two");

/* Bytes on their way to the device, sent in batches. */
struct out {
    struct ldisc *l;
    size_t n;
    uint8_t buf[256];
};

static void out_flush(struct out *o)
{
    if (o->n && o->l->ops.out)
        o->l->ops.out(o->l->ops.ctx, o->buf, o->n);
    o->n = 0;
}

/* One byte to the device as is. */
static void out_raw(struct out *o, uint8_t c)
{
    if (o->n == sizeof o->buf)
        out_flush(o);
    o->buf[o->n++] = c;
}

static bool is_cntrl(uint8_t c)
{
    return c < 0x20 || c == 0x7f;
}

/* As Linux's isalnum (its ctype table is Latin-1: letters from 0xc0 on, but for the
 * multiplication and division signs), so the lead bytes of UTF-8 letters count. */
static bool is_alnum(uint8_t c)
{
    if (c >= 0xc0)
        return c != 0xd7 && c != 0xf7;
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool iflag(const struct ldisc *l, uint32_t f)
{
    return (l->tio.c_iflag & f) != 0;
}

static bool oflag(const struct ldisc *l, uint32_t f)
{
    return (l->tio.c_oflag & f) != 0;
}

static bool lflag(const struct ldisc *l, uint32_t f)
{
    return (l->tio.c_lflag & f) != 0;
}

/* Whether c is the (enabled) control character cc[i]. */
static bool is_cc(const struct ldisc *l, int i, uint8_t c)
{
    return c != 0 && c == l->tio.c_cc[i];
}

static bool is_continuation(const struct ldisc *l, uint8_t c)
{
    return iflag(l, TERM_IUTF8) && (c & 0xc0) == 0x80;
}

/* One byte of output through the output flags (OPOST), as Linux's do_output_char. */
static void out_post(struct out *o, uint8_t c)
{
    struct ldisc *l = o->l;
    size_t spaces;

    if (!oflag(l, TERM_OPOST)) {
        out_raw(o, c);
        return;
    }
    switch (c) {
    case '\n':
        if (oflag(l, TERM_ONLRET))
            l->column = 0;
        if (oflag(l, TERM_ONLCR)) {
            l->canon_column = l->column = 0;
            out_raw(o, '\r');
            out_raw(o, '\n');
            return;
        }
        l->canon_column = l->column;
        break;
    case '\r':
        if (oflag(l, TERM_ONOCR) && l->column == 0)
            return;
        if (oflag(l, TERM_OCRNL)) {
            c = '\n';
            if (oflag(l, TERM_ONLRET))
                l->canon_column = l->column = 0;
            break;
        }
        l->canon_column = l->column = 0;
        break;
    case '\t':
        spaces = 8 - (l->column & 7);
        l->column += spaces;
        if ((l->tio.c_oflag & TERM_TABDLY) == TERM_XTABS) {
            while (spaces--)
                out_raw(o, ' ');
            return;
        }
        break;
    case '\b':
        if (l->column > 0)
            l->column--;
        break;
    default:
        if (!is_cntrl(c)) {
            if (oflag(l, TERM_OLCUC) && c >= 'a' && c <= 'z')
                c = (uint8_t)(c - 'a' + 'A');
            if (!is_continuation(l, c))
                l->column++;
        }
        break;
    }
    out_raw(o, c);
}

/* Echo of a character: control characters as ^X with ECHOCTL (but tab). */
static void echo_char(struct out *o, uint8_t c)
{
    if (lflag(o->l, TERM_ECHOCTL) && is_cntrl(c) && c != '\t') {
        out_raw(o, '^');
        out_raw(o, c ^ 0100);
        o->l->column += 2;
    } else {
        out_post(o, c);
    }
}

static void echo_erase_bs(struct out *o)
{
    out_post(o, '\b');
    out_post(o, ' ');
    out_post(o, '\b');
}

/* Ends an ECHOPRT erase ("\erased/"). */
static void finish_erasing(struct out *o)
{
    if (o->l->erasing) {
        out_post(o, '/');
        o->l->erasing = false;
    }
}

static uint8_t at(const struct ldisc *l, size_t i)
{
    return l->buf[MASK(i)];
}

static void flush_input(struct ldisc *l)
{
    l->tail = l->commit = l->head;
    l->erasing = false;
}

static void start_output(struct ldisc *l)
{
    if (!l->tco_stopped)
        l->stopped = false;
}

static void beep(struct out *o)
{
    if (iflag(o->l, TERM_IMAXBEL))
        out_post(o, '\a');
}

/* Whether one more byte fits: in canonical mode the last place is kept for the end of
 * the line being edited. */
static bool has_room(const struct ldisc *l, bool line_end)
{
    size_t used = l->head - l->tail;
    if (line_end || !lflag(l, TERM_ICANON))
        return used < LDISC_INPUT_MAX;
    return used < LDISC_INPUT_MAX - 1;
}

/* Queues c; mark is 0, EOL_LINE or EOL_EOF. */
static void queue(struct ldisc *l, uint8_t c, uint8_t mark)
{
    l->buf[MASK(l->head)] = c;
    l->eol[MASK(l->head)] = mark;
    l->head++;
    if (mark || !lflag(l, TERM_ICANON))
        l->commit = l->head;
}

/* Whether Linux's n_tty would take c through its special path (its char_map). */
static bool is_special(const struct ldisc *l, uint8_t c)
{
    if (c == 0)
        return false;
    if (c == '\r' && iflag(l, TERM_IGNCR | TERM_ICRNL))
        return true;
    if (c == '\n' && iflag(l, TERM_INLCR))
        return true;
    if (lflag(l, TERM_ICANON)) {
        if (c == '\n' || is_cc(l, TERM_VERASE, c) || is_cc(l, TERM_VKILL, c) ||
            is_cc(l, TERM_VEOF, c) || is_cc(l, TERM_VEOL, c))
            return true;
        if (lflag(l, TERM_IEXTEN) &&
            (is_cc(l, TERM_VWERASE, c) || is_cc(l, TERM_VLNEXT, c) || is_cc(l, TERM_VEOL2, c) ||
             (lflag(l, TERM_ECHO) && is_cc(l, TERM_VREPRINT, c))))
            return true;
    }
    if (iflag(l, TERM_IXON) && (is_cc(l, TERM_VSTART, c) || is_cc(l, TERM_VSTOP, c)))
        return true;
    if (lflag(l, TERM_ISIG) &&
        (is_cc(l, TERM_VINTR, c) || is_cc(l, TERM_VQUIT, c) || is_cc(l, TERM_VSUSP, c)))
        return true;
    return false;
}

/* An ordinary character: echoed and queued (Linux's n_tty_receive_char). */
static void receive_ordinary(struct ldisc *l, struct out *o, uint8_t c)
{
    if (l->stopped && !l->tco_stopped && iflag(l, TERM_IXON) && iflag(l, TERM_IXANY))
        start_output(l);
    if (!has_room(l, false)) {
        beep(o);
        return;
    }
    if (lflag(l, TERM_ECHO)) {
        finish_erasing(o);
        if (l->commit == l->head)
            l->canon_column = l->column;
        echo_char(o, c);
    }
    queue(l, c, 0);
}

/* Columns back to erase a tab at the end of the line being edited. */
static void erase_tab(struct ldisc *l, struct out *o)
{
    size_t cols = 0, t = l->head, n;
    bool after_tab = false;

    while (t != l->commit) {
        uint8_t c = at(l, --t);
        if (c == '\t') {
            after_tab = true;
            break;
        }
        if (is_cntrl(c)) {
            if (lflag(l, TERM_ECHOCTL))
                cols += 2;
        } else if (!is_continuation(l, c)) {
            cols++;
        }
    }
    if (!after_tab)
        cols += l->canon_column;
    for (n = 8 - (cols & 7); n; n--) {
        out_raw(o, '\b');
        if (l->column > 0)
            l->column--;
    }
}

enum erase_kind { ERASE_CHAR, ERASE_WORD, ERASE_LINE };

/* VERASE, VWERASE, VKILL on the line being edited (Linux's eraser). */
static void eraser(struct ldisc *l, struct out *o, uint8_t c)
{
    enum erase_kind kind;
    unsigned seen_alnums = 0;
    bool echo = lflag(l, TERM_ECHO);

    if (l->head == l->commit)
        return;
    if (is_cc(l, TERM_VERASE, c)) {
        kind = ERASE_CHAR;
    } else if (is_cc(l, TERM_VWERASE, c)) {
        kind = ERASE_WORD;
    } else {
        if (!echo) {
            l->head = l->commit;
            return;
        }
        if (!lflag(l, TERM_ECHOK) || !lflag(l, TERM_ECHOKE) || !lflag(l, TERM_ECHOE)) {
            l->head = l->commit;
            finish_erasing(o);
            echo_char(o, l->tio.c_cc[TERM_VKILL]);
            if (lflag(l, TERM_ECHOK))
                out_post(o, '\n');
            return;
        }
        kind = ERASE_LINE;
    }

    while (l->head != l->commit) {
        size_t h = l->head, cnt;
        uint8_t ch;

        do /* one character, of several bytes with IUTF8 */
            ch = at(l, --h);
        while (is_continuation(l, ch) && h != l->commit);
        if (is_continuation(l, ch))
            break;
        if (kind == ERASE_WORD) {
            if (is_alnum(ch) || ch == '_')
                seen_alnums++;
            else if (seen_alnums)
                break;
        }
        cnt = l->head - h;
        l->head = h;
        if (echo) {
            if (lflag(l, TERM_ECHOPRT)) {
                if (!l->erasing) {
                    out_post(o, '\\');
                    l->erasing = true;
                }
                echo_char(o, ch);
                while (--cnt > 0) {
                    out_post(o, at(l, ++h));
                    if (l->column > 0)
                        l->column--;
                }
            } else if (kind == ERASE_CHAR && !lflag(l, TERM_ECHOE)) {
                echo_char(o, l->tio.c_cc[TERM_VERASE]);
            } else if (ch == '\t') {
                erase_tab(l, o);
            } else {
                if (is_cntrl(ch) && lflag(l, TERM_ECHOCTL))
                    echo_erase_bs(o);
                if (!is_cntrl(ch) || lflag(l, TERM_ECHOCTL))
                    echo_erase_bs(o);
            }
        }
        if (kind == ERASE_CHAR)
            break;
    }
    if (l->head == l->commit && echo)
        finish_erasing(o);
}

static void signal_char(struct ldisc *l, struct out *o, int sig, uint8_t c)
{
    if (!lflag(l, TERM_NOFLSH))
        flush_input(l);
    out_flush(o);
    if (l->ops.signal)
        l->ops.signal(l->ops.ctx, sig);
    if (iflag(l, TERM_IXON))
        start_output(l);
    if (lflag(l, TERM_ECHO))
        echo_char(o, c);
}

/* A line end in canonical mode: '\n', VEOL, VEOL2, or VEOF (queued as a 0 byte). */
static void receive_line_end(struct ldisc *l, struct out *o, uint8_t c, bool eof)
{
    if (!has_room(l, true)) {
        beep(o);
        return;
    }
    if (c == '\n') {
        if (lflag(l, TERM_ECHO | TERM_ECHONL))
            out_post(o, '\n');
    } else if (!eof && lflag(l, TERM_ECHO)) {
        if (l->commit == l->head)
            l->canon_column = l->column;
        echo_char(o, c);
    }
    if (eof)
        queue(l, 0, EOL_EOF);
    else
        queue(l, c, EOL_LINE);
}

/* A character of the special set (Linux's n_tty_receive_char_special). */
static void receive_special(struct ldisc *l, struct out *o, uint8_t c)
{
    if (iflag(l, TERM_IXON)) {
        if (is_cc(l, TERM_VSTART, c)) {
            start_output(l);
            return;
        }
        if (is_cc(l, TERM_VSTOP, c)) {
            l->stopped = true;
            return;
        }
    }
    if (lflag(l, TERM_ISIG)) {
        if (is_cc(l, TERM_VINTR, c)) {
            signal_char(l, o, SIG_INT, c);
            return;
        }
        if (is_cc(l, TERM_VQUIT, c)) {
            signal_char(l, o, SIG_QUIT, c);
            return;
        }
        if (is_cc(l, TERM_VSUSP, c)) {
            signal_char(l, o, SIG_TSTP, c);
            return;
        }
    }
    if (l->stopped && iflag(l, TERM_IXON) && iflag(l, TERM_IXANY))
        start_output(l);
    if (c == '\r') {
        if (iflag(l, TERM_IGNCR))
            return;
        if (iflag(l, TERM_ICRNL))
            c = '\n';
    } else if (c == '\n' && iflag(l, TERM_INLCR)) {
        c = '\r';
    }

    if (lflag(l, TERM_ICANON)) {
        bool iexten = lflag(l, TERM_IEXTEN);
        if (is_cc(l, TERM_VERASE, c) || is_cc(l, TERM_VKILL, c) ||
            (iexten && is_cc(l, TERM_VWERASE, c))) {
            eraser(l, o, c);
            return;
        }
        if (iexten && is_cc(l, TERM_VLNEXT, c)) {
            l->lnext = true;
            if (lflag(l, TERM_ECHO)) {
                finish_erasing(o);
                if (lflag(l, TERM_ECHOCTL)) {
                    out_post(o, '^');
                    out_post(o, '\b');
                }
            }
            return;
        }
        if (iexten && lflag(l, TERM_ECHO) && is_cc(l, TERM_VREPRINT, c)) {
            size_t t;
            finish_erasing(o);
            echo_char(o, c);
            out_post(o, '\n');
            for (t = l->commit; t != l->head; t++)
                echo_char(o, at(l, t));
            return;
        }
        if (c == '\n' || is_cc(l, TERM_VEOL, c) || (iexten && is_cc(l, TERM_VEOL2, c))) {
            receive_line_end(l, o, c, false);
            return;
        }
        if (is_cc(l, TERM_VEOF, c)) {
            receive_line_end(l, o, c, true);
            return;
        }
    }

    if (!has_room(l, false)) {
        beep(o);
        return;
    }
    if (lflag(l, TERM_ECHO)) {
        finish_erasing(o);
        if (c == '\n') {
            out_post(o, '\n');
        } else {
            if (l->commit == l->head)
                l->canon_column = l->column;
            echo_char(o, c);
        }
    }
    queue(l, c, 0);
}

void ldisc_init(struct ldisc *l, const struct ldisc_ops *ops)
{
    static const uint8_t cc[TERM_NCCS] = {
        [TERM_VINTR] = 0x03,    [TERM_VQUIT] = 0x1c,    [TERM_VERASE] = 0x7f,  [TERM_VKILL] = 0x15,
        [TERM_VEOF] = 0x04,     [TERM_VTIME] = 0,       [TERM_VMIN] = 1,       [TERM_VSWTC] = 0,
        [TERM_VSTART] = 0x11,   [TERM_VSTOP] = 0x13,    [TERM_VSUSP] = 0x1a,   [TERM_VEOL] = 0,
        [TERM_VREPRINT] = 0x12, [TERM_VDISCARD] = 0x0f, [TERM_VWERASE] = 0x17, [TERM_VLNEXT] = 0x16,
        [TERM_VEOL2] = 0,
    };

    memset(l, 0, sizeof *l);
    if (ops)
        l->ops = *ops;
    l->tio.c_iflag = TERM_ICRNL | TERM_IXON | TERM_IUTF8;
    l->tio.c_oflag = TERM_OPOST | TERM_ONLCR;
    l->tio.c_cflag = TERM_B38400 | TERM_CS8 | TERM_CREAD | TERM_HUPCL;
    l->tio.c_lflag = TERM_ISIG | TERM_ICANON | TERM_ECHO | TERM_ECHOE | TERM_ECHOK | TERM_ECHOCTL |
                     TERM_ECHOKE | TERM_IEXTEN;
    memcpy(l->tio.c_cc, cc, sizeof cc);
    l->ws.ws_row = 24;
    l->ws.ws_col = 80;
}

void ldisc_input(struct ldisc *l, const uint8_t *buf, size_t n)
{
    struct out o;
    size_t i;

    o.l = l;
    o.n = 0;
    for (i = 0; i < n; i++) {
        uint8_t c = buf[i];
        bool literal = l->lnext;

        l->lnext = false;
        if (iflag(l, TERM_ISTRIP))
            c &= 0x7f;
        if (iflag(l, TERM_IUCLC) && lflag(l, TERM_IEXTEN) && c >= 'A' && c <= 'Z')
            c = (uint8_t)(c - 'A' + 'a');
        if (!literal && is_special(l, c))
            receive_special(l, &o, c);
        else
            receive_ordinary(l, &o, c);
    }
    out_flush(&o);
}

bool ldisc_readable(const struct ldisc *l, bool for_poll)
{
    size_t want = 1;

    if (lflag(l, TERM_ICANON))
        return l->commit != l->tail;
    if (for_poll && l->tio.c_cc[TERM_VTIME] == 0 && l->tio.c_cc[TERM_VMIN] > 0)
        want = l->tio.c_cc[TERM_VMIN];
    return l->commit - l->tail >= want;
}

size_t ldisc_nread(const struct ldisc *l)
{
    size_t n = l->commit - l->tail, t;

    if (lflag(l, TERM_ICANON))
        for (t = l->tail; t != l->commit; t++)
            if (l->eol[MASK(t)] == EOL_EOF)
                n--;
    return n;
}

/* Copies [tail, tail + n) out of the ring and consumes it. */
static void take(struct ldisc *l, uint8_t *buf, size_t n)
{
    size_t first = LDISC_INPUT_MAX - MASK(l->tail);

    if (first > n)
        first = n;
    memcpy(buf, &l->buf[MASK(l->tail)], first);
    memcpy(buf + first, l->buf, n - first);
    l->tail += n;
}

static bool is_eof_mark(const struct ldisc *l, size_t i)
{
    return l->eol[MASK(i)] == EOL_EOF;
}

long ldisc_read(struct ldisc *l, uint8_t *buf, size_t n)
{
    size_t avail, i;

    if (!ldisc_readable(l, false))
        return -ERR_AGAIN;
    if (n == 0)
        return 0;
    avail = l->commit - l->tail;
    if (n > avail)
        n = avail;
    if (!lflag(l, TERM_ICANON)) {
        take(l, buf, n);
        return (long)n;
    }
    for (i = 0; i < n; i++) {
        size_t t = l->tail + i;
        if (!l->eol[MASK(t)])
            continue;
        /* the line ends at t: with it, unless it is an end-of-file mark */
        if (is_eof_mark(l, t)) {
            take(l, buf, i);
            l->tail++;
            return (long)i;
        }
        take(l, buf, i + 1);
        return (long)(i + 1);
    }
    /* the buffer is full before the line's end; an end-of-file mark right after the
       data is eaten, as Linux does (canon_skip_eof) */
    take(l, buf, n);
    if (l->tail != l->commit && is_eof_mark(l, l->tail))
        l->tail++;
    return (long)n;
}

size_t ldisc_write(struct ldisc *l, const uint8_t *buf, size_t n)
{
    struct out o;
    size_t i;

    if (l->stopped || n == 0)
        return 0;
    if (!oflag(l, TERM_OPOST)) {
        if (l->ops.out)
            l->ops.out(l->ops.ctx, buf, n);
        return n;
    }
    o.l = l;
    o.n = 0;
    for (i = 0; i < n; i++)
        out_post(&o, buf[i]);
    out_flush(&o);
    return n;
}

bool ldisc_stopped(const struct ldisc *l)
{
    return l->stopped;
}

void ldisc_get(const struct ldisc *l, struct term_termios *t)
{
    *t = l->tio;
}

int ldisc_set(struct ldisc *l, const struct term_termios *t, int when)
{
    uint32_t old_lflag = l->tio.c_lflag, old_iflag = l->tio.c_iflag;
    size_t i;

    if (when == TERM_SET_FLUSH)
        flush_input(l);
    l->tio = *t;
    if ((old_lflag ^ t->c_lflag) & TERM_ICANON) {
        /* Linux forgets the line ends (end-of-file marks become 0 bytes); entering
           canonical mode, everything queued becomes one line */
        for (i = l->tail; i != l->head; i++)
            l->eol[MASK(i)] = 0;
        if (lflag(l, TERM_ICANON) && l->head != l->tail)
            l->eol[MASK(l->head - 1)] = EOL_LINE;
        l->commit = l->head;
        l->erasing = false;
        l->lnext = false;
    }
    if (!iflag(l, TERM_IXON) && (old_iflag & TERM_IXON))
        start_output(l);
    return 0;
}

int ldisc_flush(struct ldisc *l, int queue_sel)
{
    switch (queue_sel) {
    case 0:
    case 2:
        flush_input(l);
        return 0;
    case 1:
        return 0;
    default:
        return -ERR_INVAL;
    }
}

int ldisc_flow(struct ldisc *l, int action)
{
    uint8_t c;

    switch (action) {
    case 0:
        l->tco_stopped = true;
        l->stopped = true;
        return 0;
    case 1:
        if (l->tco_stopped) {
            l->tco_stopped = false;
            l->stopped = false;
        }
        return 0;
    case 2:
    case 3:
        c = l->tio.c_cc[action == 2 ? TERM_VSTOP : TERM_VSTART];
        if (c && l->ops.out)
            l->ops.out(l->ops.ctx, &c, 1);
        return 0;
    default:
        return -ERR_INVAL;
    }
}

bool ldisc_set_winsize(struct ldisc *l, const struct term_winsize *ws)
{
    bool changed = l->ws.ws_row != ws->ws_row || l->ws.ws_col != ws->ws_col ||
                   l->ws.ws_xpixel != ws->ws_xpixel || l->ws.ws_ypixel != ws->ws_ypixel;
    l->ws = *ws;
    return changed;
}
