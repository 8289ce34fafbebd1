/* memstatus: memorystatus_control (<sys/kern_memorystatus.h>), every command machemu
 * implements, its successes and its errors (each check its own exit status).
 *
 *   memstatus             all the checks, one line per area
 *   memstatus pressure    prints GET_PRESSURE_STATUS and exits with it (0 or 1)
 *
 * Emulator only: qemu-aarch64 has no Darwin calls. */
#include "guest_test.h"
#include <stdbool.h>
#include <sys/kern_memorystatus.h>
#include <sys/wait.h>

#define BAD_POINTER ((void *)16)   /* never mapped: below the lowest address a map allows */

static memorystatus_memlimit_properties_t get_limits(int code, pid_t pid)
{
    memorystatus_memlimit_properties_t m;
    memset(&m, 0x55, sizeof m);
    CHECK_ERRNO(code, memorystatus_control(MEMORYSTATUS_CMD_GET_MEMLIMIT_PROPERTIES, pid, 0, &m,
                                           sizeof m) == 0);
    return m;
}

static memorystatus_priority_entry_t get_entry(int code, pid_t pid)
{
    memorystatus_priority_entry_t e;
    memset(&e, 0x55, sizeof e);
    CHECK_ERRNO(code, memorystatus_control(MEMORYSTATUS_CMD_GET_PRIORITY_LIST, pid, 0, &e,
                                           sizeof e) == (int)sizeof e);
    return e;
}

static int set_priority(pid_t pid, int32_t priority, uint64_t user_data)
{
    memorystatus_priority_properties_t p = { priority, user_data };
    return memorystatus_control(MEMORYSTATUS_CMD_SET_PRIORITY_PROPERTIES, pid, 0, &p, sizeof p);
}

static bool limits_are(memorystatus_memlimit_properties_t m, int32_t a, uint32_t aa, int32_t i,
                       uint32_t ia)
{
    return m.memlimit_active == a && m.memlimit_active_attr == aa && m.memlimit_inactive == i &&
           m.memlimit_inactive_attr == ia;
}

#define FATAL MEMORYSTATUS_MEMLIMIT_ATTR_FATAL

static void defaults(void)
{
    CHECK(1, limits_are(get_limits(2, 0), -1, 0, -1, 0));
    memorystatus_priority_entry_t e = get_entry(3, getpid());
    CHECK(4, e.pid == getpid() && e.priority == JETSAM_PRIORITY_FOREGROUND && e.user_data == 0 &&
             e.limit == -1 && e.state == 0);
    CHECK(5, memorystatus_control(MEMORYSTATUS_CMD_GET_PRESSURE_STATUS, 0, 0, NULL, 0) == 0);
    printf("defaults: FOREGROUND (100), no limits, no pressure\n");
}

static void limits(void)
{
    CHECK_ERRNO(10, memorystatus_control(MEMORYSTATUS_CMD_SET_JETSAM_TASK_LIMIT, 0, 50, NULL, 0) == 0);
    CHECK(11, limits_are(get_limits(12, getpid()), 50, FATAL, 50, FATAL));
    CHECK(13, get_entry(14, getpid()).limit == 50);
    CHECK_ERRNO(15, memorystatus_control(MEMORYSTATUS_CMD_SET_JETSAM_HIGH_WATER_MARK, getpid(), 80,
                                         NULL, 0) == 0);
    CHECK(16, limits_are(get_limits(17, 0), 80, 0, 80, 0));
    memorystatus_memlimit_properties_t m = { 100, FATAL, 30, 0 };
    CHECK_ERRNO(18, memorystatus_control(MEMORYSTATUS_CMD_SET_MEMLIMIT_PROPERTIES, 0, 0, &m,
                                         sizeof m) == 0);
    CHECK(19, limits_are(get_limits(20, 0), 100, FATAL, 30, 0));
    m = (memorystatus_memlimit_properties_t){ 0, FATAL, -5, FATAL };
    CHECK_ERRNO(21, memorystatus_control(MEMORYSTATUS_CMD_SET_MEMLIMIT_PROPERTIES, 0, 0, &m,
                                         sizeof m) == 0);
    CHECK(22, limits_are(get_limits(23, 0), -1, 0, -1, 0));
    CHECK_ERRNO(24, memorystatus_control(MEMORYSTATUS_CMD_SET_JETSAM_TASK_LIMIT, 0, 0, NULL, 0) == 0);
    CHECK(25, limits_are(get_limits(26, 0), -1, 0, -1, 0));
    printf("limits: task limit (fatal), high-water mark (soft), memlimit properties; "
           "0 or less is no limit\n");
}

static void priorities(void)
{
    CHECK_ERRNO(30, set_priority(0, JETSAM_PRIORITY_BACKGROUND, 42) == 0);
    memorystatus_priority_entry_t e = get_entry(31, getpid());
    CHECK(32, e.priority == JETSAM_PRIORITY_BACKGROUND && e.user_data == 42);
    CHECK_ERRNO(33, set_priority(getpid(), -1, 7) == 0);
    e = get_entry(34, getpid());
    CHECK(35, e.priority == JETSAM_PRIORITY_DEFAULT && e.user_data == 7);
    CHECK_ERRNO(36, set_priority(0, JETSAM_PRIORITY_MAX, 0) == 0 &&
                    set_priority(0, JETSAM_PRIORITY_IDLE, 0) == 0);
    CHECK(37, get_entry(38, 0 + getpid()).priority == JETSAM_PRIORITY_IDLE);
    CHECK_ERRNO(39, set_priority(0, JETSAM_PRIORITY_FOREGROUND, 0) == 0);
    int need = memorystatus_control(MEMORYSTATUS_CMD_GET_PRIORITY_LIST, 0, 0, NULL, 0);
    CHECK(40, need == (int)sizeof(memorystatus_priority_entry_t));   /* one process */
    printf("priorities: set and read back; -1 is JETSAM_PRIORITY_DEFAULT (180)\n");
}

/* expect_error(code, call, errno): the call fails with that errno. */
#define EXPECT_ERROR(code, call, err)                                              \
    do {                                                                           \
        errno = 0;                                                                 \
        int rc_ = (call);                                                          \
        CHECK_ERRNO(code, rc_ == -1 && errno == (err));                            \
    } while (0)

static void errors(void)
{
    memorystatus_priority_properties_t p = { JETSAM_PRIORITY_BACKGROUND, 0 };
    memorystatus_memlimit_properties_t m = { 10, 0, 10, 0 };
    memorystatus_priority_entry_t e;
    EXPECT_ERROR(50, memorystatus_control(99, 0, 0, NULL, 0), EINVAL);
    EXPECT_ERROR(51, memorystatus_control(0, 0, 0, NULL, 0), EINVAL);
    EXPECT_ERROR(52, memorystatus_control(MEMORYSTATUS_CMD_SET_JETSAM_TASK_LIMIT, 999999, 5, NULL, 0),
                 ESRCH);
    EXPECT_ERROR(53, memorystatus_control(MEMORYSTATUS_CMD_GET_MEMLIMIT_PROPERTIES, -7, 0, &m,
                                          sizeof m), ESRCH);
    EXPECT_ERROR(54, memorystatus_control(MEMORYSTATUS_CMD_GET_PRIORITY_LIST, 999999, 0, &e,
                                          sizeof e), ESRCH);
    EXPECT_ERROR(55, memorystatus_control(MEMORYSTATUS_CMD_SET_PRIORITY_PROPERTIES, 0, 0, &p, 8),
                 EINVAL);
    EXPECT_ERROR(56, memorystatus_control(MEMORYSTATUS_CMD_SET_PRIORITY_PROPERTIES, 0, 0, NULL,
                                          sizeof p), EINVAL);
    EXPECT_ERROR(57, memorystatus_control(MEMORYSTATUS_CMD_SET_PRIORITY_PROPERTIES, 0, 0,
                                          BAD_POINTER, sizeof p), EFAULT);
    EXPECT_ERROR(58, set_priority(0, JETSAM_PRIORITY_MAX + 1, 0), EINVAL);
    EXPECT_ERROR(59, set_priority(0, -3, 0), EINVAL);
    EXPECT_ERROR(60, memorystatus_control(MEMORYSTATUS_CMD_SET_MEMLIMIT_PROPERTIES, 0, 0, &m, 12),
                 EINVAL);
    m.memlimit_inactive_attr = 0x2;
    EXPECT_ERROR(61, memorystatus_control(MEMORYSTATUS_CMD_SET_MEMLIMIT_PROPERTIES, 0, 0, &m,
                                          sizeof m), EINVAL);
    EXPECT_ERROR(62, memorystatus_control(MEMORYSTATUS_CMD_SET_MEMLIMIT_PROPERTIES, 0, 0,
                                          BAD_POINTER, sizeof m), EFAULT);
    EXPECT_ERROR(63, memorystatus_control(MEMORYSTATUS_CMD_GET_MEMLIMIT_PROPERTIES, 0, 0, &m,
                                          sizeof m + 4), EINVAL);
    EXPECT_ERROR(64, memorystatus_control(MEMORYSTATUS_CMD_GET_MEMLIMIT_PROPERTIES, 0, 0, NULL,
                                          sizeof m), EINVAL);
    EXPECT_ERROR(65, memorystatus_control(MEMORYSTATUS_CMD_GET_MEMLIMIT_PROPERTIES, 0, 0,
                                          BAD_POINTER, sizeof m), EFAULT);
    EXPECT_ERROR(66, memorystatus_control(MEMORYSTATUS_CMD_GET_PRIORITY_LIST, 0, 0, &e, 8), EINVAL);
    EXPECT_ERROR(67, memorystatus_control(MEMORYSTATUS_CMD_GET_PRIORITY_LIST, 0, 0, BAD_POINTER,
                                          sizeof e), EFAULT);
    /* Nothing a refused call carried was stored. */
    CHECK(68, limits_are(get_limits(69, 0), -1, 0, -1, 0));
    CHECK(70, get_entry(71, getpid()).priority == JETSAM_PRIORITY_FOREGROUND);
    printf("errors: EINVAL for commands, sizes, null buffers, priorities and attributes; "
           "ESRCH for pids; EFAULT for bad buffers\n");
}

/* The parent sets a blocked child's properties by pid; the child reads them as its own.
 * A child starts with its parent's; a reaped child's pid is ESRCH. */
static void other_process(void)
{
    int go[2], ready[2];
    CHECK_ERRNO(80, pipe(go) == 0 && pipe(ready) == 0);
    CHECK_ERRNO(81, memorystatus_control(MEMORYSTATUS_CMD_SET_JETSAM_HIGH_WATER_MARK, 0, 77, NULL, 0) == 0);
    fflush(stdout);
    pid_t pid = fork();
    CHECK_ERRNO(82, pid >= 0);
    if (pid == 0) {
        if (!limits_are(get_limits(90, 0), 77, 0, 77, 0))
            _exit(91);
        char c = 'r';
        if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(92);
        memorystatus_priority_entry_t e = get_entry(93, 0 + getpid());
        if (e.priority != JETSAM_PRIORITY_BACKGROUND || e.user_data != 99)
            _exit(94);
        _exit(limits_are(get_limits(95, 0), 20, FATAL, 20, FATAL) ? 0 : 96);
    }
    char c;
    CHECK(99, read(ready[0], &c, 1) == 1);   /* the child looked at what it inherited */
    int need = memorystatus_control(MEMORYSTATUS_CMD_GET_PRIORITY_LIST, 0, 0, NULL, 0);
    CHECK(83, need == 2 * (int)sizeof(memorystatus_priority_entry_t));
    CHECK_ERRNO(84, set_priority(pid, JETSAM_PRIORITY_BACKGROUND, 99) == 0);
    CHECK_ERRNO(85, memorystatus_control(MEMORYSTATUS_CMD_SET_JETSAM_TASK_LIMIT, pid, 20, NULL, 0) == 0);
    memorystatus_priority_entry_t list[2];
    CHECK(86, memorystatus_control(MEMORYSTATUS_CMD_GET_PRIORITY_LIST, 0, 0, list, sizeof list) ==
              (int)sizeof list);
    CHECK(87, list[0].pid == getpid() && list[0].limit == 77 && list[1].pid == pid &&
              list[1].priority == JETSAM_PRIORITY_BACKGROUND && list[1].limit == 20);
    CHECK(88, write(go[1], "g", 1) == 1);
    int st;
    CHECK(89, waitpid(pid, &st, 0) == pid);
    CHECK(97, WIFEXITED(st) && WEXITSTATUS(st) == 0);
    EXPECT_ERROR(98, set_priority(pid, JETSAM_PRIORITY_IDLE, 0), ESRCH);
    printf("other process: a child inherits its parent's limits; the parent sets the child's "
           "band and limit by pid; a reaped pid is ESRCH\n");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "pressure")) {
        int rc = memorystatus_control(MEMORYSTATUS_CMD_GET_PRESSURE_STATUS, 0, 0, NULL, 0);
        printf("pressure status %d\n", rc);
        return rc == 0 || rc == 1 ? rc : 2;
    }
    defaults();
    limits();
    priorities();
    errors();
    other_process();
    return 0;
}
