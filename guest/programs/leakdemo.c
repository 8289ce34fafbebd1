/* leakdemo: munmap of one of two mappings the kernel merged gives its pages back.
 * Usage: leakdemo ROUNDS [MB]   (emulator only: it reads host_statistics64)
 * Each round maps MB (default 16) and, right after it, one small mapping: two mmap
 * calls for neighbouring ranges, which machemu merges into one entry and, at the
 * first write, one object. It writes both, unmaps the big one and checks that the
 * machine's free pages grew by at least the big one's pages. The small mappings are
 * kept, so the object outlives each munmap: if munmap freed nothing, a few rounds
 * would fill a 64 MB machine. Prints one line with the totals. */
#include "guest_test.h"
#include <mach/mach.h>
#include <sys/mman.h>

#define SMALL 65536u                    /* a few pages on any page size */

static uint64_t free_pages(void)
{
    vm_statistics64_data_t s;
    mach_msg_type_number_t n = HOST_VM_INFO64_COUNT;
    CHECK(10, host_statistics64(mach_host_self(), HOST_VM_INFO64, (host_info64_t)&s, &n) ==
                  KERN_SUCCESS);
    return s.free_count;
}

/* The big mapping and the small one after it, from two mmap calls. */
static char *map_neighbours(size_t big)
{
    char *at = mmap(NULL, big + SMALL, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERRNO(11, at != MAP_FAILED);
    CHECK_ERRNO(12, munmap(at, big + SMALL) == 0);
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
    CHECK_ERRNO(13, mmap(at, big, PROT_READ | PROT_WRITE, flags, -1, 0) == at);
    CHECK_ERRNO(14, mmap(at + big, SMALL, PROT_READ | PROT_WRITE, flags, -1, 0) == at + big);
    return at;
}

int main(int argc, char **argv)
{
    CHECK(1, argc == 2 || argc == 3);
    int rounds = atoi(argv[1]);
    size_t big = (size_t)(argc == 3 ? atoi(argv[2]) : 16) << 20;
    CHECK(2, rounds > 0 && big > 0);
    uint64_t want = big / vm_page_size, freed_total = 0;
    for (int r = 0; r < rounds; r++) {
        char *at = map_neighbours(big);
        for (size_t off = 0; off < big + SMALL; off += 4096)
            at[off] = (char)(r + 1);
        uint64_t before = free_pages();
        CHECK_ERRNO(15, munmap(at, big) == 0);
        uint64_t freed = free_pages() - before;
        if (freed < want) {
            printf("round %d: munmap freed %llu of %llu pages\n", r, (unsigned long long)freed,
                   (unsigned long long)want);
            return 3;
        }
        freed_total += want;
        CHECK(16, at[big] == (char)(r + 1));    /* the small one is intact */
    }
    printf("leakdemo: %d rounds, munmap gave back all %llu pages\n", rounds,
           (unsigned long long)freed_total);
    return 0;
}
