/*
 * A heap for capix programs without libc (lib/capix/heap.c): the POSIX runtime's and
 * native servers'. Fill base, limit, quota, pd, slot_alloc and slot_free; the rest
 * starts zeroed. Sizes are given back on free.
 */
#ifndef CAPIX_HEAP_H
#define CAPIX_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CX_HEAP_CLASSES 8 /* 16 .. 2048 bytes */

struct cx_heap_run;
struct cx_heap {
    uint64_t base, limit;         /* the heap's address range */
    uint64_t quota, pd;           /* slots: what pays, and where it maps */
    uint64_t (*slot_alloc)(void); /* an empty capability slot, or 0 */
    void (*slot_free)(uint64_t slot);
    /* private */
    void *free_lists[CX_HEAP_CLASSES];
    struct cx_heap_run *runs;
    uint64_t end, top;
    uint64_t high; /* the highest top so far: below it, memory may have been used */
};

/* Zeroed memory, or NULL when the quota or the range is exhausted. */
void *cx_heap_alloc(struct cx_heap *h, size_t size);
void cx_heap_free(struct cx_heap *h, void *p, size_t size);
/* Makes the block p of size bytes new_size long where it is (it is the heap's last one,
 * of whole pages); false, and nothing changed, when it cannot. */
bool cx_heap_grow(struct cx_heap *h, void *p, size_t size, size_t new_size);

#endif
