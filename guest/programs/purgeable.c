/* purgeable: volatile purgeable memory is emptied when memory runs short.
 * Usage: purgeable MB_PURGEABLE MB_PRESSURE
 * Fills a purgeable allocation, marks it volatile, then touches anonymous memory until
 * the VM empties it (or MB_PRESSURE runs out): the state reads EMPTY, the purge shows
 * in host_statistics64, touching the emptied memory is a SIGBUS, and making it
 * nonvolatile again returns EMPTY as the old state and zero-filled pages.
 * Run it with less RAM than the two sizes together (machemu -m 16M purgeable 4 14). */
#include "guest_test.h"
#include <mach/mach.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

static sigjmp_buf env;
static void on_bus(int sig) { siglongjmp(env, sig); }

static int purge_state(mach_vm_address_t at)
{
    int state = 0;
    CHECK(10, mach_vm_purgable_control(mach_task_self(), at, VM_PURGABLE_GET_STATE, &state) ==
                  KERN_SUCCESS);
    return state;
}

static vm_statistics64_data_t host_vm(void)
{
    vm_statistics64_data_t s;
    mach_msg_type_number_t n = HOST_VM_INFO64_COUNT;
    CHECK(11, host_statistics64(mach_host_self(), HOST_VM_INFO64, (host_info64_t)&s, &n) ==
                  KERN_SUCCESS);
    return s;
}

/* Touches anonymous memory a page at a time until the object is emptied. */
static size_t press(mach_vm_address_t at, size_t limit)
{
    unsigned char *p = mmap(NULL, limit, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERRNO(12, p != MAP_FAILED);
    size_t off = 0;
    for (; off < limit && purge_state(at) != VM_PURGABLE_EMPTY; off += 16384)
        p[off] = 1;
    return off;
}

int main(int argc, char **argv)
{
    CHECK(1, argc == 3);
    size_t len = (size_t)atol(argv[1]) << 20, limit = (size_t)atol(argv[2]) << 20;
    mach_vm_address_t at = 0;
    CHECK(2, mach_vm_allocate(mach_task_self(), &at, len, VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE) ==
                 KERN_SUCCESS);
    memset((void *)at, 0x5a, len);
    int state = VM_PURGABLE_VOLATILE;
    CHECK(3, mach_vm_purgable_control(mach_task_self(), at, VM_PURGABLE_SET_STATE, &state) ==
                 KERN_SUCCESS);
    CHECK(4, state == VM_PURGABLE_NONVOLATILE);
    CHECK(5, host_vm().purgeable_count >= len / 16384);
    uint64_t purges = host_vm().purges;
    printf("purgeable: %zu MB filled and made volatile\n", len >> 20);

    press(at, limit);
    CHECK(6, purge_state(at) == VM_PURGABLE_EMPTY);
    CHECK(7, host_vm().purges - purges >= len / 16384);
    printf("purgeable: emptied under memory pressure, counted as purges\n");

    signal(SIGBUS, on_bus);
    volatile unsigned char *q = (volatile unsigned char *)at;
    int sig = sigsetjmp(env, 1);
    if (sig == 0) {
        (void)q[100];
        CHECK(8, 0);               /* the read must not succeed */
    }
    CHECK(9, sig == SIGBUS);
    state = VM_PURGABLE_NONVOLATILE;
    CHECK(13, mach_vm_purgable_control(mach_task_self(), at, VM_PURGABLE_SET_STATE, &state) ==
                  KERN_SUCCESS);
    CHECK(14, state == VM_PURGABLE_EMPTY);
    for (size_t i = 0; i < len; i += 4096)
        CHECK(15, q[i] == 0);
    printf("purgeable: touching it is SIGBUS until nonvolatile again, then it reads zeros\n");
    return 0;
}
