/* memapp: the apps of the Jetsam scenarios (guest/scenarios/). Each fills its memory
 * with pseudo-random bytes (the compressor gains nothing on them), a megabyte at a
 * time with some computing in between, so pressure rises as it would under an app.
 *
 *   memapp cache CACHE WORK [keep]
 *       An app with a cache: CACHE MB filled first, then WORK MB of working memory
 *       (both `mixed`, see leak).
 *       Its pressure handler frees the whole cache (mach_vm_deallocate) on WARN or
 *       CRITICAL, unless `keep`. At the end it checks every working page and says
 *       whether the cache went.
 *   memapp leak STEP_KB [mixed]
 *       Leaks STEP_KB at a time until it is killed; hears notes and ignores them. With
 *       `mixed`, each 16 KB block is 6 KB of zeros then 10 KB of random bytes: the
 *       compressor keeps it in about 11 KB (WKdm: the zeros come first, so XNU's early
 *       abort, which looks at the first 416 words, lets it through).
 *   memapp system ROUNDS [MB]
 *       The system's file-backed memory (a stand-in for SpringBoard and the shared
 *       cache): reads every page of an 8 MB table in its own executable (or of its first
 *       MB), ROUNDS times.
 *   memapp steady MB ROUNDS [exit] [mixed]
 *       Fills MB, then reads and rewrites all of it ROUNDS times, checking each word.
 *       With `exit`, ends by exit_group at once, silently (no libc exit path); with
 *       `mixed`, the data is as leak's `mixed`.
 *   memapp touch MB ROUNDS
 *       Fills MB (`mixed`), then reads one word of every 16 KB block, ROUNDS times, as
 *       fast as it can: with MB past what RAM holds, nearly every read brings a page
 *       back from the compressor and sends another there (the compressor thrashes).
 *   memapp grow MB [warn]
 *       Grows to MB; its handler takes the per-process limit notes and the level notes,
 *       and it says when PROC_LIMIT_WARN arrives. With `warn` it registers for
 *       PRESSURE_WARN alone, as a UIKit app's memory warning does, and says when that
 *       arrives (iOS sends it near the app's own limit).

 *
 * Exit 0 when done; each failed check its own status (guest_test.h). */
#include "guest_test.h"
#include <stdbool.h>
#include <mach/mach.h>
#include <machemu/pressure.h>

#define MB (1u << 20)
#define NOTES_ALL (NOTE_MEMORYSTATUS_PRESSURE_NORMAL | NOTE_MEMORYSTATUS_PRESSURE_WARN | \
                   NOTE_MEMORYSTATUS_PRESSURE_CRITICAL | NOTE_MEMORYSTATUS_PROC_LIMIT_WARN | \
                   NOTE_MEMORYSTATUS_PROC_LIMIT_CRITICAL)

static volatile uint64_t sink;

static void think(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        sink += guest_mix(i);
}

static uint64_t *allocate(size_t bytes)
{
    mach_vm_address_t a = 0;
    CHECK(2, mach_vm_allocate(mach_task_self(), &a, bytes, VM_FLAGS_ANYWHERE) == KERN_SUCCESS);
    return (uint64_t *)(uintptr_t)a;
}

static bool mixed;                 /* 6 KB of each 16 KB block zero, the rest random */

static uint64_t word(uint64_t seed, size_t i)
{
    return mixed && i % 2048 < 768 ? 0 : guest_mix(seed + i);
}

/* Fills [p, p + bytes) a megabyte at a time, thinking in between. */
static void fill(uint64_t *p, size_t bytes, uint64_t seed)
{
    for (size_t i = 0; i < bytes / 8; i++) {
        p[i] = word(seed, i);
        if (i % (MB / 8) == MB / 8 - 1)
            think(20000);
    }
}

static void check_fill(const uint64_t *p, size_t bytes, uint64_t seed)
{
    for (size_t i = 0; i < bytes / 8; i++)
        CHECK(3, p[i] == word(seed, i));
}

static unsigned long notes_seen;

/* --- cache ------------------------------------------------------------------------ */

static struct { uint64_t *p; size_t bytes; int freed_on; } cache;

static void free_cache(unsigned long note, void *ctx)
{
    (void)ctx;
    notes_seen |= note;
    if (!cache.p || !(note & (NOTE_MEMORYSTATUS_PRESSURE_WARN | NOTE_MEMORYSTATUS_PRESSURE_CRITICAL)))
        return;
    mach_vm_deallocate(mach_task_self(), (mach_vm_address_t)(uintptr_t)cache.p, cache.bytes);
    cache.p = NULL;
    cache.freed_on = (int)note;
}

static int run_cache(int argc, char **argv)
{
    CHECK(1, argc >= 4);
    size_t cache_mb = strtoul(argv[2], NULL, 0), work_mb = strtoul(argv[3], NULL, 0);
    bool keep = argc > 4 && !strcmp(argv[4], "keep");
    mixed = true;                  /* what the compressor can take, as an app's data */
    CHECK(4, machemu_pressure_handler_set(NOTES_ALL, free_cache, NULL) == KERN_SUCCESS);
    cache.bytes = cache_mb * MB;
    uint64_t *c = allocate(cache.bytes);
    if (!keep)
        cache.p = c;
    fill(c, cache.bytes, 1);
    printf("memapp: cache of %zu MB filled\n", cache_mb);
    fflush(stdout);
    uint64_t *w = allocate(work_mb * MB);
    fill(w, work_mb * MB, 2);
    check_fill(w, work_mb * MB, 2);
    if (cache.freed_on)
        printf("memapp: freed the cache on %s; %zu MB of work intact\n",
               cache.freed_on == NOTE_MEMORYSTATUS_PRESSURE_WARN ? "WARN" : "CRITICAL", work_mb);
    else
        printf("memapp: kept the cache; %zu MB of work intact\n", work_mb);
    return 0;
}

/* --- leak, steady, grow ------------------------------------------------------------- */

static void note_seen(unsigned long note, void *ctx)
{
    (void)ctx;
    notes_seen |= note;
}

static int run_leak(int argc, char **argv)
{
    CHECK(1, argc >= 3);
    size_t step = strtoul(argv[2], NULL, 0) * 1024;
    CHECK(1, step > 0);
    mixed = argc > 3 && !strcmp(argv[3], "mixed");
    CHECK(4, machemu_pressure_handler_set(NOTES_ALL, note_seen, NULL) == KERN_SUCCESS);
    for (uint64_t seed = 1;; seed += step) {
        uint64_t *p = allocate(step);
        fill(p, step, seed);
        think(20000);
    }
}

/* exit_group straight from here: no libc exit path (the kill benchmark's reference). */
static _Noreturn void exit_group_now(int status)
{
    register long x0 __asm__("x0") = status;
    register long x8 __asm__("x8") = 94;       /* exit_group */
    __asm__ volatile("svc #0" : : "r"(x0), "r"(x8) : "memory");
    __builtin_unreachable();
}

static int run_steady(int argc, char **argv)
{
    CHECK(1, argc >= 4);
    size_t bytes = strtoul(argv[2], NULL, 0) * MB;
    unsigned rounds = (unsigned)strtoul(argv[3], NULL, 0);
    bool exit_now = false;
    for (int i = 4; i < argc; i++) {
        exit_now |= !strcmp(argv[i], "exit");
        mixed |= !strcmp(argv[i], "mixed");
        CHECK(1, !strcmp(argv[i], "exit") || !strcmp(argv[i], "mixed"));
    }
    CHECK(4, machemu_pressure_handler_set(NOTES_ALL, note_seen, NULL) == KERN_SUCCESS);
    uint64_t *p = allocate(bytes);
    fill(p, bytes, 7);
    for (unsigned r = 0; r < rounds; r++) {
        check_fill(p, bytes, 7 + r);
        for (size_t i = 0; i < bytes / 8; i++)
            p[i] = word(7 + r + 1, i);
        think(200000);
    }
    check_fill(p, bytes, 7 + rounds);
    if (exit_now)
        exit_group_now(0);
    printf("memapp: %u rounds over %zu MB, every word intact\n", rounds, bytes / MB);
    return 0;
}

static int run_touch(int argc, char **argv)
{
    CHECK(1, argc >= 4);
    size_t bytes = strtoul(argv[2], NULL, 0) * MB;
    unsigned rounds = (unsigned)strtoul(argv[3], NULL, 0);
    mixed = true;
    CHECK(4, machemu_pressure_handler_set(NOTES_ALL, note_seen, NULL) == KERN_SUCCESS);
    uint64_t *p = allocate(bytes);
    fill(p, bytes, 7);
    const size_t per = 16384 / 8;
    for (unsigned r = 0; r < rounds; r++)
        for (size_t i = 0; i < bytes / 8; i += per)
            CHECK(5, p[i] == word(7, i));
    printf("memapp: touched every page of %zu MB %u times\n", bytes / MB, rounds);
    return 0;
}

static int run_grow(int argc, char **argv)
{
    CHECK(1, argc >= 3);
    size_t mb = strtoul(argv[2], NULL, 0);
    bool warn_only = argc > 3 && !strcmp(argv[3], "warn");
    unsigned long listen = warn_only ? NOTE_MEMORYSTATUS_PRESSURE_WARN : NOTES_ALL;
    unsigned long watch = warn_only ? NOTE_MEMORYSTATUS_PRESSURE_WARN
                                    : NOTE_MEMORYSTATUS_PROC_LIMIT_WARN;
    CHECK(4, machemu_pressure_handler_set(listen, note_seen, NULL) == KERN_SUCCESS);
    for (size_t i = 0; i < mb; i++) {
        uint64_t *p = allocate(MB);
        fill(p, MB, i * MB);
        if (notes_seen & watch) {
            printf("memapp: %s heard at %zu MB\n", warn_only ? "PRESSURE_WARN" : "PROC_LIMIT_WARN",
                   i + 1);
            fflush(stdout);
            notes_seen &= ~watch;
        }
    }
    printf("memapp: grew to %zu MB\n", mb);
    return 0;
}

/* Read-only data in the executable: file-backed pages, dropped under pressure and
 * read from the file again. Initialized, so it is in the file, not zero-fill. */
static const uint8_t table[8u << 20] = { 1 };

static int run_system(int argc, char **argv)
{
    CHECK(1, argc >= 3);
    unsigned rounds = (unsigned)strtoul(argv[2], NULL, 0);
    size_t bytes = argc > 3 ? strtoul(argv[3], NULL, 0) * MB : sizeof table;
    CHECK(1, bytes > 0 && bytes <= sizeof table);
    CHECK(4, machemu_pressure_handler_set(NOTES_ALL, note_seen, NULL) == KERN_SUCCESS);
    uint64_t sum = 0;
    for (unsigned r = 0; r < rounds; r++) {
        for (size_t i = 0; i < bytes; i += 4096)
            sum += ((const volatile uint8_t *)table)[i];
        think(400000);
    }
    CHECK(5, sum == rounds);
    printf("memapp: read the %zu MB table %u times\n", bytes / MB, rounds);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    CHECK(1, argc >= 2);
    if (!strcmp(argv[1], "cache"))
        return run_cache(argc, argv);
    if (!strcmp(argv[1], "leak"))
        return run_leak(argc, argv);
    if (!strcmp(argv[1], "steady"))
        return run_steady(argc, argv);
    if (!strcmp(argv[1], "grow"))
        return run_grow(argc, argv);
    if (!strcmp(argv[1], "touch"))
        return run_touch(argc, argv);
    if (!strcmp(argv[1], "system"))
        return run_system(argc, argv);
    CHECK(1, 0);
    return 1;
}
