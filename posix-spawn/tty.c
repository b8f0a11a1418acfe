/*
 * Terminals, the launcher's half (docs/terminal.md): opening each label's Terminal
 * session once for the sandbox, the controlling terminal of a session, its foreground
 * group, job-control answers (RT_LABEL_TTY), and the event thread that hands the signals
 * the line discipline raises to the main loop.
 */
#include "launcher.h"
#include <vfs/linux.h>

struct tty ttys[MAX_TTYS];
static uint64_t tty_event_notif;

static void tty_publish(struct tty *t)
{
    __atomic_store_n(&t->sh->sid, t->sid, __ATOMIC_RELEASE);
    __atomic_store_n(&t->sh->fg_pgrp, t->fg, __ATOMIC_RELEASE);
}

static uint8_t event_stack[8192] __attribute__((aligned(16)));

static uint8_t event_ipcbuf[CX_PAGE_SIZE] __attribute__((aligned(CX_PAGE_SIZE)));

static uint64_t event_ep;

/* The event thread: a terminal raised a signal; the main loop sends it. */
static void event_main(void)
{
    for (;;) {
        uint64_t bits;
        if (cx_notif_wait(tty_event_notif, CX_TIMEOUT_NONE, &bits) == 0)
            cx_raw_ipc_call(event_ep, CX_TAG(RT_LABEL_TTY, 0, 0), 0, 0, 0, 0);
    }
}

static long start_event_thread(void)
{
    tty_event_notif = cx_slot_alloc(), event_ep = cx_slot_alloc();
    long err = cx_notif_create(quota, tty_event_notif);
    if (!err)
        err = cx_cap_copy(ep, CX_SLOT_SELF_PD, event_ep, CX_R_WRITE, TTY_EVENT_BADGE);
    if (!err)
        err = cx_thread_start(quota, cx_slot_alloc(), event_main, event_stack, sizeof(event_stack),
                              event_ipcbuf, 100);
    return err;
}

/* The signals the terminals raised go to their foreground groups. */
void tty_events(void)
{
    for (unsigned i = 0; i < MAX_TTYS; i++) {
        struct tty *t = &ttys[i];
        if (!t->id)
            continue;
        uint64_t bits = __atomic_exchange_n(&t->sh->sig_pending, 0, __ATOMIC_ACQ_REL);
        while (bits) {
            int sig = __builtin_ctzl(bits) + 1;
            bits &= bits - 1;
            if (t->sid)
                signal_group(t->fg, sig);
        }
    }
}

static struct tty *tty_of(uint64_t id)
{
    for (unsigned i = 0; i < MAX_TTYS; i++)
        if (ttys[i].id && ttys[i].id == id)
            return &ttys[i];
    return NULL;
}

/*
 * RT_LABEL_TERMINAL: the terminal of a label for pr (IPC buffer words 4..15 the label,
 * 16..18 pr's slots for the endpoint, memory and input notification). Opens the session
 * at the first request; returns the terminal's id or -errno.
 */
long terminal_open(struct proc *pr)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    enum { SW = CX_SESSION_SERVICE_WORDS, W = SW + CX_SESSION_LABEL_WORDS };
    uint64_t words[W];
    memset(words, 0, sizeof(words));
    memcpy(words, TERM_SERVICE, sizeof(TERM_SERVICE));
    memcpy(words + SW, b->words + SW, CX_SESSION_LABEL_WORDS * 8);
    char *label = (char *)(words + SW);
    label[CX_SESSION_LABEL_WORDS * 8 - 1] = 0;
    uint64_t slots[3] = {b->words[W], b->words[W + 1], b->words[W + 2]};
    for (int k = 0; k < 3; k++)
        if (slots[k] < CX_SLOT_FIRST_FREE || slots[k] >= PROC_SLOTS ||
            slots[k] == slots[(k + 1) % 3])
            return -EINVAL;
    if (!label_allowed(pr, programs_label_index(label), "Terminal", label))
        return -EPERM;
    struct tty *t = NULL;
    for (unsigned i = 0; i < MAX_TTYS && !t; i++)
        if (ttys[i].id && !strcmp(ttys[i].label, label))
            t = &ttys[i];
    if (!t) {
        unsigned i = 0;
        while (i < MAX_TTYS && ttys[i].id)
            i++;
        uint64_t id = 1;
        while (id < MAX_SHARED && shared[id].used)
            id++;
        if (i == MAX_TTYS || id == MAX_SHARED)
            return -EMFILE;
        if (!tty_event_notif && start_event_thread()) {
            cx_printf("posix-spawn: cannot start the terminal event thread\n");
            return -ENOMEM;
        }
        struct shared *sh = &shared[id];
        long r = request_session(words, TERM_DONATION, sh);
        if (r < 0)
            return r;
        sh->pinned = true;
        sh->label = programs_label_index(label);
        sh->notif2 = cx_slot_alloc();
        uint64_t ev = cx_slot_alloc();
        t = &ttys[i];
        t->sh = (struct term_shared *)(TTY_VA + i * CX_PAGE_SIZE);
        /* the server signals: input (our copy keeps wait rights for the processes) */
        long err = cx_notif_create(quota, sh->notif2);
        if (!err)
            err = cx_cap_copy(tty_event_notif, CX_SLOT_SELF_PD, ev, CX_R_WRITE, 0);
        if (!err)
            err = cx_map(CX_SLOT_SELF_PD, sh->mem, 0, (uint64_t)t->sh, 1, CX_MAP_R | CX_MAP_W);
        if (!err) {
            b->send_caps[0] = sh->notif2;
            b->send_caps[1] = ev;
            struct cx_msg m = {.tag = CX_TAG(TERM_LABEL_REQUEST, 3, 2)};
            m.w[0] = TERM_OP_BIND;
            m.w[1] = m.w[2] = 0;
            err = cx_call(sh->notif, &m); /* bounded: LAUNCHER_CALL_TIMEOUT_NS */
            if (!err && m.w[0])
                err = CX_E_INVALID_ARG;
        }
        cx_cap_delete(ev), cx_slot_free(ev);
        if (err == CX_E_TIMEOUT) {
            cx_printf("posix-spawn: terminal '%s': the Terminal server did not answer within "
                      "%lu s: EIO\n",
                      label, LAUNCHER_CALL_TIMEOUT_NS / 1000000000ul);
        } else if (err) {
            cx_printf("posix-spawn: terminal '%s': cannot set up the session: %s\n", label,
                      cx_strerror(err));
        }
        if (err) {
            cx_unmap(CX_SLOT_SELF_PD, (uint64_t)t->sh, 1);
            shared_free(sh);
            memset(t, 0, sizeof(*t));
            return -EIO;
        }
        t->id = id;
        memcpy(t->label, label, sizeof(t->label));
        tty_publish(t);
    }
    struct shared *sh = &shared[t->id];
    if (!holds(sh, pr)) {
        if (sh->slot_mem &&
            (sh->slot_notif != slots[0] || sh->slot_mem != slots[1] || sh->slot_notif2 != slots[2]))
            return -EBUSY; /* every holder has it at the same slots (for fork) */
        sh->slot_notif = slots[0], sh->slot_mem = slots[1], sh->slot_notif2 = slots[2];
        const uint64_t src[3] = {sh->notif, sh->mem, sh->notif2};
        const uint8_t rights[3] = {CX_R_WRITE, CX_R_READ | CX_R_WRITE, CX_R_READ};
        for (unsigned k = 0; k < 3; k++)
            if (cx_cap_copy(src[k], pr->pd, slots[k], rights[k], 0)) {
                while (k--) /* pr holds none of it: the copies made go again */
                    cx_cap_delete_in(pr->pd, slots[k]);
                if (!shared_held(sh)) /* nobody fixed the slots yet */
                    sh->slot_notif = sh->slot_mem = sh->slot_notif2 = 0;
                return -EINVAL;
            }
        unsigned i = (unsigned)(pr - procs);
        sh->holders[i / 64] |= 1ul << (i % 64);
    }
    return (long)t->id;
}

/* Whether t is pr's controlling terminal. */
bool is_ctty(const struct tty *t, const struct proc *pr)
{
    return t->sid && t->sid == pr->sid && !pr->no_ctty;
}

/* RT_LABEL_TTY: the controlling-terminal calls (TERM_CTL_*). */
long tty_ctl(struct proc *pr, uint64_t op, uint64_t id, long arg)
{
    struct tty *t = tty_of(id);
    if (!t || !holds(&shared[t->id], pr))
        return -ENOTTY;
    bool leader = pr->pid == pr->sid;
    switch (op) {
    case TERM_CTL_OPEN:
    case TERM_CTL_SCTTY:
        if (is_ctty(t, pr))
            return 0;
        for (unsigned i = 0; i < MAX_TTYS; i++)
            if (ttys[i].id && ttys[i].sid == pr->sid && leader)
                return op == TERM_CTL_OPEN ? 0 : -EPERM; /* it has one */
        if (!leader || (t->sid && (op == TERM_CTL_OPEN || arg != 1)))
            return op == TERM_CTL_OPEN ? 0 : -EPERM;
        if (op == TERM_CTL_OPEN && arg) /* O_NOCTTY */
            return 0;
        if (t->sid) /* stolen (TIOCSCTTY with 1) */
            for (int i = 0; i < MAX_PROCS; i++)
                if (procs[i].sid == t->sid)
                    procs[i].no_ctty = true;
        t->sid = pr->sid, t->fg = pr->pgid;
        pr->no_ctty = false;
        tty_publish(t);
        return 0;
    case TERM_CTL_NOTTY:
        if (!is_ctty(t, pr))
            return -ENOTTY;
        if (leader) { /* the session loses it: its foreground hears of it */
            signal_group(t->fg, SIGHUP);
            signal_group(t->fg, SIGCONT);
            t->sid = t->fg = 0;
            tty_publish(t);
        } else {
            pr->no_ctty = true;
        }
        return 0;
    case TERM_CTL_GPGRP:
    case TERM_CTL_GSID:
        if (!is_ctty(t, pr))
            return -ENOTTY;
        return op == TERM_CTL_GPGRP ? t->fg : t->sid;
    case TERM_CTL_SPGRP: {
        if (!is_ctty(t, pr))
            return -ENOTTY;
        bool exists = false, same = false;
        for (int i = 0; i < MAX_PROCS; i++)
            if (procs[i].state == P_RUNNING && procs[i].pgid == arg) {
                exists = true;
                same |= procs[i].sid == pr->sid;
            }
        if (!exists)
            return -ESRCH;
        if (!same)
            return -EPERM;
        t->fg = (int)arg;
        tty_publish(t);
        return 0;
    }
    case TERM_CTL_JOB:
        if (!is_ctty(t, pr) || !t->fg || pr->pgid == t->fg)
            return 0;
        /* a background group: the runtime sends SIGTTIN or SIGTTOU, unless it ignores
           or blocks them; an orphaned group gets EIO instead of stopping for ever */
        return orphaned(pr->pgid, pr->sid) ? 2 : 1;
    default:
        return -EINVAL;
    }
}

/* A session leader that ends takes its terminal with it: SIGHUP to the foreground. */
void tty_leader_exit(struct proc *pr)
{
    if (pr->pid != pr->sid)
        return;
    for (unsigned i = 0; i < MAX_TTYS; i++) {
        struct tty *t = &ttys[i];
        if (t->id && t->sid == pr->sid) {
            signal_group(t->fg, SIGHUP);
            signal_group(t->fg, SIGCONT);
            t->sid = t->fg = 0;
            tty_publish(t);
        }
    }
}
