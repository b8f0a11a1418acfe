/*
 * init: the first component. It holds every initial capability, reads the system
 * configuration from the boot archive, starts the components it names (each with its
 * own quota, domain, log and start page), serves their exit calls and faults, and
 * powers the machine off when told to and everything has ended.
 */
#ifndef CAPIX_INIT_H
#define CAPIX_INIT_H

#include <stdbool.h>
#include <capix/capix.h>
#include <capix/config.h>

#define MAX_CHILDREN 32
#define SCRATCH 0x40000000ul /* where init maps a page to fill it */
#define MAX_CHILD_MEMS 24
#define MAX_CHILD_CAPS 8

struct child_cap {
    const char *name;            /* the config node: io, irq, boot-archive */
    const char *label;           /* the name the child sees */
    const struct cfg_node *node; /* for error messages */
    uint64_t first, count;       /* io range, mmio base and size, or irq gsi in first */
};

#define MAX_SERVICES 4
#define MAX_ROUTES 8

/* `route SERVICE to=COMPONENT [label=L | label-prefix=L | label-suffix=L]` */
struct route {
    const char *service, *to, *label;
    int match; /* 0 any label, 1 exact, 2 prefix, 3 suffix */
    const struct cfg_node *node;
};

/* How long init waits for a provider to answer a session request (docs/sessions.md,
 * "Timeouts"): a provider that does not answer in time fails that request with EIO, and
 * init goes on without asking it again until it announces the service again. */
#define INIT_CALL_TIMEOUT_NS (5ul * 1000000000ul)

struct child {
    char name[32];
    unsigned nprovides;
    const char *provides[MAX_SERVICES];
    uint64_t service_ep[MAX_SERVICES]; /* announced: the server's endpoint (0: not yet) */
    bool unanswered[MAX_SERVICES];     /* it let a session request time out: not asked
                                          again until it announces the service again */
    unsigned nroutes;
    struct route routes[MAX_ROUTES];
    const char *binary;
    uint64_t quota_bytes, stack_bytes, priority, slots;
    const struct cfg_node *node;
    size_t cfg_start, cfg_end; /* the component's bytes in the config text */
    unsigned nargs;
    const char *args[16];
    unsigned ncaps;
    struct child_cap caps[MAX_CHILD_CAPS];
    const char *pci_sel;             /* `pci SELECTOR` (docs/pci.md), or NULL */
    const struct cfg_node *pci_node; /* for error messages */
    bool awaited;                    /* `when-done shutdown` waits for it */
    uint64_t stop_after_ns; /* `stop-after`: init ends it this long after its start (0: never) */
    uint64_t stop_at_ns;    /* while running: when (cx_clock_ns), or 0 */
    /* while running: original capabilities held by init */
    int alive;
    uint64_t quota, pd, thread, log, parent_ep;
    uint64_t mems[MAX_CHILD_MEMS];
    unsigned nmems;
    uint64_t extra[MAX_CHILD_CAPS];
    int pci_dev;           /* the PCI device it holds: index + 1, 0 none */
    uint64_t pci_caps[10]; /* init's originals of its info page, BARs and interrupt */
    unsigned npci_caps;
    unsigned denials;  /* session requests denied (the first few are logged) */
    unsigned silences; /* session requests it did not answer in time (as a provider) */
    const void *elf;
    size_t elf_len;
};

/* config.c: reads init's vocabulary; 0 or a negative CFG_E* with *err filled. */
int init_read_config(const char *text, size_t len, struct child *children, unsigned *count,
                     int *shutdown_when_done, struct cfg_error *err);

/* config.c: c's own view of the config text[0..len) into out (at most len bytes);
 * returns its length. Every character outside c's component node becomes one space
 * (a UTF-8 sequence one space, so that columns stay), newlines and a byte-order mark
 * stay: it parses with the same lines and columns (docs/config.md). */
size_t init_config_view(const char *text, size_t len, const struct child *c, char *out);

/* loader.c: builds and starts a child; 0 or a CX_E_* code. */
int child_start(struct child *c, uint64_t badge, uint64_t init_ep, const void *archive,
                size_t archive_len, const char *config, size_t config_len);
void child_destroy(struct child *c);

/* session.c: services and session requests (docs/sessions.md) */
void session_announce(struct child *c, struct cx_msg *m, uint64_t recv_slot);
void session_request(struct child *children, unsigned count, struct child *c, struct cx_msg *m,
                     uint64_t recv_slot);
/* route.c: the provider of the first route of c that takes a session of service with
 * label (docs/sessions.md), with the index of the service in its provides list; NULL if
 * no route matches (or, in an unchecked config, its target does not provide it). */
struct child *route_find(struct child *children, unsigned count, const struct child *c,
                         const char *service, const char *label, unsigned *service_index);
/* route.c: the label the provider sees, "REQUESTER -> LABEL" (just REQUESTER for an
 * empty label), cut to size - 1 bytes and NUL-padded to size. */
void route_full_label(char *out, size_t size, const char *requester, const char *label);
/* route.c: whether init takes a label (and a service name) a requester asked for: 0,
 * -EINVAL (-22) when either holds "->" or a control character, -ENAMETOOLONG (-36)
 * when "REQUESTER -> LABEL" does not fit a provider's size - 1 bytes (it is never cut). */
int route_label_check(size_t size, const char *requester, const char *service, const char *label);
/* main.c: a capability init no longer needs after its next reply */
void session_defer_free(uint64_t slot);

/* main.c: ends a running child on init's own decision (stop-after), saying why */
void child_stop(struct child *c, const char *why);

/* pci.c: scans the PCI bus (once) and places every BAR in the windows of bi */
void init_pci_scan(const struct cx_bootinfo *bi);
/* pci.c: gives c its `pci` device (claiming it), as named capabilities on *si */
int child_pci(struct child *c, struct cx_startinfo *si);
/* pci.c: takes the device back from c (its DMA stopped first) */
void child_pci_release(struct child *c);

/* rtc.c: wall-clock time minus the monotonic clock, in ns (0 if the RTC is unreadable). */
int64_t rtc_realtime_offset_ns(void);
extern int64_t realtime_offset_ns;
const char *child_symbol(const struct child *c, uint64_t addr, uint64_t *offset);

#endif
