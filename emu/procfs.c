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
#include <dirent.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
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

/* --- directories and attributes ----------------------------------------------------- */

static const char *const task_files[] = { "cmdline", "exe", "maps", "stat", "status" };
static const char *const top_files[] = { "cpuinfo", "meminfo" };

static bool listed(const char *name, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(name, names[i]))
            return true;
    return false;
}

/* What abs names in machemu's /proc, and the task it belongs to. /proc/self and
 * /proc/PID/exe are links; with follow, /proc/self is the caller's directory. */
static enum procfs_kind lookup(struct emu *emu, const char *abs, bool follow, struct task **tp)
{
    *tp = NULL;
    if (!strcmp(abs, "/proc"))
        return PROCFS_DIR;
    if (strncmp(abs, "/proc/", 6))
        return PROCFS_NONE;
    const char *p = abs + 6, *rest = NULL;
    if (listed(p, top_files, sizeof top_files / sizeof *top_files))
        return PROCFS_FILE;
    if (!strcmp(p, "self")) {
        *tp = task_leader(emu->task);
        return follow ? PROCFS_DIR : PROCFS_LINK;
    }
    char *end;
    long pid = strtol(p, &end, 10);
    if (end != p && *end == 0 && pid > 0 && pid <= INT32_MAX) {
        *tp = task_by_pid(emu, (int)pid);
        return *tp && (*tp)->map ? PROCFS_DIR : PROCFS_NONE;
    }
    struct task *t = proc_task(emu, p, &rest);
    if (!t || !listed(rest, task_files, sizeof task_files / sizeof *task_files))
        return PROCFS_NONE;
    *tp = task_leader(t);
    return !strcmp(rest, "exe") ? PROCFS_LINK : PROCFS_FILE;
}

enum procfs_kind procfs_kind(struct emu *emu, const char *abs)
{
    struct task *t;
    return lookup(emu, abs, true, &t);
}

/* The guest sees the host's own uid as GUEST_UID (file_guest_uid): so the owner a stat
 * reports is given as the host id that shows as the task's. */
static uid_t shown_as(uint32_t guest_id, uint32_t host_id)
{
    return guest_id == GUEST_UID ? host_id : guest_id;
}

/* Inode numbers the directory listings and stat agree on: /proc 1, its files 2 and up,
 * the self link 8; a task's directory its pid times 16, its files the next numbers. */
static size_t index_in(const char *name, const char *const *names, size_t n)
{
    size_t i = 0;
    while (i < n && strcmp(name, names[i]))
        i++;
    return i;
}

static uint64_t ino_of(const struct task *t, const char *abs)
{
    const char *base = strrchr(abs, '/') + 1;
    if (!strcmp(abs, "/proc"))
        return 1;
    if (!t)
        return 2 + index_in(base, top_files, sizeof top_files / sizeof *top_files);
    if (listed(base, task_files, sizeof task_files / sizeof *task_files))
        return (uint64_t)t->pid << 4 | (1 + index_in(base, task_files, sizeof task_files / sizeof *task_files));
    return (uint64_t)t->pid << 4;
}

/* As Linux's procfs answers: directories r-x and files r-- for everyone, size 0, the
 * task's owner; /proc itself root's. The exe link followed is the image itself. */
int procfs_stat(struct emu *emu, const char *abs, bool follow, struct stat *st)
{
    struct task *t;
    enum procfs_kind k = lookup(emu, abs, follow, &t);
    if (k == PROCFS_NONE)
        return 1;
    if (k == PROCFS_LINK && follow) {          /* /proc/PID/exe */
        if (t->exe_fd < 0)
            return -ENOENT;
        return fstat(t->exe_fd, st) < 0 ? -errno : 0;
    }
    memset(st, 0, sizeof *st);
    st->st_dev = makedev(0, 22);
    bool self_link = k == PROCFS_LINK && !strcmp(abs, "/proc/self");   /* root's, as /proc */
    st->st_ino = self_link ? 8 : ino_of(t, abs);
    st->st_mode = k == PROCFS_DIR ? S_IFDIR | 0555 : k == PROCFS_LINK ? S_IFLNK | 0777 : S_IFREG | 0444;
    st->st_nlink = k == PROCFS_DIR ? 2 : 1;
    st->st_blksize = 1024;
    if (t && !self_link) {
        st->st_uid = shown_as(t->cred.euid, geteuid());
        st->st_gid = shown_as(t->cred.egid, getegid());
    }
    return 0;
}

int procfs_readlink(struct emu *emu, const char *abs, char *out, size_t size)
{
    struct task *t;
    if (lookup(emu, abs, false, &t) != PROCFS_LINK)
        return 1;
    if (!strcmp(abs, "/proc/self"))
        snprintf(out, size, "%d", t->pid);
    else
        snprintf(out, size, "%s", t->exe ? t->exe : "/");
    return 0;
}

/* One linux_dirent64 record; d_off is where the next one starts, so lseek and
 * seekdir on the directory's fd work on these offsets. */
static void put_dirent(FILE *f, uint64_t ino, uint8_t type, const char *name)
{
    size_t len = 19 + strlen(name) + 1, reclen = (len + 7) & ~(size_t)7;
    int64_t off = ftell(f) + (int64_t)reclen;
    uint16_t rl = (uint16_t)reclen;
    fwrite(&ino, 8, 1, f);
    fwrite(&off, 8, 1, f);
    fwrite(&rl, 2, 1, f);
    fwrite(&type, 1, 1, f);
    fwrite(name, 1, strlen(name), f);
    for (size_t i = 19 + strlen(name); i < reclen; i++)
        fputc(0, f);
}

static void write_dir(struct emu *emu, struct task *t, FILE *f)
{
    put_dirent(f, 1, DT_DIR, ".");
    put_dirent(f, 1, DT_DIR, "..");
    if (t) {
        for (size_t i = 0; i < sizeof task_files / sizeof *task_files; i++)
            put_dirent(f, (uint64_t)t->pid << 4 | (1 + i), strcmp(task_files[i], "exe") ? DT_REG : DT_LNK,
                       task_files[i]);
        return;
    }
    for (size_t i = 0; i < sizeof top_files / sizeof *top_files; i++)
        put_dirent(f, 2 + i, DT_REG, top_files[i]);
    put_dirent(f, 8, DT_LNK, "self");
    for (struct task *p = emu->tasks; p; p = p->next) {
        char name[16];
        if (!p->map)
            continue;
        snprintf(name, sizeof name, "%d", p->pid);
        put_dirent(f, (uint64_t)p->pid << 4, DT_DIR, name);
    }
}

/* getdents64 on a directory procfs_open made: whole records from its offset. */
int64_t procfs_getdents(int host, void *buf, size_t len)
{
    struct stat st;
    off_t pos = lseek(host, 0, SEEK_CUR);
    if (pos < 0 || fstat(host, &st) < 0)
        return -errno;
    if (pos >= st.st_size)
        return 0;
    size_t have = (size_t)(st.st_size - pos), n = 0;
    char *all = malloc(have);
    if (!all)
        return -ENOMEM;
    if (pread(host, all, have, pos) != (ssize_t)have) {
        free(all);
        return -EIO;
    }
    while (n + 19 <= have) {
        uint16_t rl;
        memcpy(&rl, all + n + 16, 2);
        if (rl == 0 || n + rl > len || n + rl > have)
            break;
        n += rl;
    }
    memcpy(buf, all, n);
    free(all);
    if (n == 0)
        return -EINVAL;                        /* the buffer holds not one record */
    lseek(host, pos + (off_t)n, SEEK_SET);
    return (int64_t)n;
}

int procfs_open(struct emu *emu, const char *abs, int flags)
{
    struct task *dir_task;
    enum procfs_kind kind = lookup(emu, abs, true, &dir_task);
    if (kind == PROCFS_NONE)
        return -ENOENT;
    if ((flags & O_ACCMODE) != O_RDONLY)
        return kind == PROCFS_DIR ? -EISDIR : -EACCES;
    if ((flags & O_DIRECTORY) && kind != PROCFS_DIR)
        return -ENOTDIR;
    const char *p = abs + 6, *rest = NULL;
    struct task *t = proc_task(emu, p, &rest);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return -ENOMEM;
    int rc = 0;
    if (kind == PROCFS_DIR)
        write_dir(emu, dir_task, f);
    else if (!strcmp(p, "meminfo"))
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
