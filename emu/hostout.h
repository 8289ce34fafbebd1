/* emu/hostout.h — the one way machemu writes files on the host.
 *
 * Output often lands inside the guest root: the default root is the current directory,
 * where ./reports and the viewer's PNGs go, and a guest can leave symbolic links and
 * files there, during a run or for the next one. So a path is opened one component at
 * a time from "/", and once inside the root nothing is followed: a symbolic link there
 * is an error, never a way out. Links outside the root are the user's and are followed.
 * New files are created with O_EXCL under the user's umask, taking a fresh name when
 * theirs is taken; nothing that exists is truncated unless the user named it and it is
 * a plain file.
 *
 * `root` is the guest root as the user gave it (NULL: the current directory). Each
 * function returns a host descriptor (O_CLOEXEC) or -errno with one line in err[]. */
#ifndef EMU_HOSTOUT_H
#define EMU_HOSTOUT_H

#include <stdbool.h>
#include <stddef.h>

/* Directory `path`, made with its parents when `create` is set. */
int hostout_dir(const char *root, const char *path, bool create, char *err, size_t errlen);

/* A new file in directory dirfd named `name`, or, when that is taken, the first free
 * of name-2, name-3, ... (the number before the extension). The name used goes to
 * made[]. */
int hostout_create(int dirfd, const char *name, char *made, size_t madelen, char *err,
                   size_t errlen);

/* The file the user named (--strace=FILE and the like), opened for writing: created if
 * missing, truncated if a plain file. Outside the root a device (/dev/null, /dev/stderr)
 * is used as it is; inside it only a plain file will do. */
int hostout_file(const char *root, const char *path, char *err, size_t errlen);

/* Writes all of buf to fd: 0 or -errno. */
int hostout_write_all(int fd, const void *buf, size_t len);

#endif
