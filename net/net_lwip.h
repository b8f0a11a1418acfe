/*
 * The Net sessions' control operations on lwIP (net_lwip.c). Call only from the
 * server's lwIP thread.
 */
#ifndef NET_LWIP_H
#define NET_LWIP_H

#include "net_session.h"

extern const struct net_stack net_lwip_stack;

#endif
