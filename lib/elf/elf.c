/*
 * ELF64 parsing for loaders and fault reports (API in lib/include/capix/elf.h).
 *
 * The image is untrusted bytes at any alignment: every field is read byte by byte as
 * little-endian, and every (offset, size) pair is checked with in_image() before the
 * bytes it names are touched, in a form that cannot overflow. elf_parse validates the
 * whole program header table once, so that a loader may trust struct elf_info; the
 * per-segment checks live in check_load() and are run again by elf_load_segment.
 * elf_symbolize needs only the identification part of the header and the section
 * headers, so that it works on images elf_parse would refuse.
 */
#include <capix/elf.h>
#include <string.h>

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define SHDR_SIZE 64
#define SYM_SIZE 24

#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551u
#define PN_XNUM 0xffff
#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHF_EXECINSTR 4
#define STT_FUNC 2
#define STT_GNU_IFUNC 10
#define SHN_UNDEF 0

/* A program header, decoded. */
struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
};

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* True if the bytes [off, off + size) lie inside an image of len bytes. */
static bool in_image(uint64_t off, uint64_t size, size_t len)
{
    return off <= len && size <= len - off;
}

/* Checks the identification and machine: everything all three entry points need. */
static int check_ident(const unsigned char *img, size_t len)
{
    if (!img || len < 4 || memcmp(img, "\177ELF", 4) != 0)
        return ELF_EMAGIC;
    if (len < EHDR_SIZE)
        return ELF_ETRUNC;
    if (img[4] != 2)
        return ELF_ECLASS;
    if (img[5] != 1)
        return ELF_EDATA;
    if (img[6] != 1 || rd32(img + 20) != 1)
        return ELF_EVERSION;
    if (rd16(img + 18) != EM_X86_64)
        return ELF_EMACHINE;
    return 0;
}

static void read_phdr(const unsigned char *img, uint64_t phoff, unsigned i, struct phdr *ph)
{
    const unsigned char *p = img + phoff + (uint64_t)i * PHDR_SIZE;
    ph->type = rd32(p);
    ph->flags = rd32(p + 4);
    ph->offset = rd64(p + 8);
    ph->vaddr = rd64(p + 16);
    ph->filesz = rd64(p + 32);
    ph->memsz = rd64(p + 40);
    ph->align = rd64(p + 48);
}

static void fill_segment(const unsigned char *img, size_t have, const struct phdr *ph,
                         struct elf_segment *seg)
{
    seg->vaddr = ph->vaddr;
    seg->memsz = ph->memsz;
    seg->offset = ph->offset;
    seg->filesz = ph->filesz;
    seg->align = ph->align;
    seg->flags = ph->flags & (ELF_PF_R | ELF_PF_W | ELF_PF_X);
    seg->data = in_image(ph->offset, ph->filesz, have) ? img + ph->offset : NULL;
}

/* The checks shared by PT_LOAD and PT_TLS: file range, sizes, addresses, alignment. */
static int check_ranges(const struct phdr *ph, size_t len)
{
    if (!in_image(ph->offset, ph->filesz, len))
        return ELF_ESEGRANGE;
    if (ph->filesz > ph->memsz)
        return ELF_ESEGSIZE;
    if (ph->vaddr > ELF_USER_TOP || ph->memsz > ELF_USER_TOP - ph->vaddr)
        return ELF_ESEGADDR;
    if (ph->align & (ph->align - 1))
        return ELF_ESEGALIGN;
    return 0;
}

static int check_load(const struct phdr *ph, size_t len)
{
    int rc = check_ranges(ph, len);
    if (rc)
        return rc;
    if (ph->align > 1 && ((ph->vaddr - ph->offset) & (ph->align - 1)))
        return ELF_ESEGALIGN;
    return 0;
}

static int check_interp(const unsigned char *img, size_t have, size_t len, const struct phdr *ph)
{
    const unsigned char *nul;
    if (!in_image(ph->offset, ph->filesz, len) || ph->filesz < 2)
        return ELF_EINTERP;
    if (!in_image(ph->offset, ph->filesz, have))
        return ELF_EHEAD;
    nul = memchr(img + ph->offset, '\0', (size_t)ph->filesz);
    if (!nul || nul == img + ph->offset)
        return ELF_EINTERP;
    return 0;
}

/* elf_parse over the first have bytes of a file of len bytes (elf_parse_head). */
static int parse(const void *image, size_t have, size_t len, struct elf_info *info)
{
    const unsigned char *img = image;
    uint64_t table_size, prev_end = 0, phdr_from_load = 0;
    bool entry_ok = false, have_phdr_load = false, have_phdr_pt = false;
    unsigned i, type, phentsize;
    struct phdr ph;
    int rc;

    memset(info, 0, sizeof *info);
    if (have > len || (have < EHDR_SIZE && have < len))
        return ELF_EHEAD;
    rc = check_ident(img, have);
    if (rc)
        return rc;
    type = rd16(img + 16);
    if (type != ELF_ET_EXEC && type != ELF_ET_DYN)
        return ELF_ETYPE;
    info->img = img;
    info->len = len;
    info->have = have;
    info->type = type;
    info->entry = rd64(img + 24);
    info->phoff = rd64(img + 32);
    info->phnum = rd16(img + 56);
    phentsize = rd16(img + 54);
    table_size = (uint64_t)info->phnum * PHDR_SIZE;
    if (phentsize != PHDR_SIZE || info->phnum == 0 || info->phnum == PN_XNUM ||
        !in_image(info->phoff, table_size, len))
        return ELF_EPHDR;
    if (!in_image(info->phoff, table_size, have))
        return ELF_EHEAD;

    for (i = 0; i < info->phnum; i++) {
        read_phdr(img, info->phoff, i, &ph);
        switch (ph.type) {
        case PT_LOAD:
            rc = check_load(&ph, len);
            if (rc)
                return rc;
            if (info->nload > 0 && ph.vaddr < prev_end)
                return ELF_ESEGORDER;
            if (info->nload++ == 0)
                info->load_min = ph.vaddr;
            prev_end = ph.vaddr + ph.memsz;
            info->load_max = prev_end;
            if ((ph.flags & ELF_PF_X) && info->entry >= ph.vaddr &&
                info->entry - ph.vaddr < ph.memsz)
                entry_ok = true;
            if (!have_phdr_load && info->phoff >= ph.offset &&
                info->phoff - ph.offset <= ph.filesz &&
                table_size <= ph.filesz - (info->phoff - ph.offset)) {
                phdr_from_load = ph.vaddr + (info->phoff - ph.offset);
                have_phdr_load = true;
            }
            break;
        case PT_INTERP:
            if (info->interp)
                return ELF_EINTERP;
            rc = check_interp(img, have, len, &ph);
            if (rc)
                return rc;
            info->interp = (const char *)img + ph.offset;
            break;
        case PT_PHDR:
            if (!have_phdr_pt)
                info->phdr_vaddr = ph.vaddr;
            have_phdr_pt = true;
            break;
        case PT_TLS:
            if (info->has_tls || check_ranges(&ph, len))
                return ELF_ETLS;
            info->has_tls = true;
            fill_segment(img, have, &ph, &info->tls);
            break;
        case PT_GNU_STACK:
            info->has_gnu_stack = true;
            info->stack_flags = ph.flags & (ELF_PF_R | ELF_PF_W | ELF_PF_X);
            break;
        default:
            break;
        }
    }
    if (info->nload == 0)
        return ELF_ENOLOAD;
    if (!entry_ok)
        return ELF_EENTRY;
    if (!have_phdr_pt && have_phdr_load)
        info->phdr_vaddr = phdr_from_load;
    info->has_phdr_vaddr = have_phdr_pt || have_phdr_load;
    return 0;
}

int elf_parse(const void *image, size_t len, struct elf_info *info)
{
    return parse(image, len, len, info);
}

int elf_parse_head(const void *head, size_t have, size_t len, struct elf_info *info)
{
    return parse(head, have, len, info);
}

int elf_load_segment(const struct elf_info *info, unsigned index, struct elf_segment *seg)
{
    struct phdr ph;
    unsigned i, n = 0;
    int rc;
    if (!info->img || index >= info->nload || info->have > info->len ||
        !in_image(info->phoff, (uint64_t)info->phnum * PHDR_SIZE, info->have))
        return ELF_ENOENT;
    for (i = 0; i < info->phnum; i++) {
        read_phdr(info->img, info->phoff, i, &ph);
        if (ph.type != PT_LOAD || n++ != index)
            continue;
        rc = check_load(&ph, info->len);
        if (rc)
            return rc;
        fill_segment(info->img, info->have, &ph, seg);
        return 0;
    }
    return ELF_ENOENT;
}

/* A section header, decoded (only the fields used here). */
struct shdr {
    uint32_t type, link;
    uint64_t flags, addr, offset, size, entsize;
};

static void read_shdr(const unsigned char *img, uint64_t shoff, uint64_t i, struct shdr *sh)
{
    const unsigned char *p = img + shoff + i * SHDR_SIZE;
    sh->type = rd32(p + 4);
    sh->flags = rd64(p + 8);
    sh->addr = rd64(p + 16);
    sh->offset = rd64(p + 24);
    sh->size = rd64(p + 32);
    sh->link = rd32(p + 40);
    sh->entsize = rd64(p + 56);
}

/* A function symbol, decoded. */
struct sym {
    uint32_t name;
    uint16_t shndx;
    uint64_t value, size;
};

/* Reads symbol i; returns false if it is not a defined, named function. */
static bool read_func(const unsigned char *syms, uint64_t i, struct sym *s)
{
    const unsigned char *p = syms + i * SYM_SIZE;
    unsigned type = p[4] & 0xf;
    s->name = rd32(p);
    s->shndx = rd16(p + 6);
    s->value = rd64(p + 8);
    s->size = rd64(p + 16);
    return (type == STT_FUNC || type == STT_GNU_IFUNC) && s->shndx != SHN_UNDEF && s->name != 0;
}

int elf_symbolize(const void *image, size_t len, uint64_t addr, const char **name, uint64_t *offset)
{
    const unsigned char *img = image, *syms, *strs;
    uint64_t shoff, shnum, nsyms, i, exec_sec = 0;
    struct shdr sh, symtab, strtab;
    struct sym s, best = {0, 0, 0, 0};
    bool found = false, have_symtab = false, have_exec = false;
    const unsigned char *nul;
    int rc = check_ident(img, len);
    if (rc)
        return rc;

    shoff = rd64(img + 40);
    shnum = rd16(img + 60);
    if (shoff == 0)
        return ELF_ENOSYMS;
    if (rd16(img + 58) != SHDR_SIZE || !in_image(shoff, SHDR_SIZE, len))
        return ELF_ESECTION;
    if (shnum == 0) { /* extended numbering: the count is in section 0's sh_size */
        read_shdr(img, shoff, 0, &sh);
        shnum = sh.size;
        if (shnum == 0)
            return ELF_ENOSYMS;
    }
    if (shnum > (len - shoff) / SHDR_SIZE)
        return ELF_ESECTION;
    for (i = 0; i < shnum && !have_symtab; i++) {
        read_shdr(img, shoff, i, &symtab);
        have_symtab = symtab.type == SHT_SYMTAB;
    }
    if (!have_symtab)
        return ELF_ENOSYMS;
    if (symtab.entsize != SYM_SIZE || !in_image(symtab.offset, symtab.size, len) ||
        symtab.link >= shnum)
        return ELF_ESECTION;
    read_shdr(img, shoff, symtab.link, &strtab);
    if (strtab.type != SHT_STRTAB || !in_image(strtab.offset, strtab.size, len))
        return ELF_ESECTION;
    syms = img + symtab.offset;
    strs = img + strtab.offset;
    nsyms = symtab.size / SYM_SIZE;

    /* A sized function containing addr; the innermost (highest start) if several. */
    for (i = 0; i < nsyms; i++) {
        if (!read_func(syms, i, &s) || addr < s.value || addr - s.value >= s.size)
            continue;
        if (!found || s.value > best.value) {
            best = s;
            found = true;
        }
    }
    /* Else the nearest function start below addr in its executable section, if sizeless. */
    if (!found) {
        for (i = 0; i < shnum && !have_exec; i++) {
            read_shdr(img, shoff, i, &sh);
            if ((sh.flags & SHF_EXECINSTR) && addr >= sh.addr && addr - sh.addr < sh.size) {
                exec_sec = i;
                have_exec = true;
            }
        }
        if (!have_exec)
            return ELF_ENOENT;
        for (i = 0; i < nsyms; i++) {
            if (!read_func(syms, i, &s) || s.shndx != exec_sec || s.value > addr)
                continue;
            if (!found || s.value > best.value || (s.value == best.value && s.size == 0)) {
                best = s;
                found = true;
            }
        }
        if (!found || best.size != 0)
            return ELF_ENOENT;
    }
    if (best.name >= strtab.size)
        return ELF_ESECTION;
    nul = memchr(strs + best.name, '\0', (size_t)(strtab.size - best.name));
    if (!nul)
        return ELF_ESECTION;
    *name = (const char *)strs + best.name;
    *offset = addr - best.value;
    return 0;
}

const char *elf_strerror(int code)
{
    static const char *const msgs[] = {
        "success",
        "image shorter than the ELF header",
        "not an ELF file",
        "not a 64-bit ELF file",
        "not little-endian",
        "unknown ELF version",
        "not an x86-64 executable",
        "neither an executable nor a position-independent executable",
        "bad program header table",
        "segment beyond the end of the file",
        "segment file size larger than its memory size",
        "segment address out of range",
        "bad segment alignment",
        "load segments out of order or overlapping",
        "no loadable segment",
        "entry point outside the executable segments",
        "bad PT_INTERP",
        "bad PT_TLS",
        "bad section headers or symbol table",
        "no symbol table (stripped)",
        "not found",
        "headers past the part of the file read",
    };
    if (code > 0 || code <= -(int)(sizeof msgs / sizeof msgs[0]))
        return "unknown error";
    return msgs[-code];
}
