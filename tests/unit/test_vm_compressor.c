/* Unit tests for the compressor pager (vm/vm_compressor.c) under the VM: pages
 * compressed by pageout and by the scan, decompressed by faults byte for byte; the
 * pmap's compressed markers and footprint; page_query; copy-on-write from a
 * compressed page below; collapse moving compressed pages; slots freed with their
 * object or by a purge; a full pool throttles and recovers; macOS swap; and the frame
 * books (queues + compressor frames) balancing throughout. */
#include <check.h>
#include <stdio.h>
#include "tests/unit/vm_fixture.h"
#include "vm/vm_compressor.h"

static void setup_with(uint32_t max_frames, int swap_fd)
{
    setup();
    struct vm_compressor_config cfg = { .codec = COMPRESSOR_CODEC_HYBRID,
                                        .max_frames = max_frames, .swap_fd = swap_fd };
    ck_assert_int_eq(vm_compressor_init(&vm, &cfg), 0);
}

static void setup_compressor(void) { setup_with(0, -1); }

static void teardown_compressor(void)
{
    if (map)
        vm_map_destroy(map);
    map = NULL;
    vm_compressor_fini(&vm);
    teardown();
}

static void check_books(void)
{
    char why[200];
    ck_assert_msg(vm_page_queues_check(&vm, why, sizeof why), "%s", why);
}

static const struct compressor_stats *cstats(void) { return compressor_stats(vm.compressor); }

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
    ck_assert_uint_eq(vm_map_footprint(map, NULL), u.footprint);
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

START_TEST(the_scan_fits_three_times_the_ram)
{
    uint64_t pages = 3 * (RAM / PG);
    enter_anon(BASE, pages * PG, RW, VM_PROT_ALL);
    for (uint64_t n = 0; n < pages; n++) {
        write_page(BASE + n * PG, n, false);
    }
    ck_assert_uint_gt(cstats()->compressions, RAM / PG);
    ck_assert_uint_eq(vm.stats.throttled, 0);
    check_books();
    for (uint64_t n = pages; n-- > 0;)
        expect_page(BASE + n * PG, n, false);
    ck_assert_uint_gt(cstats()->decompressions, RAM / PG);
    check_books();
    destroy_and_check_frames();
    ck_assert_uint_eq(cstats()->pages, 0);
    ck_assert_uint_eq(p.count[PHYS_COMPRESSOR], 0);
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

START_TEST(a_full_pool_throttles_then_recovers)
{
    teardown_compressor();
    setup_with(8, -1);                           /* 8 frames: about 8 random pages */
    uint64_t pages = RAM / PG;
    enter_anon(BASE, pages * PG, RW, VM_PROT_ALL);
    uint64_t n = 0;
    for (; n < pages && vm.stats.throttled == 0; n++)
        write_page(BASE + n * PG, n, true);
    ck_assert_uint_gt(vm.stats.throttled, 0);
    ck_assert(vm.compressor_full);
    ck_assert_uint_gt(cstats()->rejected, 0);
    check_books();
    uint64_t compressions = cstats()->compressions;
    for (uint64_t k = 0; k < n; k++)             /* bring compressed pages back */
        expect_page(BASE + k * PG, k, true);
    ck_assert(!vm.compressor_full || cstats()->compressions > compressions);
    check_books();
    destroy_and_check_frames();
}
END_TEST

START_TEST(macos_mode_swaps_segments_out_and_back)
{
    teardown_compressor();
    FILE *swap = tmpfile();
    ck_assert_ptr_nonnull(swap);
    setup_with(8, fileno(swap));
    uint64_t pages = 2 * (RAM / PG);             /* random: only swap can hold it */
    enter_anon(BASE, pages * PG, RW, VM_PROT_ALL);
    for (uint64_t n = 0; n < pages; n++)
        write_page(BASE + n * PG, n, true);
    ck_assert_uint_gt(cstats()->swapouts, 0);
    for (uint64_t n = 0; n < pages; n++)
        expect_page(BASE + n * PG, n, true);
    ck_assert_uint_gt(cstats()->swapins, 0);
    check_books();
    destroy_and_check_frames();
    vm_compressor_fini(&vm);
    fclose(swap);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vm_compressor");
    TCase *tc = tcase_create("pager");
    tcase_add_checked_fixture(tc, setup_compressor, teardown_compressor);
    tcase_add_test(tc, pageout_leaves_a_marker_and_a_fault_decompresses);
    tcase_add_test(tc, the_scan_fits_three_times_the_ram);
    tcase_add_test(tc, copy_on_write_from_a_compressed_page_below);
    tcase_add_test(tc, collapse_moves_compressed_pages_up);
    tcase_add_test(tc, removing_memory_frees_its_compressed_pages);
    tcase_add_test(tc, a_purge_frees_compressed_pages);
    tcase_add_test(tc, a_full_pool_throttles_then_recovers);
    tcase_add_test(tc, macos_mode_swaps_segments_out_and_back);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
