/*
 * lwIP's "lo" for TCP without its copy. lwIP's loopback output copies every packet
 * into a new buffer (netif_loop_output), because the sender keeps its segment for a
 * retransmission and the receiver strips headers and chains buffers as it goes. Here a
 * small packet (120 bytes at most: acknowledgements, a few bytes of data) is copied into
 * a buffer of this file's (no walk of lwIP's first-fit heap), and so are a larger TCP
 * segment's headers (a few dozen bytes), whose data is handed over by
 * reference: a custom pbuf per piece points into the sender's buffer and holds one
 * reference on it, which it drops when the receiver frees it (after copying the bytes
 * into a socket's receive ring, net_lwip.c). So the bytes are copied twice in this
 * server (send ring into a segment, segment into the receive ring), not three times.
 *
 * Sound because the data of a segment does not change after it was sent: TCP rewrites
 * only its header (a retransmission; lwIP does not retransmit a segment whose buffer is
 * still referenced, tcp_output_segment_busy) and appends only to segments not yet sent;
 * each pbuf struct belongs to one chain (the receiver's are the custom ones). Only
 * buffers whose memory comes with their struct (PBUF_RAM, PBUF_POOL) are referenced;
 * anything else, a packet that is not TCP with at least LOOP_REF_MIN bytes of data
 * (a small one is cheaper to copy), or more pieces in flight than
 * LOOP_REFS goes through lwIP's copy. The packets go on the interface's queue, which the
 * loop takes in (main.c, loopback_poll), as lwIP's own output does. lwIP calls its
 * netif_loop_output directly for a packet to one of this host's addresses (ip4.c), so
 * the link wraps that symbol (net/module.mk: -Wl,--wrap=netif_loop_output).
 */
#include <string.h>
#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"
#include "net_loop.h"

#define LOOP_REFS 1024    /* data pieces in flight at once (64 KiB windows: a few dozen each) */
#define LOOP_REF_MIN 1024 /* less data is copied: cheaper than the references */

struct loop_ref {
    struct pbuf_custom pc; /* first: lwIP frees &pc.pbuf */
    struct pbuf *orig;     /* one reference: the buffer the data lives in */
    struct loop_ref *next_free;
};

/* A packet's copied headers (IPv4 and TCP: 60 bytes at most each), or a whole small
 * packet (a TCP acknowledgement, a few bytes of data). */
struct loop_hdr {
    struct pbuf_custom pc; /* first */
    struct loop_hdr *next_free;
    uint8_t bytes[120];
};

static struct loop_ref refs[LOOP_REFS];
static struct loop_ref *free_refs;
static unsigned nfree;
static struct loop_hdr hdrs[LOOP_REFS]; /* at most one per data piece */
static struct loop_hdr *free_hdrs;

/* lwIP's netif_loop_output (the copy), which ip4_output_if calls for a packet to one of
 * this host's addresses; the link (net/module.mk, --wrap) sends those calls to
 * __wrap_netif_loop_output. */
err_t __real_netif_loop_output(struct netif *n, struct pbuf *p);
err_t __wrap_netif_loop_output(struct netif *n, struct pbuf *p);

static void ref_free(struct pbuf *p)
{
    struct loop_ref *r = (struct loop_ref *)p;
    pbuf_free(r->orig);
    r->orig = NULL;
    r->next_free = free_refs;
    free_refs = r;
    nfree++;
}

static void hdr_free(struct pbuf *p)
{
    struct loop_hdr *h = (struct loop_hdr *)p;
    h->next_free = free_hdrs;
    free_hdrs = h;
}

/* The bytes of p's first buffer that are headers (IPv4 and TCP), or 0 when p is no TCP
 * segment with data whose every buffer may be referenced. *pieces: the data buffers. */
static unsigned tcp_headers(struct pbuf *p, unsigned *pieces)
{
    if (p->len < IP_HLEN)
        return 0;
    const struct ip_hdr *ip = p->payload;
    unsigned iphl = IPH_HL_BYTES(ip);
    if (IPH_V(ip) != 4 || IPH_PROTO(ip) != IP_PROTO_TCP || p->len < iphl + TCP_HLEN)
        return 0;
    const struct tcp_hdr *tcp = (const struct tcp_hdr *)((const uint8_t *)p->payload + iphl);
    unsigned hl = iphl + TCPH_HDRLEN_BYTES(tcp);
    if (hl > p->len || hl > sizeof(hdrs[0].bytes) || p->tot_len < hl + LOOP_REF_MIN)
        return 0;
    *pieces = 0;
    for (struct pbuf *q = p; q; q = q->next) {
        if (!(q->type_internal & PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS) ||
            (q->flags & PBUF_FLAG_IS_CUSTOM))
            return 0;
        if (q->len > (q == p ? hl : 0))
            (*pieces)++;
        if (q->len == q->tot_len)
            break; /* the packet's last buffer */
    }
    return *pieces <= nfree && free_hdrs ? hl : 0;
}

/* A buffer of ours with a copy of p's first n bytes, as a pbuf (free_hdrs not empty). */
static struct pbuf *hdr_copy(struct pbuf *p, unsigned n)
{
    struct loop_hdr *lh = free_hdrs;
    free_hdrs = lh->next_free;
    if (n <= p->len)
        memcpy(lh->bytes, p->payload, n);
    else
        pbuf_copy_partial(p, lh->bytes, (u16_t)n, 0);
    lh->pc.custom_free_function = hdr_free;
    return pbuf_alloced_custom(PBUF_RAW, (u16_t)n, PBUF_REF, &lh->pc, lh->bytes, (u16_t)n);
}

/* Puts packet h (its last buffer last) on n's loopback queue. */
static void enqueue(struct netif *n, struct pbuf *h, struct pbuf *last)
{
    if (n->loop_first)
        n->loop_last->next = h;
    else
        n->loop_first = h;
    n->loop_last = last;
}

err_t __wrap_netif_loop_output(struct netif *n, struct pbuf *p)
{
    if (p->tot_len <= sizeof(hdrs[0].bytes) && free_hdrs) { /* small: a copy, ours */
        struct pbuf *h = hdr_copy(p, p->tot_len);
        enqueue(n, h, h);
        return ERR_OK;
    }
    unsigned pieces, hl = p->tot_len < LOOP_REF_MIN ? 0 : tcp_headers(p, &pieces);
    if (!hl)
        return __real_netif_loop_output(n, p);
    struct pbuf *h = hdr_copy(p, hl), *tail = h; /* the headers (no walk of lwIP's heap) */
    u16_t rest = p->tot_len; /* each buffer's tot_len: its bytes and those after it */
    h->tot_len = rest;
    rest = (u16_t)(rest - h->len);
    for (struct pbuf *q = p; q; q = q->next) {
        unsigned off = q == p ? hl : 0;
        if (q->len > off) {
            struct loop_ref *r = free_refs;
            free_refs = r->next_free;
            nfree--;
            pbuf_ref(q);
            r->orig = q;
            r->pc.custom_free_function = ref_free;
            u16_t len = (u16_t)(q->len - off);
            /* (never NULL: the memory is exactly len) */
            struct pbuf *d = pbuf_alloced_custom(PBUF_RAW, len, PBUF_REF, &r->pc,
                                                 (uint8_t *)q->payload + off, len);
            d->tot_len = rest;
            rest = (u16_t)(rest - len);
            tail->next = d;
            tail = d;
        }
        if (q->len == q->tot_len)
            break;
    }
    enqueue(n, h, tail);
    return ERR_OK;
}

void net_loop_init(void)
{
    for (unsigned i = 0; i < LOOP_REFS; i++) {
        refs[i].next_free = free_refs;
        free_refs = &refs[i];
        hdrs[i].next_free = free_hdrs;
        free_hdrs = &hdrs[i];
    }
    nfree = LOOP_REFS;
}
