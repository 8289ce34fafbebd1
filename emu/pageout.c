/* emu/pageout.c — what the VM's pageout asks of the machine (struct vm_env): guest
 * time for the speculative bins, the pressure level for forced purges, and, in macOS
 * mode, the low-swap notes. */
#include "emu/internal.h"
#include "emu/jetsam.h"

/* no_paging_space_action_throttle_delay_ns: 5 s between two rounds of low-swap notes. */
#define LOW_SWAP_SPACING_MS 5000u

/* Guest instructions in a millisecond of XNU's time (--guest-mips), as Jetsam counts. */
static uint64_t insns_per_ms(const struct emu *emu)
{
    return emu->opt.guest_mips ? emu->opt.guest_mips * 1000 : MEMORYSTATUS_INSTRUCTIONS_PER_MS;
}

static uint64_t now_ms(void *ctx)
{
    const struct emu *emu = ctx;
    return emu->icount / insns_per_ms(emu);
}

static enum vm_pressure_level pressure(void *ctx)
{
    const struct emu *emu = ctx;
    switch (emu->notes.level) {
    case MACHEMU_NOTE_PRESSURE_CRITICAL: return VM_PRESSURE_CRITICAL;
    case MACHEMU_NOTE_PRESSURE_WARN: return VM_PRESSURE_WARNING;
    default: return VM_PRESSURE_NORMAL;
    }
}

/* While swap is low on space, every task that listens for NOTE_MEMORYSTATUS_LOW_SWAP
 * hears it, at once and then every 5 s (memorystatus_send_low_swap_note). */
static void swap_low(void *ctx, bool low)
{
    struct emu *emu = ctx;
    if (!low) {
        emu->low_swap_next = 0;
        return;
    }
    if (emu->opt.no_jetsam || emu->icount < emu->low_swap_next)
        return;
    emu->low_swap_next = emu->icount + LOW_SWAP_SPACING_MS * insns_per_ms(emu);
    emu->low_swap_notes++;
    for (struct task *t = emu->tasks; t; t = t->next)
        emu_jetsam_post_note(emu, t, MACHEMU_NOTE_LOW_SWAP);
}

void emu_pageout_init(struct emu *emu)
{
    emu->vm.env = (struct vm_env){ .ctx = emu, .now_ms = now_ms, .pressure = pressure,
                                   .swap_low = swap_low };
}
