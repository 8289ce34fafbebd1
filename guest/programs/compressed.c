/* compressed: memory the VM compressed, as the Mach API reports it.
 * Usage: compressed MB   (run with less RAM than MB, e.g. machemu -m 16M compressed 28)
 * Fills MB of lightly used heap-like pages, then checks that the oldest page is paged
 * out (mach_vm_page_query), that task_info counts compressed memory in the footprint,
 * that host_statistics64 shows the compressor holding more pages than frames, and that
 * touching the page brings it back intact and counts a decompression, that a purgeable
 * region is counted by its state (XNU's ledgers: nonvolatile in the footprint, volatile
 * not), and that deallocating the memory takes its compressed pages out of the task's
 * count. */
#include "guest_test.h"
#include <mach/mach.h>

static vm_statistics64_data_t host_vm(void)
{
    vm_statistics64_data_t s;
    mach_msg_type_number_t n = HOST_VM_INFO64_COUNT;
    CHECK(10, host_statistics64(mach_host_self(), HOST_VM_INFO64, (host_info64_t)&s, &n) ==
                  KERN_SUCCESS);
    return s;
}

static task_vm_info_data_t task_vm(void)
{
    task_vm_info_data_t t;
    mach_msg_type_number_t n = TASK_VM_INFO_COUNT;
    CHECK(11, task_info(mach_task_self(), TASK_VM_INFO, (task_info_t)&t, &n) == KERN_SUCCESS);
    return t;
}

static int disposition(mach_vm_address_t at)
{
    integer_t disp = 0, refs = 0;
    CHECK(12, mach_vm_page_query(mach_task_self(), at, &disp, &refs) == KERN_SUCCESS);
    return disp;
}

static uint32_t word(size_t page, size_t i) { return i < 64 ? (uint32_t)(page * 64 + i) : 0; }

int main(int argc, char **argv)
{
    CHECK(1, argc == 2);
    size_t len = (size_t)atol(argv[1]) << 20, pg = vm_page_size;
    mach_vm_address_t at = 0;
    CHECK(2, mach_vm_allocate(mach_task_self(), &at, len, VM_FLAGS_ANYWHERE) == KERN_SUCCESS);
    uint32_t *w = (uint32_t *)at;
    for (size_t p = 0; p < len / pg; p++)
        for (size_t i = 0; i < pg / 4; i++)
            w[p * pg / 4 + i] = word(p, i);
    printf("compressed: %zu MB written\n", len >> 20);

    CHECK(3, disposition(at) == VM_PAGE_QUERY_PAGE_PAGED_OUT);
    vm_statistics64_data_t s = host_vm();
    CHECK(4, s.compressions > 0 && s.compressor_page_count > 0);
    CHECK(5, s.total_uncompressed_pages_in_compressor > 4 * (uint64_t)s.compressor_page_count);
    task_vm_info_data_t t = task_vm();
    CHECK(6, t.compressed > 0 && t.compressed_peak >= t.compressed);
    CHECK(7, t.phys_footprint >= t.internal + t.compressed);
    CHECK(8, t.phys_footprint > t.resident_size);
    printf("compressed: the first page is paged out, the footprint counts it\n");

    uint64_t before = s.decompressions;
    for (size_t i = 0; i < pg / 4; i++)
        CHECK(13, w[i] == word(0, i));
    CHECK(14, disposition(at) & VM_PAGE_QUERY_PAGE_PRESENT);
    CHECK(15, host_vm().decompressions > before);
    CHECK(18, task_vm().decompressions > 0);
    printf("compressed: touched, it is back intact (a decompression)\n");

    mach_vm_address_t pu = 0;
    CHECK(19, mach_vm_allocate(mach_task_self(), &pu, 4 * pg, VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE) ==
                  KERN_SUCCESS);
    memset((void *)pu, 7, 4 * pg);
    task_vm_info_data_t nv = task_vm();
    CHECK(20, nv.ledger_purgeable_nonvolatile + nv.ledger_purgeable_novolatile_compressed ==
                  (int64_t)(4 * pg) && nv.ledger_purgeable_volatile == 0);
    int state = VM_PURGABLE_VOLATILE;
    CHECK(21, mach_vm_purgable_control(mach_task_self(), pu, VM_PURGABLE_SET_STATE, &state) ==
                  KERN_SUCCESS);
    task_vm_info_data_t vo = task_vm();
    CHECK(22, vo.ledger_purgeable_volatile + vo.ledger_purgeable_volatile_compressed ==
                  (int64_t)(4 * pg) && vo.ledger_purgeable_nonvolatile == 0);
    CHECK(23, nv.phys_footprint - vo.phys_footprint == 4 * pg);
    CHECK(24, vo.ledger_phys_footprint_peak >= (int64_t)nv.phys_footprint &&
                  vo.limit_bytes_remaining == 0);   /* no memory limit */
    printf("compressed: a purgeable region leaves the footprint when it turns volatile\n");
    uint64_t compressed = task_vm().compressed;
    CHECK(16, mach_vm_deallocate(mach_task_self(), at, len) == KERN_SUCCESS);
    /* What is left is the program's own data and stack, compressed too. */
    CHECK(17, task_vm().compressed < compressed && task_vm().compressed < len / 8);
    printf("compressed: deallocated, its compressed pages are gone\n");
    return 0;
}
