/* How the SDK's libraries make a Darwin BSD call: `svc #0x80`, the number in x16,
 * arguments in x0..x5; the carry flag set means x0 is an errno (machemu/abi.h).
 * Shared by the libc and libmach; private to them. */
#ifndef SDK_BSD_SVC_H
#define SDK_BSD_SVC_H

#include <stdint.h>

struct bsd_result {
    uint64_t x0, x1;
    int failed;                    /* carry set: x0 is the errno */
};

static inline struct bsd_result bsd_call6(long number, uint64_t a0, uint64_t a1, uint64_t a2,
                                          uint64_t a3, uint64_t a4, uint64_t a5)
{
    register uint64_t x0 __asm__("x0") = a0;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    register uint64_t x4 __asm__("x4") = a4;
    register uint64_t x5 __asm__("x5") = a5;
    register uint64_t x16 __asm__("x16") = (uint64_t)number;
    uint64_t carry;
    __asm__ volatile("svc #0x80\n\tcset %[carry], cs"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x16),
                       [carry] "=r"(carry)
                     :
                     : "memory", "cc");
    return (struct bsd_result){ x0, x1, (int)carry };
}

#endif
