/*
 * The few <string.h> functions that capix's freestanding code (native programs and
 * the parsers shared with host tests) may use. Implemented in lib/capix/string.c.
 * Host builds use the host's <string.h> instead, with the same meanings.
 */
#ifndef CAPIX_FREESTANDING_STRING_H
#define CAPIX_FREESTANDING_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
