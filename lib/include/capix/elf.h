/*
 * ELF64 parsing for program loaders (init, the POSIX launcher) and fault reports.
 * elf_parse checks an x86-64 executable image in memory and summarises what a loader
 * needs; elf_load_segment hands out its PT_LOAD segments, each validated; and
 * elf_symbolize names the function around an address from the symbol table. Every
 * offset, size and address read from the image is checked (for overflow too) before
 * use; nothing is allocated; pointers returned point into the image. Freestanding:
 * used by native capix programs and host tests.
 */
#ifndef CAPIX_ELF_H
#define CAPIX_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes (negative return values). A loader reports any of them as ENOEXEC. */
#define ELF_ETRUNC -1     /* image shorter than the ELF header */
#define ELF_EMAGIC -2     /* not an ELF file */
#define ELF_ECLASS -3     /* not 64-bit */
#define ELF_EDATA -4      /* not little-endian */
#define ELF_EVERSION -5   /* unknown ELF version */
#define ELF_EMACHINE -6   /* not x86-64 */
#define ELF_ETYPE -7      /* neither ET_EXEC nor ET_DYN */
#define ELF_EPHDR -8      /* program header table: wrong entry size, empty, beyond the image */
#define ELF_ESEGRANGE -9  /* a segment's file bytes lie beyond the image */
#define ELF_ESEGSIZE -10  /* a segment's file size exceeds its memory size */
#define ELF_ESEGADDR -11  /* a segment's addresses overflow or reach ELF_USER_TOP */
#define ELF_ESEGALIGN -12 /* p_align not a power of two, or vaddr and offset differ modulo it */
#define ELF_ESEGORDER -13 /* PT_LOAD segments not in ascending address order, or overlapping */
#define ELF_ENOLOAD -14   /* no PT_LOAD segment */
#define ELF_EENTRY -15    /* entry point not inside an executable PT_LOAD segment */
#define ELF_EINTERP -16   /* PT_INTERP beyond the image, not a NUL-terminated path, or twice */
#define ELF_ETLS -17      /* PT_TLS malformed, or twice */
#define ELF_ESECTION -18  /* section headers, symbol or string table malformed */
#define ELF_ENOSYMS -19   /* no .symtab: the file is stripped */
#define ELF_ENOENT -20    /* no such segment, or no function contains the address */
#define ELF_EHEAD -21     /* elf_parse_head: a header the checks need lies past the bytes read */

#define ELF_USER_TOP 0x0000800000000000ull /* segments must end at or below this */

#define ELF_ET_EXEC 2
#define ELF_ET_DYN 3

/* Segment permission flags (as in p_flags). */
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

/* One segment; data points at its filesz bytes in the image (memsz - filesz are zero),
 * NULL when they lie past the bytes elf_parse_head was given. */
struct elf_segment {
    uint64_t vaddr, memsz;
    uint64_t offset, filesz;
    uint64_t align; /* 0 or 1: no alignment */
    uint32_t flags; /* ELF_PF_R | ELF_PF_W | ELF_PF_X */
    const void *data;
};

/*
 * What elf_parse found. Addresses are as linked: an ET_DYN image is loaded at a base
 * chosen by the loader, which adds it to entry, phdr_vaddr and segment addresses.
 */
struct elf_info {
    const unsigned char *img;
    size_t len;    /* the file's length: every offset is checked against it */
    size_t have;   /* the bytes at img (len, but for elf_parse_head) */
    unsigned type; /* ELF_ET_EXEC or ELF_ET_DYN */
    uint64_t entry;
    uint64_t phoff;      /* file offset of the program header table */
    unsigned phnum;      /* number of program headers (each 56 bytes) */
    uint64_t phdr_vaddr; /* where the program headers are in memory (AT_PHDR) ... */
    bool has_phdr_vaddr; /* ... if PT_PHDR gives it or a PT_LOAD maps them */
    const char *interp;  /* PT_INTERP path (NUL-terminated, in the image), or NULL */
    bool has_tls;        /* PT_TLS: the TLS initialisation image */
    struct elf_segment tls;
    bool has_gnu_stack;   /* PT_GNU_STACK present ... */
    uint32_t stack_flags; /* ... with these flags (no ELF_PF_X: non-executable stack) */
    unsigned nload;       /* number of PT_LOAD segments */
    uint64_t load_min;    /* lowest PT_LOAD vaddr */
    uint64_t load_max;    /* highest PT_LOAD vaddr + memsz */
};

/*
 * Checks the ELF64 executable img[0..len) and fills *info: x86-64, little-endian,
 * ET_EXEC or ET_DYN, a program header table inside the image, at least one PT_LOAD,
 * every PT_LOAD valid (see elf_load_segment) and in ascending non-overlapping order,
 * the entry point inside an executable PT_LOAD, PT_INTERP and PT_TLS well-formed.
 * Returns 0 or a negative ELF_E* code. info points into img, which must stay valid.
 */
int elf_parse(const void *img, size_t len, struct elf_info *info);

/*
 * elf_parse for a loader that reads segments from the file itself: head holds the first
 * have bytes of a file of len bytes (have <= len). The checks are elf_parse's, against
 * len; the ELF header, the program header table and a PT_INTERP path must lie in the
 * head, else ELF_EHEAD (read more and call again). Segment and TLS data pointers are
 * NULL where their bytes are not in the head.
 */
int elf_parse_head(const void *head, size_t have, size_t len, struct elf_info *info);

/*
 * Fills *seg with the index-th PT_LOAD segment (from 0, in table order) of a parsed
 * image, after checking that offset + filesz is within the image, filesz <= memsz,
 * vaddr + memsz neither overflows nor exceeds ELF_USER_TOP, and p_align is 0 or a power
 * of two with vaddr % p_align == offset % p_align. Returns 0, ELF_ENOENT when index
 * >= info->nload, or a negative ELF_ESEG* code.
 */
int elf_load_segment(const struct elf_info *info, unsigned index, struct elf_segment *seg);

/*
 * Finds the function symbol (STT_FUNC or STT_GNU_IFUNC) of the .symtab in img[0..len)
 * that contains addr (a link-time address: subtract an ET_DYN image's load base first),
 * falling back to the nearest preceding sizeless function in the same executable
 * section. Sets *name (NUL-terminated, in the image) and *offset = addr - symbol value.
 * Returns 0, ELF_ENOSYMS if there is no .symtab, ELF_ENOENT if no function matches, or
 * another negative ELF_E* code if the headers or tables are malformed.
 */
int elf_symbolize(const void *img, size_t len, uint64_t addr, const char **name, uint64_t *offset);

/* Returns a short constant description of an ELF_E* code. */
const char *elf_strerror(int code);

#endif
