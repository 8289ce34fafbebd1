/* bench_copy: a copy of MB megabytes inside the guest, timed inside it (benchmark only).
 * Usage: bench_copy MODE MB
 *   vmcopy   mach_vm_copy of the range: copy-on-write, no byte moves
 *   memcpy   memcpy of the same range: every page copied by the guest's CPU
 * The source is written first (every page resident), the destination allocated and
 * left untouched; then both are read back at one byte per 16 KB to check the copy.
 * Prints "MODE: MB MB, T us". */
#include "guest_test.h"
#include <mach/mach.h>
#include <time.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static mach_vm_address_t allocate(mach_vm_size_t len)
{
    mach_vm_address_t a = 0;
    CHECK(3, mach_vm_allocate(mach_task_self(), &a, len, VM_FLAGS_ANYWHERE) == KERN_SUCCESS);
    return a;
}

int main(int argc, char **argv)
{
    CHECK(2, argc == 3 && (strcmp(argv[1], "vmcopy") == 0 || strcmp(argv[1], "memcpy") == 0));
    mach_vm_size_t len = (mach_vm_size_t)atoi(argv[2]) << 20;
    CHECK(4, len > 0);
    mach_vm_address_t src = allocate(len), dst = allocate(len);
    unsigned char *s = (unsigned char *)(uintptr_t)src, *d = (unsigned char *)(uintptr_t)dst;
    for (mach_vm_size_t i = 0; i < len; i += 4096)
        s[i] = (unsigned char)(i >> 12);
    double t0 = now_us();
    if (argv[1][0] == 'v')
        CHECK(5, mach_vm_copy(mach_task_self(), src, len, dst) == KERN_SUCCESS);
    else
        memcpy(d, s, len);
    double us = now_us() - t0;
    for (mach_vm_size_t i = 0; i < len; i += 16384)
        CHECK(6, d[i] == s[i]);
    printf("%s: %d MB, %.0f us\n", argv[1], atoi(argv[2]), us);
    return 0;
}
