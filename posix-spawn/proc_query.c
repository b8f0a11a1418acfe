/*
 * /proc queries (RT_LABEL_PROC): what the launcher's process table holds about any
 * process of the sandbox, and what each runtime announces about itself at exec.
 */
#include "launcher.h"
#include <vfs/linux.h>

/*
 * RT_LABEL_PROC (capix/posix_protocol.h): the process table as /proc shows it. What a process says
 * of itself (RT_PROC_SET) is only its own name, cut to the fields' sizes; the rest is the
 * launcher's. Only this sandbox's processes exist here. Returns the reply's word count
 * (m->w filled) with w0 0, a count or -errno.
 */
long proc_set(struct proc *pr, uint64_t clen, uint64_t nlen, const uint64_t *name,
              const uint64_t *cmd, unsigned cmd_words)
{
    if (clen > RT_PROC_CMD_MAX || nlen > 15 || (clen + 7) / 8 > cmd_words)
        return -EINVAL;
    memset(pr->comm, 0, sizeof(pr->comm));
    memcpy(pr->comm, name, nlen);
    memcpy(pr->cmd, cmd, clen);
    pr->cmd_len = (uint32_t)clen;
    return 0;
}

unsigned proc_query(struct proc *pr, struct cx_msg *m, unsigned words)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    uint64_t op = m->w[0];
    if (words < 2) {
        m->w[0] = (uint64_t)-EINVAL;
        return 1;
    }
    if (op == RT_PROC_SET) {
        m->w[0] = words < 6 ? (uint64_t)-EINVAL
                            : (uint64_t)proc_set(pr, m->w[1], m->w[2], b->words + 4, b->words + 6,
                                                 words - 6);
        return 1;
    }
    if (op == RT_PROC_LIST) {
        long after = (long)m->w[1];
        unsigned n = 0;
        /* ascending (the table is in no pid order): the smallest above after, each time */
        for (;;) {
            long best = -1;
            for (int i = 0; i < MAX_PROCS; i++)
                if (procs[i].state != P_FREE && procs[i].pid > after &&
                    (best < 0 || procs[i].pid < best))
                    best = procs[i].pid;
            if (best < 0 || n == RT_PROC_LIST_MAX)
                break;
            b->words[1 + n++] = (uint64_t)best;
            after = best;
        }
        memcpy(m->w + 1, b->words + 1, 3 * 8); /* words 1..3 travel in registers */
        m->w[0] = n;
        return 1 + n;
    }
    if (op != RT_PROC_INFO) {
        m->w[0] = (uint64_t)-EINVAL;
        return 1;
    }
    struct proc *q = m->w[1] > 0 && m->w[1] < (1ul << 31) ? find_proc((int)m->w[1]) : NULL;
    if (!q || q->state == P_FREE) {
        m->w[0] = (uint64_t)-ESRCH;
        return 1;
    }
    struct rt_proc_reply r;
    memset(&r, 0, sizeof(r));
    r.ppid = q->ppid, r.pgid = q->pgid, r.sid = q->sid, r.tpgid = -1;
    r.state = q->state == P_ZOMBIE ? 'Z' : q->stop_sig ? 'T' : q == pr ? 'R' : 'S';
    r.start_ns = q->start_ns;
    r.uid[0] = q->cred.uid.real, r.uid[1] = q->cred.uid.eff;
    r.uid[2] = q->cred.uid.saved, r.uid[3] = q->cred.uid.fs;
    r.gid[0] = q->cred.gid.real, r.gid[1] = q->cred.gid.eff;
    r.gid[2] = q->cred.gid.saved, r.gid[3] = q->cred.gid.fs;
    if (q->state == P_RUNNING) {
        for (int i = 0; i < MAX_TTYS; i++) {
            if (ttys[i].id && is_ctty(&ttys[i], q)) {
                r.tty_nr = (4u << 8) | 64u; /* ttyS0, as the terminal plugin's rdev */
                r.tpgid = ttys[i].fg ? ttys[i].fg : -1;
            }
        }
        if (q->thread && !q->host) {
            struct cx_ret t = cx_raw_thread_config(q->thread, CX_TCFG_CPU_TIME, 0, 0, 0, 0);
            r.cpu_ns = t.rsi, r.sys_ns = t.rdi < t.rsi ? t.rdi : t.rsi;
        }
    } else {
        r.cpu_ns = q->cpu_ns, r.sys_ns = q->sys_ns;
    }
    memcpy(r.comm, q->comm, sizeof(r.comm));
    r.cmd_len = q->cmd_len;
    memcpy(r.cmd, q->cmd, q->cmd_len);
    unsigned n = (unsigned)((offsetof(struct rt_proc_reply, cmd) + q->cmd_len + 7) / 8);
    memset(b->words + 1, 0, n * 8);
    memcpy(b->words + 1, &r, offsetof(struct rt_proc_reply, cmd) + q->cmd_len);
    memcpy(m->w + 1, b->words + 1, 3 * 8);
    m->w[0] = 0;
    return 1 + n;
}
