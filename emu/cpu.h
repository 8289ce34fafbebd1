/* emu/cpu.h — the CPU of the machine: registers, saved contexts, running, the clock.
 *
 * Unicorn executes the guest's instructions, and only emu/cpu.c and emu/cpu_el0.c see
 * it (and emu/cpu_raw.c, a bare Unicorn for benchmarks): every other file of the
 * machine uses the operations and types declared here.
 * Unicorn never translates an address on its own (emu/cpu.c explains how its TLB is
 * filled from the MMU's); it only stops when the machine asks it to, and the reason is
 * in emu->stop. */
#ifndef EMU_CPU_H
#define EMU_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu;

/* Registers, numbered as GDB numbers AArch64's up to cpsr (NZCV here), then the other
 * ones the machine sets. */
enum cpu_reg {
    CPU_X0 = 0,
    CPU_FP = 29,
    CPU_LR = 30,
    CPU_SP = 31,
    CPU_PC = 32,
    CPU_NZCV = 33,
    CPU_FPSR,
    CPU_FPCR,
    CPU_TPIDR_EL0,
    CPU_NREGS
};
#define CPU_X(n) ((enum cpu_reg)(CPU_X0 + (n)))   /* x0..x30 */

/* Why the CPU stopped. */
enum emu_stop {
    STOP_NONE,
    STOP_EXIT,                     /* the task exited */
    STOP_FAULT,                    /* an access the VM could not resolve */
    STOP_REDIRECT,                 /* a system call changed the PC (signal, sigreturn) */
    STOP_RETRY,                    /* something to do outside the CPU, then continue */
    STOP_SWITCH,                   /* the task blocked or its quantum ran out */
    STOP_DEBUG,                    /* the debugger stops here (emu/debug.c) */
    STOP_UPCALL,                   /* a pressure note may be due: deliver it, continue;
                                      the weakest reason, any other replaces it */
};

/* Creates the CPU over the machine's RAM, at EL0 (cpu_el0.c); after phys, mmu and vm.
 * 0, or -1 with err set. */
int cpu_init(struct emu *emu, char *err, size_t errlen);
/* After every task's context is freed. */
void cpu_fini(struct emu *emu);

/* --- registers of the task on the CPU ----------------------------------------------- */

uint64_t cpu_reg(struct emu *emu, enum cpu_reg reg);
void cpu_set_reg(struct emu *emu, enum cpu_reg reg, uint64_t v);

/* Everything user code can see and change: what a signal frame or an upcall saves. */
struct cpu_user_state {
    uint64_t x[31];                /* x0..x30 */
    uint64_t sp, pc, nzcv;
    uint32_t fpsr, fpcr;
    uint8_t q[32][16];
};
void cpu_save_user(struct emu *emu, struct cpu_user_state *s);
void cpu_load_user(struct emu *emu, const struct cpu_user_state *s);

/* Where a handler starts: the CPU jumps to pc with these sp, x29, x30 and arguments in
 * x0.. (the other registers keep their values), and stops with STOP_REDIRECT. */
struct cpu_handler_entry {
    uint64_t pc, sp, fp, lr;
    uint64_t arg[3];
    int nargs;
};
void cpu_enter_handler(struct emu *emu, const struct cpu_handler_entry *e);

/* --- a task's CPU state while it is off the CPU -------------------------------------- */

struct cpu_context;
struct cpu_context *cpu_context_create(struct emu *emu);   /* NULL: out of memory */
void cpu_context_free(struct cpu_context *c);              /* NULL is fine */
void cpu_context_save(struct emu *emu, struct cpu_context *c);
void cpu_context_restore(struct emu *emu, const struct cpu_context *c);
uint64_t cpu_context_reg(const struct cpu_context *c, enum cpu_reg reg);
void cpu_context_set_reg(struct cpu_context *c, enum cpu_reg reg, uint64_t v);
/* The SIMD register Vn (q), 16 bytes little-endian, of the CPU (c NULL) or of a saved
 * context. */
void cpu_vreg(struct emu *emu, const struct cpu_context *c, int n, uint8_t q[16]);
void cpu_set_vreg(struct emu *emu, struct cpu_context *c, int n, const uint8_t q[16]);

/* --- running -------------------------------------------------------------------------- */

/* Runs the current task from its PC until the CPU stops; emu->stop says why. A stop
 * nothing asked for (a jump to address 0, an instruction the CPU refused) is a
 * STOP_FAULT with emu->fault set. Drops translated code first if some went stale. */
void cpu_run(struct emu *emu);
/* Stops the running CPU (from a hook or a system call) for `why`, unless a stronger
 * reason is set already. */
void cpu_request_stop(struct emu *emu, enum emu_stop why);
/* True (once) if emu_interrupt() stopped the CPU since the last call (cpu_watch.c). */
bool cpu_take_interrupt(struct emu *emu);
/* The exact address of a data fault on `page` (replays the instruction); the CPU's
 * state is as it was before. */
uint64_t cpu_fault_address(struct emu *emu, uint64_t page);
/* True while cpu_fault_address replays an instruction: nothing it does is the guest's. */
bool cpu_replaying(const struct emu *emu);

/* For an undefined instruction at the PC: true if it was one that Linux carries out
 * for user code (WFI, MRS of an ID register), now done, with the PC past it
 * (cpu_el0.c). */
bool cpu_el0_emulate(struct emu *emu);
/* MIDR_EL1 as a Linux guest reads it (cpu_el0.c): /proc/cpuinfo shows it. */
uint64_t cpu_midr(struct emu *emu);

/* --- the clock ------------------------------------------------------------------------ */

/* Counts guest instructions into emu->icount, a translated block at a time, and stops
 * the CPU at the end of the quantum or when a note, Jetsam or an alarm is due; off, the
 * clock stands still (a gap: emu->clock_gaps). Changing it drops the translated code. */
void cpu_set_clock(struct emu *emu, bool on);
bool cpu_clock_on(const struct emu *emu);

/* --- hooks for the debugger ----------------------------------------------------------- */

enum cpu_hook_kind {
    CPU_HOOK_BLOCK,                /* before each translated block: its address and size */
    CPU_HOOK_CODE,                 /* before each instruction: its address and size */
};
/* Hooks run in the order they were added, before the clock's if added before it was
 * turned on. 0, or -1 if the CPU refused the hook. */
int cpu_add_hook(struct emu *emu, enum cpu_hook_kind kind,
                 void (*fn)(void *ctx, uint64_t addr, uint32_t size), void *ctx);
/* fn(ctx, pa, size) on every load of guest code from now on, by physical address
 * (phys_pa of the frame, plus the offset); the translated code is dropped, to be
 * translated again with the calls. For read watchpoints. */
int cpu_add_load_hook(struct emu *emu, void (*fn)(void *ctx, uint64_t pa, uint32_t size),
                      void *ctx);

/* --- a bare Unicorn, the benchmarks' yardstick (cpu_raw.c) ---------------------------- */

/* Runs a static AArch64 ELF on Unicorn alone, configured as the machine's CPU but with
 * every address its own physical one in ram_size bytes of RAM: no MMU, VM or clock.
 * The program may only write to fd 1 or 2 and exit. Its exit status, or -1 with err
 * set. */
int cpu_raw_run(const char *path, int argc, char *const argv[], uint64_t ram_size,
                char *err, size_t errlen);

#endif
