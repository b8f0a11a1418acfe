/* net_chksum.h: the Internet checksum's sum for lwIP (net_chksum.c); lwipopts.h
 * (ports/lwip) declares it too, as LWIP_CHKSUM. */
#ifndef NET_CHKSUM_H
#define NET_CHKSUM_H
#include <stdint.h>

/* The one's-complement sum of len bytes at data as 16-bit words in memory order,
 * folded to 16 bits (not complemented). */
uint16_t capix_lwip_chksum(const void *data, int len);

#endif
