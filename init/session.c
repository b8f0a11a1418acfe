/*
 * Services and sessions (docs/sessions.md). A component that provides a service
 * announces it with its endpoint; a component asks for a session by service name and
 * label, donating a quota; init routes the request by the requester's `route` nodes
 * (service and label, exact, prefix or suffix) to the provider, prefixes the label with
 * the requester's name, and asks the provider to make the session. The provider
 * answers with the session capability (a badged endpoint of its own) and the session's
 * shared memory, which init hands to the requester. No route means no session, said
 * once in the log.
 *
 * Providers are less trusted than init: every call to one is bounded
 * (INIT_CALL_TIMEOUT_NS), and a provider that let one time out is not called again
 * until it announces the service again (docs/sessions.md, "Timeouts"). Receive slots
 * are set for exactly the capabilities a message may bring, so that no child and no
 * provider can put one into a slot init does not know is taken.
 */
#include <string.h>
#include "init.h"

#define SERVICE_WORDS CX_SESSION_SERVICE_WORDS
#define LABEL_WORDS CX_SESSION_LABEL_WORDS
#define FULL_WORDS CX_SESSION_FULL_WORDS

/* A string in message words first..first+nwords: words 0..3 came in registers (m->w),
 * the rest in the IPC buffer. */
static void get_string(char *dst, const struct cx_msg *m, unsigned first, unsigned nwords)
{
    const struct cx_ipcbuf *b = cx_ipcbuf();
    for (unsigned i = 0; i < nwords; i++) {
        uint64_t w = first + i < 4 ? m->w[first + i] : b->words[first + i];
        memcpy(dst + 8 * i, &w, 8);
    }
    dst[nwords * 8 - 1] = 0;
}

void session_announce(struct child *c, struct cx_msg *m, uint64_t recv_slot)
{
    char service[SERVICE_WORDS * 8];
    get_string(service, m, 0, SERVICE_WORDS);
    m->tag = CX_TAG(0, 1, 0);
    m->w[0] = (uint64_t)-22; /* EINVAL */
    if (CX_TAG_CAPS(m->tag) == 0 && !recv_slot)
        return;
    for (unsigned i = 0; i < c->nprovides; i++) {
        if (strcmp(c->provides[i], service))
            continue;
        if (c->service_ep[i]) {
            cx_cap_delete(c->service_ep[i]);
            cx_slot_free(c->service_ep[i]);
        }
        c->service_ep[i] = recv_slot;
        c->unanswered[i] = false;
        m->w[0] = 0;
        cx_printf("[init] %s provides %s\n", c->name, service);
        return;
    }
    cx_printf("[init] %s announced %s, which the config does not say it provides: ignored\n",
              c->name, service);
    cx_cap_delete(recv_slot);
    cx_slot_free(recv_slot);
}

#define DENIALS_LOGGED 8

void session_request(struct child *children, unsigned count, struct child *c, struct cx_msg *m,
                     uint64_t recv_slot)
{
    char service[SERVICE_WORDS * 8], label[LABEL_WORDS * 8];
    struct cx_ipcbuf *b = cx_ipcbuf();
    get_string(service, m, 0, SERVICE_WORDS);
    get_string(label, m, SERVICE_WORDS, LABEL_WORDS);
    uint64_t quota = CX_TAG_CAPS(m->tag) ? recv_slot : 0;
    m->tag = CX_TAG(0, 1, 0);
    unsigned si = 0;
    int bad = route_label_check(FULL_WORDS * 8, c->name, service, label);
    struct child *p = bad ? NULL : route_find(children, count, c, service, label, &si);
    if (bad) {
        /* not echoed: it may hold what would make lines of init's log */
        if (c->denials < DENIALS_LOGGED)
            cx_printf("[init] %s: a session request whose %s: denied\n", c->name,
                      bad == -22 ? "service or label holds '->' or a control character"
                                 : "label does not fit the provider's label after the name");
        else if (c->denials == DENIALS_LOGGED)
            cx_printf("[init] %s: more session requests denied; not logged any more\n", c->name);
        c->denials++;
        m->w[0] = (uint64_t)(int64_t)bad;
    } else if (!p) {
        /* the first denials say why; a component that asks again and again (a hostile
         * one) must not flood the log that every component shares */
        if (c->denials < DENIALS_LOGGED)
            cx_printf("[init] %s: no route for a %s session labelled '%s': denied\n", c->name,
                      service, label);
        else if (c->denials == DENIALS_LOGGED)
            cx_printf("[init] %s: more session requests denied; not logged any more\n", c->name);
        c->denials++;
        m->w[0] = (uint64_t)-1; /* EPERM */
    } else if (!p->alive) {
        m->w[0] = (uint64_t)-5; /* EIO: the provider is gone */
    } else if (!p->service_ep[si] || !quota) {
        m->w[0] = (uint64_t)(quota ? -11 : -22); /* EAGAIN: not announced yet */
    } else if (p->unanswered[si]) {
        /* it kept init waiting once: asking it again would let any requester with a
         * route to it hold init (and every other component's requests) that long again */
        m->w[0] = (uint64_t)-5; /* EIO, as when it did not answer */
    } else {
        /* ask the provider, with the label as it sees it: "requester -> label" */
        uint64_t words[FULL_WORDS];
        route_full_label((char *)words, sizeof(words), c->name, label);
        uint64_t got[2] = {cx_slot_alloc(), cx_slot_alloc()};
        memcpy(b->words + 4, words + 4, (FULL_WORDS - 4) * 8);
        b->send_caps[0] = quota;
        b->recv_slots[0] = got[0];
        b->recv_slots[1] = got[1];
        b->recv_slots[2] = 0; /* a third capability has nowhere to go */
        struct cx_msg q = {.tag = CX_TAG(CX_LABEL_SESSION_CREATE, FULL_WORDS, 1)};
        memcpy(q.w, words, 4 * 8);
        long err = cx_call(p->service_ep[si], &q); /* bounded: INIT_CALL_TIMEOUT_NS */
        b->recv_slots[1] = 0; /* a child's message brings one capability at most */
        if (err == CX_E_TIMEOUT) {
            if (p->silences < DENIALS_LOGGED)
                cx_printf("[init] %s did not answer %s's %s session request within %lu s: "
                          "EIO; not asked again until it announces %s again\n",
                          p->name, c->name, service, INIT_CALL_TIMEOUT_NS / 1000000000ul, service);
            p->silences++;
            p->unanswered[si] = true;
        }
        int64_t r = (int64_t)q.w[0];
        if (err || r < 0 || CX_TAG_CAPS(q.tag) != 2) {
            /* the provider's error goes on when it is an errno (1..4095), else EIO */
            m->w[0] = (uint64_t)(!err && r < 0 && r >= -4095 ? r : -5);
            for (int i = 0; i < 2; i++) {
                cx_cap_delete(got[i]);
                cx_slot_free(got[i]);
            }
        } else {
            /* the reply carries them on; init's copies go at the next message */
            m->w[0] = 0;
            m->tag = CX_TAG(0, 1, 2);
            b->send_caps[0] = got[0];
            b->send_caps[1] = got[1];
            session_defer_free(got[0]);
            session_defer_free(got[1]);
        }
    }
    if (quota)
        session_defer_free(quota);
}
