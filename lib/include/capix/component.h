/*
 * What a component and its parent (init, or the POSIX launcher) agree on beyond the
 * kernel ABI: the start page and the config window mapped into every child, the exit
 * message, and the session protocol's labels and label sizes (docs/sessions.md). The
 * kernel knows none of it: it only maps what the parent asks and carries the messages.
 */
#ifndef CAPIX_COMPONENT_H
#define CAPIX_COMPONENT_H

#include <stdint.h>

/* Start information handed by a parent to a child: a read-only page at
 * CX_STARTINFO_ADDR, whose address the first thread also gets in rdi. */
#define CX_STARTINFO_ADDR 0x200000ul
#define CX_STARTINFO_MAGIC 0x43415049585349ul /* "CAPIXSI" */
struct cx_startinfo {
    uint64_t magic;
    uint64_t argc;
    uint64_t args_offset; /* offset in this page: argc NUL-terminated strings */
    uint64_t slots;       /* size of the component's capability space */
    uint64_t ncaps;       /* named capabilities given beyond the fixed slots */
    struct {
        uint64_t slot;
        uint64_t value; /* what the capability needs said: a size, a port, ... */
        char name[24];
    } caps[32];
    char name[32];              /* the component's name */
    uint64_t config_size;       /* bytes of config text at CX_CONFIG_ADDR (0: none) */
    int64_t realtime_offset_ns; /* wall-clock time = clock (ns since boot) + this; 0: unknown */
    uint64_t priority;          /* the first thread's: no thread of the component goes above */
};

/* A component's own part of the system configuration, read-only at CX_CONFIG_ADDR: the
 * text of the config file with every byte outside the component's own node blanked
 * (newlines kept), so that it parses with the same file, line and column numbers. */
#define CX_CONFIG_ADDR 0x300000ul
#define CX_CONFIG_MAX (1ul << 20)

/* Labels of messages to the parent (init). */
#define CX_LABEL_EXIT 0xe1

/* Session protocol labels (docs/sessions.md): to the parent, and parent to provider. */
#define CX_LABEL_ANNOUNCE 0xa1ul       /* words: service name; cap: the service endpoint */
#define CX_LABEL_SESSION 0xa2ul        /* words: service, label; cap: donated quota */
#define CX_LABEL_SESSION_CREATE 0xa3ul /* words: full label; cap: quota; reply caps: */
                                       /* session endpoint, shared memory */
#define CX_SESSION_SERVICE_WORDS 4     /* a service name: 32 bytes, NUL-padded */
#define CX_SESSION_LABEL_WORDS 12      /* a requester's label: 96 bytes */
#define CX_SESSION_FULL_WORDS 16       /* the label a provider sees: 128 bytes */

#endif
