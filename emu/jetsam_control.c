/* emu/jetsam_control.c — each task's memorystatus properties (Jetsam band, memory limits) and
 * the Darwin call that sets them, memorystatus_control (BSD 440), with XNU's commands,
 * layouts and errors (bsd/kern/kern_memorystatus.c).
 *
 * Every guest counts as privileged (XNU wants root or an entitlement), so a task may
 * set another live task's properties. What jetsam/ does with them is its business: it
 * reads them from the task and hears of changes through the memstatus hook. */
#include <errno.h>
#include "emu/darwin.h"

_Static_assert(sizeof(struct machemu_memstat_priority) == 16, "XNU's priority properties");
_Static_assert(sizeof(struct machemu_memstat_memlimit) == 16, "XNU's memlimit properties");
_Static_assert(sizeof(struct machemu_memstat_entry) == 24, "XNU's priority entry");

void jetsam_task_init(struct task *t)
{
    t->memstatus = (struct emu_jetsam_props){
        .band = EMU_JETSAM_BAND_DEFAULT,
        .active = { EMU_JETSAM_LIMIT_NONE, false },
        .inactive = { EMU_JETSAM_LIMIT_NONE, false },
    };
}

static void changed(struct emu *emu, struct task *t)
{
    emu_jetsam_task_changed(emu, t);
    if (emu->notes.hooks.memstatus)
        emu->notes.hooks.memstatus(emu->notes.hooks.ctx, t);
}

static struct emu_jetsam_limit normalized(struct emu_jetsam_limit l)
{
    return l.mb > 0 ? l : (struct emu_jetsam_limit){ EMU_JETSAM_LIMIT_NONE, false };
}

int jetsam_task_set(struct emu *emu, struct task *t, const struct emu_jetsam_props *p)
{
    if (p->band < 0 || p->band > EMU_JETSAM_BAND_MAX)
        return -EINVAL;
    t->memstatus = *p;
    t->memstatus.active = normalized(p->active);
    t->memstatus.inactive = normalized(p->inactive);
    changed(emu, t);
    return 0;
}

/* --- memorystatus_control ------------------------------------------------------------ */

/* pid 0 is the caller; else a live task (ESRCH). */
static struct task *target(struct emu *emu, int32_t pid)
{
    if (pid == 0 || pid == emu->task->pid)
        return task_leader(emu->task);   /* a thread's call is its process's */
    struct task *t = pid > 0 ? task_by_pid(emu, pid) : NULL;
    return t && t->state != TASK_ZOMBIE ? t : NULL;
}

/* XNU takes exactly one structure, and a null buffer as a bad argument. */
static bool one_struct(uint64_t buf, uint64_t size, size_t want)
{
    return buf && size == want;
}

static int copyin_struct(struct emu *emu, void *dst, size_t want, uint64_t buf, uint64_t size)
{
    return one_struct(buf, size, want) ? copyin(emu, dst, buf, want) : -EINVAL;
}

/* -1 stands for JETSAM_PRIORITY_DEFAULT, as on XNU. */
static int64_t set_priority_properties(struct emu *emu, struct task *t, uint64_t buf,
                                       uint64_t size)
{
    struct machemu_memstat_priority p;
    int rc = copyin_struct(emu, &p, sizeof p, buf, size);
    if (rc < 0)
        return rc;
    struct emu_jetsam_props props = t->memstatus;
    props.band = p.priority == -1 ? MACHEMU_JETSAM_PRIORITY_DEFAULT : p.priority;
    props.user_data = p.user_data;
    return jetsam_task_set(emu, t, &props);
}

/* HIGH_WATER_MARK (soft) and TASK_LIMIT (fatal): one limit, active and inactive alike. */
static int64_t set_one_limit(struct emu *emu, struct task *t, uint32_t mb, bool fatal)
{
    struct emu_jetsam_props props = t->memstatus;
    props.active = props.inactive = (struct emu_jetsam_limit){ (int32_t)mb, fatal };
    return jetsam_task_set(emu, t, &props);
}

static struct emu_jetsam_limit limit_from(int32_t mb, uint32_t attr)
{
    return (struct emu_jetsam_limit){ mb, (attr & MACHEMU_MEMSTAT_MEMLIMIT_ATTR_FATAL) != 0 };
}

static int64_t set_memlimit_properties(struct emu *emu, struct task *t, uint64_t buf, uint64_t size)
{
    struct machemu_memstat_memlimit m;
    int rc = copyin_struct(emu, &m, sizeof m, buf, size);
    if (rc < 0)
        return rc;
    if ((m.memlimit_active_attr | m.memlimit_inactive_attr) & ~MACHEMU_MEMSTAT_MEMLIMIT_ATTR_FATAL)
        return -EINVAL;
    struct emu_jetsam_props props = t->memstatus;
    props.active = limit_from(m.memlimit_active, m.memlimit_active_attr);
    props.inactive = limit_from(m.memlimit_inactive, m.memlimit_inactive_attr);
    return jetsam_task_set(emu, t, &props);
}

static uint32_t attr_of(struct emu_jetsam_limit l)
{
    return l.fatal ? MACHEMU_MEMSTAT_MEMLIMIT_ATTR_FATAL : 0;
}

static int64_t get_memlimit_properties(struct emu *emu, const struct task *t, uint64_t buf,
                                       uint64_t size)
{
    const struct emu_jetsam_props *ms = &t->memstatus;
    struct machemu_memstat_memlimit m = {
        .memlimit_active = ms->active.mb, .memlimit_active_attr = attr_of(ms->active),
        .memlimit_inactive = ms->inactive.mb, .memlimit_inactive_attr = attr_of(ms->inactive),
    };
    return one_struct(buf, size, sizeof m) ? copyout(emu, buf, &m, sizeof m) : -EINVAL;
}

static struct machemu_memstat_entry entry_of(const struct task *t)
{
    /* The limit in force is the active one: machemu has no inactive state yet, and
     * tracks no P_MEMSTAT_* states. */
    return (struct machemu_memstat_entry){ .pid = t->pid, .priority = t->memstatus.band,
                                           .user_data = t->memstatus.user_data,
                                           .limit = t->memstatus.active.mb };
}

/* pid 0: every live task, in pid order; else that one. A null buffer asks for the
 * size; a smaller buffer than the list is EINVAL. Returns the bytes written. */
static int64_t get_priority_list(struct emu *emu, int32_t pid, uint64_t buf, uint64_t size)
{
    struct task *one = pid ? target(emu, pid) : NULL;
    if (pid && !one)
        return -ESRCH;
    uint64_t n = 0;
    for (struct task *t = emu->tasks; t; t = t->next)
        n += t->state != TASK_ZOMBIE && (!one || t == one);
    uint64_t bytes = n * sizeof(struct machemu_memstat_entry);
    if (!buf)
        return (int64_t)bytes;
    if (size < bytes)
        return -EINVAL;
    uint64_t at = buf;
    for (struct task *t = emu->tasks; t; t = t->next) {
        if (t->state == TASK_ZOMBIE || (one && t != one))
            continue;
        struct machemu_memstat_entry e = entry_of(t);
        if (copyout(emu, at, &e, sizeof e) < 0)
            return -EFAULT;
        at += sizeof e;
    }
    return (int64_t)bytes;
}

/* (command, pid, flags, buffer, buffersize) */
int64_t darwin_memorystatus_control(struct emu *emu, const uint64_t a[8])
{
    uint32_t cmd = (uint32_t)a[0], flags = (uint32_t)a[2];
    uint64_t buf = a[3], size = a[4];
    switch (cmd) {
    case MACHEMU_MEMSTAT_GET_PRESSURE_STATUS:
        return emu->notes.level != MACHEMU_NOTE_PRESSURE_NORMAL;
    case MACHEMU_MEMSTAT_GET_PRIORITY_LIST:
        return get_priority_list(emu, (int32_t)a[1], buf, size);
    case MACHEMU_MEMSTAT_SET_PRIORITY_PROPERTIES:
    case MACHEMU_MEMSTAT_SET_JETSAM_HIGH_WATER_MARK:
    case MACHEMU_MEMSTAT_SET_JETSAM_TASK_LIMIT:
    case MACHEMU_MEMSTAT_SET_MEMLIMIT_PROPERTIES:
    case MACHEMU_MEMSTAT_GET_MEMLIMIT_PROPERTIES:
        break;
    default:
        return -EINVAL;
    }
    struct task *t = target(emu, (int32_t)a[1]);
    if (!t)
        return -ESRCH;
    switch (cmd) {
    case MACHEMU_MEMSTAT_SET_PRIORITY_PROPERTIES: return set_priority_properties(emu, t, buf, size);
    case MACHEMU_MEMSTAT_SET_JETSAM_HIGH_WATER_MARK: return set_one_limit(emu, t, flags, false);
    case MACHEMU_MEMSTAT_SET_JETSAM_TASK_LIMIT: return set_one_limit(emu, t, flags, true);
    case MACHEMU_MEMSTAT_SET_MEMLIMIT_PROPERTIES: return set_memlimit_properties(emu, t, buf, size);
    default: return get_memlimit_properties(emu, t, buf, size);
    }
}
