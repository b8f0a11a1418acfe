/*
 * lwIP's heap behind a cache of freed blocks by size class (net_heap.c).
 */
#ifndef CAPIX_NET_HEAP_H
#define CAPIX_NET_HEAP_H

#include "lwip/mem.h"

/* The link sends lwIP's and this server's calls of mem_malloc, mem_calloc, mem_free and
 * mem_trim here (net/module.mk, --wrap); the __real_ ones are lwIP's. */
void *__wrap_mem_malloc(mem_size_t size);
void *__wrap_mem_calloc(mem_size_t count, mem_size_t size);
void __wrap_mem_free(void *mem);
void *__wrap_mem_trim(void *mem, mem_size_t size);
void *__real_mem_malloc(mem_size_t size);
void __real_mem_free(void *mem);
void *__real_mem_trim(void *mem, mem_size_t size);

#endif
