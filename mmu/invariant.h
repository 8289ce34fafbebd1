/* mmu/invariant.h — invariants of the memory subsystem, checked where they are kept.
 *
 * Built with -DMACHEMU_INVARIANTS (`make asan` sets it), a check that fails prints the
 * expression and file:line and aborts: the checks are for broken invariants, never for
 * bad input, which gets an error. Otherwise they compile to nothing and their
 * expressions are never evaluated (but still compiled, so they cannot rot).
 * mmu/ says PMAP_ASSERT; vm/ says VM_ASSERT (vm/vm.h), with this same switch, since
 * mmu/ may not include vm/ headers. */
#ifndef MMU_INVARIANT_H
#define MMU_INVARIANT_H

#include <stdio.h>
#include <stdlib.h>

#ifdef MACHEMU_INVARIANTS
#define MMU_INVARIANTS 1
#else
#define MMU_INVARIANTS 0
#endif

_Noreturn static inline void mmu_invariant_broken(const char *expr, const char *file, int line)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, expr);
    abort();
}

/* An expression, so that it also fits where a statement cannot go. */
#define MMU_INVARIANT(cond)                                                                   \
    ((void)(!MMU_INVARIANTS || (cond) || (mmu_invariant_broken(#cond, __FILE__, __LINE__), 0)))

#define PMAP_ASSERT(cond) MMU_INVARIANT(cond)

#endif
