/*
 * The 16550 UART (README.md): a PC serial port driven through its eight I/O ports and
 * its interrupt. The driver is a library the terminal server compiles in; it holds no
 * state but the port capability and base, so any component with those capabilities
 * can drive a port.
 */
#ifndef UART16550_H
#define UART16550_H

#include <stddef.h>
#include <stdint.h>

struct uart {
    uint64_t io;   /* capability slot: an I/O-port range covering base .. base+7 */
    uint16_t base; /* first port: 0x3f8 COM1, 0x2f8 COM2, 0x3e8 COM3, 0x2e8 COM4 */
};

/* Programs the port: 115200 baud, 8 data bits, no parity, one stop bit, FIFOs on,
 * interrupt on received data. Returns 0, or -1 when no UART answers at base (the
 * scratch register does not keep what is written). */
int uart_init(const struct uart *u);

/* Takes what the receiver holds (at most n bytes); returns the count. */
size_t uart_read(const struct uart *u, uint8_t *buf, size_t n);

/* Sends n bytes, waiting for room in the transmitter: nothing is dropped. */
void uart_write(const struct uart *u, const uint8_t *buf, size_t n);

#endif
