/* For the memory-pressure upcall tests (guest/programs/pressure.c, guest/programs/macho/pressure.c): in
 * assembly, a loop that holds a known value in every register while it runs, and a handler
 * that destroys them all, so a test sees whether the interrupted code got every register
 * back; in C, a handler that notes where it returns to (the trampoline).
 *
 *   upcall_regs_loop(n, &dump)      sets x0-x27, x29, x30 to upcall_xpattern(r), q0-q31 to
 *                                   upcall_qpattern(r), NZCV to UPCALL_NZCV, FPCR and FPSR
 *                                   to UPCALL_FPCR / UPCALL_FPSR; counts x28 down from n to
 *                                   0 (sub + cbnz: no flag changes); then writes every
 *                                   register, sp before and after, NZCV, FPCR and FPSR to
 *                                   dump, and returns as a normal function.
 *   upcall_clobber_handler(note, ctx)   a pressure handler: counts itself in the
 *                                   struct upcall_record at ctx with the note, the loop's
 *                                   x28 (iterations left), its return address and its sp;
 *                                   then overwrites x0-x29, q0-q31, NZCV, FPCR, FPSR and
 *                                   moves sp down 4 KB before it returns. */
#ifndef UPCALL_REGS_H
#define UPCALL_REGS_H

#include <stddef.h>
#include <stdint.h>

struct upcall_dump {
    uint64_t x[31];                /* x28 is written as 0: the loop ended there */
    uint64_t sp_before, sp_after, nzcv, fpcr, fpsr;
    uint8_t q[32][16];
};
_Static_assert(offsetof(struct upcall_dump, sp_before) == 248 &&
               offsetof(struct upcall_dump, q) == 288, "the offsets the assembly uses");

struct upcall_record {
    uint64_t count, note, left, lr, sp;
};

#define UPCALL_NZCV 0x60000000ull  /* Z and C */
#define UPCALL_FPCR 0x03c00000ull  /* DN, FZ, round toward zero */
#define UPCALL_FPSR 0x0800001full  /* QC and the IOC..IXC cumulative flags */

/* Each 16-bit chunk different, and different for every register. */
static inline uint64_t upcall_xpattern(int r)
{
    return (uint64_t)(0xA500 + r) << 48 | (uint64_t)(0x5A00 + r) << 32 |
           (uint64_t)(0xC300 + r) << 16 | (uint64_t)(0x3C00 + r);
}

static inline void upcall_qpattern(int r, uint64_t out[2])
{
    out[0] = (uint64_t)(0x1100 + r) << 48 | (uint64_t)(0x2200 + r) << 32 |
             (uint64_t)(0x3300 + r) << 16 | (uint64_t)(0x4400 + r);
    out[1] = (uint64_t)(0x5500 + r) << 48 | (uint64_t)(0x6600 + r) << 32 |
             (uint64_t)(0x7700 + r) << 16 | (uint64_t)(0x8800 + r);
}

void upcall_regs_loop(uint64_t iterations, struct upcall_dump *dump);
void upcall_clobber_handler(unsigned long note, void *ctx);

/* A handler: its return address, the trampoline, in *(uint64_t *)ctx. */
static inline void upcall_note_trampoline(unsigned long note, void *ctx)
{
    (void)note;
    *(uint64_t *)ctx = (uint64_t)(uintptr_t)__builtin_return_address(0);
}

#ifdef __APPLE__
#define UPCALL_SYM(name) "_" #name
#else
#define UPCALL_SYM(name) #name
#endif

#define UPCALL_ALL_Q "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31"

__asm__(
    ".text\n"
    ".p2align 2\n"
    ".globl " UPCALL_SYM(upcall_regs_loop) "\n"
    UPCALL_SYM(upcall_regs_loop) ":\n"
    "  stp x29, x30, [sp, #-176]!\n"
    "  mov x29, sp\n"
    "  stp x19, x20, [sp, #16]\n"
    "  stp x21, x22, [sp, #32]\n"
    "  stp x23, x24, [sp, #48]\n"
    "  stp x25, x26, [sp, #64]\n"
    "  stp x27, x28, [sp, #80]\n"
    "  stp d8, d9, [sp, #96]\n"
    "  stp d10, d11, [sp, #112]\n"
    "  stp d12, d13, [sp, #128]\n"
    "  stp d14, d15, [sp, #144]\n"
    "  str x1, [sp, #160]\n"
    "  mrs x9, fpcr\n"
    "  str x9, [sp, #168]\n"
    "  mov x9, sp\n"
    "  str x9, [x1, #248]\n"
    "  mov x28, x0\n"
    ".irp r," UPCALL_ALL_Q "\n"
    "  movz x9, #(0x1100 + \\r), lsl #48\n"
    "  movk x9, #(0x2200 + \\r), lsl #32\n"
    "  movk x9, #(0x3300 + \\r), lsl #16\n"
    "  movk x9, #(0x4400 + \\r)\n"
    "  mov v\\r\\().d[0], x9\n"
    "  movz x9, #(0x5500 + \\r), lsl #48\n"
    "  movk x9, #(0x6600 + \\r), lsl #32\n"
    "  movk x9, #(0x7700 + \\r), lsl #16\n"
    "  movk x9, #(0x8800 + \\r)\n"
    "  mov v\\r\\().d[1], x9\n"
    ".endr\n"
    "  movz x9, #0x6000, lsl #16\n"
    "  msr nzcv, x9\n"
    "  movz x9, #0x03c0, lsl #16\n"
    "  msr fpcr, x9\n"
    "  movz x9, #0x0800, lsl #16\n"
    "  movk x9, #0x1f\n"
    "  msr fpsr, x9\n"
    ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,29,30\n"
    "  movz x\\r, #(0xA500 + \\r), lsl #48\n"
    "  movk x\\r, #(0x5A00 + \\r), lsl #32\n"
    "  movk x\\r, #(0xC300 + \\r), lsl #16\n"
    "  movk x\\r, #(0x3C00 + \\r)\n"
    ".endr\n"
    "1:\n"
    "  sub x28, x28, #1\n"
    "  cbnz x28, 1b\n"
    "  ldr x28, [sp, #160]\n"
    "  stp x0, x1, [x28, #0]\n"
    "  stp x2, x3, [x28, #16]\n"
    "  stp x4, x5, [x28, #32]\n"
    "  stp x6, x7, [x28, #48]\n"
    "  stp x8, x9, [x28, #64]\n"
    "  stp x10, x11, [x28, #80]\n"
    "  stp x12, x13, [x28, #96]\n"
    "  stp x14, x15, [x28, #112]\n"
    "  stp x16, x17, [x28, #128]\n"
    "  stp x18, x19, [x28, #144]\n"
    "  stp x20, x21, [x28, #160]\n"
    "  stp x22, x23, [x28, #176]\n"
    "  stp x24, x25, [x28, #192]\n"
    "  stp x26, x27, [x28, #208]\n"
    "  stp xzr, x29, [x28, #224]\n"
    "  str x30, [x28, #240]\n"
    "  mov x9, sp\n"
    "  str x9, [x28, #256]\n"
    "  mrs x9, nzcv\n"
    "  str x9, [x28, #264]\n"
    "  mrs x9, fpcr\n"
    "  str x9, [x28, #272]\n"
    "  mrs x9, fpsr\n"
    "  str x9, [x28, #280]\n"
    "  add x9, x28, #288\n"
    "  st1 {v0.2d, v1.2d, v2.2d, v3.2d}, [x9], #64\n"
    "  st1 {v4.2d, v5.2d, v6.2d, v7.2d}, [x9], #64\n"
    "  st1 {v8.2d, v9.2d, v10.2d, v11.2d}, [x9], #64\n"
    "  st1 {v12.2d, v13.2d, v14.2d, v15.2d}, [x9], #64\n"
    "  st1 {v16.2d, v17.2d, v18.2d, v19.2d}, [x9], #64\n"
    "  st1 {v20.2d, v21.2d, v22.2d, v23.2d}, [x9], #64\n"
    "  st1 {v24.2d, v25.2d, v26.2d, v27.2d}, [x9], #64\n"
    "  st1 {v28.2d, v29.2d, v30.2d, v31.2d}, [x9], #64\n"
    "  ldr x9, [sp, #168]\n"
    "  msr fpcr, x9\n"
    "  msr fpsr, xzr\n"
    "  ldp x19, x20, [sp, #16]\n"
    "  ldp x21, x22, [sp, #32]\n"
    "  ldp x23, x24, [sp, #48]\n"
    "  ldp x25, x26, [sp, #64]\n"
    "  ldp x27, x28, [sp, #80]\n"
    "  ldp d8, d9, [sp, #96]\n"
    "  ldp d10, d11, [sp, #112]\n"
    "  ldp d12, d13, [sp, #128]\n"
    "  ldp d14, d15, [sp, #144]\n"
    "  ldp x29, x30, [sp], #176\n"
    "  ret\n"
    "\n"
    ".p2align 2\n"
    ".globl " UPCALL_SYM(upcall_clobber_handler) "\n"
    UPCALL_SYM(upcall_clobber_handler) ":\n"
    "  ldr x9, [x1]\n"
    "  add x9, x9, #1\n"
    "  str x9, [x1]\n"
    "  str x0, [x1, #8]\n"
    "  str x28, [x1, #16]\n"
    "  str x30, [x1, #24]\n"
    "  mov x9, sp\n"
    "  str x9, [x1, #32]\n"
    "  mov x17, x30\n"
    ".irp r," UPCALL_ALL_Q "\n"
    "  movi v\\r\\().16b, #0xee\n"
    ".endr\n"
    "  movz x9, #0xf000, lsl #16\n"
    "  msr nzcv, x9\n"
    "  msr fpcr, xzr\n"
    "  msr fpsr, xzr\n"
    ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,18,19,20,21,22,23,24,25,26,27,28,29\n"
    "  movz x\\r, #(0xD000 + \\r)\n"
    ".endr\n"
    "  sub sp, sp, #4096\n"
    "  mov x30, x17\n"
    "  movz x17, #0xD011\n"
    "  ret\n");

#endif
