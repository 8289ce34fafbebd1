/* The libc's way into the kernel for BSD calls (bsd_call6 of ../bsd_svc.h) and its
 * other private declarations. */
#ifndef LIBC_SYSCALL_H
#define LIBC_SYSCALL_H

#include <stdint.h>
#include <machemu/abi.h>
#include "../bsd_svc.h"

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
