/*
 * silent: parties that keep init and the launcher waiting (the provider-timeout
 * scenario, issue 16 finding 9; docs/sessions.md "Timeouts"). As a provider it announces
 * each SERVICE to init with one endpoint, then:
 *   silent never SERVICE...   receives nothing: every call waits in the queue;
 *   silent create SERVICE...  takes the first call (a session request from init) and
 *                             answers neither it nor anything after it;
 *   silent calls SERVICE...   answers session requests as a provider does (a badged
 *                             endpoint and a memory object made from the donated quota)
 *                             and a launcher's FS_CLIENT_ADD with ENOSYS (it knows no
 *                             sub-clients: the process gets the session's endpoint),
 *                             then takes the first other call on a session and answers
 *                             neither it nor anything after it.
 *   silent exit SERVICE LABEL is a requester instead: a second thread asks init for a
 *                             SERVICE session labelled LABEL, and a second later the
 *                             main thread sets a 1 s bound on its calls and returns: init,
 *                             busy with a provider that does not answer, must still hear
 *                             of the exit.
 *   silent plant SERVICE LABEL  a requester too: gets a session (SERVICE, LABEL) and drops
 *                             it, sends two session requests with three capabilities
 *                             (a route-less label: init takes one, its quota, and must
 *                             not take the others into slots it does not know are used),
 *                             then gets a session again: PASS or FAIL.
 *   silent labels SERVICE LABEL  a requester too: asks for sessions whose labels init
 *                             must refuse (one with " -> ", one with a line of init's log
 *                             in it, one too long after this component's name: give it a
 *                             name of 29 or more), then for LABEL: PASS or FAIL.
 * A provider never ends by itself: init stops it (stop-after) or it runs until shutdown.
 * It takes what it is sent as it comes: it is a test of its callers, not a server.
 */
#include <capix/capix.h>
#include <capix/fs_protocol.h>
#include <capix/term_protocol.h>
#include <stdbool.h>
#include <string.h>

/* A session's memory: big enough for a File_system buffer and a Terminal's pages */
#define TERM_PAGES (TERM_SHARED_BYTES / CX_PAGE_SIZE)
#define SESSION_PAGES (FS_BUF_PAGES > TERM_PAGES ? FS_BUF_PAGES : TERM_PAGES)
#define SW CX_SESSION_SERVICE_WORDS
#define LW CX_SESSION_LABEL_WORDS

/* Waits for good (holding the call just taken, if any, and so its caller until the
 * caller gives up). */
static _Noreturn void wait_forever(void)
{
    uint64_t n = cx_slot_alloc();
    cx_notif_create(CX_SLOT_QUOTA, n);
    for (;;)
        cx_notif_wait(n, CX_TIMEOUT_NONE, NULL);
}

static _Noreturn void never_answer(const char *what)
{
    cx_printf("took %s: not answering it, nor anything after it\n", what);
    wait_forever();
}

/* ---- silent exit: the requester thread ---- */
static uint8_t asker_stack[8192] __attribute__((aligned(16)));
static struct cx_ipcbuf asker_ipcbuf __attribute__((aligned(CX_PAGE_SIZE)));
static char ask_words[(SW + LW) * 8]; /* service, then label */
static uint64_t ask_quota;

static _Noreturn void asker_main(void)
{
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_SESSION, SW + LW, 1)};
    memcpy(m.w, ask_words, sizeof(m.w));
    memcpy(asker_ipcbuf.words + 4, ask_words + sizeof(m.w), sizeof(ask_words) - sizeof(m.w));
    asker_ipcbuf.send_caps[0] = ask_quota;
    long err = cx_call(CX_SLOT_PARENT, &m);
    cx_printf("the session request came back: %s, errno %ld\n", err ? cx_strerror(err) : "ok",
              err ? 0 : -(long)m.w[0]);
    wait_forever();
}

/* A session request from the main thread with quota q and, if extra, two more
 * capabilities; returns the errno init answers (0: the session's two capabilities are
 * in got[0..1]). */
static long ask(const char *service, const char *label, uint64_t q, bool extra, uint64_t got[2])
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    char words[(SW + LW) * 8] = {0};
    memcpy(words, service, strlen(service));
    memcpy(words + SW * 8, label, strlen(label));
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_SESSION, SW + LW, extra ? 3 : 1)};
    memcpy(m.w, words, sizeof(m.w));
    memcpy(b->words + 4, words + sizeof(m.w), sizeof(words) - sizeof(m.w));
    b->send_caps[0] = q;
    b->send_caps[1] = b->send_caps[2] = CX_SLOT_LOG;
    b->recv_slots[0] = got[0];
    b->recv_slots[1] = got[1];
    long err = cx_call(CX_SLOT_PARENT, &m);
    return err ? 5 : (long)-(int64_t)m.w[0];
}

static int planter(const char *service, const char *label)
{
    uint64_t q = cx_slot_alloc(), got[2] = {cx_slot_alloc(), cx_slot_alloc()};
    long r[4];
    for (int i = 0; i < 4; i++) {
        bool legit = i == 0 || i == 3;
        if (cx_quota_create(CX_SLOT_QUOTA, 256ul << 10, q))
            return 2;
        r[i] = ask(service, legit ? label : "nowhere", q, !legit, got);
        cx_cap_delete(got[0]), cx_cap_delete(got[1]); /* the session ends */
        cx_cap_delete(q);
    }
    bool ok = !r[0] && r[1] == 1 && r[2] == 1 && !r[3];
    cx_printf("%s plant: sessions before and after two requests with three capabilities: "
              "errno %ld, %ld, %ld, %ld\n",
              ok ? "PASS" : "FAIL", r[0], r[1], r[2], r[3]);
    return ok ? 0 : 1;
}

static int labeller(const char *service, const char *label)
{
    static const char *const bad[] = {
        "x -> tmp",
        "tmp\n[init] component tmp exited with status 0",
        "a-label-of-93-characters-a-label-of-93-characters-a-label-of-93-characters-a-lab"
        "el-of-93-char",
    };
    static const long want[] = {22, 22, 36, 0};
    uint64_t q = cx_slot_alloc(), got[2] = {cx_slot_alloc(), cx_slot_alloc()};
    long r[4];
    bool ok = true;
    for (int i = 0; i < 4; i++) {
        if (cx_quota_create(CX_SLOT_QUOTA, 256ul << 10, q))
            return 2;
        r[i] = ask(service, i < 3 ? bad[i] : label, q, false, got);
        cx_cap_delete(got[0]), cx_cap_delete(got[1]);
        cx_cap_delete(q);
        ok &= r[i] == want[i];
    }
    cx_printf("%s labels: injected separator, log line, too long, then '%s': errno %ld, %ld, "
              "%ld, %ld\n",
              ok ? "PASS" : "FAIL", label, r[0], r[1], r[2], r[3]);
    return ok ? 0 : 1;
}

static int requester(const char *service, const char *label)
{
    size_t sl = strlen(service), ll = strlen(label);
    uint64_t t = cx_slot_alloc(), sleep = cx_slot_alloc();
    ask_quota = cx_slot_alloc();
    if (sl >= SW * 8 || ll >= LW * 8)
        return 2;
    memcpy(ask_words, service, sl);
    memcpy(ask_words + SW * 8, label, ll);
    long err = cx_quota_create(CX_SLOT_QUOTA, 256ul << 10, ask_quota);
    if (!err)
        err = cx_notif_create(CX_SLOT_QUOTA, sleep);
    if (!err)
        err = cx_thread_start(CX_SLOT_QUOTA, t, asker_main, asker_stack, sizeof(asker_stack),
                              &asker_ipcbuf, cx_start_info->priority);
    if (err) {
        cx_printf("cannot start the requester thread: %s\n", cx_strerror(err));
        return 2;
    }
    cx_notif_wait(sleep, 1000000000ul, NULL);
    cx_thread_config(CX_SLOT_SELF_THREAD, CX_TCFG_CALL_TIMEOUT, 1000000000ul);
    cx_printf("exiting, with this thread's calls bounded to 1 s\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "exit") && argc == 4)
        return requester(argv[2], argv[3]);
    if (!strcmp(mode, "plant") && argc == 4 && strlen(argv[2]) < SW * 8 && strlen(argv[3]) < LW * 8)
        return planter(argv[2], argv[3]);
    if (!strcmp(mode, "labels") && argc == 4 && strlen(argv[2]) < SW * 8 &&
        strlen(argv[3]) < LW * 8)
        return labeller(argv[2], argv[3]);
    if (argc < 3 || (strcmp(mode, "never") && strcmp(mode, "create") && strcmp(mode, "calls"))) {
        cx_printf("usage: silent never|create|calls SERVICE... | silent exit|plant|labels SERVICE "
                  "LABEL\n");
        return 2;
    }
    struct cx_ipcbuf *b = cx_ipcbuf();
    uint64_t ep = cx_slot_alloc();
    if (cx_ep_create(CX_SLOT_QUOTA, ep)) {
        cx_printf("no endpoint\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        struct cx_msg m = {.tag = CX_TAG(CX_LABEL_ANNOUNCE, 4, 1)};
        size_t n = strlen(argv[i]);
        if (n >= sizeof(m.w)) {
            cx_printf("service name too long: %s\n", argv[i]);
            return 2;
        }
        memcpy(m.w, argv[i], n);
        b->send_caps[0] = ep;
        if (cx_call(CX_SLOT_PARENT, &m) || m.w[0]) {
            cx_printf("init did not take the announcement of %s\n", argv[i]);
            return 2;
        }
    }
    cx_printf("announced; %s\n", !strcmp(mode, "never")    ? "receiving nothing"
                                 : !strcmp(mode, "create") ? "answering nothing"
                                                           : "answering session requests only");
    if (!strcmp(mode, "never"))
        wait_forever();
    uint64_t sessions = 0, got = cx_slot_alloc();
    struct cx_msg m;
    b->recv_slots[0] = got;
    long err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    for (;;) {
        if (err) {
            err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
            continue;
        }
        if (m.badge && CX_TAG_LABEL(m.tag) == FS_LABEL_REQUEST && m.w[0] == FS_CLIENT_ADD) {
            /* the launcher's sub-client for a process: none here (ENOSYS, a server that
             * knows none), so the process's own first request is what hangs */
            m.tag = CX_TAG(0, 1, 0);
            m.w[0] = (uint64_t)-38;
            err = cx_reply_recv(ep, &m);
            continue;
        }
        if (m.badge)
            never_answer("a call on a session");
        if (strcmp(mode, "calls") || CX_TAG_LABEL(m.tag) != CX_LABEL_SESSION_CREATE)
            never_answer("a session request");
        /* a session: its state lives on the donated quota in got (kept) */
        char label[CX_SESSION_FULL_WORDS * 8];
        memcpy(label, m.w, sizeof(m.w));
        memcpy(label + sizeof(m.w), b->words + 4, sizeof(label) - sizeof(m.w));
        label[sizeof(label) - 1] = 0;
        uint64_t mem = cx_slot_alloc(), badged = cx_slot_alloc();
        long e = CX_TAG_CAPS(m.tag) ? cx_mem_create(got, SESSION_PAGES, mem) : CX_E_EMPTY_SLOT;
        if (!e)
            e = cx_cap_copy(ep, CX_SLOT_SELF_PD, badged, CX_R_WRITE, ++sessions);
        cx_printf("session %lu for '%s': %s\n", sessions, label, e ? cx_strerror(e) : "made");
        m.tag = CX_TAG(0, 1, e ? 0 : 2);
        m.w[0] = e ? (uint64_t)-12 : 0; /* ENOMEM */
        b->send_caps[0] = badged;
        b->send_caps[1] = mem;
        got = cx_slot_alloc();
        b->recv_slots[0] = got;
        err = cx_reply_recv(ep, &m);
    }
}
