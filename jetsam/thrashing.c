/* jetsam/thrashing.c — file-cache thrashing from the phantom cache's counts
 * (vm_phantom_cache_check_pressure, osfmk/vm/vm_phantom_cache.c). */
#include "jetsam/memorystatus_impl.h"

#define FC_EVAL_PERIOD_MS      250u    /* phantom_cache_eval_period_in_msecs */
#define FC_THRASHING_THRESHOLD 1000u   /* phantom_cache_thrashing_threshold_ssd: flash */
#define FC_CONTIGUOUS_PERIODS  4u      /* phantom_cache_contiguous_periods on iOS */

/* is_thrashing: enough evictions and re-reads, most re-reads of recent evictions. */
static bool period_thrashes(uint64_t added, uint64_t found)
{
    if (added < FC_THRASHING_THRESHOLD || found < FC_THRASHING_THRESHOLD)
        return false;
    return found >= added / 2;
}

void memorystatus_fc_restart(struct memorystatus_fc_sampler *s)
{
    s->restart = true;
}

bool memorystatus_fc_pressure(const struct memorystatus *ms, struct memorystatus_fc_sampler *s,
                              uint64_t now, uint64_t added, uint64_t found,
                              const struct memorystatus_vm *vm)
{
    if (now < s->period_start || now - s->period_start >= memorystatus_ms(ms, FC_EVAL_PERIOD_MS))
        s->restart = true;
    if (s->restart) {
        s->added0 = added;
        s->found0 = found;
        s->period_start = now;
        s->history <<= 1;
        s->restart = false;
    } else if (period_thrashes(added - s->added0, found - s->found0)) {
        s->history |= 1;
    }
    uint32_t all = (1u << FC_CONTIGUOUS_PERIODS) - 1;
    struct memorystatus_thresholds t = memorystatus_thresholds(vm);
    if (vm->file_backed > t.available * 50 / 100)
        return false;              /* the file cache is most of memory: nothing to gain */
    return (s->history & all) == all;
}
