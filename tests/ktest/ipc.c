/*
 * ktest: IPC between two domains, capability transfer, timeouts (of a receive, and of a
 * call: CX_TCFG_CALL_TIMEOUT), the last-capability watch, and what a caller sees when the
 * server's domain is destroyed.
 * The server domain is a copy of this one (pd_copy_as) and runs server_fn.
 */
#include <string.h>
#include "ktest.h"

#define SRV_EP 20 /* slots in the server's cspace */
#define SRV_NOTIF 21
#define SRV_RECV 30

static uint8_t server_stack[16384] __attribute__((aligned(16)));
static uint8_t client_stack[16384] __attribute__((aligned(16)));
static volatile long client_result;
static uint64_t client_ep, client_done;

/* Runs in the copied domain. */
static void server_fn(uint64_t arg)
{
    struct cx_ipcbuf *ib = cx_ipcbuf();
    struct cx_msg m;
    ib->recv_slots[0] = SRV_RECV;
    long err = cx_recv(SRV_EP, CX_TIMEOUT_NONE, &m);
    for (;;) {
        uint64_t label = err ? 0 : CX_TAG_LABEL(m.tag);
        if (label == 1) { /* add one; sum words 4.. */
            uint64_t sum = 0;
            for (unsigned i = 4; i < CX_TAG_WORDS(m.tag); i++)
                sum += ib->words[i];
            m.w[0] += 1;
            m.w[1] = sum;
            m.tag = CX_TAG(1, 2, 0);
        } else if (label == 2) { /* report the received capability, signal it */
            struct cx_ret r = cx_raw_cap_info(SRV_RECV, 0, 0, 0, 0, 0);
            m.w[0] = r.err ? (uint64_t)r.err : r.rsi;
            m.w[1] = CX_TAG_CAPS(m.tag);
            if (!r.err)
                cx_notif_signal(SRV_RECV, 0x8);
            cx_cap_delete(SRV_RECV);
            m.tag = CX_TAG(2, 2, 0);
        } else if (label == 3) { /* never answer */
            uint64_t bits;
            cx_notif_wait(SRV_NOTIF, CX_TIMEOUT_NONE, &bits);
        } else if (label == 4) { /* answer late (after w0 ns), with a capability */
            uint64_t bits;
            cx_notif_wait(SRV_NOTIF, m.w[0], &bits);
            ib->send_caps[0] = SRV_EP;
            m.w[0] = 0xfeed;
            m.tag = CX_TAG(4, 1, 1);
        } else {
            m.tag = CX_TAG(0, 0, 0);
        }
        ib->recv_slots[0] = SRV_RECV;
        err = cx_reply_recv(SRV_EP, &m);
    }
}

static void client_fn(uint64_t arg)
{
    struct cx_msg m = {.tag = CX_TAG(3, 0, 0)};
    client_result = cx_call(client_ep, &m);
    cx_notif_signal(client_done, 1);
    kt_park();
}

void kt_ipc(void)
{
    struct cx_ipcbuf *ib = cx_ipcbuf();
    uint64_t ep = kt_slot(), pd = kt_slot(), srv_notif = kt_slot();
    cx_ep_create(CX_SLOT_QUOTA, ep);
    cx_notif_create(CX_SLOT_QUOTA, srv_notif);
    EXPECT("pd_create", cx_pd_create(CX_SLOT_QUOTA, pd, 64), 0);
    EXPECT("pd_create_bad_size", cx_pd_create(CX_SLOT_QUOTA, kt_slot(), 0), CX_E_INVALID_ARG);
    /* 65,536 slots once passed the check and asked kmalloc for a chunk array of more
     * than a page: a kernel panic (found by tests/hostile) */
    EXPECT("pd_create_too_many_slots", cx_pd_create(CX_SLOT_QUOTA, kt_slot(), 65536),
           CX_E_INVALID_ARG);
    EXPECT("pd_create_slots_limit", cx_pd_create(CX_SLOT_QUOTA, kt_slot(), 28673),
           CX_E_INVALID_ARG);
    uint64_t big = kt_slot();
    EXPECT("pd_create_largest", cx_pd_create(CX_SLOT_QUOTA, big, 28672), 0);
    EXPECT("pd_create_largest_delete", cx_cap_delete(big), 0);
    EXPECT("pd_copy_as", cx_raw_pd_copy_as(CX_SLOT_SELF_PD, pd, 0, 0, 0, 0).err, 0);
    EXPECT("pd_copy_as_twice", cx_raw_pd_copy_as(CX_SLOT_SELF_PD, pd, 0, 0, 0, 0).err, CX_E_BUSY);
    EXPECT("give_ep", cx_cap_copy(ep, pd, SRV_EP, CX_R_READ, 0), 0);
    EXPECT("give_notif", cx_cap_copy(srv_notif, pd, SRV_NOTIF, CX_R_READ, 0), 0);
    EXPECT("give_log", cx_cap_copy(CX_SLOT_LOG, pd, CX_SLOT_LOG, CX_R_WRITE, 0), 0);
    EXPECT("give_into_bad_slot", cx_cap_copy(ep, pd, 1000, CX_R_ALL, 0), CX_E_INVALID_SLOT);
    uint64_t srv =
        kt_thread(pd, server_fn, 0, server_stack, sizeof(server_stack), 0, 100, CX_IPCBUF_ADDR);

    uint64_t cep = kt_slot();
    cx_cap_copy(ep, CX_SLOT_SELF_PD, cep, CX_R_WRITE | CX_R_GRANT, 0);
    struct cx_msg m = {.tag = CX_TAG(1, 10, 0), .w = {41}};
    for (unsigned i = 4; i < 10; i++)
        ib->words[i] = i;
    long err = cx_call(cep, &m);
    kt_check("ipc_call_reply", err == 0 && m.w[0] == 42 && CX_TAG_LABEL(m.tag) == 1,
             "err %s w0 %lu label %lu", cx_strerror(err), m.w[0], CX_TAG_LABEL(m.tag));
    kt_check("ipc_long_message", m.w[1] == 4 + 5 + 6 + 7 + 8 + 9, "sum %lu", m.w[1]);

    /* capability transfer between domains */
    uint64_t n = kt_slot(), bits = 0;
    cx_notif_create(CX_SLOT_QUOTA, n);
    ib->send_caps[0] = n;
    m = (struct cx_msg){.tag = CX_TAG(2, 0, 1)};
    err = cx_call(cep, &m);
    kt_check("ipc_cap_transfer", err == 0 && m.w[0] == CX_T_NOTIF && m.w[1] == 1,
             "err %s type/err %ld caps %lu", cx_strerror(err), (long)m.w[0], m.w[1]);
    err = cx_notif_wait(n, 1000000000ul, &bits);
    kt_check("transferred_cap_works", err == 0 && bits == 0x8, "err %s bits %#lx", cx_strerror(err),
             bits);
    uint64_t nogrant = kt_slot();
    cx_cap_copy(ep, CX_SLOT_SELF_PD, nogrant, CX_R_WRITE, 0);
    ib->send_caps[0] = n;
    m = (struct cx_msg){.tag = CX_TAG(2, 0, 1)};
    err = cx_call(nogrant, &m);
    kt_check("no_transfer_without_grant",
             err == 0 && (long)m.w[0] == CX_E_EMPTY_SLOT && m.w[1] == 0,
             "err %s result %ld caps %lu", cx_strerror(err), (long)m.w[0], m.w[1]);
    EXPECT("call_on_notification", cx_call(srv_notif, &m), CX_E_WRONG_TYPE);
    uint64_t recv_only = kt_slot();
    cx_cap_copy(ep, CX_SLOT_SELF_PD, recv_only, CX_R_READ, 0);
    EXPECT("call_needs_write", cx_call(recv_only, &m), CX_E_NO_RIGHTS);

    /* receive timeouts */
    uint64_t lonely = kt_slot();
    cx_ep_create(CX_SLOT_QUOTA, lonely);
    uint64_t t0 = cx_clock_ns();
    err = cx_recv(lonely, 10000000, &m);
    kt_check("recv_timeout", err == CX_E_TIMEOUT && cx_clock_ns() - t0 >= 9000000, "err %s",
             cx_strerror(err));
    EXPECT("recv_poll", cx_recv(lonely, 0, &m), CX_E_WOULD_BLOCK);

    /* call timeouts: a call queued on an endpoint nobody receives on gives up */
    EXPECT("call_timeout_set",
           cx_thread_config(CX_SLOT_SELF_THREAD, CX_TCFG_CALL_TIMEOUT, 50000000), 0);
    m = (struct cx_msg){.tag = CX_TAG(1, 1, 0), .w = {41}};
    t0 = cx_clock_ns();
    err = cx_call(lonely, &m);
    uint64_t dt = cx_clock_ns() - t0;
    kt_check("call_timeout_queued", err == CX_E_TIMEOUT && dt >= 45000000 && dt < 1000000000,
             "err %s after %lu us", cx_strerror(err), dt / 1000);
    EXPECT("call_timeout_left_queue", cx_recv(lonely, 0, &m), CX_E_WOULD_BLOCK);
    /* a call the server takes and does not answer in time gives up too; the server's late
     * reply (with a capability) then finds no caller: it reaches nobody, and the next call
     * gets its own answer */
    uint64_t late = kt_slot();
    ib->recv_slots[0] = late;
    m = (struct cx_msg){.tag = CX_TAG(4, 1, 0), .w = {300000000}};
    t0 = cx_clock_ns();
    err = cx_call(cep, &m);
    dt = cx_clock_ns() - t0;
    kt_check("call_timeout_unanswered", err == CX_E_TIMEOUT && dt >= 45000000 && dt < 1000000000,
             "err %s after %lu us", cx_strerror(err), dt / 1000);
    EXPECT("call_timeout_none",
           cx_thread_config(CX_SLOT_SELF_THREAD, CX_TCFG_CALL_TIMEOUT, CX_TIMEOUT_NONE), 0);
    m = (struct cx_msg){.tag = CX_TAG(1, 1, 0), .w = {41}};
    err = cx_call(cep, &m);
    dt = cx_clock_ns() - t0;
    kt_check("late_reply_dropped", err == 0 && m.w[0] == 42 && CX_TAG_LABEL(m.tag) == 1,
             "err %s w0 %#lx label %lu", cx_strerror(err), m.w[0], CX_TAG_LABEL(m.tag));
    kt_check("late_reply_after_the_server_was_done", dt >= 290000000, "answered after %lu us",
             dt / 1000);
    EXPECT("late_reply_no_capability", cx_raw_cap_info(late, 0, 0, 0, 0, 0).err, CX_E_EMPTY_SLOT);
    ib->recv_slots[0] = 0;

    /* last-capability watch: fires when every copy derived from ep is gone */
    uint64_t w = kt_slot();
    cx_notif_create(CX_SLOT_QUOTA, w);
    cx_cap_delete(nogrant);
    cx_cap_delete(recv_only);
    EXPECT("cap_watch", cx_cap_watch(ep, w, 0x2), 0);
    EXPECT("watch_not_early", cx_notif_wait(w, 0, &bits), CX_E_WOULD_BLOCK);

    /* a caller waiting on a server whose domain is destroyed gets CX_E_DEAD */
    client_ep = cep;
    client_done = kt_slot();
    cx_notif_create(CX_SLOT_QUOTA, client_done);
    client_result = 1;
    uint64_t cl =
        kt_thread(CX_SLOT_SELF_PD, client_fn, 0, client_stack, sizeof(client_stack), 0, 100, 0);
    kt_sleep_ms(10);
    kt_check("client_waits", client_result == 1, "client returned early: %ld", client_result);
    EXPECT("pd_control_stop", cx_raw_pd_control(pd, CX_PD_STOP, 0, 0, 0, 0).err, 0);
    EXPECT("pd_control_resume", cx_raw_pd_control(pd, CX_PD_RESUME, 0, 0, 0, 0).err, 0);
    EXPECT("pd_control_bad_op", cx_raw_pd_control(pd, 7, 0, 0, 0, 0).err, CX_E_INVALID_ARG);
    cx_cap_delete(cep);
    EXPECT("destroy_server_domain", cx_cap_delete(pd), 0);
    err = cx_notif_wait(client_done, 1000000000ul, &bits);
    kt_check("caller_sees_dead_server", err == 0 && client_result == CX_E_DEAD, "err %s result %s",
             cx_strerror(err), cx_strerror(client_result));
    err = cx_notif_wait(w, 1000000000ul, &bits);
    kt_check("last_cap_gone_notification", err == 0 && bits == 0x2, "err %s bits %#lx",
             cx_strerror(err), bits);
    EXPECT("thread_of_dead_domain", cx_thread_resume(srv), CX_E_DEAD);
    cx_cap_delete(srv);
    cx_cap_delete(cl);
    cx_cap_delete(ep);
    cx_cap_delete(n);
    cx_cap_delete(w);
    cx_cap_delete(lonely);
    cx_cap_delete(srv_notif);
}
