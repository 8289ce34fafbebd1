/* emu/linux.h — the Linux/arm64 system-call personality (svc #0, number in x8). */
#ifndef EMU_LINUX_H
#define EMU_LINUX_H

#include <sys/stat.h>
#include "emu/internal.h"

/* linux.c */
int64_t sys_wait4(struct emu *, const uint64_t a[6]);
int64_t sys_execve(struct emu *, const uint64_t a[6]);
int64_t sys_kill(struct emu *, const uint64_t a[6]);

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
int64_t sys_renameat2(struct emu *, const uint64_t a[6]);
int64_t sys_faccessat(struct emu *, const uint64_t a[6]);
int64_t sys_ftruncate(struct emu *, const uint64_t a[6]);
int64_t sys_fsync(struct emu *, const uint64_t a[6]);
int64_t sys_symlinkat(struct emu *, const uint64_t a[6]);
int64_t sys_ppoll(struct emu *, const uint64_t a[6]);
int64_t sys_pselect6(struct emu *, const uint64_t a[6]);

#endif
