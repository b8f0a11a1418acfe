/*
 * Host test of the Nic session's rings (docs/nic-protocol.md): the driver's side
 * (nic_ring.c) against the network server's client side (net/nic_client.c) on plain
 * memory, then a hostile client: indexes far ahead or behind, buffers and lengths out
 * of range, scribbles on the driver's own indexes, and indexes wrapping past 2^32.
 * Prints one PASS/FAIL line per case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../net/nic_client.h"
#include "nic_ring.h"

static int failures;
static uint8_t *mem;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "PASS" : "FAIL", what);
    failures += !ok;
}

/* A fresh session: the header as the driver writes it, the port and the client. */
static void fresh(struct nic_port *p, struct nic_client *c)
{
    memset(mem, 0, NIC_SHARED_BYTES);
    struct nic_shared *h = (struct nic_shared *)mem;
    h->magic = NIC_SHARED_MAGIC;
    h->ring_size = NIC_RING_SIZE;
    h->buf_size = NIC_BUF_SIZE;
    h->nbufs = NIC_BUFS;
    h->bufs_offset = NIC_BUFS_OFFSET;
    h->frame_max = NIC_FRAME_MAX;
    nic_port_init(p, mem, NIC_BUFS);
    if (c && nic_client_init(c, mem))
        abort();
}

static void client_and_driver(void)
{
    struct nic_port p;
    struct nic_client c;
    fresh(&p, &c);
    struct nic_desc d;
    unsigned fills = 0;
    int ok = 1;
    while (nic_take(&p, NIC_RING_FILL, &d) == 1) {
        ok &= d.buf == fills && nic_check(&p, NIC_RING_FILL, &d) == 0;
        fills++;
    }
    check(ok && fills == NIC_RING_SIZE, "the client posts every receive buffer on FILL");

    uint8_t frame[60];
    for (unsigned i = 0; i < sizeof(frame); i++)
        frame[i] = (uint8_t)i;
    ok = nic_client_tx(&c, frame, sizeof(frame)) == 0 && c.need_kick;
    ok &= nic_take(&p, NIC_RING_TX, &d) == 1 && nic_check(&p, NIC_RING_TX, &d) == 0 &&
          d.len == 60 && d.buf >= NIC_RING_SIZE &&
          !memcmp(mem + NIC_BUFS_OFFSET + d.buf * NIC_BUF_SIZE, frame, 60);
    ok &= nic_take(&p, NIC_RING_TX, &d) == 0;
    check(ok, "a frame sent: one TX entry, its bytes in its buffer");

    /* every send buffer used, none back: the client has none left */
    unsigned sent = 1;
    while (nic_client_tx(&c, frame, sizeof(frame)) == 0)
        sent++;
    check(sent == NIC_BUFS - NIC_RING_SIZE, "the client sends at most its send buffers");
    struct nic_desc done[NIC_BUFS];
    unsigned n = 0;
    done[n++] = d;
    while (nic_take(&p, NIC_RING_TX, &done[n]) == 1)
        n++;
    ok = n == sent && nic_room(&p, NIC_RING_TX_DONE) == NIC_RING_SIZE;
    for (unsigned i = 0; i < n; i++)
        nic_put(&p, NIC_RING_TX_DONE, &(struct nic_desc){done[i].buf, 0, 0});
    ok &= nic_room(&p, NIC_RING_TX_DONE) == 0;
    ok &= nic_client_tx(&c, frame, sizeof(frame)) == 0; /* takes the done ones back */
    check(ok && nic_room(&p, NIC_RING_TX_DONE) == NIC_RING_SIZE,
          "TX_DONE gives the buffers back; room follows the client's consumer index");

    /* a received frame: the client sees its bytes, then gives the buffer back */
    memcpy(mem + NIC_BUFS_OFFSET + 5 * NIC_BUF_SIZE, frame, 42);
    nic_put(&p, NIC_RING_RX, &(struct nic_desc){5, 42, 0});
    uint32_t buf;
    const uint8_t *data;
    uint16_t len;
    ok = nic_client_rx_ready(&c) && nic_client_rx(&c, &buf, &data, &len) == 1 && buf == 5 &&
         len == 42 && !memcmp(data, frame, 42) && !nic_client_rx_ready(&c);
    nic_client_refill(&c, buf);
    ok &= nic_take(&p, NIC_RING_FILL, &d) == 1 && d.buf == 5;
    check(ok, "a received frame reaches the client, its buffer comes back on FILL");

    /* what the client refuses of the driver: an error entry, a length out of range, a
     * send buffer named on RX */
    nic_put(&p, NIC_RING_RX, &(struct nic_desc){6, 0, NIC_D_ERROR});
    nic_put(&p, NIC_RING_RX, &(struct nic_desc){7, 3000, 0});
    nic_put(&p, NIC_RING_RX, &(struct nic_desc){200, 60, 0});
    ok = nic_client_rx(&c, &buf, &data, &len) == 0 && c.bad == 2;
    check(ok, "the client drops the driver's bad RX entries");
}

static void hostile(void)
{
    struct nic_port p;
    struct nic_desc d;
    fresh(&p, NULL);
    volatile struct nic_desc *tx = nic_ring(mem, NIC_RING_TX);

    *nic_prod(mem, NIC_RING_TX) = NIC_RING_SIZE + 1;
    int ok = nic_take(&p, NIC_RING_TX, &d) == -1 && p.bad_index[NIC_RING_TX];
    *nic_prod(mem, NIC_RING_TX) = 0xffffffffu; /* "behind": wraps to a huge count */
    ok &= nic_take(&p, NIC_RING_TX, &d) == -1;
    check(ok, "a producer index past the ring (ahead or behind) takes nothing");

    tx[0] = (struct nic_desc){NIC_BUFS, 60, 0};
    tx[1] = (struct nic_desc){0, NIC_FRAME_MIN - 1, 0};
    tx[2] = (struct nic_desc){0, NIC_FRAME_MAX + 1, 0};
    tx[3] = (struct nic_desc){0xffffffffu, 0xffff, 0xffff};
    tx[4] = (struct nic_desc){NIC_BUFS - 1, NIC_FRAME_MAX, 0};
    *nic_prod(mem, NIC_RING_TX) = 5;
    int errs[5];
    for (unsigned i = 0; i < 5; i++)
        errs[i] = nic_take(&p, NIC_RING_TX, &d) == 1 ? nic_check(&p, NIC_RING_TX, &d) : 1;
    check(errs[0] == -22 && errs[1] == -22 && errs[2] == -22 && errs[3] == -22 && errs[4] == 0 &&
              !p.bad_index[NIC_RING_TX],
          "TX entries: a buffer past the session's, lengths outside 14..1514 get EINVAL");

    /* the client scribbles on the driver's consumer index: nothing taken twice */
    *nic_cons(mem, NIC_RING_TX) = 0;
    check(nic_take(&p, NIC_RING_TX, &d) == 0 && p.index[NIC_RING_TX] == 5,
          "the driver's own index is never read back from shared memory");

    /* an entry read once: changing it after the take changes nothing taken */
    tx[5] = (struct nic_desc){1, 100, 0};
    *nic_prod(mem, NIC_RING_TX) = 6;
    ok = nic_take(&p, NIC_RING_TX, &d) == 1;
    tx[5].buf = NIC_BUFS + 7;
    check(ok && d.buf == 1 && nic_check(&p, NIC_RING_TX, &d) == 0,
          "an entry is copied once, then checked");

    /* FILL: only the buffer index matters */
    volatile struct nic_desc *fill = nic_ring(mem, NIC_RING_FILL);
    fill[0] = (struct nic_desc){NIC_BUFS, 0, 0};
    fill[1] = (struct nic_desc){3, 0xffff, 0};
    *nic_prod(mem, NIC_RING_FILL) = 2;
    ok = nic_take(&p, NIC_RING_FILL, &d) == 1 && nic_check(&p, NIC_RING_FILL, &d) == -22;
    ok &= nic_take(&p, NIC_RING_FILL, &d) == 1 && nic_check(&p, NIC_RING_FILL, &d) == 0;
    check(ok, "FILL entries: a buffer past the session's gets EINVAL");

    /* room: a consumer index ahead of what was produced, or far behind, is no room */
    *nic_cons(mem, NIC_RING_RX) = 1;
    ok = nic_room(&p, NIC_RING_RX) == 0;
    *nic_cons(mem, NIC_RING_RX) = 0x80000000u;
    ok &= nic_room(&p, NIC_RING_RX) == 0;
    *nic_cons(mem, NIC_RING_RX) = 0;
    ok &= nic_room(&p, NIC_RING_RX) == NIC_RING_SIZE;
    check(ok, "a client consumer index out of range gives no room");

    /* indexes wrapping past 2^32 */
    p.index[NIC_RING_TX] = 0xfffffffeu;
    *nic_prod(mem, NIC_RING_TX) = 2;
    for (unsigned i = 0; i < 4; i++)
        tx[(0xfffffffeu + i) % NIC_RING_SIZE] = (struct nic_desc){i, 60, 0};
    unsigned taken = 0;
    ok = 1;
    while (nic_take(&p, NIC_RING_TX, &d) == 1)
        ok &= d.buf == taken++;
    check(ok && taken == 4 && *nic_cons(mem, NIC_RING_TX) == 2,
          "indexes wrap past 2^32 (free-running counters)");
}

int main(void)
{
    mem = aligned_alloc(4096, NIC_SHARED_BYTES);
    if (!mem)
        return 2;
    client_and_driver();
    hostile();
    free(mem);
    printf("%s\n", failures ? "nic_ring_test: FAILED" : "nic_ring_test: all passed");
    return failures != 0;
}
