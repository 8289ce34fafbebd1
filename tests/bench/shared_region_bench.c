/* shared_region_bench CACHE [TASKS [MB]] — what nesting the shared region saves when
 * tasks start (see BENCHMARKS.md): TASKS tasks (default 64) start one after another on
 * a 256 MB machine, each mapping the shared cache CACHE and reading MB (default 8) of
 * its text, page by page, as a process runs its libraries, then ending. Each access goes
 * to the MMU first and to vm_fault only when the walk fails, as the CPU's would.
 *   nested:    the region as every exec maps it (pmap_nest);
 *   unnested:  the same entries, unnested at once: each task maps the cache's pages
 *              in tables of its own, as an ordinary file mapping.
 * Printed: host microseconds per task start (best of 3 runs), faults and page-table
 * frames per task (the region's tables once, not per task). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vm/vm_fault.h"
#include "vm/vm_shared_region.h"

#define RAM (256ull << 20)

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static unsigned read_layout(int fd, struct vm_shared_mapping *m)
{
    uint8_t hdr[24], rec[8 * 32];
    if (pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr || memcmp(hdr, "dyld_v1", 7))
        return 0;
    unsigned n = get32(hdr + 20);
    if (n == 0 || n > 8 || pread(fd, rec, n * 32, get32(hdr + 16)) != (ssize_t)(n * 32))
        return 0;
    for (unsigned i = 0; i < n; i++)
        m[i] = (struct vm_shared_mapping){ get64(rec + 32 * i), get64(rec + 32 * i + 8),
                                           get64(rec + 32 * i + 16), get32(rec + 32 * i + 24),
                                           get32(rec + 32 * i + 28) };
    return n;
}

struct result { double us; uint64_t faults, tables; };

static struct result run(const char *cache, int tasks, uint64_t bytes, bool nested)
{
    struct phys p;
    struct mmu m;
    struct vm vm;
    struct result r = { 0 };
    if (phys_init(&p, RAM) || mmu_init(&m, &p, 512, 4) || vm_init(&vm, &p, &m))
        exit(1);
    int fd = open(cache, O_RDONLY);
    struct vm_shared_mapping map[8];
    unsigned n = fd >= 0 ? read_layout(fd, map) : 0;
    struct vnode *vn = n ? vnode_get(fd, cache) : NULL;
    char err[160];
    struct vm_shared_region *sr = vn ? vm_shared_region_create(&vm, vn, map, n, err, sizeof err) : NULL;
    if (!sr) {
        fprintf(stderr, "shared_region_bench: %s: not a usable cache\n", cache);
        exit(1);
    }
    vnode_release(vn);
    uint64_t faults0 = vm.stats.faults;
    double t0 = now_us();
    for (int t = 0; t < tasks; t++) {
        struct pmap *pm = pmap_create(&m);
        struct vm_map *vmap = vm_map_create(&vm, pm, 0x10000, VA_USER_END);
        pmap_activate(&m, pm);
        if (vm_shared_region_enter(sr, vmap) != KERN_SUCCESS)
            exit(1);
        if (!nested)
            vm_shared_region_unnest(vmap);
        for (uint64_t va = sr->base; va < sr->base + bytes; va += PAGE_SIZE) {
            struct mmu_xlate x;
            struct mmu_fault f;
            if (mmu_translate(&m, va, VM_PROT_READ, &x, &f) != MMU_OK &&
                vm_fault(vmap, va, VM_PROT_READ, NULL) != KERN_SUCCESS)
                exit(1);
        }
        r.tables += pm->tables;
        pmap_activate(&m, NULL);
        vm_map_destroy(vmap);
    }
    r.us = (now_us() - t0) / tasks;
    r.faults = vm.stats.faults - faults0;
    r.tables += sr->pmap->tables;
    vm_shared_region_destroy(sr);
    vm_fini(&vm);
    mmu_fini(&m);
    phys_fini(&p);
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: shared_region_bench CACHE [TASKS [MB]]\n");
        return 2;
    }
    int tasks = argc > 2 ? atoi(argv[2]) : 64;
    uint64_t bytes = (argc > 3 ? strtoull(argv[3], NULL, 10) : 8) << 20;
    if (tasks < 1 || bytes == 0)
        return 2;
    printf("%d tasks, each reading %llu MB of the shared cache's text\n", tasks,
           (unsigned long long)(bytes >> 20));
    for (int nested = 1; nested >= 0; nested--) {
        struct result best = { 0 };
        for (int rep = 0; rep < 3; rep++) {
            struct result r = run(argv[1], tasks, bytes, nested);
            if (rep == 0 || r.us < best.us)
                best = r;
        }
        printf("%-9s %8.1f us per task start, %7.1f faults per task, %5.1f table frames per task\n",
               nested ? "nested" : "unnested", best.us, (double)best.faults / tasks,
               (double)best.tables / tasks);
    }
    return 0;
}
