/* emu/trace.h — which faults --trace-faults writes, and how.
 *
 * Filters: the kinds wanted (any of them), an address range, a task; each given one
 * is required. Without the cost field (host time, which differs from run to run), two
 * traces of the same run are the same bytes. */
#ifndef EMU_TRACE_H
#define EMU_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu_trace_filter {
    unsigned kinds;                /* bit (1 << enum vm_fault_kind); 0: every kind */
    uint64_t va_lo, va_hi;         /* [lo, hi); hi 0: any address */
    int task;                      /* pid; 0: any task */
    bool no_cost;                  /* leave out cost= */
    bool split_cost;               /* cost=split: reclaim= after cost= */
};

/* Adds one term to f: kind=K[,K...] (names or older spellings, see vm_fault_kind_parse),
 * va=LO-HI or va=ADDR (its page), task=PID, cost=split (the part of cost= spent
 * reclaiming frames, in reclaim=). 0, or -1 with one line in err. */
int emu_trace_filter_add(struct emu_trace_filter *f, const char *term, char *err, size_t errlen);

#endif
