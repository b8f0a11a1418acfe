/*
 * The Terminal session protocol (docs/terminal.md): between the terminal server
 * (drivers/terminal) and its client, the `terminal` VFS plugin in every process of a
 * sandbox, with the launcher (posix-spawn) holding the session for the sandbox.
 *
 * A session is an endpoint and a shared memory object (struct term_shared, then
 * TERM_AREAS data areas of TERM_AREA_BYTES). A request is an IPC call with label
 * TERM_LABEL_REQUEST: w0 the operation, w1 the caller's data area, w2.. arguments; the
 * reply's w0 is a count or 0, or a negative Linux errno. Bytes and structs travel in
 * the caller's data area, never in the message. Each process of the sandbox uses its
 * own area (its index in the launcher's process table), so processes never share one;
 * the server trusts nothing: an area or length out of range gets -EINVAL.
 *
 * Waiting: the server signals the session's input notification (bound once with
 * TERM_OP_BIND) whenever input becomes readable, output may go on after a stop, or the
 * terminal's state changes; readers wait on it and ask again. Signals the line
 * discipline raises (Ctrl-C, Ctrl-Z, Ctrl-\, a window-size change) are set as bits in
 * term_shared.sig_pending and announced on the event notification, which the launcher
 * waits on: it sends them to the terminal's foreground process group.
 */
#ifndef CAPIX_TERM_PROTOCOL_H
#define CAPIX_TERM_PROTOCOL_H

#include <stdint.h>

#define TERM_LABEL_REQUEST 0x7e01ul
#define TERM_SERVICE "Terminal"

#define TERM_AREAS 64          /* one per process of a sandbox (RT_MAX_PROCS) */
#define TERM_AREA_BYTES 4096ul /* the most a read or write moves in one request */
#define TERM_SHARED_BYTES (4096ul + TERM_AREAS * TERM_AREA_BYTES)

enum term_op {
    TERM_OP_BIND = 1, /* caps: input notification, event notification */
    TERM_OP_WRITE,    /* w2 length: output from the area; returns the bytes taken (0..len),
                         -EAGAIN when output is stopped (Ctrl-S, TCOOFF) */
    TERM_OP_READ,     /* w2 most: input into the area; returns bytes, 0 at end of file
                         (VEOF), -EAGAIN when nothing is readable */
    TERM_OP_TCGETS,   /* struct term_termios into the area */
    TERM_OP_TCSETS,   /* struct term_termios from the area; w2: TERM_SET_NOW, _DRAIN, _FLUSH */
    TERM_OP_GWINSZ,   /* struct term_winsize into the area */
    TERM_OP_SWINSZ,   /* struct term_winsize from the area (SIGWINCH when it changed) */
    TERM_OP_FLUSH,    /* w2: TCIFLUSH 0, TCOFLUSH 1, TCIOFLUSH 2 */
    TERM_OP_FLOW,     /* w2: TCOOFF 0, TCOON 1, TCIOFF 2, TCION 3 */
    TERM_OP_NREAD,    /* returns the bytes queued for reading (FIONREAD) */
    TERM_OP_COUNT
};
#define TERM_SET_NOW 0
#define TERM_SET_DRAIN 1
#define TERM_SET_FLUSH 2

/* Page 0 of the shared memory. The server writes readable/sig_pending; the launcher
 * writes fg_pgrp and sid (a copy of its own record, for the runtime's SIGTTIN and
 * SIGTTOU checks). */
struct term_shared {
    uint32_t magic;       /* TERM_MAGIC once the server has set it up */
    uint32_t readable;    /* 1 when a read would not block (data or end of file) */
    uint32_t writable;    /* 1 when output is not stopped */
    uint32_t seq;         /* incremented on every change of the fields above */
    uint64_t sig_pending; /* bit sig-1: the line discipline raised sig */
    uint32_t lflag;       /* the line discipline's c_lflag (ICANON, TOSTOP) */
    uint8_t vmin, vtime;  /* its c_cc[VMIN], c_cc[VTIME] (for the reader's loop) */
    uint8_t pad[2];
    int32_t fg_pgrp, sid; /* the launcher's: foreground group, session (0: none) */
};
#define TERM_MAGIC 0x7e4d4e4cu

/* The clients' part of page 0, from TERM_DESC_OFFSET: a slot per open file description
 * of the terminal (an open(), not a dup or a fork), holding its status flags
 * (O_NONBLOCK, O_APPEND, ...) for every process that holds the description: fork
 * children, receivers of SCM_RIGHTS. refs counts those processes (and messages on their
 * way); the slot is free at 0. Any process of the sandbox may write any of it; the
 * server neither reads nor writes it (libc/terminal.c). */
#define TERM_DESCS 64
#define TERM_DESC_OFFSET 2048
struct term_desc {
    uint32_t refs;
    uint32_t status;
};
_Static_assert(TERM_DESC_OFFSET + TERM_DESCS * sizeof(struct term_desc) <= 4096, "in page 0");
_Static_assert(sizeof(struct term_shared) <= TERM_DESC_OFFSET, "before the slots");

/* Linux's struct termios as TCGETS and TCSETS move it (asm-generic/termbits.h). */
#define TERM_NCCS 19
struct term_termios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[TERM_NCCS];
};
struct term_winsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* c_cc indices */
#define TERM_VINTR 0
#define TERM_VQUIT 1
#define TERM_VERASE 2
#define TERM_VKILL 3
#define TERM_VEOF 4
#define TERM_VTIME 5
#define TERM_VMIN 6
#define TERM_VSWTC 7
#define TERM_VSTART 8
#define TERM_VSTOP 9
#define TERM_VSUSP 10
#define TERM_VEOL 11
#define TERM_VREPRINT 12
#define TERM_VDISCARD 13
#define TERM_VWERASE 14
#define TERM_VLNEXT 15
#define TERM_VEOL2 16

/* c_iflag */
#define TERM_IGNBRK 0000001u
#define TERM_BRKINT 0000002u
#define TERM_IGNPAR 0000004u
#define TERM_PARMRK 0000010u
#define TERM_INPCK 0000020u
#define TERM_ISTRIP 0000040u
#define TERM_INLCR 0000100u
#define TERM_IGNCR 0000200u
#define TERM_ICRNL 0000400u
#define TERM_IUCLC 0001000u
#define TERM_IXON 0002000u
#define TERM_IXANY 0004000u
#define TERM_IXOFF 0010000u
#define TERM_IMAXBEL 0020000u
#define TERM_IUTF8 0040000u

/* c_oflag */
#define TERM_OPOST 0000001u
#define TERM_OLCUC 0000002u
#define TERM_ONLCR 0000004u
#define TERM_OCRNL 0000010u
#define TERM_ONOCR 0000020u
#define TERM_ONLRET 0000040u
#define TERM_OFILL 0000100u
#define TERM_TABDLY 0014000u
#define TERM_XTABS 0014000u

/* c_cflag */
#define TERM_CBAUD 0010017u
#define TERM_B38400 0000017u
#define TERM_CSIZE 0000060u
#define TERM_CS8 0000060u
#define TERM_CSTOPB 0000100u
#define TERM_CREAD 0000200u
#define TERM_PARENB 0000400u
#define TERM_HUPCL 0002000u
#define TERM_CLOCAL 0004000u

/* c_lflag */
#define TERM_ISIG 0000001u
#define TERM_ICANON 0000002u
#define TERM_XCASE 0000004u
#define TERM_ECHO 0000010u
#define TERM_ECHOE 0000020u
#define TERM_ECHOK 0000040u
#define TERM_ECHONL 0000100u
#define TERM_NOFLSH 0000200u
#define TERM_TOSTOP 0000400u
#define TERM_ECHOCTL 0001000u
#define TERM_ECHOPRT 0002000u
#define TERM_ECHOKE 0004000u
#define TERM_FLUSHO 0010000u
#define TERM_PENDIN 0040000u
#define TERM_IEXTEN 0100000u

/* Linux ioctl numbers the terminal plugin answers */
#define TERM_TCGETS 0x5401
#define TERM_TCSETS 0x5402
#define TERM_TCSETSW 0x5403
#define TERM_TCSETSF 0x5404
#define TERM_TCSBRK 0x5409
#define TERM_TCXONC 0x540a
#define TERM_TCFLSH 0x540b
#define TERM_TIOCSCTTY 0x540e
#define TERM_TIOCGPGRP 0x540f
#define TERM_TIOCSPGRP 0x5410
#define TERM_TIOCOUTQ 0x5411
#define TERM_TIOCGWINSZ 0x5413
#define TERM_TIOCSWINSZ 0x5414
#define TERM_FIONREAD 0x541b
#define TERM_TIOCNOTTY 0x5422
#define TERM_TIOCGSID 0x5429
#define TERM_TIOCGPTN 0x80045430u
#define TERM_TCSBRKP 0x5425
#define TERM_TIOCSBRK 0x5427
#define TERM_TIOCCBRK 0x5428

/*
 * The client's view of a session (the `terminal` VFS plugin's, made by its host through
 * vfs_env.terminal): area gives this process's data area (it differs after fork); call
 * makes a request (the reply's w0, or -EIO when the server is gone); wait returns when
 * shared->seq differs from seq, after timeout_ns (UINT64_MAX: none), or with -EINTR
 * for a signal; ctl asks the launcher about the controlling terminal (TERM_CTL_*).
 */
struct vfs_file;
struct term_transport {
    void *ctx;
    const volatile struct term_shared *shared;
    void *(*area)(void *ctx);
    long (*call)(void *ctx, unsigned op, uint64_t arg);
    int (*wait)(void *ctx, uint32_t seq, uint64_t timeout_ns);
    long (*ctl)(void *ctx, unsigned op, long arg);
    /* Status flags shared by every holder of a description (each may be NULL: then a
     * description's flags are its own): opened gives a new description f a slot
     * (struct term_desc), closed drops this process's hold of f's, sync brings
     * f->flags up to date with what another holder set. */
    void (*opened)(void *ctx, struct vfs_file *f);
    void (*closed)(void *ctx, struct vfs_file *f);
    void (*sync)(void *ctx, struct vfs_file *f);
};

enum term_ctl {
    TERM_CTL_OPEN = 1, /* arg 1 for O_NOCTTY: a session leader without one gets it as its
                          controlling terminal otherwise */
    TERM_CTL_SCTTY,    /* TIOCSCTTY (arg: steal) */
    TERM_CTL_NOTTY,    /* TIOCNOTTY */
    TERM_CTL_GPGRP,    /* TIOCGPGRP: the foreground group, -ENOTTY when not ours */
    TERM_CTL_SPGRP,    /* TIOCSPGRP (arg: the group) */
    TERM_CTL_GSID,     /* TIOCGSID */
    TERM_CTL_JOB,      /* job control before a read (arg 0), a write with TOSTOP (1) or a
                          change of settings (2). The launcher answers 0 (the caller's group
                          is in the foreground, or it is not its terminal), 1 (background)
                          or 2 (background and orphaned); the runtime then gives the
                          plugin 0 go on, -EIO, or -EINTR after SIGTTIN or SIGTTOU was
                          sent to the caller's group (the call restarts) */
};

#endif
