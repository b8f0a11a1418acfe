/*
 * Image loading for the launcher: finding the runtime and the vDSO in the boot archive,
 * the memory objects of a process (owned by it, or the launcher's when shared), loading
 * an ELF image's pages with its segments' flags, and handing a process read-only data.
 */
#include "launcher.h"

/* Finds name in the boot archive and parses it into im: 0, or -1 said in the log. */
int find_image(struct image *im, const char *name)
{
    const void *archive = (const void *)ARCHIVE_VA;
    int err = tar_find(archive, cx_named_value("archive"), name, &entry);
    if (err) {
        cx_printf("posix-spawn: %s: %s\n", name, tar_strerror(err));
        return -1;
    }
    im->name = name;
    im->data = entry.data;
    im->size = entry.size;
    err = elf_parse(im->data, im->size, &im->elf);
    if (err) {
        cx_printf("posix-spawn: %s: not an executable: %s\n", name, elf_strerror(err));
        return -1;
    }
    if (im->elf.interp && im != &vdso) {
        cx_printf("posix-spawn: %s: dynamically linked (interpreter %s): only static "
                  "programs run\n",
                  name, im->elf.interp);
        return -1;
    }
    return 0;
}

/* A new memory object of pages in the sandbox's quota, owned by pr (deleted with it), or
 * by the launcher for its whole life when pr is NULL (objects every process shares). */
long new_mem(struct proc *pr, uint64_t pages, uint64_t *slot)
{
    if (pr && pr->nmems == sizeof(pr->mems) / sizeof(pr->mems[0]))
        return CX_E_INVALID_ARG;
    *slot = cx_slot_alloc();
    long err = cx_mem_create(quota, pages, *slot);
    if (err)
        return err;
    if (pr)
        pr->mems[pr->nmems++] = *slot;
    return 0;
}

static uint64_t seg_flags(uint32_t f)
{
    return CX_MAP_R | (f & ELF_PF_W ? CX_MAP_W : 0) | (f & ELF_PF_X ? CX_MAP_X : 0);
}

/*
 * Loads an image: one memory object spans all its PT_LOAD pages (segments may share a
 * page); each page is mapped with the union of the flags of the segments on it.
 */
long load_image(struct proc *pr, const struct image *im, uint64_t bias, uint64_t mask,
                uint64_t extra)
{
    uint64_t lo = im->elf.load_min & ~(CX_PAGE_SIZE - 1);
    uint64_t pages = (im->elf.load_max - lo + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
    uint64_t m;
    long err = new_mem(extra & CX_MAP_SHARE ? NULL : pr, pages, &m);
    if (!err)
        err = cx_map(CX_SLOT_SELF_PD, m, 0, SCRATCH, pages, CX_MAP_R | CX_MAP_W);
    if (err)
        return err;
    struct elf_segment seg;
    for (unsigned i = 0; elf_load_segment(&im->elf, i, &seg) == 0; i++)
        memcpy((char *)SCRATCH + (seg.vaddr - lo), (const char *)im->data + seg.offset, seg.filesz);
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, pages);
    uint64_t run_start = 0, run_flags = 0;
    for (uint64_t pg = 0; pg <= pages; pg++) {
        uint64_t f = 0;
        if (pg < pages) {
            uint64_t va = lo + pg * CX_PAGE_SIZE; /* before the bias */
            for (unsigned i = 0; elf_load_segment(&im->elf, i, &seg) == 0; i++)
                if (seg.vaddr < va + CX_PAGE_SIZE && va < seg.vaddr + seg.memsz)
                    f |= seg_flags(seg.flags) & mask;
        }
        if (pg == pages || f != run_flags) {
            if (run_flags &&
                (err = cx_map(pr->pd, m, run_start, bias + lo + run_start * CX_PAGE_SIZE,
                              pg - run_start, run_flags | extra)))
                return err;
            run_start = pg;
            run_flags = f;
        }
    }
    return 0;
}

/* The first executable segment of im: returns its start, its end in *hi (0: none). */
uint64_t exec_range(const struct image *im, uint64_t *hi)
{
    struct elf_segment seg;
    for (unsigned i = 0; elf_load_segment(&im->elf, i, &seg) == 0; i++)
        if (seg.flags & ELF_PF_X) {
            *hi = seg.vaddr + seg.memsz;
            return seg.vaddr;
        }
    return *hi = 0;
}

/* Copies len bytes into a new memory object mapped read-only in pr at va (flags may add
 * CX_MAP_SHARE: then the object is the launcher's, shared by every fork). */
long give_data(struct proc *pr, uint64_t va, const void *data, size_t len, uint64_t extra)
{
    uint64_t pages = (len + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE, m;
    if (!pages)
        pages = 1;
    long err = new_mem(extra & CX_MAP_SHARE ? NULL : pr, pages, &m);
    if (!err)
        err = cx_map(CX_SLOT_SELF_PD, m, 0, SCRATCH, pages, CX_MAP_R | CX_MAP_W);
    if (err)
        return err;
    memcpy((void *)SCRATCH, data, len);
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, pages);
    return cx_map(pr->pd, m, 0, va, pages, CX_MAP_R | extra);
}
