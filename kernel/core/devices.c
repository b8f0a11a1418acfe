/*
 * Device objects: IRQs (a GSI bound to a notification; masked from delivery until
 * acknowledged), I/O-port ranges (port access through calls, checked against the
 * range), and log objects (labelled line output on the kernel console).
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"

static struct irq *irq_table[VEC_IRQ_COUNT];
static struct log root_log = {.obj = {.type = CX_T_LOG, .refs = 1}};

void irq_dispatch(uint32_t gsi)
{
    ioapic_mask(gsi, 1);
    lapic_eoi();
    struct irq *irq = irq_table[gsi];
    if (irq && irq->notif)
        notif_signal_bits(irq->notif, irq->bits);
}

void irq_teardown(struct irq *irq)
{
    ioapic_mask(irq->gsi, 1);
    if (irq_table[irq->gsi] == irq)
        irq_table[irq->gsi] = NULL;
    if (irq->notif) {
        kobj_put(&irq->notif->obj);
        irq->notif = NULL;
    }
}

long irq_do_create(struct quota *q, uint64_t gsi, uint64_t mode, struct cap *dst)
{
    int err;
    if (gsi >= VEC_IRQ_COUNT || (mode & ~(uint64_t)(CX_IRQ_LEVEL | CX_IRQ_ACTIVE_LOW)))
        return CX_E_INVALID_ARG;
    if (irq_table[gsi])
        return CX_E_BUSY;
    struct irq *irq = kobj_alloc(q, CX_T_IRQ, sizeof(*irq), &err);
    if (!irq)
        return err;
    irq->gsi = (uint32_t)gsi;
    irq_table[gsi] = irq;
    ioapic_set_mode((uint32_t)gsi, mode & CX_IRQ_LEVEL, mode & CX_IRQ_ACTIVE_LOW);
    cap_install_original(dst, &irq->obj, CX_R_ALL);
    return 0;
}

long irq_do_bind(struct irq *irq, struct notif *n, uint64_t bits)
{
    if (irq->notif)
        kobj_put(&irq->notif->obj);
    irq->notif = n;
    irq->bits = bits;
    kobj_get(&n->obj);
    ioapic_mask(irq->gsi, 0);
    return 0;
}

long irq_do_ack(struct irq *irq)
{
    if (!irq->notif)
        return CX_E_INVALID_ARG;
    ioapic_mask(irq->gsi, 0);
    return 0;
}

long io_access(struct io *io, uint64_t port, uint64_t width, bool out, uint64_t *value)
{
    if (width != 1 && width != 2 && width != 4)
        return CX_E_INVALID_ARG;
    if (!range_within(port, width, io->base, (uint64_t)io->base + io->count))
        return CX_E_NO_RIGHTS;
    uint16_t p = (uint16_t)port;
    if (out) {
        if (width == 1)
            outb(p, (uint8_t)*value);
        else if (width == 2)
            outw(p, (uint16_t)*value);
        else
            outl(p, (uint32_t)*value);
    } else {
        *value = width == 1 ? inb(p) : width == 2 ? inw(p) : inl(p);
    }
    return 0;
}

struct log *log_root(void)
{
    return &root_log;
}

static void log_flush(struct log *l)
{
    if (l->label[0]) {
        console_write("[", 1);
        console_write(l->label, strlen(l->label));
        console_write("] ", 2);
    }
    console_write(l->line, l->len);
    console_write("\n", 1);
    l->len = 0;
}

/* Write bytes to a log object: whole lines go out with the label in front. */
void log_put(struct log *l, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            log_flush(l);
            continue;
        }
        if (l->len == sizeof(l->line))
            log_flush(l);
        l->line[l->len++] = s[i];
    }
}
