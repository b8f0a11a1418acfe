/*
 * The network server's ping (ping.h), on a raw lwIP ICMP pcb. Replies are matched by
 * identifier and sequence number; each answer is logged with its round trip.
 */
#include "ping.h"
#include <capix/capix.h>
#include "lwip/inet_chksum.h"
#include "lwip/prot/icmp.h"
#include "lwip/raw.h"
#include "lwip/sys.h"

#define PING_ID 0xcafe
#define INTERVAL_MS 200
#define WAIT_MS 2000

static struct raw_pcb *pcb;
static ip_addr_t dest;
static unsigned total, sent, answered;
static u32_t sent_at[16], next_at, last_sent;
static bool done;

static u8_t on_recv(void *arg, struct raw_pcb *p, struct pbuf *pb, const ip_addr_t *addr)
{
    struct icmp_echo_hdr h;
    u16_t iphl = (u16_t)((((const u8_t *)pb->payload)[0] & 0x0f) * 4);
    if (!ip_addr_cmp(addr, &dest) || pb->tot_len < iphl + sizeof(h) ||
        pbuf_copy_partial(pb, &h, sizeof(h), iphl) != sizeof(h) || h.type != ICMP_ER ||
        h.id != PP_HTONS(PING_ID))
        return 0; /* not ours: lwIP goes on with it */
    u16_t seq = lwip_ntohs(h.seqno);
    if (seq < sent) {
        answered++;
        cx_printf("net: ping %s: answer %u after %u ms\n", ipaddr_ntoa(&dest), seq,
                  (unsigned)(sys_now() - sent_at[seq % 16]));
    }
    pbuf_free(pb);
    return 1;
}

int ping_start(const ip_addr_t *target, unsigned count)
{
    pcb = raw_new(IP_PROTO_ICMP);
    if (!pcb)
        return -1;
    raw_recv(pcb, on_recv, NULL);
    raw_bind(pcb, IP_ADDR_ANY);
    ip_addr_copy(dest, *target);
    total = count > 16 ? 16 : count;
    next_at = sys_now() + 500;
    return 0;
}

bool ping_poll(void)
{
    if (!pcb || done)
        return true;
    u32_t now = sys_now();
    if (sent < total && (s32_t)(now - next_at) >= 0) {
        struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + 32, PBUF_RAM);
        if (p) {
            struct icmp_echo_hdr *h = p->payload;
            h->type = ICMP_ECHO;
            h->code = 0;
            h->chksum = 0;
            h->id = PP_HTONS(PING_ID);
            h->seqno = lwip_htons((u16_t)sent);
            for (u16_t i = 0; i < 32; i++)
                ((u8_t *)p->payload)[sizeof(*h) + i] = (u8_t)i;
            h->chksum = inet_chksum(p->payload, p->len);
            sent_at[sent % 16] = now;
            raw_sendto(pcb, p, &dest);
            pbuf_free(p);
            sent++;
            last_sent = now;
        }
        next_at = now + INTERVAL_MS;
    }
    if (answered == total || (sent == total && (s32_t)(now - last_sent) >= WAIT_MS)) {
        cx_printf("net: ping %s: %u of %u answered\n", ipaddr_ntoa(&dest), answered, total);
        done = true;
    }
    return done;
}
