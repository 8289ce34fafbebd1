/* emu/cpu_el0.c — the guest runs at EL0, as user code does on a device.
 *
 * Unicorn starts its CPU at EL1, where `mrs CurrentEL`, `msr ttbr0_el1`, `tlbi` or
 * `msr daifset` all work. At EL0 the CPU itself makes them undefined, and the guest gets
 * SIGILL as under Linux. What Linux lets user code do, SCTLR_EL1 and CNTKCTL_EL1 allow:
 * CTR_EL0 (UCT), DC ZVA (DZE), cache maintenance by address (UCI), CNTVCT_EL0 and
 * CNTFRQ_EL0 (EL0VCTEN; CNTPCT_EL0 stays undefined, as under Linux and qemu-user).
 *
 * Two things Linux does for user code in its undefined-instruction path are done here:
 * WFI is a no-op (Linux lets it run and it returns at the next interrupt; Unicorn would
 * halt, so it traps and is stepped over), and MRS of the ID registers is emulated for
 * Linux guests, showing only the fields Linux shows (Documentation/arch/arm64/
 * cpu-feature-registers). XNU emulates no MRS: a Darwin guest gets
 * EXC_BAD_INSTRUCTION. */
#include "emu/cpu_unicorn.h"

#define SCTLR_DZE        (1ull << 14)
#define SCTLR_UCT        (1ull << 15)
#define SCTLR_NTWI       (1ull << 16)
#define SCTLR_UCI        (1ull << 26)
#define CNTKCTL_EL0VCTEN (1ull << 1)

#define INSN_WFI         0xd503207fu
#define MRS_ID_SPACE     0xd5380000u   /* mrs xN, S3_0_C0_Cm_n */
#define MRS_ID_MASK      0xfffff000u

static uc_arm64_cp_reg sysreg(uint32_t crn, uint32_t crm, uint32_t op2)
{
    return (uc_arm64_cp_reg){ .op0 = 3, .op1 = 0, .crn = crn, .crm = crm, .op2 = op2 };
}

/* Sets and clears bits of an EL1 system register. Unicorn recomputes the CPU's cached
 * translation flags after the write, which makes the new PSTATE take effect too. */
static uc_err sysreg_update(uc_engine *uc, uc_arm64_cp_reg r, uint64_t set, uint64_t clear)
{
    uc_err e = uc_reg_read(uc, UC_ARM64_REG_CP_REG, &r);
    if (e != UC_ERR_OK)
        return e;
    r.val = (r.val | set) & ~clear;
    return uc_reg_write(uc, UC_ARM64_REG_CP_REG, &r);
}

uc_err cpu_el0_init(uc_engine *uc)
{
    uint32_t pstate = 0;           /* EL0t, DAIF clear; no banked SP is in use yet */
    uc_err e = uc_reg_write(uc, UC_ARM64_REG_PSTATE, &pstate);
    if (e == UC_ERR_OK)
        e = sysreg_update(uc, sysreg(14, 1, 0), CNTKCTL_EL0VCTEN, 0);
    if (e == UC_ERR_OK)
        e = sysreg_update(uc, sysreg(1, 0, 0), SCTLR_DZE | SCTLR_UCT | SCTLR_UCI, SCTLR_NTWI);
    return e;
}

/* The ID registers Linux shows user code: the fields it lets through and the fixed
 * values of hidden ones (EL0 and EL1 "AArch64 only", debug v8, no 4 KB or 64 KB
 * granule). The rest of CRm 4-7 reads as zero. */
static const struct id_view {
    uint8_t crm, op2;
    uint64_t visible, fixed;
} id_views[] = {
    { 4, 0, 0x000f000f00ff0000ull, 0x11 },                  /* ID_AA64PFR0_EL1 */
    { 4, 1, 0x000000000f000fffull, 0 },                     /* ID_AA64PFR1_EL1 */
    { 4, 4, 0x0ff0ff0f00ff00ffull, 0 },                     /* ID_AA64ZFR0_EL1 */
    { 5, 0, 0, 0x6 },                                       /* ID_AA64DFR0_EL1 */
    { 6, 0, 0xf0fffffff0fffff0ull, 0 },                     /* ID_AA64ISAR0_EL1 */
    { 6, 1, 0x00fff0ffffffffffull, 0 },                     /* ID_AA64ISAR1_EL1 */
    { 6, 2, 0x00000000000f00ffull, 0 },                     /* ID_AA64ISAR2_EL1 */
    { 7, 0, 0xf000000000000000ull, 0xff000000ull },         /* ID_AA64MMFR0_EL1 */
    { 7, 1, 0x0000f00000000000ull, 0 },                     /* ID_AA64MMFR1_EL1 */
    { 7, 2, 0x0000000f00000000ull, 0 },                     /* ID_AA64MMFR2_EL1 */
};

static uint64_t cpu_id_reg(struct emu *emu, uint32_t crm, uint32_t op2)
{
    uc_arm64_cp_reg r = sysreg(0, crm, op2);
    if (uc_reg_read(emu->cpu->uc, UC_ARM64_REG_CP_REG, &r) != UC_ERR_OK)
        r.val = 0;
    return r.val;
}

uint64_t cpu_midr(struct emu *emu)
{
    return cpu_id_reg(emu, 0, 0) & 0xffffffffu;
}

/* The value Linux gives user code for `mrs S3_0_C0_<crm>_<op2>`; false where it
 * sends SIGILL (CRm 1-3, and in CRm 0 all but MIDR, MPIDR and REVIDR). */
static bool id_reg_for_user(struct emu *emu, uint32_t crm, uint32_t op2, uint64_t *v)
{
    if (crm == 0) {
        switch (op2) {
        case 0: *v = cpu_id_reg(emu, 0, 0) & 0xffffffffu; return true;   /* MIDR_EL1 */
        case 5: *v = 1ull << 31; return true;   /* MPIDR_EL1: RES1 only, no affinity */
        case 6: *v = 0; return true;            /* REVIDR_EL1 */
        default: return false;
        }
    }
    if (crm < 4)
        return false;
    *v = 0;
    for (size_t i = 0; i < sizeof id_views / sizeof id_views[0]; i++) {
        const struct id_view *w = &id_views[i];
        if (w->crm == crm && w->op2 == op2)
            *v = (cpu_id_reg(emu, crm, op2) & w->visible) | w->fixed;
    }
    return true;
}

static void step_over(struct emu *emu, uint64_t pc)
{
    cpu_set_reg(emu, CPU_PC, pc + 4);
}

bool cpu_el0_emulate(struct emu *emu)
{
    uint64_t pc = cpu_reg(emu, CPU_PC);
    const uint32_t *p = guest_ptr(emu, pc, 4, VM_PROT_EXECUTE);
    if (!p)
        return false;
    uint32_t insn = *p;
    if (insn == INSN_WFI) {
        step_over(emu, pc);
        return true;
    }
    uint64_t v;
    if (emu->task->abi == TASK_ABI_LINUX && (insn & MRS_ID_MASK) == MRS_ID_SPACE &&
        id_reg_for_user(emu, insn >> 8 & 0xf, insn >> 5 & 7, &v)) {
        uint32_t rt = insn & 0x1f;
        if (rt != 31)              /* xzr: the value goes nowhere */
            cpu_set_reg(emu, CPU_X(rt), v);
        step_over(emu, pc);
        return true;
    }
    return false;
}
