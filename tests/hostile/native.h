/*
 * Native kernel calls from an unmodified static musl program, for the hostile test
 * programs (tests/hostile/, docs/sandboxes.md). A program's own `syscall` is a Linux call
 * (the kernel reflects it to the runtime); only a `syscall` inside the runtime's code is
 * a native call. native_init reads the runtime's ELF header where the launcher maps it
 * (RT_IMAGE_BASE), finds its executable segment and there a `syscall` followed by `ret`
 * (or by a few register moves and tests that leave rax alone, then `ret`); native()
 * calls that gadget with the registers set up, which is a native call that comes back.
 * Header-only: each program includes it once.
 */
#ifndef HOSTILE_NATIVE_H
#define HOSTILE_NATIVE_H

#include <stdint.h>
#include <string.h>

#include <capix/abi.h>
#include <capix/posix_protocol.h>

struct nret {
    int64_t err;
    uint64_t rsi, rdi, rdx, r10, r8, r9; /* what the call left in those registers */
};

static uintptr_t native_gadget;
static uint64_t native_lo_code, native_hi_code; /* the runtime's executable segment */

/* One native call through the runtime's gadget. The call pushes a return address, so the
 * red zone is stepped over first; rcx and r11 are the kernel's, the rest is declared. */
static inline struct nret native(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                                 uint64_t a4, uint64_t a5)
{
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    register uint64_t r9 __asm__("r9") = a5;
    uint64_t rax = nr, rdi = a0, rsi = a1, rdx = a2;
    __asm__ volatile("sub $128, %%rsp\n\tcall *%[g]\n\tadd $128, %%rsp"
                     : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : [g] "b"(native_gadget)
                     : "rcx", "r11", "memory", "cc");
    struct nret r = {(int64_t)rax, rsi, rdi, rdx, r10, r8, r9};
    return r;
}

/* Length of a gadget instruction after `syscall` that writes no memory, no rax and no
 * rsp (mov/test/xor between registers, not into rax), or 0. */
static inline unsigned native_harmless_insn(const uint8_t *p)
{
    unsigned rex = (p[0] & 0xf0) == 0x40 ? 1 : 0;
    uint8_t op = p[rex], modrm = p[rex + 1];
    if ((op == 0x89 || op == 0x85 || op == 0x31) && (modrm & 0xc0) == 0xc0) {
        unsigned dst = (modrm & 7) | (rex && (p[0] & 1) ? 8 : 0);
        if (op != 0x85 && (dst == 0 || dst == 4))
            return 0;
        return rex + 2;
    }
    return 0;
}

/* Finds the gadget in the runtime's executable segment: 0, or -1 when there is none. */
static inline int native_init(void)
{
    const uint8_t *eh = (const uint8_t *)RT_IMAGE_BASE;
    if (memcmp(eh, "\177ELF", 4) || eh[4] != 2)
        return -1;
    uint64_t phoff, phent, phnum;
    memcpy(&phoff, eh + 32, 8);
    phent = *(const uint16_t *)(eh + 54);
    phnum = *(const uint16_t *)(eh + 56);
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *ph = eh + phoff + i * phent;
        uint32_t type, flags;
        uint64_t vaddr, memsz;
        memcpy(&type, ph, 4);
        memcpy(&flags, ph + 4, 4);
        memcpy(&vaddr, ph + 16, 8);
        memcpy(&memsz, ph + 40, 8);
        if (type == 1 && (flags & 1)) { /* PT_LOAD, PF_X */
            native_lo_code = vaddr, native_hi_code = vaddr + memsz;
            break;
        }
    }
    if (!native_hi_code)
        return -1;
    for (int pass = 0; pass < 2; pass++)
        for (const uint8_t *p = (const uint8_t *)native_lo_code;
             p + 16 < (const uint8_t *)native_hi_code; p++) {
            if (p[0] != 0x0f || p[1] != 0x05)
                continue;
            const uint8_t *q = p + 2;
            for (int k = 0; pass && k < 4; k++) {
                unsigned n = native_harmless_insn(q);
                if (!n)
                    break;
                q += n;
            }
            if (*q == 0xc3) {
                native_gadget = (uintptr_t)p;
                return 0;
            }
        }
    return -1;
}

#endif
