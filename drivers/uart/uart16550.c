/* The 16550 UART driver (uart16550.h). Registers: National Semiconductor PC16550D
 * data sheet; offsets from the base port. */
#include "uart16550.h"
#include <capix/capix.h>

enum {
    RBR = 0, /* receive buffer (read), transmit holding (write), divisor low (DLAB) */
    IER = 1, /* interrupt enable, divisor high (DLAB) */
    FCR = 2, /* FIFO control (write) */
    LCR = 3, /* line control */
    MCR = 4, /* modem control */
    LSR = 5, /* line status */
    SCR = 7, /* scratch */
};
#define LSR_DR 0x01           /* data ready */
#define LSR_THRE 0x20         /* transmit holding register empty */
#define IER_RDA 0x01          /* interrupt: received data available */
#define MCR_DTR_RTS_OUT2 0x0b /* OUT2 gates the interrupt line on PCs */

static uint8_t in(const struct uart *u, unsigned reg)
{
    uint64_t v = 0;
    cx_io_in(u->io, u->base + reg, 1, &v);
    return (uint8_t)v;
}

static void out(const struct uart *u, unsigned reg, uint8_t v)
{
    cx_io_out(u->io, u->base + reg, 1, v);
}

int uart_init(const struct uart *u)
{
    out(u, SCR, 0x5a);
    if (in(u, SCR) != 0x5a)
        return -1;
    out(u, IER, 0);
    out(u, LCR, 0x80); /* DLAB: the divisor of 115200 is 1 */
    out(u, RBR, 1);
    out(u, IER, 0);
    out(u, LCR, 0x03); /* 8N1 */
    out(u, FCR, 0x07); /* FIFOs on and cleared, interrupt at every byte */
    out(u, MCR, MCR_DTR_RTS_OUT2);
    while (in(u, LSR) & LSR_DR) /* what arrived before we were ready */
        (void)in(u, RBR);
    out(u, IER, IER_RDA);
    return 0;
}

size_t uart_read(const struct uart *u, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n && (in(u, LSR) & LSR_DR))
        buf[got++] = in(u, RBR);
    return got;
}

void uart_write(const struct uart *u, const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        while (!(in(u, LSR) & LSR_THRE))
            ;
        out(u, RBR, buf[i]);
    }
}
