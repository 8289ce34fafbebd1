/* jetsam/memorystatus_impl.h — the table behind struct memorystatus (jetsam/ only). */
#ifndef JETSAM_MEMORYSTATUS_IMPL_H
#define JETSAM_MEMORYSTATUS_IMPL_H

#include <limits.h>

#include "jetsam/memorystatus.h"

struct memorystatus {
    struct memorystatus_config cfg;
    struct memorystatus_proc *procs;       /* sorted by band; each band in list order */
    size_t n, cap;
    uint64_t generation;                   /* bumped by every add, remove and move */
    struct memorystatus_vm vm;             /* of the last evaluation */
    enum memorystatus_level level;
    bool falling;                          /* the last level change went down */
    bool notified_once;
    uint64_t last_notify;
    uint64_t kills;
    bool kill_round;
    uint64_t kill_round_start;
    char report_path[PATH_MAX];
    char report_error[PATH_MAX + 64];
};

struct memorystatus_proc *memorystatus_lookup(struct memorystatus *ms, int pid);
/* Stable: the FOREGROUND band's list, largest footprint first (memorystatus_sort_bucket). */
void memorystatus_sort_foreground(struct memorystatus *ms);
/* phys_footprint in bytes, clamped at 2^50 (past any limit) so products cannot overflow. */
uint64_t memorystatus_footprint_bytes(const struct memorystatus *ms,
                                      const struct memorystatus_proc *p);

#endif
