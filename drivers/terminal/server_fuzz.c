/*
 * Fuzz target for the terminal server's request decoder (server.c): random sequences of
 * requests (any operation number, any argument, any area contents, a missing area) and
 * keystrokes. Every request must get an answer in range; nothing may crash.
 */
#include <stdlib.h>
#include <string.h>
#include "server.h"

static uint8_t shared_mem[TERM_SHARED_BYTES];
static uint8_t area[TERM_AREA_BYTES];

static void out(void *ctx, const uint8_t *buf, size_t n)
{
    (void)buf, (void)n;
}

static void notify(void *ctx, unsigned which)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct term_server srv;
    struct term_server_ops ops = {.out = out, .notify = notify};
    term_server_init(&srv, &ops);
    memset(shared_mem, 0, sizeof(shared_mem));
    term_server_attach(&srv, (struct term_shared *)shared_mem);
    size_t i = 0;
    while (i + 4 <= size) {
        uint8_t kind = data[i], op = data[i + 1];
        uint16_t arg = (uint16_t)(data[i + 2] | data[i + 3] << 8);
        i += 4;
        size_t n = size - i < 64 ? size - i : 64;
        if (kind & 1) { /* keystrokes */
            term_server_input(&srv, data + i, n);
        } else { /* a request, the area filled from the input */
            memset(area, 0, sizeof(area));
            memcpy(area, data + i, n);
            long r =
                term_server_handle(&srv, op % (TERM_OP_COUNT + 2), arg, (kind & 2) ? NULL : area);
            if (r > (long)TERM_AREA_BYTES || r < -4095)
                abort();
        }
        i += n;
    }
    term_server_attach(&srv, NULL);
    return 0;
}
