/*
 * silent: a provider that never answers (the provider-timeout scenario, issue 16
 * finding 9). It announces a File_system service to init and then never receives on
 * its endpoint, so every session request routed to it waits until the caller's call
 * timeout (CX_TCFG_CALL_TIMEOUT) ends it.
 */
#include <capix/capix.h>
#include <string.h>

int main(int argc, char **argv)
{
    uint64_t ep = cx_slot_alloc(), never = cx_slot_alloc();
    if (cx_ep_create(CX_SLOT_QUOTA, ep) || cx_notif_create(CX_SLOT_QUOTA, never)) {
        cx_printf("silent: no endpoint\n");
        return 2;
    }
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_ANNOUNCE, 4, 1)};
    memset(m.w, 0, sizeof(m.w));
    memcpy(m.w, "File_system", 12);
    cx_ipcbuf()->send_caps[0] = ep;
    if (cx_call(CX_SLOT_PARENT, &m) || m.w[0]) {
        cx_printf("silent: init did not take the announcement\n");
        return 2;
    }
    cx_printf("silent: announced File_system; answering nothing\n");
    for (;;)
        cx_notif_wait(never, CX_TIMEOUT_NONE, NULL);
}
