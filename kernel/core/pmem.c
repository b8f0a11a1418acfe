/*
 * Physical frame allocator: a stack of free 4 KiB frames linked through the direct
 * map. Frames handed out are zeroed. Fed from the firmware memory map at boot.
 */
#include "kernel.h"

static uint64_t free_head;
static uint64_t free_count;

void pmem_add_range(uint64_t start, uint64_t end)
{
    start = ALIGN_UP(start, PAGE_SIZE);
    end &= PAGE_MASK;
    for (uint64_t pa = start; pa + PAGE_SIZE <= end; pa += PAGE_SIZE)
        pmem_free(pa);
}

uint64_t pmem_alloc(void)
{
    uint64_t pa = free_head;
    if (!pa)
        return 0;
    free_head = *(uint64_t *)phys_to_virt(pa);
    free_count--;
    memset(phys_to_virt(pa), 0, PAGE_SIZE);
    return pa;
}

void pmem_free(uint64_t pa)
{
    KASSERT(pa && !(pa & (PAGE_SIZE - 1)));
    *(uint64_t *)phys_to_virt(pa) = free_head;
    free_head = pa;
    free_count++;
}

uint64_t pmem_free_count(void)
{
    return free_count;
}
