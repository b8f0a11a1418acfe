/*
 * Fuzzer of the driver's side of the Nic rings (nic_ring.c): the input is a script of
 * what a hostile client does between the driver's steps: write any 32-bit value at any
 * index or ring entry of the shared memory, and let the driver take from TX or FILL or
 * produce on TX_DONE or RX. Nothing may crash or read outside the shared memory; an
 * entry that passes nic_check names a buffer inside it with a length that fits; the
 * driver never takes more entries than the client's index covers; room is at most a
 * ring.
 */
#include <stdlib.h>
#include <string.h>
#include "nic_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *mem;
    if (!mem && !(mem = malloc(NIC_BUFS_OFFSET)))
        abort();
    memset(mem, 0, NIC_BUFS_OFFSET);
    struct nic_port p;
    nic_port_init(&p, mem, NIC_BUFS);
    while (size >= 6) {
        uint8_t op = data[0];
        uint16_t where;
        uint32_t v;
        memcpy(&where, data + 1, 2);
        memcpy(&v, data + 2, 4);
        data += 6;
        size -= 6;
        unsigned r = op & 3;
        if ((op >> 2) % 3 == 0) { /* the client writes a word of pages 0 or 1 */
            uint32_t off = (where % (NIC_BUFS_OFFSET / 4)) * 4;
            memcpy(mem + off, &v, 4);
        } else if ((op >> 2) % 3 == 1) { /* the driver takes */
            unsigned ring = r & 1 ? NIC_RING_FILL : NIC_RING_TX;
            uint32_t before = p.index[ring];
            struct nic_desc d;
            int got = nic_take(&p, ring, &d);
            if (got == 1) {
                uint32_t prod;
                memcpy(&prod, mem + NIC_INDEX_OFFSET + 128 * ring, 4);
                if (p.index[ring] != before + 1 || prod - before > NIC_RING_SIZE)
                    abort();
                if (nic_check(&p, ring, &d) == 0) {
                    uint64_t end = NIC_BUFS_OFFSET + (uint64_t)d.buf * NIC_BUF_SIZE +
                                   (ring == NIC_RING_TX ? d.len : NIC_BUF_SIZE);
                    if (d.buf >= NIC_BUFS || end > NIC_SHARED_BYTES ||
                        (ring == NIC_RING_TX && (d.len < NIC_FRAME_MIN || d.len > NIC_FRAME_MAX)))
                        abort();
                }
            } else if (p.index[ring] != before) {
                abort();
            }
        } else { /* the driver produces, if the client's index leaves room */
            unsigned ring = r & 1 ? NIC_RING_RX : NIC_RING_TX_DONE;
            uint32_t room = nic_room(&p, ring);
            if (room > NIC_RING_SIZE)
                abort();
            if (room)
                nic_put(&p, ring, &(struct nic_desc){v % NIC_BUFS, (uint16_t)where, 0});
        }
    }
    return 0;
}
