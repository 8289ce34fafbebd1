/* crash: a Mach-O program that dies, for the EXC_* crash report.
 *
 *   crash null     writes to NULL: EXC_BAD_ACCESS (SIGSEGV) KERN_INVALID_ADDRESS, 139
 *   crash text     writes into its own __TEXT: EXC_BAD_ACCESS (SIGBUS)
 *                  KERN_PROTECTION_FAILURE, 138
 *   crash brk      a brk instruction: EXC_BREAKPOINT (SIGTRAP), 133
 *   crash udf      an undefined instruction: EXC_BAD_INSTRUCTION (SIGILL), 132
 *   crash el1      mrs x0, CurrentEL: undefined at EL0, EXC_BAD_INSTRUCTION, 132
 *   crash midr     mrs x0, MIDR_EL1: XNU does not emulate it (Linux does), the same
 *   crash abort    abort(): SIGABRT, 134, no report (as a signal, not an exception) */
#include <stdlib.h>
#include "guest_test.h"

extern char _mh_execute_header[];

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "null";
    printf("crash: %s\n", how);
    fflush(stdout);
    if (!strcmp(how, "null"))
        *(volatile int *)(uintptr_t)0 = 1;
    else if (!strcmp(how, "text"))
        ((volatile char *)_mh_execute_header)[64] = 1;
    else if (!strcmp(how, "brk"))
        __asm__ volatile("brk #1");
    else if (!strcmp(how, "udf"))
        __asm__ volatile("udf #0");
    else if (!strcmp(how, "el1"))
        __asm__ volatile("mrs x0, CurrentEL" ::: "x0");
    else if (!strcmp(how, "midr"))
        __asm__ volatile("mrs x0, midr_el1" ::: "x0");
    else if (!strcmp(how, "abort"))
        abort();
    return 0;
}
