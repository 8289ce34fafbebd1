/* jetsam/jetsam_report.h — JetsamEvent reports (.ips), one per kill, built with jansson.
 *
 * The shape of Apple's JetsamEvent .ips: a first line of JSON (the header: bug_type "298",
 * timestamp, os_version, incident_id), then the body as indented JSON:
 *   product, build  "machemu"
 *   incident, date  the header's incident_id and timestamp
 *   timeDelta       seconds since the run's previous report (the first: since boot)
 *   genCounter      reports of this table before this one
 *   memoryStatus    pageSize, compressorSize (frames the compressor occupies),
 *                   uncompressed (pages stored in it), compressions, decompressions,
 *                   memoryPages {active, throttled, fileBacked, wired, anonymous,
 *                   purgeable, inactive, free, speculative}
 *   largestProcess  name of the process with the largest footprint
 *   processes       every process of the table, band by band from the lowest:
 *                   uuid, pid, name, priority (band), rpages (footprint pages),
 *                   lifetimeMax (pages), physicalPages {internal: [resident anonymous,
 *                   compressed]}, states ["frontmost", "suspended", "idle"], reason
 *                   (killed ones: the cause string), killDelta (the victim of this
 *                   report: instructions since the first kill of its round), idleDelta
 *                   (idle ones: instructions since they became idle), genCount (0),
 *                   age and cpuTime (seconds of the guest clock), purgeable (pages), fds,
 *                   coalition, clockExact (machemu's own: false when the caller's clock
 *                   skipped some of the process's life, so age and cpuTime are short)
 * Dates are the guest clock (instructions at insns_per_ms) from memorystatus_config.epoch,
 * and the ids are hashes of the seed, the pid, the name and the kill: the same run
 * writes the same reports. */
#ifndef JETSAM_JETSAM_REPORT_H
#define JETSAM_JETSAM_REPORT_H

#include <stddef.h>

#include "jetsam/memorystatus.h"

/* The report of kill k on table ms (victim still in it) with ms's last counters: the header
 * line, a newline, the body and a newline, malloc'ed; NULL if out of memory. */
char *jetsam_report_text(const struct memorystatus *ms, const struct memorystatus_kill *k);

/* The report's file name as Apple's: JetsamEvent-YYYY-MM-DD-HHMMSS.ips, the date of the
 * kill (the caller gives a second one in the same second a fresh name); cut to len. */
void jetsam_report_name(const struct memorystatus *ms, const struct memorystatus_kill *k,
                        char *out, size_t len);

#endif
