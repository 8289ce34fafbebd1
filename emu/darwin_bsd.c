/* emu/darwin_bsd.c — Darwin BSD system calls (x16 > 0), mostly the Linux calls
 * under Darwin's numbers and argument orders. */
#include <errno.h>
#include "emu/darwin.h"
#include "emu/linux.h"

static int64_t bsd_exit(struct emu *emu, const uint64_t a[8])
{
    task_exit(emu, (int)(a[0] & 0xff) << 8);
    return 0;
}

static int64_t bsd_write(struct emu *emu, const uint64_t a[8]) { return sys_write(emu, a); }
static int64_t bsd_read(struct emu *emu, const uint64_t a[8]) { return sys_read(emu, a); }
static int64_t bsd_getpid(struct emu *emu, const uint64_t a[8]) { (void)a; return emu->task->pid; }

#define BSD(nr, fn) [MACHEMU_SYS_##nr] = { #fn, (void *)bsd_##fn }
const struct darwin_call bsd_calls[BSD_NCALLS] = {
    BSD(exit, exit), BSD(read, read), BSD(write, write), BSD(getpid, getpid),
};
