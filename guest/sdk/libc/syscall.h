/* The libc's way into the kernel for BSD calls: `svc #0x80`, the number in x16,
 * arguments in x0..x5; the carry flag set means x0 is an errno (machemu/abi.h).
 * Private to the libc. */
#ifndef LIBC_SYSCALL_H
#define LIBC_SYSCALL_H

#include <stdint.h>
#include <machemu/abi.h>

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

/* The call's result, or -1 with errno set. */
long __bsd_syscall(long number, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                   uint64_t a4, uint64_t a5);
#define SYSCALL(name, ...) SYSCALL_N(MACHEMU_SYS_##name, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define SYSCALL_N(nr, a, b, c, d, e, f, ...) \
    __bsd_syscall((nr), (uint64_t)(a), (uint64_t)(b), (uint64_t)(c), (uint64_t)(d), \
                  (uint64_t)(e), (uint64_t)(f))

/* stdio's streams, flushed by exit(). */
void __stdio_flush_all(void);
/* Takes the stack protector's guard from apple[] (start.c calls it first). */
void __stack_guard_setup(char **apple);

#endif
