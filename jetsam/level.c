/* jetsam/level.c — the pressure level machine (vm_pressure_response) and the
 * memorystatus_available_pages thresholds, in exact integer arithmetic. */
#include "jetsam/memorystatus.h"

/* iOS divisors of XNU's compressor thresholds (vm_compressor.h). */
#define MINORCOMPACT_DIVISOR 20u     /* VM_PAGE_COMPRESSOR_COMPACT_THRESHOLD: 50% */
#define UNTHROTTLE_DIVISOR   40u     /* VM_PAGE_COMPRESSOR_SWAP_UNTHROTTLE_THRESHOLD: 25% */

struct memorystatus_thresholds memorystatus_thresholds(const struct memorystatus_vm *vm)
{
    uint64_t nc = vm->active + vm->inactive + vm->free + vm->speculative;
    uint64_t available = nc + vm->compressor_frames;
    uint64_t compact = available * 10 / MINORCOMPACT_DIVISOR;
    uint64_t unthrottle = available * 10 / UNTHROTTLE_DIVISOR;
    return (struct memorystatus_thresholds){
        .non_compressed = nc,
        .available = available,
        .enter_warning = compact,
        .enter_critical = 12 * unthrottle / 10,
        .leave_to_normal = 12 * compact / 10,
        .leave_critical = 14 * unthrottle / 10,
    };
}

enum memorystatus_level memorystatus_level_next(enum memorystatus_level cur,
                                                const struct memorystatus_vm *vm)
{
    if (vm->compressor_low_on_space)
        return MEMORYSTATUS_LEVEL_CRITICAL;
    struct memorystatus_thresholds t = memorystatus_thresholds(vm);
    uint64_t nc = t.non_compressed;
    switch (cur) {
    case MEMORYSTATUS_LEVEL_WARNING:
        if (nc > t.leave_to_normal)
            return MEMORYSTATUS_LEVEL_NORMAL;
        return nc < t.enter_critical ? MEMORYSTATUS_LEVEL_CRITICAL : cur;
    case MEMORYSTATUS_LEVEL_CRITICAL:
        if (nc > t.leave_to_normal)
            return MEMORYSTATUS_LEVEL_NORMAL;
        return nc > t.leave_critical ? MEMORYSTATUS_LEVEL_WARNING : cur;
    default:
        if (nc < t.enter_critical)
            return MEMORYSTATUS_LEVEL_CRITICAL;
        return nc < t.enter_warning ? MEMORYSTATUS_LEVEL_WARNING : MEMORYSTATUS_LEVEL_NORMAL;
    }
}

uint64_t memorystatus_available_pages(const struct memorystatus_vm *vm)
{
    return vm->free + vm->file_backed;
}

uint64_t memorystatus_critical_pages(uint64_t total_pages)
{
    return total_pages * MEMORYSTATUS_CRITICAL_PERCENT / 100;
}

uint64_t memorystatus_idle_pages(uint64_t total_pages)
{
    return MEMORYSTATUS_IDLE_FACTOR * memorystatus_critical_pages(total_pages);
}

uint64_t memorystatus_pressure_pages(uint64_t total_pages)
{
    return MEMORYSTATUS_PRESSURE_FACTOR * memorystatus_critical_pages(total_pages);
}
