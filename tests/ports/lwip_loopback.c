/*
 * Host test of the prebuilt lwIP core (build/ports-sysroot/usr/lib/liblwip.a): a TCP
 * client and a TCP server talk over lwIP's loopback interface inside this one process
 * (NO_SYS, raw API), driven by polling the loopback queue and the timers. It also
 * provides the hooks the library expects from its user. Prints PASS/FAIL lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#define PORT_TCP 7777
#define PORT_UDP 7778
static const char message[] = "hello through lwip";

static char tcp_received[64];
static size_t tcp_received_len;
static int tcp_closed_by_peer;
static char udp_received[64];
static size_t udp_received_len;

u32_t sys_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

uint32_t capix_lwip_rand(void)
{
    return (uint32_t)random();
}

void capix_lwip_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

void capix_lwip_assert(const char *msg, const char *file, int line)
{
    printf("FAIL lwip-assert: %s at %s:%d\n", msg, file, line);
    exit(1);
}

static err_t server_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL) {
        tcp_closed_by_peer = 1;
        tcp_close(pcb);
        return ERR_OK;
    }
    size_t room = sizeof(tcp_received) - tcp_received_len;
    size_t n = p->tot_len < room ? p->tot_len : room;
    pbuf_copy_partial(p, tcp_received + tcp_received_len, (u16_t)n, 0);
    tcp_received_len += n;
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t server_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    tcp_recv(pcb, server_recv);
    return ERR_OK;
}

static err_t client_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK)
        return err;
    tcp_write(pcb, message, sizeof(message) - 1, TCP_WRITE_FLAG_COPY);
    tcp_output(pcb);
    tcp_close(pcb);
    return ERR_OK;
}

static void udp_received_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                            u16_t port)
{
    (void)arg;
    (void)pcb;
    (void)addr;
    (void)port;
    size_t n = p->tot_len < sizeof(udp_received) ? p->tot_len : sizeof(udp_received);
    udp_received_len = pbuf_copy_partial(p, udp_received, (u16_t)n, 0);
    pbuf_free(p);
}

static void poll_until(int (*done)(void))
{
    for (int i = 0; i < 3000 && !done(); i++) {
        struct timespec ms = {0, 1000000};
        netif_poll_all();
        sys_check_timeouts();
        nanosleep(&ms, NULL);
    }
}

static int tcp_done(void)
{
    return tcp_closed_by_peer;
}

static int udp_done(void)
{
    return udp_received_len > 0;
}

int main(void)
{
    ip_addr_t lo;
    int failed = 0;

    lwip_init();
    IP_ADDR4(&lo, 127, 0, 0, 1);

    struct tcp_pcb *listener = tcp_new();
    if (listener == NULL || tcp_bind(listener, IP_ADDR_ANY, PORT_TCP) != ERR_OK) {
        printf("FAIL lwip-tcp-bind\n");
        return 1;
    }
    listener = tcp_listen(listener);
    tcp_accept(listener, server_accept);
    struct tcp_pcb *client = tcp_new();
    if (tcp_connect(client, &lo, PORT_TCP, client_connected) != ERR_OK) {
        printf("FAIL lwip-tcp-connect\n");
        return 1;
    }
    poll_until(tcp_done);
    if (tcp_received_len == sizeof(message) - 1 &&
        memcmp(tcp_received, message, tcp_received_len) == 0 && tcp_closed_by_peer) {
        printf("PASS lwip-tcp-loopback\n");
    } else {
        printf("FAIL lwip-tcp-loopback: received %zu bytes, closed %d\n", tcp_received_len,
               tcp_closed_by_peer);
        failed = 1;
    }

    struct udp_pcb *server = udp_new();
    struct udp_pcb *sender = udp_new();
    udp_bind(server, IP_ADDR_ANY, PORT_UDP);
    udp_recv(server, udp_received_cb, NULL);
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, sizeof(message) - 1, PBUF_RAM);
    pbuf_take(p, message, sizeof(message) - 1);
    udp_sendto(sender, p, &lo, PORT_UDP);
    pbuf_free(p);
    poll_until(udp_done);
    if (udp_received_len == sizeof(message) - 1 &&
        memcmp(udp_received, message, udp_received_len) == 0) {
        printf("PASS lwip-udp-loopback\n");
    } else {
        printf("FAIL lwip-udp-loopback: received %zu bytes\n", udp_received_len);
        failed = 1;
    }
    return failed;
}
