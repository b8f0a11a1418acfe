/*
 * Host unit tests for lib/elf (run under ASan and UBSan). Reads the executables and
 * the .expect files (readelf's view of them) that lib/elf/make-test-binaries.sh made
 * in ELF_TEST_DATA (or argv[1]), compares elf_parse, elf_load_segment and
 * elf_symbolize with them, then mutates headers, segments and sections and checks
 * each mutation is refused with the right code. One "PASS name" or "FAIL name:
 * reason" line per case; exits 0 iff all passed.
 */
#include <capix/elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../tests/host/check.h"

#ifndef ELF_TEST_DATA
#define ELF_TEST_DATA "build/host/tests/elf-data"
#endif

static const char *data_dir = ELF_TEST_DATA;

/* ---- test inputs ---- */

struct image {
    unsigned char *data;
    size_t len;
};

static struct image load(const char *name)
{
    struct image im = {NULL, 0};
    char path[1024];
    FILE *f;
    long n;
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    f = fopen(path, "rb");
    if (!f)
        return im;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        im.data = malloc((size_t)n);
        if (im.data && fread(im.data, 1, (size_t)n, f) == (size_t)n)
            im.len = (size_t)n;
    }
    fclose(f);
    return im;
}

static struct image copy_image(const struct image *src)
{
    struct image im;
    im.data = malloc(src->len);
    im.len = src->len;
    memcpy(im.data, src->data, src->len);
    return im;
}

struct seg_expect {
    unsigned long long offset, vaddr, filesz, memsz, align;
    unsigned flags;
};

struct sym_expect {
    unsigned long long value, size;
    char name[128];
};

/* What readelf said (see make-test-binaries.sh). */
struct expect {
    unsigned type;
    unsigned long long entry, phoff, phdr;
    bool has_phdr, has_tls, has_stack, symtab;
    char interp[256];
    unsigned nload, stack_flags;
    struct seg_expect load[16], tls;
    unsigned nsyms;
    struct sym_expect *syms;
};

static unsigned parse_flags(const char *s)
{
    unsigned f = 0;
    for (; *s; s++)
        f |= *s == 'R' ? ELF_PF_R : *s == 'W' ? ELF_PF_W : *s == 'E' ? ELF_PF_X : 0;
    return f;
}

static bool load_expect(const char *name, struct expect *x)
{
    char path[1024], line[1024], word[64], str[256];
    FILE *f;
    unsigned cap = 0;
    memset(x, 0, sizeof *x);
    snprintf(path, sizeof path, "%s/%s.expect", data_dir, name);
    f = fopen(path, "r");
    if (!f)
        return false;
    while (fgets(line, sizeof line, f)) {
        struct seg_expect s;
        if (sscanf(line, "%63s", word) != 1)
            continue;
        if (strcmp(word, "TYPE") == 0) {
            sscanf(line, "TYPE %255s", str);
            x->type = strcmp(str, "EXEC") == 0 ? ELF_ET_EXEC : ELF_ET_DYN;
        } else if (strcmp(word, "ENTRY") == 0) {
            sscanf(line, "ENTRY %llx", &x->entry);
        } else if (strcmp(word, "PHOFF") == 0) {
            sscanf(line, "PHOFF %llu", &x->phoff);
        } else if (strcmp(word, "PHDR") == 0) {
            sscanf(line, "PHDR %llx", &x->phdr);
            x->has_phdr = true;
        } else if (strcmp(word, "LOAD") == 0 && x->nload < 16) {
            sscanf(line, "LOAD %llx %llx %llx %llx %255s %llx", &s.offset, &s.vaddr, &s.filesz,
                   &s.memsz, str, &s.align);
            s.flags = parse_flags(str);
            x->load[x->nload++] = s;
        } else if (strcmp(word, "TLS") == 0) {
            sscanf(line, "TLS %llx %llx %llx %llx %llx", &x->tls.offset, &x->tls.vaddr,
                   &x->tls.filesz, &x->tls.memsz, &x->tls.align);
            x->has_tls = true;
        } else if (strcmp(word, "STACK") == 0) {
            sscanf(line, "STACK %255s", str);
            x->stack_flags = parse_flags(str);
            x->has_stack = true;
        } else if (strcmp(word, "INTERP") == 0) {
            sscanf(line, "INTERP %255s", x->interp);
        } else if (strcmp(word, "SYMTAB") == 0) {
            x->symtab = strstr(line, "yes") != NULL;
        } else if (strcmp(word, "SYM") == 0) {
            struct sym_expect *y;
            char size[64];
            if (x->nsyms == cap) {
                cap = cap ? cap * 2 : 256;
                x->syms = realloc(x->syms, cap * sizeof *x->syms);
            }
            y = &x->syms[x->nsyms];
            if (sscanf(line, "SYM %llx %63s %127s", &y->value, size, y->name) == 3) {
                y->size = strtoull(size, NULL, 0);
                x->nsyms++;
            }
        }
    }
    fclose(f);
    return x->nload > 0;
}

/* ---- comparing with readelf ---- */

static void check_against_readelf(const char *name)
{
    struct image im = load(name);
    struct expect x;
    struct elf_info info;
    struct elf_segment seg;
    unsigned i;
    bool ok;
    CHECK(im.data);
    ok = load_expect(name, &x);
    free(x.syms);
    if (!ok) {
        free(im.data);
        fail(__LINE__, "no %s.expect", name);
        return;
    }
    CHECK_INT(elf_parse(im.data, im.len, &info), 0);
    CHECK_INT(info.type, x.type);
    CHECK_INT(info.entry, x.entry);
    CHECK_INT(info.phoff, x.phoff);
    CHECK_INT(info.nload, x.nload);
    for (i = 0; i < x.nload; i++) {
        CHECK_INT(elf_load_segment(&info, i, &seg), 0);
        CHECK_INT(seg.offset, x.load[i].offset);
        CHECK_INT(seg.vaddr, x.load[i].vaddr);
        CHECK_INT(seg.filesz, x.load[i].filesz);
        CHECK_INT(seg.memsz, x.load[i].memsz);
        CHECK_INT(seg.align, x.load[i].align);
        CHECK_INT(seg.flags, x.load[i].flags);
        CHECK(seg.data == im.data + seg.offset);
    }
    CHECK_INT(elf_load_segment(&info, x.nload, &seg), ELF_ENOENT);
    CHECK_INT(info.load_min, x.load[0].vaddr);
    CHECK_INT(info.load_max, x.load[x.nload - 1].vaddr + x.load[x.nload - 1].memsz);
    if (x.interp[0]) {
        CHECK_STR(info.interp, x.interp);
    } else {
        CHECK(info.interp == NULL);
    }
    CHECK_INT(info.has_tls, x.has_tls);
    if (x.has_tls) {
        CHECK_INT(info.tls.offset, x.tls.offset);
        CHECK_INT(info.tls.vaddr, x.tls.vaddr);
        CHECK_INT(info.tls.filesz, x.tls.filesz);
        CHECK_INT(info.tls.memsz, x.tls.memsz);
        CHECK_INT(info.tls.align, x.tls.align);
    }
    CHECK_INT(info.has_gnu_stack, x.has_stack);
    CHECK_INT(info.stack_flags, x.stack_flags);
    CHECK(info.has_phdr_vaddr);
    if (x.has_phdr) {
        CHECK_INT(info.phdr_vaddr, x.phdr);
    } else {
        /* Without PT_PHDR: through the PT_LOAD whose file bytes hold the table. */
        for (i = 0; i < x.nload; i++) {
            if (x.phoff >= x.load[i].offset && x.phoff < x.load[i].offset + x.load[i].filesz)
                break;
        }
        CHECK(i < x.nload);
        CHECK_INT(info.phdr_vaddr, x.load[i].vaddr + (x.phoff - x.load[i].offset));
    }
    free(im.data);
}

static void test_parse_static(void)
{
    check_against_readelf("static");
}

static void test_parse_static_pie(void)
{
    check_against_readelf("static-pie");
}

static void test_parse_dynamic(void)
{
    check_against_readelf("dynamic");
}

static void test_parse_stripped(void)
{
    check_against_readelf("stripped");
}

static void test_parse_ls(void)
{
    check_against_readelf("ls");
}

/* Symbolizes the first and last byte of every sized function readelf listed. */
static void check_symbols(const char *name)
{
    struct image im = load(name);
    struct expect x;
    unsigned i, j, checked = 0;
    const char *got;
    uint64_t off;
    CHECK(im.data);
    CHECK(load_expect(name, &x));
    CHECK(x.symtab && x.nsyms > 2);
    for (i = 0; i < x.nsyms; i++) {
        unsigned long long probe[2];
        unsigned k;
        if (x.syms[i].size == 0)
            continue;
        probe[0] = x.syms[i].value;
        probe[1] = x.syms[i].value + x.syms[i].size - 1;
        for (k = 0; k < 2; k++) {
            int rc = elf_symbolize(im.data, im.len, probe[k], &got, &off);
            bool match = false;
            if (rc == 0) {
                for (j = 0; j < x.nsyms && !match; j++)
                    match = strcmp(x.syms[j].name, got) == 0 && x.syms[j].value == probe[k] - off &&
                            x.syms[j].size > off;
            }
            if (!match) {
                fail(__LINE__, "%s+%llu (0x%llx): rc %d, got %s+%llu", x.syms[i].name,
                     probe[k] - x.syms[i].value, probe[k], rc, rc == 0 ? got : "-",
                     (unsigned long long)(rc == 0 ? off : 0));
                free(x.syms);
                free(im.data);
                return;
            }
            checked++;
        }
    }
    /* Named functions from test_program.c, including the sizeless one. */
    for (i = 0; i < x.nsyms; i++) {
        int rc;
        if (strcmp(x.syms[i].name, "capix_elf_test_function") == 0) {
            rc = elf_symbolize(im.data, im.len, x.syms[i].value + 5, &got, &off);
            if (rc || strcmp(got, "capix_elf_test_function") || off != 5)
                break;
        }
        if (strcmp(x.syms[i].name, "capix_sizeless") == 0) {
            rc = elf_symbolize(im.data, im.len, x.syms[i].value + 2, &got, &off);
            if (rc || strcmp(got, "capix_sizeless") || off != 2)
                break;
        }
    }
    free(x.syms);
    if (i < x.nsyms) {
        free(im.data);
        fail(__LINE__, "symbolizing %s failed", x.syms[i].name);
        return;
    }
    CHECK(checked > 4);
    /* Addresses outside all functions. */
    CHECK_INT(elf_symbolize(im.data, im.len, 0, &got, &off), ELF_ENOENT);
    CHECK_INT(elf_symbolize(im.data, im.len, x.load[x.nload - 1].vaddr + 1, &got, &off),
              ELF_ENOENT);
    free(im.data);
}

static void test_symbols_static(void)
{
    check_symbols("static");
}

static void test_symbols_static_pie(void)
{
    check_symbols("static-pie");
}

static void test_symbols_dynamic(void)
{
    check_symbols("dynamic");
}

static void test_symbols_stripped(void)
{
    struct image a = load("stripped"), b = load("ls");
    const char *got;
    uint64_t off;
    CHECK(a.data && b.data);
    CHECK_INT(elf_symbolize(a.data, a.len, 0x401000, &got, &off), ELF_ENOSYMS);
    CHECK_INT(elf_symbolize(b.data, b.len, 0x5000, &got, &off), ELF_ENOSYMS);
    free(a.data);
    free(b.data);
}

/* ---- mutations ---- */

static void put(unsigned char *p, unsigned width, unsigned long long v)
{
    unsigned i;
    for (i = 0; i < width; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static unsigned long long get(const unsigned char *p, unsigned width)
{
    unsigned long long v = 0;
    while (width--)
        v = v << 8 | p[width];
    return v;
}

/* Returns the file offset of the n-th program header of type type, or 0. */
static size_t find_phdr(const struct image *im, unsigned type, unsigned n)
{
    size_t phoff = get(im->data + 32, 8), i, phnum = get(im->data + 56, 2);
    for (i = 0; i < phnum; i++) {
        size_t at = phoff + i * 56;
        if (get(im->data + at, 4) == type && n-- == 0)
            return at;
    }
    return 0;
}

static void test_header_mutations(void)
{
    static const struct {
        unsigned off, width;
        unsigned long long value;
        int rc;
    } cases[] = {
        {0, 1, 0x7e, ELF_EMAGIC},   {3, 1, 'f', ELF_EMAGIC},       {4, 1, 1, ELF_ECLASS},
        {5, 1, 2, ELF_EDATA},       {6, 1, 0, ELF_EVERSION},       {20, 4, 2, ELF_EVERSION},
        {18, 2, 3, ELF_EMACHINE},   {18, 2, 183, ELF_EMACHINE},    {16, 2, 1, ELF_ETYPE},
        {16, 2, 4, ELF_ETYPE},      {54, 2, 32, ELF_EPHDR},        {56, 2, 0, ELF_EPHDR},
        {56, 2, 0xffff, ELF_EPHDR}, {56, 2, 5000, ELF_EPHDR},      {32, 8, ~0ull - 10, ELF_EPHDR},
        {24, 8, 0, ELF_EENTRY},     {24, 8, 0x400000, ELF_EENTRY},
    };
    struct image base = load("static");
    struct elf_info info;
    size_t i;
    CHECK(base.data);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct image im = copy_image(&base);
        int rc;
        put(im.data + cases[i].off, cases[i].width, cases[i].value);
        rc = elf_parse(im.data, im.len, &info);
        free(im.data);
        if (rc != cases[i].rc) {
            free(base.data);
            fail(__LINE__, "case %zu (offset %u = 0x%llx): got %d, expected %d", i, cases[i].off,
                 cases[i].value, rc, cases[i].rc);
            return;
        }
    }
    {
        /* The table just fits, or ends one byte past the image. */
        struct image im = copy_image(&base);
        size_t end = 64 + get(im.data + 56, 2) * 56;
        CHECK_INT(elf_parse(im.data, end, &info), ELF_ESEGRANGE); /* segments do not fit */
        CHECK_INT(elf_parse(im.data, end - 1, &info), ELF_EPHDR);
        put(im.data + 32, 8, im.len - 56);
        CHECK_INT(elf_parse(im.data, im.len, &info) < 0, 1);
        free(im.data);
    }
    /* Short and odd images. */
    CHECK_INT(elf_parse(base.data, 0, &info), ELF_EMAGIC);
    CHECK_INT(elf_parse(base.data, 3, &info), ELF_EMAGIC);
    CHECK_INT(elf_parse(base.data, 63, &info), ELF_ETRUNC);
    CHECK_INT(elf_parse(NULL, 100, &info), ELF_EMAGIC);
    CHECK_INT(elf_parse("#!/bin/sh\necho hi\n", 18, &info), ELF_EMAGIC);
    free(base.data);
}

static void test_segment_mutations(void)
{
    struct image base = load("static");
    struct elf_info info;
    struct elf_segment seg;
    size_t text, data, first, tls, stack;
    struct image im;
    unsigned long long vaddr, memsz;
    CHECK(base.data);
    first = find_phdr(&base, 1, 0);
    text = find_phdr(&base, 1, 1);
    data = find_phdr(&base, 1, 3);
    tls = find_phdr(&base, 7, 0);
    stack = find_phdr(&base, 0x6474e551u, 0);
    CHECK(first && text && data && tls && stack);
    CHECK_INT(get(base.data + text + 4, 4) & ELF_PF_X, ELF_PF_X);
    vaddr = get(base.data + text + 16, 8);
    memsz = get(base.data + text + 40, 8);

#define MUTATE(field_off, width, value, want)                                                      \
    do {                                                                                           \
        unsigned long long v_ = (value);                                                           \
        int rc_;                                                                                   \
        im = copy_image(&base);                                                                    \
        put(im.data + (field_off), width, v_);                                                     \
        rc_ = elf_parse(im.data, im.len, &info);                                                   \
        free(im.data);                                                                             \
        if (rc_ != (want)) {                                                                       \
            free(base.data);                                                                       \
            fail(__LINE__, "%s = 0x%llx: got %d, expected %d", #field_off, v_, rc_, want);         \
            return;                                                                                \
        }                                                                                          \
    } while (0)

    MUTATE(text + 32, 8, memsz + 1, ELF_ESEGSIZE);    /* filesz > memsz */
    MUTATE(text + 8, 8, base.len, ELF_ESEGRANGE);     /* offset past the end */
    MUTATE(text + 8, 8, ~0ull - 5, ELF_ESEGRANGE);    /* offset + filesz overflows */
    MUTATE(data + 32, 8, base.len, ELF_ESEGRANGE);    /* filesz past the end */
    MUTATE(text + 40, 8, ELF_USER_TOP, ELF_ESEGADDR); /* vaddr + memsz > top */
    MUTATE(text + 40, 8, ~0ull, ELF_ESEGADDR);        /* vaddr + memsz overflows */
    MUTATE(data + 16, 8, ELF_USER_TOP - 0x1000 + (get(base.data + data + 16, 8) & 0xfff),
           ELF_ESEGADDR);                           /* ends above the top */
    MUTATE(text + 48, 8, 3, ELF_ESEGALIGN);         /* not a power of two */
    MUTATE(text + 48, 8, 0x1000000, ELF_ESEGALIGN); /* vaddr % align != offset % align */
    MUTATE(text + 16, 8, vaddr + 8, ELF_ESEGALIGN); /* the same, moved */
    MUTATE(text + 48, 8, 0, 0);                     /* no alignment asked */
    MUTATE(text + 48, 8, 1, 0);
    MUTATE(text + 16, 8, get(base.data + first + 16, 8), ELF_ESEGORDER); /* overlaps the first */
    MUTATE(data + 16, 8, get(base.data + data + 8, 8), ELF_ESEGORDER);   /* below the text */
    MUTATE(tls + 32, 8, get(base.data + tls + 40, 8) + 1, ELF_ETLS);
    MUTATE(tls + 8, 8, base.len, ELF_ETLS);
    MUTATE(tls + 48, 8, 6, ELF_ETLS);
    MUTATE(stack, 4, 7, ELF_ETLS);      /* a second PT_TLS */
    MUTATE(stack + 4, 4, 7, 0);         /* executable stack: reported, not refused */
    MUTATE(text + 4, 4, 4, ELF_EENTRY); /* the entry's segment is no longer executable */
    MUTATE(first + 32, 8, 16, 0);       /* program headers no longer mapped: still loadable */

    /* Executable-stack flags and the unmapped program headers are reported. */
    im = copy_image(&base);
    put(im.data + stack + 4, 4, 7);
    put(im.data + first + 32, 8, 16);
    CHECK_INT(elf_parse(im.data, im.len, &info), 0);
    CHECK_INT(info.stack_flags, ELF_PF_R | ELF_PF_W | ELF_PF_X);
    CHECK(!info.has_phdr_vaddr);
    free(im.data);

    /* No PT_LOAD at all. */
    im = copy_image(&base);
    {
        size_t at;
        while ((at = find_phdr(&im, 1, 0)) != 0)
            put(im.data + at, 4, 0);
    }
    CHECK_INT(elf_parse(im.data, im.len, &info), ELF_ENOLOAD);
    free(im.data);

    /* Swapped segments are out of order. */
    im = copy_image(&base);
    memcpy(im.data + first, base.data + text, 56);
    memcpy(im.data + text, base.data + first, 56);
    CHECK_INT(elf_parse(im.data, im.len, &info), ELF_ESEGORDER);
    free(im.data);

    /* elf_load_segment checks again: an image changed after elf_parse. */
    im = copy_image(&base);
    CHECK_INT(elf_parse(im.data, im.len, &info), 0);
    put(im.data + text + 32, 8, memsz + 1);
    CHECK_INT(elf_load_segment(&info, 1, &seg), ELF_ESEGSIZE);
    CHECK_INT(elf_load_segment(&info, 0, &seg), 0);
    CHECK_INT(elf_load_segment(&info, 100, &seg), ELF_ENOENT);
    free(im.data);
    free(base.data);
#undef MUTATE
}

static void test_interp_mutations(void)
{
    struct image base = load("dynamic"), im;
    struct elf_info info;
    size_t interp, phdr;
    unsigned long long off, size;
    CHECK(base.data);
    interp = find_phdr(&base, 3, 0);
    phdr = find_phdr(&base, 6, 0);
    CHECK(interp && phdr);
    off = get(base.data + interp + 8, 8);
    size = get(base.data + interp + 32, 8);

    im = copy_image(&base); /* not NUL-terminated */
    memset(im.data + off, 'a', size);
    CHECK_INT(elf_parse(im.data, im.len, &info), ELF_EINTERP);
    free(im.data);
    im = copy_image(&base); /* empty path */
    im.data[off] = '\0';
    CHECK_INT(elf_parse(im.data, im.len, &info), ELF_EINTERP);
    free(im.data);
    im = copy_image(&base); /* beyond the image */
    put(im.data + interp + 8, 8, im.len - 4);
    CHECK_INT(elf_parse(im.data, im.len, &info), ELF_EINTERP);
    free(im.data);
    im = copy_image(&base); /* one byte */
    put(im.data + interp + 32, 8, 1);
    CHECK_INT(elf_parse(im.data, im.len, &info), ELF_EINTERP);
    free(im.data);
    im = copy_image(&base); /* twice */
    put(im.data + phdr, 4, 3);
    CHECK_INT(elf_parse(im.data, im.len, &info), ELF_EINTERP);
    free(im.data);
    im = copy_image(&base); /* without PT_PHDR the address comes from the first PT_LOAD */
    put(im.data + phdr, 4, 0);
    CHECK_INT(elf_parse(im.data, im.len, &info), 0);
    CHECK(info.has_phdr_vaddr);
    CHECK_INT(info.phdr_vaddr, 0x40);
    free(im.data);
    /* Unaligned images are fine. */
    {
        unsigned char *odd = malloc(base.len + 1);
        memcpy(odd + 1, base.data, base.len);
        CHECK_INT(elf_parse(odd + 1, base.len, &info), 0);
        CHECK_STR(info.interp, "/lib64/ld-linux-x86-64.so.2");
        free(odd);
    }
    free(base.data);
}

/* Finds the section index of the first section of type type. */
static size_t find_section(const struct image *im, unsigned type)
{
    size_t shoff = get(im->data + 40, 8), shnum = get(im->data + 60, 2), i;
    for (i = 0; i < shnum; i++) {
        if (get(im->data + shoff + i * 64 + 4, 4) == type)
            return i;
    }
    return 0;
}

static void test_section_mutations(void)
{
    struct image base = load("static"), im;
    struct expect x;
    size_t shoff, symtab, strtab;
    unsigned long long addr = 0;
    unsigned i;
    const char *name;
    uint64_t off;
    CHECK(base.data);
    CHECK(load_expect("static", &x));
    for (i = 0; i < x.nsyms; i++) {
        if (strcmp(x.syms[i].name, "capix_elf_test_function") == 0)
            addr = x.syms[i].value + 1;
    }
    free(x.syms);
    CHECK(addr);
    CHECK_INT(elf_symbolize(base.data, base.len, addr, &name, &off), 0);
    shoff = get(base.data + 40, 8);
    symtab = find_section(&base, 2);
    CHECK(symtab);
    strtab = get(base.data + shoff + symtab * 64 + 40, 4);

#define SYMBOLIZE_AFTER(field_off, width, value, want)                                             \
    do {                                                                                           \
        int rc_;                                                                                   \
        im = copy_image(&base);                                                                    \
        put(im.data + (field_off), width, value);                                                  \
        rc_ = elf_symbolize(im.data, im.len, addr, &name, &off);                                   \
        free(im.data);                                                                             \
        if (rc_ != (want)) {                                                                       \
            free(base.data);                                                                       \
            fail(__LINE__, "%s = 0x%llx: got %d, expected %d", #field_off,                         \
                 (unsigned long long)(value), rc_, want);                                          \
            return;                                                                                \
        }                                                                                          \
    } while (0)

    SYMBOLIZE_AFTER(40, 8, base.len, ELF_ESECTION);                       /* e_shoff past the end */
    SYMBOLIZE_AFTER(40, 8, ~0ull - 8, ELF_ESECTION);                      /* e_shoff overflows */
    SYMBOLIZE_AFTER(40, 8, 0, ELF_ENOSYMS);                               /* no section headers */
    SYMBOLIZE_AFTER(58, 2, 40, ELF_ESECTION);                             /* e_shentsize */
    SYMBOLIZE_AFTER(60, 2, 0xfff0, ELF_ESECTION);                         /* e_shnum too large */
    SYMBOLIZE_AFTER(shoff + symtab * 64 + 56, 8, 16, ELF_ESECTION);       /* sh_entsize */
    SYMBOLIZE_AFTER(shoff + symtab * 64 + 40, 4, 999, ELF_ESECTION);      /* sh_link */
    SYMBOLIZE_AFTER(shoff + symtab * 64 + 24, 8, base.len, ELF_ESECTION); /* sh_offset */
    SYMBOLIZE_AFTER(shoff + symtab * 64 + 32, 8, base.len, ELF_ESECTION); /* sh_size */
    SYMBOLIZE_AFTER(shoff + symtab * 64 + 4, 4, 1, ELF_ENOSYMS);          /* no SHT_SYMTAB */
    SYMBOLIZE_AFTER(shoff + strtab * 64 + 4, 4, 1, ELF_ESECTION);         /* link not SHT_STRTAB */
    SYMBOLIZE_AFTER(shoff + strtab * 64 + 32, 8, 1, ELF_ESECTION); /* name beyond the table */
    SYMBOLIZE_AFTER(shoff + strtab * 64 + 24, 8, base.len, ELF_ESECTION);
    SYMBOLIZE_AFTER(0, 1, 0, ELF_EMAGIC);
    SYMBOLIZE_AFTER(18, 2, 40, ELF_EMACHINE);
    SYMBOLIZE_AFTER(56, 2, 0, 0); /* no program headers: symbolizing does not need them */
#undef SYMBOLIZE_AFTER

    /* Extended section numbering: e_shnum 0, the count in section 0's sh_size. */
    im = copy_image(&base);
    put(im.data + shoff + 32, 8, get(im.data + 60, 2));
    put(im.data + 60, 2, 0);
    CHECK_INT(elf_symbolize(im.data, im.len, addr, &name, &off), 0);
    CHECK_STR(name, "capix_elf_test_function");
    CHECK_INT(off, 1);
    put(im.data + shoff + 32, 8, 0);
    CHECK_INT(elf_symbolize(im.data, im.len, addr, &name, &off), ELF_ENOSYMS);
    free(im.data);
    CHECK_INT(elf_symbolize(base.data, 63, addr, &name, &off), ELF_ETRUNC);
    free(base.data);
}

/* Random byte mutations: nothing may crash, and what elf_parse accepts must be sound. */
static void test_random_mutations(void)
{
    struct image base = load("static");
    unsigned long long seed = 0x9e3779b97f4a7c15ull;
    unsigned round, accepted = 0;
    CHECK(base.data);
    for (round = 0; round < 3000; round++) {
        struct image im = copy_image(&base);
        struct elf_info info;
        struct elf_segment seg;
        const char *name;
        uint64_t off;
        unsigned k, n = 1 + round % 8;
        for (k = 0; k < n; k++) {
            size_t at;
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            /* Mostly the headers and tables (first 1 KiB, section headers at the end). */
            at = (seed >> 33) % 2 ? (seed >> 40) % 1024 : im.len - 1 - (seed >> 40) % 2048;
            im.data[at] = (unsigned char)(seed >> 24);
        }
        if (elf_parse(im.data, im.len, &info) == 0) {
            accepted++;
            for (k = 0; k < info.nload; k++) {
                if (elf_load_segment(&info, k, &seg) != 0 ||
                    (const unsigned char *)seg.data + seg.filesz > im.data + im.len ||
                    seg.vaddr + seg.memsz > ELF_USER_TOP || seg.filesz > seg.memsz) {
                    free(im.data);
                    free(base.data);
                    fail(__LINE__, "round %u: accepted a bad segment %u", round, k);
                    return;
                }
            }
            if (info.interp &&
                !memchr(info.interp, '\0',
                        im.len - (size_t)((const unsigned char *)info.interp - im.data))) {
                free(im.data);
                free(base.data);
                fail(__LINE__, "round %u: unterminated interp", round);
                return;
            }
        }
        if (elf_symbolize(im.data, im.len, 0x401100 + round, &name, &off) == 0 &&
            !memchr(name, '\0', im.len - (size_t)((const unsigned char *)name - im.data))) {
            free(im.data);
            free(base.data);
            fail(__LINE__, "round %u: unterminated name", round);
            return;
        }
        free(im.data);
    }
    free(base.data);
    CHECK(accepted > 0);
}

/* elf_parse_head on the first bytes of a file: what elf_parse finds in the whole of it,
 * segment data only inside the head, ELF_EHEAD while the tables are past it. */
static void test_parse_head(void)
{
    struct image im = load("static");
    struct elf_info whole, head;
    struct elf_segment seg;
    size_t have;
    unsigned i;
    CHECK(im.data);
    CHECK_INT(elf_parse(im.data, im.len, &whole), 0);
    CHECK_INT(elf_parse_head(im.data, 0, im.len, &head), ELF_EHEAD);
    CHECK_INT(elf_parse_head(im.data, 63, im.len, &head), ELF_EHEAD);
    CHECK_INT(elf_parse_head(im.data, im.len, im.len - 1, &head), ELF_EHEAD);
    have = (size_t)(whole.phoff + whole.phnum * 56u);
    CHECK_INT(elf_parse_head(im.data, have - 1, im.len, &head), ELF_EHEAD);
    CHECK_INT(elf_parse_head(im.data, have, im.len, &head), 0);
    CHECK_INT(head.entry, whole.entry);
    CHECK_INT(head.nload, whole.nload);
    CHECK_INT(head.load_min, whole.load_min);
    CHECK_INT(head.load_max, whole.load_max);
    CHECK_INT(head.phdr_vaddr, whole.phdr_vaddr);
    CHECK_INT(head.len, im.len);
    CHECK_INT(head.have, have);
    for (i = 0; i < head.nload; i++) {
        CHECK_INT(elf_load_segment(&head, i, &seg), 0);
        CHECK(seg.data == NULL ||
              (seg.data == im.data + seg.offset && seg.offset + seg.filesz <= have));
    }
    /* the same checks against the file's length: a segment past its end */
    CHECK_INT(elf_parse_head(im.data, have, have, &head), ELF_ESEGRANGE);
    /* not an ELF file is said at once */
    CHECK_INT(elf_parse_head("#!/bin/sh\necho hi\n", 18, 4096, &head), ELF_EHEAD);
    CHECK_INT(
        elf_parse_head("#!/bin/sh\necho hi\n#####################################################",
                       64, 4096, &head),
        ELF_EMAGIC);
    free(im.data);
}

static void test_strerror(void)
{
    CHECK_STR(elf_strerror(ELF_EMAGIC), "not an ELF file");
    CHECK_STR(elf_strerror(ELF_ENOSYMS), "no symbol table (stripped)");
    CHECK_STR(elf_strerror(ELF_ENOENT), "not found");
    CHECK_STR(elf_strerror(ELF_EHEAD), "headers past the part of the file read");
    CHECK_STR(elf_strerror(-22), "unknown error");
    CHECK_STR(elf_strerror(-2147483647 - 1), "unknown error");
    CHECK_STR(elf_strerror(5), "unknown error");
}

static const struct check_case cases[] = {
    {"parse_static", test_parse_static},
    {"parse_static_pie", test_parse_static_pie},
    {"parse_dynamic", test_parse_dynamic},
    {"parse_stripped", test_parse_stripped},
    {"parse_ls", test_parse_ls},
    {"symbols_static", test_symbols_static},
    {"symbols_static_pie", test_symbols_static_pie},
    {"symbols_dynamic", test_symbols_dynamic},
    {"symbols_stripped", test_symbols_stripped},
    {"header_mutations", test_header_mutations},
    {"segment_mutations", test_segment_mutations},
    {"interp_mutations", test_interp_mutations},
    {"section_mutations", test_section_mutations},
    {"random_mutations", test_random_mutations},
    {"parse_head", test_parse_head},
    {"strerror", test_strerror},
};

int main(int argc, char **argv)
{
    if (argc > 1)
        data_dir = argv[1];
    int failed = check_run("elf", cases, sizeof cases / sizeof cases[0]);
    return failed ? 1 : 0;
}
