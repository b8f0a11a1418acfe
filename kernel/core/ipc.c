/*
 * Endpoints (synchronous call / reply-and-wait), notifications (a word of bits with
 * signal, wait and poll), and fault delivery.
 *
 * A call blocks the caller until a receiver takes the message and replies. A receiver
 * answers through its `caller` link (one outstanding call per receiving thread). A
 * fault is a call the kernel makes for the faulting thread: the message is
 * fault_msg, and the reply resumes the thread (label CX_FAULT_RESUME) or leaves it
 * stopped. Destroying an endpoint fails every waiting caller with CX_E_DEAD.
 */
#include "kernel.h"

static void q_push(struct thread **head, struct thread **tail, struct thread *t)
{
    t->qnext = NULL;
    t->qprev = *tail;
    if (*tail)
        (*tail)->qnext = t;
    else
        *head = t;
    *tail = t;
}

static void q_remove(struct thread **head, struct thread **tail, struct thread *t)
{
    if (t->qprev)
        t->qprev->qnext = t->qnext;
    else
        *head = t->qnext;
    if (t->qnext)
        t->qnext->qprev = t->qprev;
    else
        *tail = t->qprev;
    t->qnext = t->qprev = NULL;
}

static int ipcbuf_read(struct thread *t, size_t off, void *dst, size_t len)
{
    if (!t->ipcbuf)
        return CX_E_BAD_ADDRESS;
    return uaccess_copy_in(t->pd, dst, t->ipcbuf + off, len);
}

static int ipcbuf_write(struct thread *t, size_t off, const void *src, size_t len)
{
    if (!t->ipcbuf)
        return CX_E_BAD_ADDRESS;
    return uaccess_copy_out(t->pd, t->ipcbuf + off, src, len);
}

/* Copy a message (tag, words, capabilities) from one thread to another. */
static void transfer(struct thread *from, struct thread *to, uint64_t tag, uint64_t badge,
                     bool grant)
{
    unsigned words = CX_TAG_WORDS(tag);
    unsigned ncaps = grant ? CX_TAG_CAPS(tag) : 0;
    uint64_t w[4];
    if (words > CX_MSG_WORDS)
        words = CX_MSG_WORDS;
    if (from->faulting) {
        memcpy(w, from->fault_msg, sizeof(w));
    } else {
        w[0] = from->frame.rdx, w[1] = from->frame.r10;
        w[2] = from->frame.r8, w[3] = from->frame.r9;
    }
    to->frame.rdx = w[0], to->frame.r10 = w[1];
    to->frame.r8 = w[2], to->frame.r9 = w[3];
    if (words > 4) {
        uint64_t buf[CX_MSG_WORDS];
        size_t n = (words - 4) * sizeof(uint64_t);
        const void *src = buf;
        if (from->faulting) {
            memset(buf, 0, sizeof(buf));
            memcpy(buf, &from->fault_msg[4], sizeof(uint64_t) * (CX_FW_COUNT - 4));
        } else if (ipcbuf_read(from, offsetof(struct cx_ipcbuf, words[4]), buf, n)) {
            words = 4;
        }
        if (words > 4 && ipcbuf_write(to, offsetof(struct cx_ipcbuf, words[4]), src, n))
            words = 4;
    }
    unsigned done = 0;
    if (ncaps) {
        uint64_t send[CX_MSG_CAPS], recv[CX_MSG_CAPS], badges[CX_MSG_CAPS] = {0};
        if (!ipcbuf_read(from, offsetof(struct cx_ipcbuf, send_caps), send, sizeof(send)) &&
            !ipcbuf_read(to, offsetof(struct cx_ipcbuf, recv_slots), recv, sizeof(recv))) {
            for (; done < ncaps; done++) {
                int err;
                struct cap *s = cap_get(from->pd, send[done], CX_T_NONE, 0, &err);
                struct cap *d = s ? cap_empty_slot(to->pd, recv[done], &err) : NULL;
                if (!d || cap_derive(s, d, CX_R_ALL, 0))
                    break;
                badges[done] = d->badge;
            }
            ipcbuf_write(to, offsetof(struct cx_ipcbuf, recv_badges), badges, sizeof(badges));
        }
    }
    to->frame.rsi = CX_TAG(CX_TAG_LABEL(tag), words, done);
    to->frame.rdi = badge;
}

static uint64_t pending_tag(struct thread *s)
{
    return s->faulting ? CX_TAG(CX_LABEL_FAULT, CX_FW_COUNT, 0) : s->frame.rsi;
}

/* A sender meets a receiver: the sender now waits for the reply. */
static void rendezvous(struct thread *s, struct thread *r)
{
    transfer(s, r, pending_tag(s), s->send_badge, s->send_grant);
    r->caller = s;
    s->callee = r;
    s->state = TS_BLOCKED;
    s->wait = W_REPLY;
    s->waiting_on = r;
}

/* The calling thread t sends on ep; returns with t blocked either way. A timeout covers
 * the wait in the queue and the wait for the reply (the deadline stays through the
 * rendezvous); when it passes, ipc_cancel takes t out of either. */
static void ep_send(struct ep *ep, struct thread *t, uint64_t badge, bool grant,
                    uint64_t timeout_ns)
{
    t->send_badge = badge;
    t->send_grant = grant;
    if (ep->recv_head) {
        struct thread *r = ep->recv_head;
        q_remove(&ep->recv_head, &ep->recv_tail, r);
        timeout_remove(r);
        thread_block(t, W_SEND, ep, timeout_ns);
        rendezvous(t, r);
        r->frame.rax = 0;
        r->state = TS_BLOCKED;
        thread_set_ready(r);
    } else {
        thread_block(t, W_SEND, ep, timeout_ns);
        q_push(&ep->send_head, &ep->send_tail, t);
    }
}

long ipc_do_call(struct thread *t, struct cap *c)
{
    ep_send((struct ep *)c->obj, t, c->badge, c->rights & CX_R_GRANT, t->call_timeout);
    return 1; /* blocked: rax comes with the reply */
}

static void drop_caller(struct thread *t)
{
    struct thread *c = t->caller;
    if (!c)
        return;
    t->caller = NULL;
    c->callee = NULL;
    if (c->faulting) {
        c->faulting = false;
        c->wait = W_NONE;
        c->state = TS_INACTIVE;
    } else {
        thread_unblock(c, CX_E_DEAD);
    }
}

/* Reply from t to its caller with tag and the words in t's registers. */
static void do_reply(struct thread *t, uint64_t tag)
{
    struct thread *c = t->caller;
    if (!c)
        return;
    t->caller = NULL;
    c->callee = NULL;
    if (c->faulting) {
        c->faulting = false;
        c->wait = W_NONE;
        if (CX_TAG_LABEL(tag) == CX_FAULT_RESUME) {
            c->state = TS_BLOCKED;
            timeout_remove(c);
            thread_set_ready(c);
        } else {
            c->state = TS_INACTIVE;
        }
        return;
    }
    bool saved_fault = t->faulting;
    t->faulting = false;
    transfer(t, c, tag, 0, true);
    t->faulting = saved_fault;
    thread_unblock(c, 0);
}

long ipc_do_recv(struct thread *t, struct cap *c, uint64_t timeout_ns, bool reply, uint64_t tag)
{
    struct ep *ep = (struct ep *)c->obj;
    if (reply)
        do_reply(t, tag);
    else
        drop_caller(t);
    if (ep->send_head) {
        struct thread *s = ep->send_head;
        q_remove(&ep->send_head, &ep->send_tail, s);
        rendezvous(s, t);
        return 0;
    }
    if (timeout_ns == 0)
        return CX_E_WOULD_BLOCK;
    thread_block(t, W_RECV, ep, timeout_ns);
    q_push(&ep->recv_head, &ep->recv_tail, t);
    return 1;
}

void ipc_cancel(struct thread *t)
{
    switch (t->wait) {
    case W_SEND: {
        struct ep *ep = t->waiting_on;
        q_remove(&ep->send_head, &ep->send_tail, t);
        break;
    }
    case W_RECV: {
        struct ep *ep = t->waiting_on;
        q_remove(&ep->recv_head, &ep->recv_tail, t);
        break;
    }
    case W_REPLY:
        if (t->callee) {
            t->callee->caller = NULL;
            t->callee = NULL;
        }
        break;
    case W_NOTIF: {
        struct notif *n = t->waiting_on;
        q_remove(&n->wait_head, &n->wait_tail, t);
        break;
    }
    case W_FUTEX:
        futex_cancel(t);
        break;
    default:
        break;
    }
    t->faulting = false;
}

void ep_teardown(struct ep *ep)
{
    while (ep->send_head) {
        struct thread *s = ep->send_head;
        q_remove(&ep->send_head, &ep->send_tail, s);
        if (s->faulting) {
            s->faulting = false;
            s->wait = W_NONE;
            s->state = TS_INACTIVE;
            if (!s->fault_logged)
                kprintf("[kernel] thread %lu: fault handler endpoint destroyed, thread stays "
                        "stopped (logged once per thread)\n",
                        s->id);
            s->fault_logged = true;
        } else {
            thread_unblock(s, CX_E_DEAD);
        }
    }
    while (ep->recv_head) {
        struct thread *r = ep->recv_head;
        q_remove(&ep->recv_head, &ep->recv_tail, r);
        thread_unblock(r, CX_E_DEAD);
    }
}

void fault_deliver(struct thread *t, uint64_t vector, uint64_t error, uint64_t addr)
{
    syscall_finish_now(t); /* faulted on its way back to its `syscall`: the call is done */
    t->fault_msg[CX_FW_VECTOR] = vector;
    t->fault_msg[CX_FW_ERROR] = error;
    t->fault_msg[CX_FW_ADDR] = addr;
    t->fault_msg[CX_FW_RIP] = t->frame.rip;
    t->fault_msg[CX_FW_RSP] = t->frame.rsp;
    if (!t->fault_ep || t->fault_ep->obj.dead) {
        /* once per thread: resuming it again and again must not flood the log */
        if (!t->fault_logged)
            kprintf("[kernel] thread %lu faulted (vector %lu, error %#lx, address %#lx, rip %#lx) "
                    "and has no fault handler: stopped (logged once per thread)\n",
                    t->id, vector, error, addr, t->frame.rip);
        t->fault_logged = true;
        if (t->state == TS_READY)
            sched_dequeue(t);
        t->state = TS_INACTIVE;
        return;
    }
    t->faulting = true;
    ep_send(t->fault_ep, t, t->fault_badge, false, CX_TIMEOUT_NONE);
}

/* ---- notifications ---- */

void notif_signal_bits(struct notif *n, uint64_t bits)
{
    if (n->obj.dead)
        return;
    n->word |= bits;
    if (n->word && n->wait_head) {
        struct thread *w = n->wait_head;
        q_remove(&n->wait_head, &n->wait_tail, w);
        w->frame.rsi = n->word;
        n->word = 0;
        thread_unblock(w, 0);
    }
}

long notif_do_wait(struct thread *t, struct notif *n, uint64_t timeout_ns)
{
    if (n->word) {
        t->frame.rsi = n->word;
        n->word = 0;
        return 0;
    }
    if (timeout_ns == 0) {
        t->frame.rsi = 0;
        return CX_E_WOULD_BLOCK;
    }
    thread_block(t, W_NOTIF, n, timeout_ns);
    q_push(&n->wait_head, &n->wait_tail, t);
    return 1;
}

void notif_teardown(struct notif *n)
{
    while (n->wait_head) {
        struct thread *w = n->wait_head;
        q_remove(&n->wait_head, &n->wait_tail, w);
        thread_unblock(w, CX_E_DEAD);
    }
}
