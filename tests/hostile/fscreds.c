/*
 * fscreds: a process that gave up root asks a file-system server for root's file with
 * raw requests (the fs-creds scenario; issue 20; docs/sandboxes.md, "Credentials").
 *
 * As root it makes /tmp/secret (mode 0600, on a ram_fs with a sticky /tmp) with the
 * ordinary calls, then asks its launcher for a File_system session of its own
 * (RT_LABEL_SESSION, at slots it names) and speaks the File_system protocol on it with
 * native calls (tests/hostile/native.h), past its runtime's checks: as root the raw
 * LOOKUP, OPEN and READ of the file work, and a fork child that becomes nobody gets a
 * sub-client of its own (the copies of its parent's it had are revoked, also one it
 * moved) while the parent's stays root's. Then it becomes nobody (setresuid, setresgid)
 * and asks again (a session whose policy says ids=1000-1999 treats root as 65534
 * already): OPEN for reading or writing is EACCES, UNLINK and chmod of root's
 * file in the sticky directory EPERM, a size change EACCES, and the owner's operations
 * (FS_CLIENT_ADD, FS_SETCREDS, FS_GONE) EPERM. Then it claims a set-user-id root file
 * at exec (RT_CRED_EXEC, mode 04755, owner 0) in a domain the launcher did not build for
 * that exec: the launcher must ignore the bits, so it stays nobody and the file stays
 * shut. One "PASS name: ..." or "FAIL name: ..." line per check; "fscreds: done" at the
 * end; exit status 0 when everything passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <capix/component.h>
#include <capix/fs_protocol.h>
#include "hostile_check.h"
#include "native.h"

#define SESSION_BYTES (256ul << 10)
#define SLOT_EP 1010 /* free slots of ours for the session's capabilities */
#define SLOT_MEM 1011
#define SLOT_GOT 1012 /* where an answer's capability would land */
#define SLOT_EP2 1013 /* the second session's (label bounded) */
#define SLOT_MEM2 1014
#define SLOT_MOVED 1015 /* where a fork child moves its copy of the session's endpoint */
#define BUF_VA 0x500000000000ul
#define BUF_VA2 0x500000100000ul
#define SET_MODE 1u /* struct fs_setattr mask bits (the VFS's VFS_SET_*) */
#define SET_SIZE 8u

static const struct rt_info *info(void)
{
    return (const struct rt_info *)RT_INFO_ADDR;
}

static struct cx_ipcbuf *ipcbuf(void)
{
    return (struct cx_ipcbuf *)RT_IPCBUF_ADDR;
}

static uint64_t buf_va = BUF_VA;

static struct fs_buf *fsbuf(void)
{
    return (struct fs_buf *)buf_va;
}

static uint64_t slot_ep = SLOT_EP; /* the session fs_req speaks to */

/* A File_system session labelled label at slots ep and mem, its buffer at va: 0 or
 * -errno. */
static long session_open(const char *label, uint64_t ep, uint64_t mem, uint64_t va)
{
    enum { SW = CX_SESSION_SERVICE_WORDS, W = SW + CX_SESSION_LABEL_WORDS };
    uint64_t words[W];
    memset(words, 0, sizeof(words));
    strncpy((char *)words, "File_system", SW * 8 - 1);
    strncpy((char *)(words + SW), label, CX_SESSION_LABEL_WORDS * 8 - 1);
    struct cx_ipcbuf *b = ipcbuf();
    memcpy(b->words + 4, words + 4, (W - 4) * 8);
    b->words[W] = SESSION_BYTES;
    b->words[W + 1] = ep;
    b->words[W + 2] = mem;
    struct nret r = native(CX_SYS_ipc_call, info()->slot_parent, CX_TAG(RT_LABEL_SESSION, W + 3, 0),
                           words[0], words[1], words[2], words[3]);
    if (r.err || (long)r.rdx <= 0)
        return r.err ? -EIO : (long)r.rdx;
    if (native(CX_SYS_map, info()->slot_pd, mem, 0, va, FS_BUF_PAGES, CX_MAP_R | CX_MAP_W).err)
        return -ENOMEM;
    return 0;
}

/* One raw request: r0 (or -EIO); a capability in the answer would land in SLOT_GOT. */
static int64_t fs_req(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    struct cx_ipcbuf *b = ipcbuf();
    b->words[4] = a3;
    b->words[5] = 0;
    b->recv_slots[0] = SLOT_GOT;
    struct nret n =
        native(CX_SYS_ipc_call, slot_ep, CX_TAG(FS_LABEL_REQUEST, 6, 0), op, a0, a1, a2);
    b->recv_slots[0] = 0;
    return n.err ? -EIO : (int64_t)n.rdx;
}

static int64_t fs_lookup(int64_t dir, const char *name)
{
    size_t n = strlen(name);
    memcpy(fsbuf()->data, name, n);
    return fs_req(FS_LOOKUP, (uint64_t)dir, n, 0, 0);
}

static int64_t fs_unlink(int64_t dir, const char *name)
{
    size_t n = strlen(name);
    memcpy(fsbuf()->data, name, n);
    return fs_req(FS_UNLINK, (uint64_t)dir, n, 0, 0);
}

static int64_t fs_setattr(int64_t node, uint32_t mask, uint32_t mode, uint64_t size)
{
    struct fs_setattr a = {.mask = mask, .mode = mode, .size = size};
    memcpy(fsbuf()->data, &a, sizeof(a));
    return fs_req(FS_SETATTR, (uint64_t)node, 0, 0, 0);
}

/* A raw OPEN with flags, and for a handle a READ of what it holds: the OPEN's result;
 * text gets the bytes read (NUL-terminated). */
static int64_t raw_read(int64_t node, uint64_t flags, char *text, size_t size)
{
    int64_t h = fs_req(FS_OPEN, (uint64_t)node, flags, 0, 0);
    text[0] = 0;
    if (h <= 0)
        return h;
    if ((flags & O_ACCMODE) != O_WRONLY) {
        int64_t n = fs_req(FS_READ, (uint64_t)h, size - 1, 0, 0);
        if (n > 0) {
            memcpy(text, fsbuf()->data, (size_t)n);
            text[n] = 0;
        }
    }
    fs_req(FS_CLOSE, (uint64_t)h, 0, 0, 0);
    return h;
}

int main(void)
{
    char text[64];
    if (native_init()) {
        check("fscreds", 0, "no native-call gadget in the runtime");
        return 1;
    }
    int fd = open("/tmp/secret", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    check("root-makes-secret", fd >= 0 && write(fd, "root only", 9) == 9 && close(fd) == 0,
          "/tmp/secret (0600) as uid %d", (int)geteuid());
    long r = session_open("tmp", SLOT_EP, SLOT_MEM, BUF_VA);
    check("raw-session", r == 0, "a File_system session of our own: %ld", r);
    if (r)
        return 1;
    /* the session's root is /tmp's (the config routes label tmp there) */
    int64_t root = fs_req(FS_ATTACH, 0, 0, 0, 0);
    int64_t secret = fs_lookup(root, "secret");
    int64_t h = raw_read(secret, O_RDONLY, text, sizeof(text));
    check("root-raw-read", h > 0 && !strcmp(text, "root only"),
          "root's raw OPEN and READ: %ld, '%s'", (long)h, text);
    /* a fork child shares its parent's sub-client until its credentials change; then it
     * gets one of its own and every copy of the shared one it had is revoked, also one it
     * moved to another slot first; the parent's stays root's */
    pid_t pid = fork();
    if (pid == 0) {
        struct nret mv = native(CX_SYS_cap_move, SLOT_EP, CX_SLOT_SELF_PD, SLOT_MOVED, 0, 0, 0);
        int shared_root = raw_read(secret, O_RDONLY, text, sizeof(text)) == -EIO; /* moved */
        slot_ep = SLOT_MOVED;
        shared_root = shared_root && raw_read(secret, O_RDONLY, text, sizeof(text)) > 0;
        int down = setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0;
        int64_t moved = raw_read(secret, O_RDONLY, text, sizeof(text));
        slot_ep = SLOT_EP;
        int64_t own = raw_read(secret, O_RDONLY, text, sizeof(text));
        _exit(mv.err           ? 2
              : !shared_root   ? 3
              : !down          ? 4
              : moved != -EIO  ? 5
              : own != -EACCES ? 6
                               : 0);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    h = raw_read(secret, O_RDONLY, text, sizeof(text));
    check("fork-child-own-subclient",
          pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && h > 0 &&
              !strcmp(text, "root only"),
          "child's status %#x (2 move, 3 shared root's, 4 setresuid, 5 moved copy alive, 6 new "
          "one not nobody's); the parent's raw read after: %ld",
          status, (long)h);
    /* a session whose policy says ids=1000-1999: root's ids and capabilities are not
     * honoured there (the server takes it for 65534) */
    r = session_open("bounded", SLOT_EP2, SLOT_MEM2, BUF_VA2);
    slot_ep = SLOT_EP2, buf_va = BUF_VA2;
    int64_t broot = r ? r : fs_req(FS_ATTACH, 0, 0, 0, 0);
    int64_t bsecret = fs_lookup(broot, "secret");
    h = raw_read(bsecret, O_RDONLY, text, sizeof(text));
    check("policy-ids-bound-root", r == 0 && bsecret > 0 && h == -EACCES,
          "root on a session of policy ids=1000-1999: %ld, LOOKUP %ld, raw OPEN %ld", r,
          (long)bsecret, (long)h);
    slot_ep = SLOT_EP, buf_va = BUF_VA;
    /* nobody now: the launcher gives the server its new credentials */
    int dropped = setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0;
    check("drop-to-nobody", dropped && geteuid() == 65534, "setresuid(65534, ...)");
    int fd2 = open("/tmp/secret", O_RDONLY);
    check("nobody-open-eacces", fd2 < 0 && errno == EACCES, "open through the runtime: %d",
          fd2 < 0 ? errno : 0);
    int64_t again = fs_lookup(root, "secret");
    check("nobody-lookup", again > 0, "LOOKUP in the sticky /tmp (mode 1777): %ld", (long)again);
    h = raw_read(again, O_RDONLY, text, sizeof(text));
    check("nobody-raw-read-eacces", h == -EACCES, "raw OPEN for reading: %ld, read '%s'", (long)h,
          text);
    h = raw_read(again, O_WRONLY, text, sizeof(text));
    check("nobody-raw-write-eacces", h == -EACCES, "raw OPEN for writing: %ld", (long)h);
    int64_t u = fs_unlink(root, "secret");
    check("nobody-raw-unlink-eperm", u == -EPERM, "raw UNLINK of root's file in a sticky dir: %ld",
          (long)u);
    int64_t c = fs_setattr(again, SET_MODE, 0666, 0);
    check("nobody-raw-chmod-eperm", c == -EPERM, "raw chmod of root's file: %ld", (long)c);
    int64_t t = fs_setattr(again, SET_SIZE, 0, 0);
    check("nobody-raw-truncate-eacces", t == -EACCES, "raw truncate of root's file: %ld", (long)t);
    int64_t add = fs_req(FS_CLIENT_ADD, 1, 0, ~0ul, 0);
    int64_t set = fs_req(FS_SETCREDS, 1, 0, ~0ul, 0);
    int64_t gone = fs_req(FS_GONE, 1, 0, 0, 0);
    check("owner-operations-eperm", add == -EPERM && set == -EPERM && gone == -EPERM,
          "FS_CLIENT_ADD %ld, FS_SETCREDS %ld, FS_GONE %ld", (long)add, (long)set, (long)gone);
    /* a set-user-id root file claimed at exec without an exec: the bits must be ignored */
    struct nret claim = native(CX_SYS_ipc_call, info()->slot_parent, CX_TAG(RT_LABEL_CRED, 4, 0),
                               RT_CRED_EXEC, 0104755, 0, 0);
    struct nret ids = native(CX_SYS_ipc_call, info()->slot_parent, CX_TAG(RT_LABEL_CRED, 2, 0),
                             RT_CRED_GET, 0, 0, 0);
    uint64_t ruid_euid = ids.r10; /* ruid, euid << 32 */
    h = raw_read(again, O_RDONLY, text, sizeof(text));
    check("setid-claim-ignored", ruid_euid == (65534ul | 65534ul << 32) && h == -EACCES,
          "RT_CRED_EXEC of a set-user-id root file: %ld, ids %#lx, raw OPEN %ld '%s'",
          (long)claim.rdx, (unsigned long)ruid_euid, (long)h, text);
    printf("fscreds: done, %u passed, %u failed\n", passed, failed);
    fflush(stdout);
    return failed ? 1 : 0;
}
