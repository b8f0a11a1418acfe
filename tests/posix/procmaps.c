/*
 * procmaps (issue 20): /proc/self/maps read by the program itself, on the Linux host and
 * in capix, compared by tests/posix/host-vs-capix.sh. Addresses differ by nature, so
 * every case prints only PASS or FAIL: the lines parse in Linux's format and ascend
 * without overlap; an mmap of 3 pages between two PROT_NONE reservations is one line
 * of 3 pages "rw-p" with offset 0 and device 00:00; mprotect of its middle page splits
 * it into three lines; munmap removes it; a private file mapping at offset 4096 names
 * the file with its device, inode and offset, in a fork child too; a shared anonymous
 * mapping is "rw-s"; main lies in an executable line naming the program; a local
 * variable in "[stack]"; memory from brk in "[heap]"; mprotect of a page of the
 * program's data splits its line, the parts naming the program at their offsets.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "check.h"

struct area {
    unsigned long start, end, offset, ino;
    unsigned major, minor;
    char perms[5];
    char name[512];
};

#define MAX_AREAS 512
static struct area areas[MAX_AREAS];
static int nareas;
static int parse_ok;

/* Reads /proc/self/maps into areas[] (with read into a static buffer: no malloc, whose
 * mmap could fill a hole a case just made); parse_ok says whether every line had Linux's
 * form (the name, if any, at column 73). */
static void load(void)
{
    static char text[256 * 1024];
    size_t len = 0;
    ssize_t got = 0;
    int fd = open("/proc/self/maps", O_RDONLY);
    while (fd >= 0 && len < sizeof text - 1 &&
           (got = read(fd, text + len, sizeof text - 1 - len)) > 0)
        len += (size_t)got;
    text[len] = 0;
    if (fd >= 0)
        close(fd);
    nareas = 0;
    parse_ok = fd >= 0 && got == 0;
    for (char *line = text, *nl; *line && nareas < MAX_AREAS; line = nl + 1) {
        struct area *a = &areas[nareas];
        int used = 0;
        nl = strchr(line, '\n');
        if (!nl) {
            parse_ok = 0;
            break;
        }
        *nl = 0;
        memset(a, 0, sizeof *a);
        if (sscanf(line, "%lx-%lx %4c %lx %x:%x %lu %n", &a->start, &a->end, a->perms, &a->offset,
                   &a->major, &a->minor, &a->ino, &used) != 7) {
            parse_ok = 0;
            continue;
        }
        if ((size_t)used < strlen(line)) {
            if (used != 73 || line[72] != ' ' || line[71] != ' ')
                parse_ok = 0;
            snprintf(a->name, sizeof a->name, "%s", line + used);
        }
        nareas++;
    }
}

static struct area *find(unsigned long addr)
{
    for (int i = 0; i < nareas; i++)
        if (areas[i].start <= addr && addr < areas[i].end)
            return &areas[i];
    return NULL;
}

/* three pages of initialised data: part of the program file's mapping */
static char data_pages[3 * 4096] __attribute__((aligned(4096))) = {1};

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char path[] = "/tmp/procmaps.XXXXXX", exe[512] = "";
    int local = 0;
    struct area *a, *lo, *mid, *hi;

    load();
    check("maps-read", nareas > 0, "no lines");
    check("maps-format", parse_ok, "a line not in Linux's format");
    int sorted = 1;
    for (int i = 0; i < nareas; i++)
        sorted &= areas[i].start < areas[i].end && (i == 0 || areas[i - 1].end <= areas[i].start);
    check("maps-ascending", sorted, "lines overlap or are out of order");

    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    a = find((unsigned long)(uintptr_t)main);
    check("maps-text", a && a->perms[2] == 'x' && a->perms[3] == 'p' && strcmp(a->name, exe) == 0,
          a ? a->name : "main in no line");
    a = find((unsigned long)(uintptr_t)&local);
    check("maps-stack", a && strcmp(a->name, "[stack]") == 0 && strncmp(a->perms, "rw-p", 4) == 0,
          a ? a->name : "a local in no line");
    /* musl's sbrk grows nothing: brk itself */
    char *b = (char *)syscall(SYS_brk, 0);
    int grew = (char *)syscall(SYS_brk, b + 3 * pg) == b + 3 * pg;
    if (grew)
        b[0] = 1;
    load();
    a = find((unsigned long)(uintptr_t)b);
    check("maps-heap", grew && a && strcmp(a->name, "[heap]") == 0, a ? a->name : "brk in no line");

    /* the program's own data: mprotect splits its line too, the parts keep the file's
     * name and offsets */
    unsigned long d = (unsigned long)(uintptr_t)data_pages;
    data_pages[pg] = 2;
    check("data-mprotect", mprotect(data_pages + pg, pg, PROT_READ) == 0, "mprotect");
    load();
    lo = find(d);
    mid = find(d + pg);
    hi = find(d + 2 * pg);
    check("data-splits",
          lo && mid && hi && lo != mid && mid != hi && lo->end == d + pg && mid->start == d + pg &&
              mid->end == d + 2 * pg && strncmp(lo->perms, "rw-p", 4) == 0 &&
              strncmp(mid->perms, "r--p", 4) == 0 && strncmp(hi->perms, "rw-p", 4) == 0 &&
              strcmp(mid->name, exe) == 0 && strcmp(hi->name, exe) == 0 &&
              mid->offset == lo->offset + (lo->end - lo->start) &&
              hi->offset == mid->offset + (unsigned long)pg,
          "not three lines of the program rw-p r--p rw-p with offsets in order");
    check("data-mprotect-back", mprotect(data_pages + pg, pg, PROT_READ | PROT_WRITE) == 0,
          "mprotect");
    load();
    a = find(d + pg);
    check("data-joins", a && a->start < d && a->end > d + 2 * pg, "not one line again");

    /* 3 pages between two reservations of 2 (PROT_NONE keeps Linux from merging them) */
    char *r = mmap(NULL, 7 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *p = r == MAP_FAILED ? MAP_FAILED
                              : mmap(r + 2 * pg, 3 * pg, PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    check("mmap", p != MAP_FAILED, "mmap");
    if (p == MAP_FAILED)
        return 1;
    load();
    a = find((unsigned long)(uintptr_t)p);
    check("mmap-one-line",
          a && a->start == (unsigned long)(uintptr_t)p && a->end - a->start == 3ul * pg &&
              strncmp(a->perms, "rw-p", 4) == 0 && a->offset == 0 && a->major == 0 &&
              a->minor == 0 && a->ino == 0 && a->name[0] == 0,
          "not one rw-p line of 3 pages");
    a = find((unsigned long)(uintptr_t)r);
    check("mmap-prot-none",
          a && a->end == (unsigned long)(uintptr_t)p && strncmp(a->perms, "---p", 4) == 0,
          "the reservation below is not ---p up to the mapping");

    check("mprotect", mprotect(p + pg, pg, PROT_READ) == 0, "mprotect");
    load();
    lo = find((unsigned long)(uintptr_t)p);
    mid = find((unsigned long)(uintptr_t)p + pg);
    hi = find((unsigned long)(uintptr_t)p + 2 * pg);
    check("mprotect-splits",
          lo && mid && hi && lo != mid && mid != hi && lo->end - lo->start == (unsigned long)pg &&
              mid->end - mid->start == (unsigned long)pg &&
              hi->end - hi->start == (unsigned long)pg && strncmp(lo->perms, "rw-p", 4) == 0 &&
              strncmp(mid->perms, "r--p", 4) == 0 && strncmp(hi->perms, "rw-p", 4) == 0,
          "not three lines rw-p r--p rw-p");
    check("mprotect-back", mprotect(p + pg, pg, PROT_READ | PROT_WRITE) == 0, "mprotect");
    load();
    a = find((unsigned long)(uintptr_t)p);
    check("mprotect-joins",
          a && a->start == (unsigned long)(uintptr_t)p && a->end - a->start == 3ul * pg,
          "not one line again");

    check("munmap", munmap(p, 3 * pg) == 0, "munmap");
    load();
    check("munmap-removes",
          find((unsigned long)(uintptr_t)p) == NULL &&
              find((unsigned long)(uintptr_t)p + 2 * pg) == NULL,
          "a line still covers it");
    munmap(r, 7 * pg);

    int fd = mkstemp(path);
    char *page = calloc(1, (size_t)pg);
    struct stat st;
    int ok = fd >= 0 && page && write(fd, page, (size_t)pg) == pg &&
             write(fd, page, (size_t)pg) == pg && fstat(fd, &st) == 0;
    char *m = ok ? mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE, fd, pg) : MAP_FAILED;
    check("file-mmap", m != MAP_FAILED, "mmap of a file");
    if (m != MAP_FAILED) {
        load();
        a = find((unsigned long)(uintptr_t)m);
        check("file-named", a && strcmp(a->name, path) == 0, a ? a->name : "in no line");
        check("file-perms-offset",
              a && strncmp(a->perms, "r--p", 4) == 0 && a->offset == (unsigned long)pg,
              "not r--p at offset 4096");
        check("file-dev-ino",
              a && a->ino == st.st_ino && a->major == major(st.st_dev) &&
                  a->minor == minor(st.st_dev),
              "device or inode differ from fstat's");
        /* a fork child has the same mappings, the file's name included */
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            load();
            a = find((unsigned long)(uintptr_t)m);
            _exit(a && strcmp(a->name, path) == 0 && a->offset == (unsigned long)pg ? 0 : 1);
        }
        int status = -1;
        check("fork-child-same", child > 0 && waitpid(child, &status, 0) == child && status == 0,
              "the child's maps does not name the file");
        munmap(m, (size_t)pg);
    }
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }

    char *s = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    load();
    a = s == MAP_FAILED ? NULL : find((unsigned long)(uintptr_t)s);
    check("shared-anon",
          a && strncmp(a->perms, "rw-s", 4) == 0 && strcmp(a->name, "/dev/zero (deleted)") == 0,
          a ? a->name : "in no line");
    return failed;
}
