/*
 * libFuzzer target for lib/elf: parses the input as an executable, reads every
 * PT_LOAD segment, and symbolizes the entry point, each segment start and an address
 * taken from the input; aborts if anything accepted points outside the input. Then
 * parses a prefix of it as the head of the whole (elf_parse_head), which must agree.
 */
#include <capix/elf.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_in_input(const uint8_t *data, size_t size, const void *p, uint64_t n)
{
    const uint8_t *b = p;
    if (b < data || b > data + size || n > (uint64_t)(data + size - b))
        abort();
}

static void symbolize(const uint8_t *data, size_t size, uint64_t addr)
{
    const char *name;
    uint64_t off;
    if (elf_symbolize(data, size, addr, &name, &off) == 0) {
        check_in_input(data, size, name, 1);
        if (!memchr(name, '\0', (size_t)(data + size - (const uint8_t *)name)) || off > addr)
            abort();
    }
}

/* elf_parse_head over the first have bytes: accepted only what elf_parse accepts (whole:
 * its answer), with the same summary, and data pointers only inside the head. */
static void check_head(const uint8_t *data, size_t size, size_t have, int whole_rc,
                       const struct elf_info *whole)
{
    struct elf_info info;
    struct elf_segment seg;
    unsigned i;
    int rc = elf_parse_head(data, have, size, &info);
    if (rc == ELF_EHEAD)
        return;
    if (rc != whole_rc)
        abort();
    if (rc)
        return;
    if (info.entry != whole->entry || info.nload != whole->nload ||
        info.load_min != whole->load_min || info.load_max != whole->load_max ||
        info.phdr_vaddr != whole->phdr_vaddr || info.type != whole->type)
        abort();
    for (i = 0; i < info.nload; i++) {
        if (elf_load_segment(&info, i, &seg) != 0)
            abort();
        if (seg.data)
            check_in_input(data, have, seg.data, seg.filesz);
    }
    if (info.interp)
        check_in_input(data, have, info.interp, 1);
    if (info.has_tls && info.tls.data)
        check_in_input(data, have, info.tls.data, info.tls.filesz);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct elf_info info;
    struct elf_segment seg;
    unsigned i;
    uint64_t probe = 0;
    if (size >= 8)
        memcpy(&probe, data + size - 8, 8);
    symbolize(data, size, probe);
    int rc = elf_parse(data, size, &info);
    check_head(data, size, size < 4096 ? size : 4096, rc, &info);
    check_head(data, size, size ? (size_t)(probe % size) : 0, rc, &info);
    if (rc != 0)
        return 0;
    if (info.nload == 0 || info.load_min > info.load_max || info.load_max > ELF_USER_TOP)
        abort();
    for (i = 0; i < info.nload; i++) {
        if (elf_load_segment(&info, i, &seg) != 0)
            abort();
        check_in_input(data, size, seg.data, seg.filesz);
        if (seg.filesz > seg.memsz || seg.vaddr + seg.memsz > ELF_USER_TOP ||
            seg.vaddr < info.load_min || seg.vaddr + seg.memsz > info.load_max)
            abort();
        symbolize(data, size, seg.vaddr);
    }
    if (elf_load_segment(&info, info.nload, &seg) != ELF_ENOENT)
        abort();
    if (info.interp) {
        check_in_input(data, size, info.interp, 1);
        if (!memchr(info.interp, '\0', (size_t)(data + size - (const uint8_t *)info.interp)))
            abort();
    }
    if (info.has_tls)
        check_in_input(data, size, info.tls.data, info.tls.filesz);
    symbolize(data, size, info.entry);
    return 0;
}
