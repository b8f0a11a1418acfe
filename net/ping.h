/*
 * ping: ICMP echo requests from the network server to one address (its config's
 * `ping A.B.C.D count=N`), answers counted and logged. It proves ICMP over the card in
 * both directions; answering other hosts' pings is lwIP's own ICMP code.
 */
#ifndef CAPIX_NET_PING_H
#define CAPIX_NET_PING_H

#include <stdbool.h>
#include <stdint.h>
#include "lwip/ip_addr.h"

/* Starts count requests to target, one every 200 ms (the first after the ARP answer
 * has had time to come). 0 or -1. */
int ping_start(const ip_addr_t *target, unsigned count);
/* Sends what is due; true once every request was answered or has timed out (2 s). */
bool ping_poll(void);

#endif
