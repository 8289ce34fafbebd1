/* emu/linux.h — the Linux/arm64 system-call personality (svc #0, number in x8). */
#ifndef EMU_LINUX_H
#define EMU_LINUX_H

#include <sys/stat.h>
#include "emu/internal.h"

/* One system call: its name for --strace and its function. The calls are in tables
 * indexed by number: linux.c's and one per file below. */
struct linux_call {
    const char *name;
    int64_t (*fn)(struct emu *emu, const uint64_t a[6]);
};
extern const struct linux_call linux_proc_calls[], linux_fsmeta_calls[], linux_sock_calls[],
    linux_poll_calls[];
extern const size_t linux_proc_ncalls, linux_fsmeta_ncalls, linux_sock_ncalls, linux_poll_ncalls;

/* linux_names.c: the name of Linux call nr on arm64, or NULL. */
const char *linux_call_name(uint64_t nr);

/* procfs.c: a host fd holding /proc file abs (meminfo, cpuinfo, PID|self/maps,
 * status, exe) for reading, or -ENOENT if machemu does not make that file. */
int procfs_open(struct emu *emu, const char *abs, int flags);
enum procfs_kind { PROCFS_NONE, PROCFS_DIR, PROCFS_FILE, PROCFS_LINK };
/* What machemu's /proc makes at abs (/proc/self followed). */
enum procfs_kind procfs_kind(struct emu *emu, const char *abs);
/* Linux procfs's attributes of abs; 1 if machemu's /proc has no such entry. */
int procfs_stat(struct emu *emu, const char *abs, bool follow, struct stat *st);
/* What link abs of machemu's /proc (self, PID/exe) holds, in out; 1 if abs is none. */
int procfs_readlink(struct emu *emu, const char *abs, char *out, size_t size);
/* linux_fs.c: procfs_stat of the path (dirfd, gpath) names. */
int procfs_stat_at(struct emu *emu, uint64_t dirfd, uint64_t gpath, bool follow, struct stat *st);
/* getdents64 on the host fd procfs_open gave for a directory. */
int64_t procfs_getdents(int host, void *buf, size_t len);

/* linux.c */
int64_t sys_wait4(struct emu *, const uint64_t a[6]);
int64_t sys_execve(struct emu *, const uint64_t a[6]);
int64_t sys_kill(struct emu *, const uint64_t a[6]);

/* linux_thread.c, futex.c */
int64_t sys_exit(struct emu *, const uint64_t a[6]);
int64_t sys_getpid(struct emu *, const uint64_t a[6]);
int64_t sys_gettid(struct emu *, const uint64_t a[6]);
int64_t sys_getppid(struct emu *, const uint64_t a[6]);
int64_t sys_set_tid_address(struct emu *, const uint64_t a[6]);
int64_t sys_set_robust_list(struct emu *, const uint64_t a[6]);
int64_t sys_get_robust_list(struct emu *, const uint64_t a[6]);
int64_t sys_sched_yield(struct emu *, const uint64_t a[6]);
int64_t sys_tkill(struct emu *, const uint64_t a[6]);
int64_t sys_tgkill(struct emu *, const uint64_t a[6]);
int64_t sys_clone3(struct emu *, const uint64_t a[6]);
int64_t sys_futex(struct emu *, const uint64_t a[6]);

/* linux_mm.c */
int64_t sys_brk(struct emu *, const uint64_t a[6]);
int64_t sys_mmap(struct emu *, const uint64_t a[6]);
int64_t sys_munmap(struct emu *, const uint64_t a[6]);
int64_t sys_mprotect(struct emu *, const uint64_t a[6]);
int64_t sys_mremap(struct emu *, const uint64_t a[6]);
int64_t sys_madvise(struct emu *, const uint64_t a[6]);
int64_t sys_msync(struct emu *, const uint64_t a[6]);

/* linux_fs.c; the file_* helpers serve the Darwin calls too (dirfd in Linux's
 * numbering, AT_FDCWD = -100; flags are the host's). */
int64_t file_open_at(struct emu *emu, uint64_t dirfd, uint64_t gpath, int flags, int mode);
int64_t file_fstat(struct emu *emu, int fd, struct stat *st);
int64_t file_stat_at(struct emu *emu, uint64_t dirfd, uint64_t gpath, bool follow, struct stat *st);
/* Runs fn on (parent directory, last component) of a guest path, the final symlink not
 * followed, or with `follow` on an O_PATH descriptor of the resolved path and "". */
int64_t file_at_path(struct emu *emu, uint64_t dirfd, uint64_t gpath, bool follow,
                     int64_t (*fn)(int dir, const char *base, void *ctx), void *ctx);
/* The owner the guest sees: the host user's files are the guest user's (GUEST_UID). */
uint32_t file_guest_uid(uint32_t host_uid);
uint32_t file_guest_gid(uint32_t host_gid);
/* Writes to a host pipe or socket what fits without blocking: bytes, or -errno
 * (-EAGAIN: no room) when none moved. */
int64_t file_write_some(int host, const void *buf, size_t len);
int64_t sys_openat(struct emu *, const uint64_t a[6]);
int64_t sys_close(struct emu *, const uint64_t a[6]);
int64_t sys_read(struct emu *, const uint64_t a[6]);
int64_t sys_write(struct emu *, const uint64_t a[6]);
int64_t sys_readv(struct emu *, const uint64_t a[6]);
int64_t sys_writev(struct emu *, const uint64_t a[6]);
int64_t sys_pread64(struct emu *, const uint64_t a[6]);
int64_t sys_pwrite64(struct emu *, const uint64_t a[6]);
int64_t sys_lseek(struct emu *, const uint64_t a[6]);
int64_t sys_fstat(struct emu *, const uint64_t a[6]);
int64_t sys_newfstatat(struct emu *, const uint64_t a[6]);
int64_t sys_readlinkat(struct emu *, const uint64_t a[6]);
int64_t sys_getcwd(struct emu *, const uint64_t a[6]);
void fs_start_in_host_cwd(struct emu *emu);
int64_t sys_chdir(struct emu *, const uint64_t a[6]);
int64_t sys_fchdir(struct emu *, const uint64_t a[6]);
int64_t sys_dup(struct emu *, const uint64_t a[6]);
int64_t sys_dup3(struct emu *, const uint64_t a[6]);
int64_t sys_pipe2(struct emu *, const uint64_t a[6]);
int64_t sys_fcntl(struct emu *, const uint64_t a[6]);
int64_t sys_ioctl(struct emu *, const uint64_t a[6]);
int64_t sys_getdents64(struct emu *, const uint64_t a[6]);
int64_t sys_unlinkat(struct emu *, const uint64_t a[6]);
int64_t sys_mkdirat(struct emu *, const uint64_t a[6]);
int64_t sys_renameat(struct emu *, const uint64_t a[6]);
int64_t sys_renameat2(struct emu *, const uint64_t a[6]);
int64_t sys_faccessat(struct emu *, const uint64_t a[6]);
int64_t sys_ftruncate(struct emu *, const uint64_t a[6]);
int64_t sys_fsync(struct emu *, const uint64_t a[6]);
int64_t sys_symlinkat(struct emu *, const uint64_t a[6]);
int64_t sys_ppoll(struct emu *, const uint64_t a[6]);
int64_t sys_pselect6(struct emu *, const uint64_t a[6]);

#endif
