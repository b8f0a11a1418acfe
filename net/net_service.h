/*
 * The network server's Net service (docs/net-protocol.md): announcing `Net` to init,
 * opening and ending sessions under the per-label policies, and answering their
 * control requests on lwIP (net_lwip.c). The loop it runs replaces the server's plain
 * wait: a helper thread turns the Nic notification (and the sessions' watches) into
 * IPC wake-ups, at least every NET_TICK_MS for lwIP's timers.
 */
#ifndef NET_SERVICE_H
#define NET_SERVICE_H

#include <stdbool.h>
#include <stdint.h>
#include "net_policy.h"

#define NET_TICK_MS 50u
#define NET_SESSIONS_MAX 32u /* every process tree of a sandbox that uses sockets has one */

/* Announces Net with these policies; notif is the notification the Nic driver signals
 * (bit 0), which the sessions' watches share (bits 8 and up). Returns 0 when serving,
 * or -1 (logged: init did not take the announcement) and the caller goes on without. */
int net_service_start(const struct net_policies *policies, uint64_t notif, uint64_t prio);

/* Serves Net sessions, calling pass() after each message; returns when pass() says
 * true (the server is done). */
void net_service_run(bool (*pass)(void));

#endif
