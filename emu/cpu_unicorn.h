/* emu/cpu_unicorn.h — what emu/cpu.c, emu/cpu_el0.c and emu/cpu_raw.c share: Unicorn,
 * and the CPU's own state. No other file includes this (scripts/check-layers.sh). */
#ifndef EMU_CPU_UNICORN_H
#define EMU_CPU_UNICORN_H

#include <signal.h>
#include <unicorn/unicorn.h>
#include "emu/internal.h"

#define CPU_MAX_HOOKS 4

struct cpu_hook {
    void (*fn)(void *ctx, uint64_t addr, uint32_t size);
    void *ctx;
    struct emu *emu;
};

struct cpu {
    uc_engine *uc;
    uint8_t *frame;                /* per frame: UCF_*, see on_tlb_fill() */
    bool tlb_stale;                /* flush Unicorn's TLB before continuing */
    uc_hook clock;                 /* the block hook that counts instructions; 0: off */
    struct {                       /* see cpu_fault_address() */
        bool active, found;
        uint64_t page, addr;
    } probe;
    struct cpu_hook hooks[CPU_MAX_HOOKS];   /* the debugger's (cpu_add_hook) */
    int nhooks;
    volatile sig_atomic_t interrupted;   /* emu_interrupt() (cpu_watch.c) */
};
#define UCF_FETCHED 0x1            /* given to Unicorn for a fetch since the last TB flush */
#define UCF_NOEXEC  0x2            /* given to Unicorn for data with EXEC withheld */

/* cpu_el0.c: puts the CPU at EL0 with the controls Linux gives user code. */
uc_err cpu_el0_init(uc_engine *uc);

#endif
