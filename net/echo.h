/*
 * The built-in TCP echo service of the network server: every byte a client sends comes
 * back, with lwIP's flow control (a client that does not read is not read either).
 */
#ifndef CAPIX_NET_ECHO_H
#define CAPIX_NET_ECHO_H

#include <stdbool.h>
#include <stdint.h>

/* Listens on port; with stop_after > 0, echo_finished() becomes true once that many
 * connections have ended. 0 or -1. */
int echo_start(uint16_t port, uint64_t stop_after);
bool echo_finished(void);
uint64_t echo_connections(void); /* ended so far */
uint64_t echo_bytes(void);       /* echoed so far */

#endif
