/* el0: what an instruction does at EL0, where Linux runs user code.
 *
 * Each probe runs one instruction with a SIGILL handler in place; the handler checks
 * that si_addr and the saved PC name the instruction, then steps over it. One line per
 * probe: "NAME: ok" or "NAME: SIGILL". Some lines add what can be compared between two
 * CPUs of different models (a flag, a field that Linux and qemu fix for user code).
 *   el0              all probes, exit 0
 *   el0 crash NAME   the probe NAME without a handler (the undefined ones die by SIGILL)
 */
#include "guest_test.h"

#include <signal.h>
#include <ucontext.h>

static volatile int trapped;
static volatile uint64_t trap_pc, trap_addr;
static volatile int trap_code;

static void on_sigill(int sig, siginfo_t *si, void *ctxp) {
  ucontext_t *uc = ctxp;
  (void)sig;
  trapped++;
  trap_pc = uc->uc_mcontext.pc;
  trap_addr = (uint64_t)si->si_addr;
  trap_code = si->si_code;
  uc->uc_mcontext.pc += 4; /* step over the instruction */
}

static char buf[4096] __attribute__((aligned(4096)));   /* DC ZVA blocks are at most 2 KB */

/* One instruction; x0 in and out. The label marks it for the handler's checks. */
#define PROBE(fn, insn)                                                              \
  static __attribute__((noinline, noclone)) uint64_t fn(uint64_t x) {                                                 \
    register uint64_t x0 __asm__("x0") = x;                                          \
    __asm__ volatile(".globl " #fn "_at\n" #fn "_at:\n\t" insn                       \
                     : "+r"(x0) : : "memory");                                       \
    return x0;                                                                       \
  }                                                                                  \
  extern const char fn##_at[];

/* Privileged state and maintenance: UNDEFINED at EL0. */
PROBE(p_currentel, "mrs x0, CurrentEL")
PROBE(p_sctlr_r, "mrs x0, sctlr_el1")
PROBE(p_ttbr0_r, "mrs x0, ttbr0_el1")
PROBE(p_ttbr0_w, "msr ttbr0_el1, x0")
PROBE(p_vbar_w, "msr vbar_el1, x0")
PROBE(p_daifset, "msr daifset, #2")
PROBE(p_daifclr, "msr daifclr, #2")
PROBE(p_daif_r, "mrs x0, daif")
PROBE(p_spsel, "msr spsel, #0")
PROBE(p_tlbi_all, "tlbi vmalle1")
PROBE(p_tlbi_va, "tlbi vae1, x0")
PROBE(p_ic_iallu, "ic iallu")
PROBE(p_dc_ivac, "dc ivac, x0")
PROBE(p_dc_cisw, "dc cisw, x0")
PROBE(p_at, "at s1e1r, x0")
PROBE(p_eret, "eret")
PROBE(p_hvc, "hvc #0")
PROBE(p_smc, "smc #0")
PROBE(p_tpidrro_w, "msr tpidrro_el0, x0")
PROBE(p_cntpct, "mrs x0, cntpct_el0")
PROBE(p_cntkctl, "mrs x0, cntkctl_el1")
PROBE(p_pmccntr, "mrs x0, pmccntr_el0")

/* Hints: at EL0 on Linux they execute (WFI and WFE come back at the next event). */
PROBE(p_wfi, "wfi")
PROBE(p_wfe, "wfe")
PROBE(p_yield, "yield")
PROBE(p_sevl, "sevl")

/* Cache maintenance Linux allows user code (SCTLR_EL1.UCI, DZE). */
PROBE(p_dc_cvau, "dc cvau, x0")
PROBE(p_dc_cvac, "dc cvac, x0")
PROBE(p_dc_civac, "dc civac, x0")
PROBE(p_ic_ivau, "ic ivau, x0")
PROBE(p_dc_zva, "dc zva, x0")

/* Registers user code reads (and writes, for the thread and FP ones). */
PROBE(p_ctr, "mrs x0, ctr_el0")
PROBE(p_dczid, "mrs x0, dczid_el0")
PROBE(p_tpidr_r, "mrs x0, tpidr_el0")
PROBE(p_tpidrro_r, "mrs x0, tpidrro_el0")
PROBE(p_cntvct, "mrs x0, cntvct_el0")
PROBE(p_cntfrq, "mrs x0, cntfrq_el0")
PROBE(p_fpcr, "mrs x0, fpcr")
PROBE(p_fpsr, "mrs x0, fpsr")
PROBE(p_nzcv, "mrs x0, nzcv")

/* ID registers: UNDEFINED at EL0, emulated by Linux (and qemu-user). */
PROBE(p_midr, "mrs x0, midr_el1")
PROBE(p_mpidr, "mrs x0, mpidr_el1")
PROBE(p_pfr0, "mrs x0, id_aa64pfr0_el1")
PROBE(p_isar0, "mrs x0, id_aa64isar0_el1")
PROBE(p_mmfr0, "mrs x0, id_aa64mmfr0_el1")
PROBE(p_id_raz, "mrs x0, s3_0_c0_c7_7")   /* an unallocated ID register */
PROBE(p_id_aa32, "mrs x0, id_pfr0_el1")    /* AArch32 ID register, read from AArch64 */

struct probe {
  const char *name;
  uint64_t (*fn)(uint64_t);
  const char *at;
  void (*show)(uint64_t);   /* what to print of x0 after a run that did not trap */
};

static void show_dzp(uint64_t v) { printf(" dzp=%d", (int)(v >> 4 & 1)); }
static void show_pfr0(uint64_t v) {
  printf(" el0=%d fp=%d asimd=%d", (int)(v & 0xf), (int)(v >> 16 & 0xf), (int)(v >> 20 & 0xf));
}
static void show_zero(uint64_t v) { printf(" %s", v == 0 ? "zero" : "nonzero"); }
static void show_mpidr_u(uint64_t v) { printf(" bit31=%d", (int)(v >> 31 & 1)); }

#define P(n, s) { #n, p_##n, p_##n##_at, s }
static const struct probe probes[] = {
  P(currentel, NULL), P(sctlr_r, NULL), P(ttbr0_r, NULL), P(ttbr0_w, NULL), P(vbar_w, NULL),
  P(daifset, NULL), P(daifclr, NULL), P(daif_r, NULL), P(spsel, NULL), P(tlbi_all, NULL),
  P(tlbi_va, NULL), P(ic_iallu, NULL), P(dc_ivac, NULL), P(dc_cisw, NULL), P(at, NULL),
  P(eret, NULL), P(hvc, NULL), P(smc, NULL), P(tpidrro_w, NULL), P(cntpct, NULL),
  P(cntkctl, NULL), P(pmccntr, NULL),
  P(wfi, NULL), P(wfe, NULL), P(yield, NULL), P(sevl, NULL),
  P(dc_cvau, NULL), P(dc_cvac, NULL), P(dc_civac, NULL), P(ic_ivau, NULL), P(dc_zva, NULL),
  P(ctr, NULL), P(dczid, show_dzp), P(tpidr_r, NULL), P(tpidrro_r, show_zero),
  P(cntvct, NULL), P(cntfrq, show_zero), P(fpcr, NULL), P(fpsr, NULL), P(nzcv, NULL),
  P(midr, NULL), P(mpidr, show_mpidr_u), P(pfr0, show_pfr0), P(isar0, NULL),
  P(mmfr0, NULL), P(id_raz, show_zero), P(id_aa32, NULL),
};
#define NPROBES (sizeof probes / sizeof probes[0])

static const struct probe *find(const char *name) {
  for (size_t i = 0; i < NPROBES; i++)
    if (strcmp(probes[i].name, name) == 0) return &probes[i];
  return NULL;
}

static void run(const struct probe *p) {
  trapped = 0;
  uint64_t v = p->fn((uint64_t)buf);
  printf("%s:", p->name);
  if (!trapped) {
    printf(" ok");
    if (p->show) p->show(v);
  } else {
    CHECK(10, trapped == 1);
    CHECK(11, trap_pc == (uint64_t)p->at);
    CHECK(12, trap_addr == (uint64_t)p->at);
    CHECK(13, trap_code == ILL_ILLOPC || trap_code == ILL_ILLOPN);
    printf(" SIGILL");
  }
  printf("\n");
}

/* DC ZVA zeroes a block (its size from DCZID_EL0) around the address when it runs. */
static void check_zva(void) {
  uint64_t dczid = p_dczid(0);
  if (dczid >> 4 & 1) return;
  size_t bs = (size_t)4 << (dczid & 0xf);
  if (bs > sizeof buf) return;
  memset(buf, 0x5a, sizeof buf);
  p_dc_zva((uint64_t)buf + 8);
  size_t zeros = 0;
  for (size_t i = 0; i < sizeof buf; i++) zeros += buf[i] == 0;
  CHECK(20, zeros == bs);
  printf("dc zva zeroes one block\n");
}

/* TPIDR_EL0 is the thread pointer: write one value, read it back, put the old one back. */
static void check_tpidr(void) {
  uint64_t old, v;
  __asm__ volatile("mrs %0, tpidr_el0" : "=r"(old));
  __asm__ volatile("msr tpidr_el0, %1\n\tmrs %0, tpidr_el0" : "=r"(v) : "r"((uint64_t)0x1234));
  __asm__ volatile("msr tpidr_el0, %0" : : "r"(old));
  CHECK(21, v == 0x1234);
  printf("tpidr_el0 keeps what user code writes\n");
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "crash") == 0) {
    const struct probe *p = find(argv[2]);
    CHECK(2, p != NULL);
    printf("running %s without a handler\n", p->name);
    fflush(stdout);
    p->fn((uint64_t)buf);
    printf("%s returned\n", p->name);
    return 0;
  }
  CHECK(1, argc == 1);
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigill;
  sa.sa_flags = SA_SIGINFO;
  CHECK_ERRNO(3, sigaction(SIGILL, &sa, NULL) == 0);
  for (size_t i = 0; i < NPROBES; i++) run(&probes[i]);
  check_zva();
  check_tpidr();
  return 0;
}
