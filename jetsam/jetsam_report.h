/* jetsam/jetsam_report.h — JetsamEvent reports (.ips), one per kill, built with jansson.
 *
 * The shape of Apple's JetsamEvent .ips: a first line of JSON (the header: bug_type "298",
 * os_version, timestamp), then the body as indented JSON:
 *   memoryStatus    pageSize, compressorSize (frames the compressor occupies),
 *                   uncompressed (pages stored in it), compressions, decompressions,
 *                   memoryPages {active, throttled, fileBacked, wired, anonymous,
 *                   purgeable, inactive, free, speculative}
 *   largestProcess  name of the process with the largest footprint
 *   processes       every process of the table, band by band from the lowest:
 *                   pid, name, priority (band), rpages (footprint pages), lifetimeMax
 *                   (pages), states ["frontmost", "suspended", "idle"], reason (killed
 *                   ones: the cause string), killDelta (the victim of this report:
 *                   instructions since the first kill of its round), idleDelta (idle
 *                   ones: instructions since they became idle), age (instructions since
 *                   launch), purgeable (pages), fds, coalition, cpuTime (instructions),
 *                   clockExact (machemu's own: false when the caller's clock skipped
 *                   some of the process's life, so age and cpuTime are short)
 * Deviations, for determinism: every time is a count of guest instructions (Apple's
 * timestamp is a date, cpuTime seconds), there is no date, UUID or incident id. */
#ifndef JETSAM_JETSAM_REPORT_H
#define JETSAM_JETSAM_REPORT_H

#include <stddef.h>

#include "jetsam/memorystatus.h"

/* The report of kill k on table ms (victim still in it) with ms's last counters: the header
 * line, a newline, the body and a newline, malloc'ed; NULL if out of memory. */
char *jetsam_report_text(const struct memorystatus *ms, const struct memorystatus_kill *k);

/* The report's file name, JetsamEvent-<seq>-<name>.ips, the name with anything but
 * letters, digits, '.', '_' and '-' as '_' (so it is one path component); cut to len. */
void jetsam_report_name(const struct memorystatus_kill *k, char *out, size_t len);

#endif
