/* Stack protector support: clang protects Darwin code by default. The guard comes
 * from the kernel's apple[] "stack_guard=0x..." string, as on Darwin. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "syscall.h"

uintptr_t __stack_chk_guard = 0x00000aff0a0dff00ull;

__attribute__((noreturn)) void __stack_chk_fail(void)
{
    static const char msg[] = "*** stack smashing detected ***: terminated\n";
    write(2, msg, sizeof msg - 1);
    abort();
}

/* Runs before anything that checks the guard: it may not check it itself. */
__attribute__((no_stack_protector)) void __stack_guard_setup(char **apple)
{
    static const char key[] = "stack_guard=";
    for (; apple && *apple; apple++) {
        if (strncmp(*apple, key, sizeof key - 1))
            continue;
        uintptr_t v = strtoull(*apple + sizeof key - 1, NULL, 16);
        if (v)
            __stack_chk_guard = v;
        return;
    }
}
