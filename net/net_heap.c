/*
 * lwIP's heap behind a cache of freed blocks. lwIP's mem_malloc is first fit: it walks
 * the heap from its lowest free block, and every TCP segment takes a buffer of about
 * 12 KiB and every acknowledgement a small one, so the walk over what other sockets
 * hold was paid per segment (docs/measurements.md). Here a request is rounded up to one
 * of a few size classes, and a freed block of a class is kept on that class's list (up
 * to a few) for the next request of the class: the common sizes come and go in constant
 * time. A block carries its class in a header before the memory handed out; requests
 * above the largest class, and frees beyond what a list keeps, go to lwIP's heap as
 * they are. When lwIP's heap cannot serve a request, the kept blocks go back to it
 * first, so the cache never makes the server run out sooner.
 *
 * Every caller of the four functions reaches them through the link's --wrap (lwIP's
 * pbuf.c and dhcp.c, and net_lwip.c); mem.c's own mem_calloc is never used (wrapped too).
 */
#include <string.h>
#include "net_heap.h"

#define HEAP_HDR 16u    /* keeps the memory handed out 8-aligned, as MEM_ALIGNMENT */
#define CLASS_BIG 0xffu /* lwIP's own size: not cached */
#define NCLASSES 4u

struct heap_blk {
    uint32_t cls;
    uint32_t unused;
    struct heap_blk *next; /* on its class's list */
};
_Static_assert(sizeof(struct heap_blk) <= HEAP_HDR, "the header");

/* A segment's buffer (TCP_MSS 12000 and its headers), a frame, an ack's, the rest. */
static const uint32_t class_size[NCLASSES] = {192, 1600, 4096, 16384};
static const unsigned class_keep[NCLASSES] = {32, 16, 8, 8};
static struct heap_blk *kept[NCLASSES];
static unsigned nkept[NCLASSES];

static void flush(void)
{
    for (unsigned c = 0; c < NCLASSES; c++) {
        while (kept[c]) {
            struct heap_blk *b = kept[c];
            kept[c] = b->next;
            __real_mem_free(b);
        }
        nkept[c] = 0;
    }
}

/* lwIP's block of size bytes, after giving it the kept ones when it has none. */
static struct heap_blk *real_alloc(mem_size_t size)
{
    struct heap_blk *b = __real_mem_malloc(size);
    if (!b) {
        flush();
        b = __real_mem_malloc(size);
    }
    return b;
}

void *__wrap_mem_malloc(mem_size_t size)
{
    unsigned c = 0;
    while (c < NCLASSES && size > class_size[c])
        c++;
    struct heap_blk *b;
    if (c == NCLASSES) {
        if (size > (mem_size_t)-1 - HEAP_HDR || !(b = real_alloc(size + HEAP_HDR)))
            return NULL;
        b->cls = CLASS_BIG;
    } else if (kept[c]) {
        b = kept[c];
        kept[c] = b->next;
        nkept[c]--;
    } else {
        if (!(b = real_alloc(class_size[c] + HEAP_HDR)))
            return NULL;
        b->cls = c;
    }
    return (uint8_t *)b + HEAP_HDR;
}

void *__wrap_mem_calloc(mem_size_t count, mem_size_t size)
{
    if (size && count > (mem_size_t)-1 / size)
        return NULL;
    void *m = __wrap_mem_malloc(count * size);
    if (m)
        memset(m, 0, count * size);
    return m;
}

void __wrap_mem_free(void *mem)
{
    if (!mem)
        return;
    struct heap_blk *b = (struct heap_blk *)((uint8_t *)mem - HEAP_HDR);
    unsigned c = b->cls;
    if (c >= NCLASSES || nkept[c] >= class_keep[c]) {
        __real_mem_free(b);
        return;
    }
    b->next = kept[c];
    kept[c] = b;
    nkept[c]++;
}

void *__wrap_mem_trim(void *mem, mem_size_t size)
{
    struct heap_blk *b = (struct heap_blk *)((uint8_t *)mem - HEAP_HDR);
    if (b->cls != CLASS_BIG)
        return mem; /* a class's block keeps its size (it goes back to its list) */
    return __real_mem_trim(b, size + HEAP_HDR) ? mem : NULL;
}
