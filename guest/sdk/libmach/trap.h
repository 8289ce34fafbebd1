/* libmach's one way into the kernel: `svc #0x80`, the trap number negated in x16,
 * arguments in x0..x7, the result in x0 (machemu/abi.h). Private to libmach. */
#ifndef LIBMACH_TRAP_H
#define LIBMACH_TRAP_H

#include <stdint.h>
#include <mach/mach.h>
#include "../bsd_svc.h"

/* The SDK's XNU constants and the numbers the emulator implements must agree. */
_Static_assert(MACH_SEND_INVALID_DEST == MACHEMU_MACH_SEND_INVALID_DEST, "port error");
_Static_assert(HOST_VM_INFO64 == MACHEMU_HOST_VM_INFO64, "host flavor");
_Static_assert(TASK_VM_INFO == MACHEMU_TASK_VM_INFO, "task flavor");
_Static_assert(VM_REGION_BASIC_INFO_64 == MACHEMU_VM_REGION_BASIC_INFO_64, "region flavor");
_Static_assert(VM_REGION_EXTENDED_INFO == MACHEMU_VM_REGION_EXTENDED_INFO &&
               VM_REGION_TOP_INFO == MACHEMU_VM_REGION_TOP_INFO, "region flavors");
_Static_assert(VM_REGION_SUBMAP_INFO_COUNT_64 == 19 && VM_REGION_EXTENDED_INFO_COUNT == 9 &&
               VM_REGION_TOP_INFO_COUNT == 5, "XNU's region info sizes");
_Static_assert(HOST_VM_INFO64_COUNT == 38, "vm_statistics64 is 38 integer_t");
_Static_assert(VM_REGION_BASIC_INFO_COUNT_64 == 9, "vm_region_basic_info_64 is 9 int");
_Static_assert(TASK_VM_INFO_REV0_COUNT == 36 && TASK_VM_INFO_REV1_COUNT == 38 &&
               TASK_VM_INFO_REV2_COUNT == 42, "task_vm_info revisions");

/* An argument register's value for an integer or a pointer. */
#define ARG(x) ((uint64_t)(uintptr_t)(x))

/* MACH_TRAP(MACHEMU_TRAP_VM_DEALLOCATE, task, addr, size): the arguments not given are 0. */
#define MACH_TRAP(number, ...) mach_trap((number), (const uint64_t[8]){ __VA_ARGS__ })

static inline uint64_t mach_trap(int number, const uint64_t a[8])
{
    register uint64_t x0 __asm__("x0") = a[0];
    register uint64_t x1 __asm__("x1") = a[1];
    register uint64_t x2 __asm__("x2") = a[2];
    register uint64_t x3 __asm__("x3") = a[3];
    register uint64_t x4 __asm__("x4") = a[4];
    register uint64_t x5 __asm__("x5") = a[5];
    register uint64_t x6 __asm__("x6") = a[6];
    register uint64_t x7 __asm__("x7") = a[7];
    register uint64_t x16 __asm__("x16") = (uint64_t)-(int64_t)number;
    /* The kernel writes only x0, but x1..x7 and x16 are declared clobbered as Darwin's
     * trap stubs (plain function calls) allow it to; memory: the trap reads and writes
     * through the pointer arguments. */
    __asm__ volatile("svc #0x80"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6),
                       "+r"(x7), "+r"(x16)
                     :
                     : "memory", "cc");
    return x0;
}

static inline kern_return_t mach_trap_kr(uint64_t x0) { return (kern_return_t)(int32_t)x0; }

/* The C library's errno: glibc's for ELF guests, the SDK libc's for Mach-O. */
#ifdef __APPLE__
int *__error(void);
#define LIBMACH_ERRNO (*__error())
#else
int *__errno_location(void);
#define LIBMACH_ERRNO (*__errno_location())
#endif

/* A Darwin BSD call (x16 = number > 0): its result, or -1 with errno set to the Darwin
 * errno in x0 when the kernel sets the carry flag. */
static inline int64_t bsd_trap(int number, const uint64_t a[6])
{
    struct bsd_result r = bsd_call6(number, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (r.failed) {
        LIBMACH_ERRNO = (int)r.x0;
        return -1;
    }
    return (int64_t)r.x0;
}

#endif
