/* emu/procfs.c — the files of /proc that programs read, describing the emulated machine
 * and the guest's own tasks; nothing of the host's /proc is visible.
 *
 * Opening one makes its text once (as Linux makes it at the first read) in an anonymous
 * host file (memfd) the guest then reads like any file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "emu/linux.h"

static const char *entry_name(const struct vm_map_entry *e)
{
    const struct vm_object *o = e->object;
    while (o && o->shadow)
        o = o->shadow;
    if (o && o->vnode)
        return o->vnode->path;
    if (e->tag && !strcmp(e->tag, "stack"))
        return "[stack]";
    if (e->tag && !strcmp(e->tag, "heap"))
        return "[heap]";
    if (e->tag && !strcmp(e->tag, "sigtramp"))
        return "[vdso]";
    return "";
}

static void map_line(void *ctx, const struct vm_map_entry *e)
{
    const struct vm_object *o = e->object;
    while (o && o->shadow)
        o = o->shadow;
    bool file = o && o->vnode;
    fprintf(ctx, "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64 " 00:00 0", e->start, e->end,
            e->protection & VM_PROT_READ ? 'r' : '-', e->protection & VM_PROT_WRITE ? 'w' : '-',
            e->protection & VM_PROT_EXECUTE ? 'x' : '-',
            e->inheritance == VM_INHERIT_SHARE ? 's' : 'p', file ? e->offset : 0);
    const char *name = entry_name(e);
    fprintf(ctx, "%s%s\n", *name ? "                          " : "", name);
}

static void write_maps(struct emu *emu, struct task *t, FILE *f)
{
    (void)emu;
    vm_map_foreach(t->map, map_line, f);
}

static void write_status(struct emu *emu, struct task *t, FILE *f)
{
    (void)emu;
    struct vm_map_usage u;
    vm_map_usage(t->map, &u);
    const struct task_cred *c = &t->cred;
    fprintf(f, "Name:\t%.15s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\n"
               "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
            t->name ? t->name : "?", (unsigned)t->umask, t == emu->task ? "R (running)" : "S (sleeping)",
            t->pid, t->pid, t->ppid, c->ruid, c->euid, c->suid, c->euid, c->rgid, c->egid, c->sgid, c->egid);
    uint64_t kb = PAGE_SIZE / 1024;
    fprintf(f, "VmPeak:\t%8" PRIu64 " kB\nVmSize:\t%8" PRIu64 " kB\nVmHWM:\t%8" PRIu64 " kB\n"
               "VmRSS:\t%8" PRIu64 " kB\nRssAnon:\t%8" PRIu64 " kB\nRssFile:\t%8" PRIu64 " kB\n"
               "VmPTE:\t%8" PRIu64 " kB\nVmSwap:\t%8" PRIu64 " kB\nThreads:\t1\n",
            u.virtual_pages * kb, u.virtual_pages * kb, (uint64_t)u.resident_peak * kb,
            (uint64_t)u.resident * kb, (uint64_t)u.internal * kb, (uint64_t)u.external * kb,
            (uint64_t)u.tables * kb, (uint64_t)u.compressed * kb);
}

/* The fields ps and top read: state, parents, group, session, priority and nice, sizes
 * (resident in the guest's pages); the rest 0. */
static void write_stat(struct emu *emu, struct task *t, FILE *f)
{
    struct vm_map_usage u;
    vm_map_usage(t->map, &u);
    fprintf(f, "%d (%.15s) %c %d %d %d 0 -1 0 0 0 0 0 0 0 0 0 %d %d 1 0 0 %" PRIu64 " %" PRIu64,
            t->pid, t->name ? t->name : "?", t == emu->task ? 'R' : 'S', t->ppid, t->pgid, t->sid,
            20 + t->nice, t->nice, u.virtual_pages * PAGE_SIZE, (uint64_t)u.resident);
    for (int i = 25; i <= 52; i++)
        fputs(" 0", f);
    fputc('\n', f);
}

static void write_meminfo(struct emu *emu, FILE *f)
{
    uint64_t kb = PAGE_SIZE / 1024, total = emu->phys.size / 1024;
    uint64_t free = (uint64_t)emu->phys.count[PHYS_FREE] * kb;
    fprintf(f, "MemTotal:       %8" PRIu64 " kB\nMemFree:        %8" PRIu64 " kB\n"
               "MemAvailable:   %8" PRIu64 " kB\nSwapTotal:      %8d kB\nSwapFree:       %8d kB\n",
            total, free, free, 0, 0);
}

/* One core, with the features AT_HWCAP gives and the MIDR_EL1 the guest reads. */
static void write_cpuinfo(struct emu *emu, FILE *f)
{
    uint64_t midr = cpu_midr(emu);
    fprintf(f, "processor\t: 0\n"
               "Features\t: fp asimd aes pmull sha1 sha2 crc32 atomics\n"
               "CPU implementer\t: 0x%02" PRIx64 "\nCPU architecture: 8\nCPU variant\t: 0x%" PRIx64 "\n"
               "CPU part\t: 0x%03" PRIx64 "\nCPU revision\t: %" PRIu64 "\n\n",
            midr >> 24 & 0xff, midr >> 20 & 0xf, midr >> 4 & 0xfff, midr & 0xf);
}

/* The task a /proc/PID/ or /proc/self/ path names, and the rest of the path. */
static struct task *proc_task(struct emu *emu, const char *p, const char **rest)
{
    char *end;
    if (!strncmp(p, "self/", 5)) {
        *rest = p + 5;
        return emu->task;
    }
    long pid = strtol(p, &end, 10);
    if (end == p || *end != '/' || pid <= 0 || pid > INT32_MAX)
        return NULL;
    struct task *t = task_by_pid(emu, (int)pid);
    *rest = end + 1;
    return t && t->map ? t : NULL;
}

int procfs_open(struct emu *emu, const char *abs, int flags)
{
    if (strncmp(abs, "/proc/", 6))
        return -ENOENT;
    if ((flags & O_ACCMODE) != O_RDONLY)
        return -EACCES;
    const char *p = abs + 6, *rest = NULL;
    struct task *t = proc_task(emu, p, &rest);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return -ENOMEM;
    int rc = 0;
    if (!strcmp(p, "meminfo"))
        write_meminfo(emu, f);
    else if (!strcmp(p, "cpuinfo"))
        write_cpuinfo(emu, f);
    else if (t && !strcmp(rest, "maps"))
        write_maps(emu, t, f);
    else if (t && !strcmp(rest, "status"))
        write_status(emu, t, f);
    else if (t && !strcmp(rest, "stat"))
        write_stat(emu, t, f);
    else if (t && !strcmp(rest, "cmdline"))
        fwrite(t->cmdline ? t->cmdline : "", 1, t->cmdline ? t->cmdline_len : 0, f);
    else if (t && !strcmp(rest, "exe"))
        rc = 1;
    else
        rc = -ENOENT;
    fclose(f);
    if (rc == 1) {                 /* the image the task runs, reopened */
        free(text);
        if (t->exe_fd < 0)
            return -ENOENT;
        char link[40];
        snprintf(link, sizeof link, "/proc/self/fd/%d", t->exe_fd);
        int fd = open(link, O_RDONLY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
    }
    if (rc < 0) {
        free(text);
        return rc;
    }
    int fd = memfd_create("machemu-proc", MFD_CLOEXEC);
    if (fd >= 0 && (write(fd, text, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) < 0)) {
        close(fd);
        fd = -EIO;
    } else if (fd < 0) {
        fd = -errno;
    }
    free(text);
    return fd;
}
