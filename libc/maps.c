/*
 * /proc/self/maps: the program's address space as the runtime knows it, one area at a
 * time for the proc plugin (vfs_env.mapping). The areas come from four places, each
 * ascending and none overlapping another: the program's segments (exec.c), brk and
 * mmap (memory.c), the vDSO and its data page the launcher mapped, and the program's
 * stack. The runtime's own areas (its image, heap, stacks, IPC buffer, config, the boot
 * archive, pipe buffers, file views) are left out, as Linux shows none of the kernel's
 * memory: the program did not ask for them (docs/runtime.md, "/proc").
 */
#include <string.h>
#include <vfs/vfs.h>
#include "runtime.h"

/* The vDSO's extent: its PT_LOAD segments as they lie at RT_VDSO_ADDR (at most
 * RT_VDSO_PAGES; the launcher checked its image). */
static uint64_t vdso_end(void)
{
    const uint8_t *img = (const uint8_t *)RT_VDSO_ADDR;
    uint64_t phoff, end = 0;
    uint16_t phnum;
    memcpy(&phoff, img + 32, 8);
    memcpy(&phnum, img + 56, 2);
    for (unsigned i = 0; i < phnum && phoff + 56 * (i + 1ul) <= CX_PAGE_SIZE; i++) {
        const uint8_t *ph = img + phoff + 56 * i;
        uint32_t type;
        uint64_t vaddr, memsz;
        memcpy(&type, ph, 4);
        memcpy(&vaddr, ph + 16, 8);
        memcpy(&memsz, ph + 40, 8);
        if (type == 1 && vaddr + memsz > end) /* PT_LOAD */
            end = vaddr + memsz;
    }
    end = (end + CX_PAGE_SIZE - 1) & ~(CX_PAGE_SIZE - 1);
    if (end == 0 || end > RT_VDSO_PAGES * CX_PAGE_SIZE)
        end = CX_PAGE_SIZE;
    return RT_VDSO_ADDR + end;
}

/* The fixed areas: the vDSO, its data page, the stack. */
static int fixed_area(uint64_t from, struct vfs_mapping *out)
{
    const uint64_t stack = RT_PROG_STACK_TOP - RT_PROG_STACK_PAGES * CX_PAGE_SIZE;
    if (rt->vdso && from <= RT_VDSO_ADDR) {
        *out = (struct vfs_mapping){.start = RT_VDSO_ADDR,
                                    .end = vdso_end(),
                                    .prot = PROT_READ | PROT_EXEC,
                                    .name = "[vdso]"};
        return 1;
    }
    if (rt->vdso && from <= RT_VVAR_ADDR) {
        *out = (struct vfs_mapping){.start = RT_VVAR_ADDR,
                                    .end = RT_VVAR_ADDR + CX_PAGE_SIZE,
                                    .prot = PROT_READ,
                                    .name = "[vvar]"};
        return 1;
    }
    if (from <= stack) {
        *out = (struct vfs_mapping){.start = stack,
                                    .end = RT_PROG_STACK_TOP,
                                    .prot = PROT_READ | PROT_WRITE,
                                    .name = "[stack]"};
        return 1;
    }
    return 0;
}

int rt_maps_area(void *ctx, uint64_t from, struct vfs_mapping *out)
{
    struct vfs_mapping best = {0}, m;
    int found = 0;
    int (*const sources[])(uint64_t, struct vfs_mapping *) = {rt_exe_area, rt_memory_area,
                                                              fixed_area};
    (void)ctx;
    for (unsigned i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
        memset(&m, 0, sizeof m);
        if (sources[i](from, &m) > 0 && (!found || m.start < best.start)) {
            best = m;
            found = 1;
        }
    }
    if (found)
        *out = best;
    return found;
}
