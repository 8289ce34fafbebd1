/* Unit tests for the compressor pager (vm/vm_compressor.c) under the VM: pages
 * compressed by pageout and by the scan, decompressed by faults byte for byte; the
 * pmap's compressed markers and footprint; page_query; copy-on-write from a
 * compressed page below; collapse moving compressed pages; slots freed with their
 * object, with the unmapped piece of a merged object, or by a purge; XNU's limits on stored pages, a full pool whose refused pages
 * go back to the active queue; macOS swap ahead of need, over several files, and the
 * low-swap signal; and the frame books (queues + compressor frames) balancing
 * throughout. Where a test checks a rule of XNU, the XNU function is named. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include "tests/unit/vm_fixture.h"
#include "vm/vm_compressor.h"

/* Swap files for macOS mode: unlinked temporary files, at most `max` of them. */
static int swap_fds[64];
static unsigned nswap;

static int make_swap_file(void *ctx)
{
    (void)ctx;
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_lt(nswap, 64);
    int fd = dup(fileno(f));
    fclose(f);
    return swap_fds[nswap++] = fd;
}

/* A compressor with XNU's limits for the 8 MB machine (max_pages 0), or others. */
static void setup_with(uint32_t max_pages, bool macos, uint32_t file_blocks, uint32_t max_files)
{
    setup();
    struct vm_compressor_config cfg = { .codec = COMPRESSOR_CODEC_HYBRID, .macos = macos,
                                        .max_pages = max_pages };
    if (macos)
        cfg.swap = (struct compressor_swap_ops){ .create = make_swap_file,
                                                 .file_blocks = file_blocks,
                                                 .max_files = max_files };
    nswap = 0;
    ck_assert_int_eq(vm_compressor_init(&vm, &cfg), 0);
}

static void setup_compressor(void) { setup_with(0, false, 0, 0); }

static void close_swap_files(void)
{
    for (unsigned i = 0; i < nswap; i++)
        close(swap_fds[i]);
    nswap = 0;
}

static void teardown_compressor(void)
{
    if (map)
        vm_map_destroy(map);
    map = NULL;
    vm_compressor_fini(&vm);
    close_swap_files();
    teardown();
}

static void check_books(void)
{
    char why[200];
    ck_assert_msg(vm_page_queues_check(&vm, why, sizeof why), "%s", why);
}

static const struct compressor_stats *cstats(void) { return compressor_stats(vm.compressor); }

/* Runs a scan as an allocation short of frames would. */
static void want_frames_scan(void)
{
    vm.targets.free_target = p.count[PHYS_FREE] + 1;
    vm_pageout_scan(&vm);
    vm_pageout_init_targets(&vm);
}

/* Word i of page n: heap-like (compressible) or pseudo-random. */
static uint32_t word(uint64_t n, uint32_t i, bool random)
{
    if (!random)   /* a lightly used heap page: some records, then zeros */
        return i >= 512 ? 0 : i % 4 == 0 ? (uint32_t)(n * 4096 + i) : i % 4 == 1 ? 0x2a : i;
    uint64_t x = (n << 20 | i) * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(x >> 32 ^ x);
}

static void write_page(uint64_t va, uint64_t n, bool random)
{
    fault_ok(va, RW);
    uint32_t *w = (uint32_t *)gptr(va);
    for (uint32_t i = 0; i < PG / 4; i++)
        w[i] = word(n, i, random);
}

static void expect_page(uint64_t va, uint64_t n, bool random)
{
    if (pmap_extract(map->pmap, va) == PFN_NONE)
        fault_ok(va, R);
    const uint32_t *w = (const uint32_t *)gptr(va);
    uint32_t i = 0;
    while (i < PG / 4 && w[i] == word(n, i, random))   /* one assertion per page: check */
        i++;                                           /* reports each one to its parent */
    ck_assert_msg(i == PG / 4, "page %llu word %u: %#x, want %#x", (unsigned long long)n, i,
                  w[i % (PG / 4)], word(n, i % (PG / 4), random));
}

static struct vm_page *page_at(uint64_t va)
{
    pfn_t f = pmap_extract(map->pmap, va);
    ck_assert_uint_ne(f, PFN_NONE);
    return &vm.pages[f];
}

START_TEST(pageout_leaves_a_marker_and_a_fault_decompresses)
{
    enter_anon(BASE, 4 * PG, RW, VM_PROT_ALL);
    for (int n = 0; n < 4; n++)
        write_page(BASE + n * PG, n, false);
    struct vm_object *obj = page_at(BASE)->object;
    uint32_t vm_frames = p.count[PHYS_VM];
    ck_assert_int_eq(vm_compressor_pageout(&vm, page_at(BASE + PG)), KERN_SUCCESS);

    ck_assert_uint_eq(pmap_extract(map->pmap, BASE + PG), PFN_NONE);
    ck_assert(pmap_pte(map->pmap, BASE + PG) & PT_COMPRESSED);
    ck_assert_uint_eq(map->pmap->compressed, 1);
    ck_assert_uint_eq(obj->compressed, 1);
    ck_assert_uint_eq(cstats()->pages, 1);
    ck_assert_uint_eq(p.count[PHYS_VM], vm_frames - 1);
    ck_assert_uint_eq(p.count[PHYS_COMPRESSOR], cstats()->frames);
    struct vm_map_usage u;
    vm_map_usage(map, &u);
    ck_assert_uint_eq(u.compressed, 1);
    ck_assert_uint_eq(u.footprint, u.internal + 1 + u.tables);
    struct vm_ledgers l;
    vm_map_ledgers(map, &l);
    ck_assert_uint_eq(l.phys_footprint, u.footprint);
    ck_assert_uint_eq(l.internal_compressed, 1);
    int disp, refs;
    ck_assert_int_eq(vm_map_page_query(map, BASE + PG, &disp, &refs), KERN_SUCCESS);
    ck_assert_int_eq(disp, VM_PAGE_QUERY_PAGE_PAGED_OUT);
    check_books();

    ck_assert_int_eq(fault_ok(BASE + PG + 100, R), VM_FAULT_DECOMPRESS);
    expect_page(BASE + PG, 1, false);
    ck_assert_uint_eq(map->pmap->compressed, 0);
    ck_assert_uint_eq(obj->compressed, 0);
    ck_assert_uint_eq(cstats()->pages, 0);
    ck_assert_uint_eq(cstats()->decompressions, 1);
    ck_assert_uint_eq(map->pmap->compressed_peak, 1);
    check_books();
    destroy_and_check_frames();
}
END_TEST

/* vm_compressor_set_size: an 8 MB iPhone's pool holds 30 segments' worth, 960 pages
 * (1.875x the RAM): 1.5x the RAM of heap pages fits, and comes back intact. */
START_TEST(the_scan_fits_what_xnu_allows)
{
    ck_assert_uint_eq(compressor_config_of(vm.compressor)->max_pages, 960);
    uint64_t pages = 3 * (RAM / PG) / 2;
    enter_anon(BASE, pages * PG, RW, VM_PROT_ALL);
    for (uint64_t n = 0; n < pages; n++) {
        write_page(BASE + n * PG, n, false);
    }
    ck_assert_uint_gt(cstats()->compressions, RAM / PG / 2);
    ck_assert_uint_eq(vm.stats.throttled, 0);
    check_books();
    for (uint64_t n = pages; n-- > 0;)
        expect_page(BASE + n * PG, n, false);
    ck_assert_uint_gt(cstats()->decompressions, RAM / PG / 2);
    check_books();
    destroy_and_check_frames();
    ck_assert_uint_eq(cstats()->pages, 0);
    ck_assert_uint_eq(p.count[PHYS_COMPRESSOR], 0);
}
END_TEST

/* The binding limit is stored pages, not frames: past 960 stored pages the pool
 * refuses heap pages while most of the RAM is still outside it, and it was low on
 * space (vm_compressor_low_on_space) before that. The pages it refuses go back to the
 * active queue, never to the throttled one (the compressor is on), and the fault
 * that finds no frame fails. */
START_TEST(the_pool_stops_at_its_stored_page_limit)
{
    uint64_t pages = 3 * (RAM / PG), first = 700;
    enter_anon(BASE, first * PG, RW, VM_PROT_ALL);          /* two objects: the second */
    enter_anon(BASE + (first + 1) * PG, (pages - first) * PG, RW, VM_PROT_ALL);  /* goes */
    kern_return_t kr = KERN_SUCCESS;
    uint64_t n = 0;
    bool was_low = false;
    for (; n < pages && kr == KERN_SUCCESS; n++) {
        enum vm_fault_kind k;
        uint64_t va = BASE + (n + (n >= first)) * PG;
        was_low |= compressor_low_on_space(vm.compressor) && cstats()->pages < 960;
        if ((kr = vm_fault(map, va, RW, &k)) == KERN_SUCCESS)
            memset(gptr(va), (int)n | 1, 64);
    }
    ck_assert_int_eq(kr, KERN_RESOURCE_SHORTAGE);
    ck_assert_uint_gt(n, first);
    ck_assert(was_low);
    ck_assert_uint_eq(cstats()->pages, 960);
    ck_assert_uint_lt(cstats()->frames, RAM / PG / 4);      /* frames were not the limit */
    ck_assert_uint_gt(cstats()->rejected, 0);
    ck_assert_uint_gt(vm.stats.compressor_refused, 0);
    ck_assert_uint_eq(vm.stats.throttled, 0);
    ck_assert_uint_eq(vm.q[VM_PAGE_Q_THROTTLED].count, 0);
    ck_assert(vm.compressor_full);
    check_books();
    /* Memory given back: the faults work again, every page reads back. */
    ck_assert_int_eq(vm_map_remove(map, BASE + (first + 1) * PG, BASE + (pages + 1) * PG),
                     KERN_SUCCESS);
    for (uint64_t k = 0; k < first; k++) {
        if (pmap_extract(map->pmap, BASE + k * PG) == PFN_NONE)
            fault_ok(BASE + k * PG, R);
        ck_assert_uint_eq(*gptr(BASE + k * PG + 63), (uint8_t)((int)k | 1));
    }
    check_books();
    destroy_and_check_frames();
}
END_TEST

START_TEST(copy_on_write_from_a_compressed_page_below)
{
    struct vm_object *obj = vm_object_allocate(&vm, 2 * PG);
    enter_obj(BASE, 2 * PG, obj, 0, false, RW);
    write_page(BASE, 7, false);
    vm_object_reference(obj);
    enter_obj(BASE + 8 * PG, 2 * PG, obj, 0, true, RW);     /* a private copy */
    ck_assert_int_eq(vm_compressor_pageout(&vm, page_at(BASE)), KERN_SUCCESS);
    ck_assert_uint_eq(obj->compressed, 1);

    ck_assert_int_eq(fault_ok(BASE + 8 * PG, W), VM_FAULT_COW);
    *gptr(BASE + 8 * PG) = 0xee;                              /* the copy changes */
    ck_assert_uint_eq(obj->compressed, 0);                    /* decompressed below */
    expect_page(BASE, 7, false);                              /* the original did not */
    ck_assert_uint_eq(*gptr(BASE + 8 * PG), 0xee);
    check_books();
    destroy_and_check_frames();
}
END_TEST

START_TEST(collapse_moves_compressed_pages_up)
{
    enter_anon(BASE, 4 * PG, RW, VM_PROT_ALL);
    for (int n = 0; n < 4; n++)
        write_page(BASE + n * PG, n, false);
    struct pmap *cpm = pmap_create(&m);
    struct vm_map *child = vm_map_fork(map, cpm);
    ck_assert_ptr_nonnull(child);
    write_page(BASE, 10, false);                 /* the parent gets a shadow over page 0 */
    for (int n = 1; n < 4; n++)                  /* pages 1..3 stay below, compressed */
        ck_assert_int_eq(vm_compressor_pageout(&vm, page_at(BASE + n * PG)), KERN_SUCCESS);
    vm_map_destroy(child);                       /* below is the parent's alone now */
    uint64_t collapses = vm.stats.collapses;
    /* The next fault collapses the chain first: the compressed pages move up. */
    ck_assert_int_eq(fault_ok(BASE + PG, R), VM_FAULT_DECOMPRESS);
    ck_assert_uint_gt(vm.stats.collapses, collapses);
    ck_assert_uint_eq(page_at(BASE + PG)->object->compressed, 2);   /* moved up */
    expect_page(BASE, 10, false);
    for (int n = 2; n < 4; n++) {
        ck_assert_int_eq(fault_ok(BASE + n * PG, R), VM_FAULT_DECOMPRESS);
        expect_page(BASE + n * PG, n, false);
    }
    check_books();
    destroy_and_check_frames();
    ck_assert_uint_eq(cstats()->pages, 0);
}
END_TEST

START_TEST(removing_memory_frees_its_compressed_pages)
{
    enter_anon(BASE, 4 * PG, RW, VM_PROT_ALL);
    enter_anon(BASE + 8 * PG, 4 * PG, RW, VM_PROT_ALL);   /* apart: two objects */
    for (int n = 0; n < 8; n++) {
        uint64_t va = BASE + (n < 4 ? n : n + 4) * PG;
        write_page(va, n, true);
        ck_assert_int_eq(vm_compressor_pageout(&vm, page_at(va)), KERN_SUCCESS);
    }
    ck_assert_uint_eq(map->pmap->compressed, 8);
    ck_assert_uint_gt(p.count[PHYS_COMPRESSOR], 0);
    ck_assert_int_eq(vm_map_remove(map, BASE, BASE + 4 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(cstats()->pages, 4);
    ck_assert_uint_eq(map->pmap->compressed, 4);              /* markers removed too */
    check_books();
    ck_assert_int_eq(vm_map_remove(map, BASE + 8 * PG, BASE + 12 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(cstats()->pages, 0);
    ck_assert_uint_eq(p.count[PHYS_COMPRESSOR], 0);
    check_books();
    destroy_and_check_frames();
}
END_TEST

/* Two neighbours merged into one entry and one object: unmapping one frees its
 * compressed pages at once. */
START_TEST(removing_a_merged_neighbour_frees_its_compressed_pages)
{
    enter_anon(BASE, 4 * PG, RW, VM_PROT_ALL);
    enter_anon(BASE + 4 * PG, 4 * PG, RW, VM_PROT_ALL);
    for (int n = 0; n < 8; n++) {
        write_page(BASE + n * PG, n, true);
        ck_assert_int_eq(vm_compressor_pageout(&vm, page_at(BASE + n * PG)), KERN_SUCCESS);
    }
    struct vm_object *obj = map->header.next->object;
    ck_assert_uint_eq(obj->compressed, 8);
    ck_assert_int_eq(vm_map_remove(map, BASE + 4 * PG, BASE + 8 * PG), KERN_SUCCESS);
    ck_assert_uint_eq(obj->compressed, 4);
    ck_assert_uint_eq(cstats()->pages, 4);
    check_books();
    for (int n = 0; n < 4; n++)
        expect_page(BASE + n * PG, n, true);
    destroy_and_check_frames();
}
END_TEST

START_TEST(a_purge_frees_compressed_pages)
{
    uint64_t a = BASE;
    ck_assert_int_eq(vm_map_enter(map, &a, 4 * PG, VM_FLAGS_FIXED | VM_FLAGS_PURGABLE, NULL, 0,
                                  false, RW, VM_PROT_ALL, VM_INHERIT_COPY, "purgeable"),
                     KERN_SUCCESS);
    for (int n = 0; n < 4; n++)
        write_page(BASE + n * PG, n, false);
    ck_assert_int_eq(vm_compressor_pageout(&vm, page_at(BASE)), KERN_SUCCESS);
    int state = VM_PURGABLE_EMPTY;
    ck_assert_int_eq(vm_map_purgable_control(map, BASE, VM_PURGABLE_SET_STATE, &state),
                     KERN_SUCCESS);
    ck_assert_uint_eq(cstats()->pages, 0);
    ck_assert_uint_eq(vm.stats.purges, 4);
    check_books();
    destroy_and_check_frames();
}
END_TEST

/* phys_footprint by XNU's formula (osfmk/kern/task.c): a purgeable region's pages are
 * internal but moved to alternate accounting, then counted by state; compressed pages of
 * a volatile object leave the footprint with its resident ones. */
START_TEST(footprint_counts_purgeable_pages_by_state)
{
    uint64_t a = BASE;
    ck_assert_int_eq(vm_map_enter(map, &a, 4 * PG, VM_FLAGS_FIXED | VM_FLAGS_PURGABLE, NULL, 0,
                                  false, RW, VM_PROT_ALL, VM_INHERIT_COPY, "purgeable"),
                     KERN_SUCCESS);
    enter_anon(BASE + 8 * PG, 2 * PG, RW, VM_PROT_ALL);
    for (int n = 0; n < 4; n++)
        write_page(BASE + n * PG, n, false);
    for (int n = 0; n < 2; n++)
        write_page(BASE + (8 + n) * PG, n, false);
    ck_assert_int_eq(vm_compressor_pageout(&vm, page_at(BASE)), KERN_SUCCESS);
    ck_assert_int_eq(vm_compressor_pageout(&vm, page_at(BASE + 8 * PG)), KERN_SUCCESS);
    struct vm_ledgers l;
    vm_map_ledgers(map, &l);
    ck_assert_uint_eq(l.internal, 4);
    ck_assert_uint_eq(l.internal_compressed, 2);
    ck_assert_uint_eq(l.alternate_accounting, 3);
    ck_assert_uint_eq(l.alternate_accounting_compressed, 1);
    ck_assert_uint_eq(l.purgeable_nonvolatile, 3);
    ck_assert_uint_eq(l.purgeable_nonvolatile_compressed, 1);
    ck_assert_uint_eq(l.purgeable_volatile + l.purgeable_volatile_compressed, 0);
    ck_assert_uint_eq(l.phys_footprint, 6 + l.page_table);

    int state = VM_PURGABLE_VOLATILE;
    ck_assert_int_eq(vm_map_purgable_control(map, BASE, VM_PURGABLE_SET_STATE, &state),
                     KERN_SUCCESS);
    vm_map_ledgers(map, &l);
    ck_assert_uint_eq(l.purgeable_volatile, 3);
    ck_assert_uint_eq(l.purgeable_volatile_compressed, 1);
    ck_assert_uint_eq(l.purgeable_nonvolatile + l.purgeable_nonvolatile_compressed, 0);
    ck_assert_uint_eq(l.phys_footprint, 2 + l.page_table);   /* the anonymous region only */
    ck_assert_uint_eq(l.phys_footprint_peak, 6 + l.page_table);
    struct vm_map_usage u;
    vm_map_usage(map, &u);
    ck_assert_uint_eq(u.footprint, l.phys_footprint);
    ck_assert_uint_eq(u.volatile_compressed, 1);
    destroy_and_check_frames();
}
END_TEST

/* Guest time for thrashing detection, moved by the tests. */
static uint64_t clock_ms;
static uint64_t test_now(void *ctx) { (void)ctx; return clock_ms; }

/* 64 pages that are written, compressed and read back again and again, one operation
 * every `step_us` of guest time, for `ms`; whether the VM called it thrashing. */
static bool churn(uint64_t ms, uint64_t step_us)
{
    bool thrashing = false;
    uint64_t end_us = clock_ms * 1000 + ms * 1000;
    for (uint64_t us = clock_ms * 1000, n = 0; us < end_us; us += 2 * step_us, n++) {
        uint64_t va = BASE + (256 + n % 64) * PG;
        clock_ms = us / 1000;
        write_page(va, n, false);                  /* decompresses it, after the first round */
        clock_ms = (us + step_us) / 1000;
        ck_assert_int_eq(vm_compressor_pageout(&vm, page_at(va)), KERN_SUCCESS);
        thrashing = vm_compressor_is_thrashing(&vm);
        if (thrashing)
            break;
    }
    return thrashing;
}

/* compute_swapout_target_age and vm_compressor_is_thrashing: half a second of
 * decompressions at 50 or more per 10 ms, from segments a second old at most, while
 * the pool also holds pages compressed long before: thrashing. Below 20 operations per
 * 10 ms the sample starts over and nothing is found; after a kill for thrashing
 * (vm_thrashing_jetsam_done) detection starts again from nothing. */
START_TEST(churning_young_pages_over_old_ones_is_thrashing)
{
    vm.env = (struct vm_env){ .now_ms = test_now };
    clock_ms = 0;
    enter_anon(BASE, 320 * PG, RW, VM_PROT_ALL);
    for (uint64_t n = 0; n < 256; n++) {            /* the old data: compressed at 0 s */
        write_page(BASE + n * PG, n, false);
        ck_assert_int_eq(vm_compressor_pageout(&vm, page_at(BASE + n * PG)), KERN_SUCCESS);
    }
    ck_assert(!vm_compressor_is_thrashing(&vm));
    clock_ms = 20000;
    ck_assert(churn(3000, 50));                     /* 10,000 a second */
    ck_assert_uint_gt(vm.thrashing.target_age_s, 0);
    vm_compressor_thrashing_done(&vm);
    ck_assert(!vm_compressor_is_thrashing(&vm));
    ck_assert(!churn(3000, 500));                   /* 1000 a second: too few */
    check_books();
    destroy_and_check_frames();
}
END_TEST

/* A pool of 8 pages: the scan reactivates what it refuses (vps_deal_with_throttled_queues,
 * vm_pageout_compress_page's failure path), and takes pages again once room is made. */
START_TEST(a_full_pool_reactivates_then_recovers)
{
    teardown_compressor();
    setup_with(8, false, 0, 0);
    uint64_t pages = RAM / PG, first = 100;
    enter_anon(BASE, first * PG, RW, VM_PROT_ALL);
    enter_anon(BASE + (first + 1) * PG, (pages - first) * PG, RW, VM_PROT_ALL);
    uint64_t n = 0;
    kern_return_t kr = KERN_SUCCESS;
    for (; n < pages && kr == KERN_SUCCESS; n++) {
        enum vm_fault_kind k;
        uint64_t va = BASE + (n + (n >= first)) * PG;
        if ((kr = vm_fault(map, va, RW, &k)) == KERN_SUCCESS)
            write_page(va, n, true);
    }
    ck_assert_int_eq(kr, KERN_RESOURCE_SHORTAGE);
    ck_assert_uint_gt(n, first);
    ck_assert_uint_eq(vm.stats.throttled, 0);
    ck_assert(vm.compressor_full);
    ck_assert_uint_gt(cstats()->rejected, 0);
    ck_assert_uint_eq(cstats()->pages, 8);
    check_books();
    /* The second object goes; the first one's pages come back, and the pool takes
     * pages again. */
    ck_assert_int_eq(vm_map_remove(map, BASE + (first + 1) * PG, BASE + (pages + 1) * PG),
                     KERN_SUCCESS);
    uint64_t compressions = cstats()->compressions;
    for (uint64_t k = 0; k < first; k++)
        expect_page(BASE + k * PG, k, true);
    ck_assert_uint_eq(cstats()->pages, 0);
    ck_assert(!vm.compressor_full);
    enter_anon(BASE + (first + 1) * PG, (pages - first) * PG, RW, VM_PROT_ALL);
    for (uint64_t k = first; k < pages && cstats()->compressions == compressions; k++)
        write_page(BASE + (k + 1) * PG, k, true);
    ck_assert_uint_gt(cstats()->compressions, compressions);
    check_books();
    destroy_and_check_frames();
}
END_TEST

START_TEST(macos_mode_swaps_segments_out_and_back)
{
    teardown_compressor();
    setup_with(0, true, 64, 16);
    uint64_t pages = 2 * (RAM / PG);             /* random: only swap can hold it */
    enter_anon(BASE, pages * PG, RW, VM_PROT_ALL);
    for (uint64_t n = 0; n < pages; n++)
        write_page(BASE + n * PG, n, true);
    ck_assert_uint_gt(cstats()->swapouts, 0);
    ck_assert_uint_gt(cstats()->swap_files, 1);          /* 64 blocks (4 MB) a file */
    ck_assert_uint_eq(cstats()->swap_files, nswap);
    for (uint64_t n = 0; n < pages; n++)
        expect_page(BASE + n * PG, n, true);
    ck_assert_uint_gt(cstats()->swapins, 0);
    check_books();
    destroy_and_check_frames();
}
END_TEST

/* compressor_needs_to_swap (macOS): segments go out as soon as the compressor holds
 * more than 3/13 of the memory, long before frames run short: heap pages that the
 * pool could hold in memory go to swap all the same, and after each scan the
 * condition no longer holds. */
START_TEST(macos_swaps_ahead_of_need)
{
    teardown_compressor();
    setup_with(0, true, 1024, 4);
    uint64_t pages = 3 * (RAM / PG);
    enter_anon(BASE, pages * PG, RW, VM_PROT_ALL);
    for (uint64_t n = 0; n < pages; n++) {
        write_page(BASE + n * PG, n, false);
        if (cstats()->swapouts == 0)
            ck_assert(!vm_compressor_needs_to_swap(&vm) || vm.stats.scans == 0 ||
                      p.count[PHYS_FREE] < vm.targets.free_min);
    }
    ck_assert_uint_gt(cstats()->swapouts, 0);
    ck_assert_uint_le(p.count[PHYS_COMPRESSOR] * 13,
                      (uint64_t)3 * (p.count[PHYS_COMPRESSOR] + vm.q[VM_PAGE_Q_ACTIVE].count +
                       vm.q[VM_PAGE_Q_INACTIVE_INTERNAL].count + p.count[PHYS_FREE]) + 13 * 4);
    for (uint64_t n = 0; n < pages; n++)
        expect_page(BASE + n * PG, n, false);
    check_books();
    destroy_and_check_frames();
}
END_TEST

static unsigned low_calls, high_calls;
static void swap_low(void *ctx, bool low)
{
    (void)ctx;
    low ? low_calls++ : high_calls++;
}

/* vm_swap_low_on_space: with one small swap file, random pages fill it; the VM says
 * so (env.swap_low) after each scan while it is, and once when it is not any more. */
START_TEST(macos_says_when_swap_is_low)
{
    teardown_compressor();
    setup_with(0, true, 64, 1);
    vm.env.swap_low = swap_low;
    low_calls = high_calls = 0;
    uint64_t pages = 2 * (RAM / PG);
    enter_anon(BASE, pages * PG, RW, VM_PROT_ALL);
    uint64_t n = 0;
    kern_return_t kr = KERN_SUCCESS;
    for (; n < pages && kr == KERN_SUCCESS && !low_calls; n++) {
        enum vm_fault_kind k;
        if ((kr = vm_fault(map, BASE + n * PG, RW, &k)) == KERN_SUCCESS)
            write_page(BASE + n * PG, n, true);
    }
    ck_assert_uint_gt(low_calls, 0);
    ck_assert_uint_eq(high_calls, 0);
    ck_assert(compressor_swap_low(vm.compressor));
    ck_assert_uint_eq(nswap, 1);
    check_books();
    ck_assert_int_eq(vm_map_remove(map, BASE, BASE + pages * PG), KERN_SUCCESS);
    enter_anon(BASE, 2 * PG, RW, VM_PROT_ALL);
    want_frames_scan();
    ck_assert_uint_eq(high_calls, 1);
    destroy_and_check_frames();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vm_compressor");
    TCase *tc = tcase_create("pager");
    tcase_add_checked_fixture(tc, setup_compressor, teardown_compressor);
    tcase_add_test(tc, pageout_leaves_a_marker_and_a_fault_decompresses);
    tcase_add_test(tc, the_scan_fits_what_xnu_allows);
    tcase_add_test(tc, the_pool_stops_at_its_stored_page_limit);
    tcase_add_test(tc, copy_on_write_from_a_compressed_page_below);
    tcase_add_test(tc, collapse_moves_compressed_pages_up);
    tcase_add_test(tc, removing_memory_frees_its_compressed_pages);
    tcase_add_test(tc, removing_a_merged_neighbour_frees_its_compressed_pages);
    tcase_add_test(tc, a_purge_frees_compressed_pages);
    tcase_add_test(tc, footprint_counts_purgeable_pages_by_state);
    tcase_add_test(tc, churning_young_pages_over_old_ones_is_thrashing);
    tcase_add_test(tc, a_full_pool_reactivates_then_recovers);
    tcase_add_test(tc, macos_mode_swaps_segments_out_and_back);
    tcase_add_test(tc, macos_swaps_ahead_of_need);
    tcase_add_test(tc, macos_says_when_swap_is_low);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
