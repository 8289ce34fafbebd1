/* pressure: memory-pressure upcalls and memorystatus_control in a Mach-O program.
 *
 *   pressure          a delayed note lands in the middle of a loop that keeps known values
 *                     in every register; the handler destroys them; all come back. Then
 *                     memorystatus_control sets and reads back a band and limits.
 *   pressure forged   a jump into the trampoline outside a handler: the return trap
 *                     refuses, the brk after it is EXC_BREAKPOINT (SIGTRAP), exit 133 */
#include <mach/mach.h>
#include <machemu/pressure.h>
#include <sys/kern_memorystatus.h>
#include "guest_test.h"
#include "upcall_regs.h"

static void regs(void)
{
    enum { ITERATIONS = 50000 };
    static struct upcall_record rec;
    static struct upcall_dump d;
    CHECK(1, machemu_pressure_handler_set(NOTE_MEMORYSTATUS_PRESSURE_CRITICAL, upcall_clobber_handler,
                                          &rec) == KERN_SUCCESS);
    CHECK(2, machemu_pressure_send(0, NOTE_MEMORYSTATUS_PRESSURE_CRITICAL, 30000) == KERN_SUCCESS);
    upcall_regs_loop(ITERATIONS, &d);
    CHECK(3, rec.count == 1 && rec.note == NOTE_MEMORYSTATUS_PRESSURE_CRITICAL);
    CHECK(4, rec.left > 0 && rec.left < ITERATIONS);
    CHECK(5, rec.sp % 16 == 0 && rec.sp <= d.sp_before - 128);
    for (int r = 0; r <= 30; r++)
        CHECK(20 + r, r == 28 || d.x[r] == upcall_xpattern(r));
    for (int r = 0; r < 32; r++) {
        uint64_t want[2];
        upcall_qpattern(r, want);
        CHECK(60 + r, memcmp(d.q[r], want, sizeof want) == 0);
    }
    CHECK(6, d.sp_after == d.sp_before && d.nzcv == UPCALL_NZCV && d.fpcr == UPCALL_FPCR &&
             d.fpsr == UPCALL_FPSR);
    printf("regs: the handler ran once (note 0x%llx) after %llu of %d iterations; "
           "every register intact\n", (unsigned long long)rec.note,
           (unsigned long long)(ITERATIONS - rec.left), ITERATIONS);
}

static void memorystatus(void)
{
    memorystatus_priority_properties_t p = { JETSAM_PRIORITY_BACKGROUND, 5 };
    CHECK(7, memorystatus_control(MEMORYSTATUS_CMD_SET_PRIORITY_PROPERTIES, 0, 0, &p, sizeof p) == 0);
    memorystatus_memlimit_properties_t m = { 60, MEMORYSTATUS_MEMLIMIT_ATTR_FATAL, 40, 0 };
    CHECK(8, memorystatus_control(MEMORYSTATUS_CMD_SET_MEMLIMIT_PROPERTIES, getpid(), 0, &m,
                                  sizeof m) == 0);
    memorystatus_memlimit_properties_t got;
    CHECK(9, memorystatus_control(MEMORYSTATUS_CMD_GET_MEMLIMIT_PROPERTIES, 0, 0, &got,
                                  sizeof got) == 0);
    CHECK(10, memcmp(&got, &m, sizeof m) == 0);
    memorystatus_priority_entry_t e;
    CHECK(11, memorystatus_control(MEMORYSTATUS_CMD_GET_PRIORITY_LIST, getpid(), 0, &e, sizeof e) ==
              (int)sizeof e);
    CHECK(12, e.priority == JETSAM_PRIORITY_BACKGROUND && e.user_data == 5 && e.limit == 60);
    errno = 0;
    CHECK(13, memorystatus_control(MEMORYSTATUS_CMD_SET_JETSAM_TASK_LIMIT, 999999, 1, NULL, 0) == -1 &&
              errno == ESRCH);
    printf("memorystatus: band %d, limits %d MB fatal / %d MB soft, read back\n", e.priority,
           got.memlimit_active, got.memlimit_inactive);
}

static void forged(void)
{
    static uint64_t trampoline;
    CHECK(14, machemu_pressure_handler_set(NOTE_MEMORYSTATUS_PRESSURE_WARN, upcall_note_trampoline,
                                           &trampoline) == KERN_SUCCESS);
    CHECK(15, machemu_pressure_send(0, NOTE_MEMORYSTATUS_PRESSURE_WARN, 0) == KERN_SUCCESS);
    CHECK(16, trampoline != 0);
    printf("forged: jumping into the trampoline\n");
    fflush(stdout);
    ((void (*)(void))(uintptr_t)trampoline)();
    CHECK(17, 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "forged")) {
        forged();
        return 0;
    }
    regs();
    memorystatus();
    return 0;
}
