/*
 * lwIP's "lo" for TCP without its copy of every segment (net_loop.c).
 */
#ifndef CAPIX_NET_LOOP_H
#define CAPIX_NET_LOOP_H

#include "lwip/netif.h"

/* Readies the references that packets to this host's own addresses take (TCP's data
 * goes by reference; lwIP's copy stays for the rest): call once, before any packet. */
void net_loop_init(void);

#endif
