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

/* memorystatus_init's fallbacks when the device tree gives no megabytes (kern_memorystatus.c):
 * up to 3 GB 5% and 1:2:3:4, from 3 to 6 GB 4% and 4:9:15:18, above 4% and 1:2:3:4. */
#define SMALL_MEMORY_BYTES   (3ull << 30)
#define MEDIUM_MEMORY_BYTES  (6ull << 30)

struct memorystatus_page_thresholds memorystatus_page_thresholds(uint64_t total_pages,
                                                                 uint32_t page_size)
{
    uint64_t bytes = total_pages * page_size;
    bool small = bytes <= SMALL_MEMORY_BYTES;
    bool medium = !small && bytes <= MEDIUM_MEMORY_BYTES;
    uint64_t critical = (small ? 5 : 4) * total_pages / 100;
    uint64_t num_idle = medium ? 9 : 2, num_soft = medium ? 15 : 3, num_reaper = medium ? 18 : 4;
    uint64_t denom = medium ? 4 : 1;
    return (struct memorystatus_page_thresholds){
        .critical = critical,
        .idle = num_idle * critical / denom,
        .soft = num_soft * critical / denom,
        .reaper = num_reaper * critical / denom,
    };
}

uint64_t memorystatus_backoff_pages(const struct memorystatus_page_thresholds *t)
{
    return t->soft - (t->soft - t->critical) / 2;
}
