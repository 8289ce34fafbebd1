/* dirfd: every *at call given a descriptor that is not a directory (a pipe's two ends,
 * a regular file, standard input, a closed number) as its starting point, with a relative
 * path. Linux answers ENOTDIR (EBADF for the closed one) and the program goes on; an
 * absolute path ignores the descriptor. One line per call; exit 0 when every call failed
 * as expected, else the number of the first call that did not. Creates and removes
 * dirfd_test.dat in the current directory. */
#include "guest_test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static int failures;

static void expect(const char *call, const char *on, long rc, int err, int want) {
  printf("%s(%s): %s\n", call, on, rc == -1 ? strerror(err) : "succeeded");
  if ((rc != -1 || err != want) && !failures)
    failures = 1;
}

static void try_all(const char *on, int dirfd, int want) {
  struct stat st;
  char buf[64];
  errno = 0;
  long rc = openat(dirfd, "x", O_RDONLY);
  expect("openat", on, rc, errno, want);
  rc = openat(dirfd, "x/y/../../z", O_RDWR | O_CREAT, 0600);
  expect("openat-create", on, rc, errno, want);
  rc = fstatat(dirfd, "x", &st, 0);
  expect("fstatat", on, rc, errno, want);
  rc = mkdirat(dirfd, "x", 0700);
  expect("mkdirat", on, rc, errno, want);
  rc = unlinkat(dirfd, "x", 0);
  expect("unlinkat", on, rc, errno, want);
  rc = readlinkat(dirfd, "x", buf, sizeof buf);
  expect("readlinkat", on, rc, errno, want);
  rc = faccessat(dirfd, "x", R_OK, 0);
  expect("faccessat", on, rc, errno, want);
  rc = symlinkat("target", dirfd, "x");
  expect("symlinkat", on, rc, errno, want);
  rc = syscall(SYS_renameat, dirfd, "x", AT_FDCWD, "y");
  expect("renameat", on, rc, errno, want);
  rc = fchdir(dirfd);
  expect("fchdir", on, rc, errno, want);
}

int main(void) {
  int p[2];
  if (pipe(p) < 0) return 100;
  int file = open("dirfd_test.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (file < 0) return 101;
  try_all("pipe-read", p[0], ENOTDIR);
  try_all("pipe-write", p[1], ENOTDIR);
  try_all("file", file, ENOTDIR);
  try_all("stdin", 0, ENOTDIR);
  try_all("closed", 77, EBADF);
  /* An absolute path ignores the descriptor altogether. */
  int fd = openat(p[0], "/", O_RDONLY | O_DIRECTORY);
  printf("openat(pipe-read, absolute): %s\n", fd >= 0 ? "opened" : strerror(errno));
  /* The process is intact: its cwd still works. */
  char cwd[256];
  printf("cwd still readable: %s\n", getcwd(cwd, sizeof cwd) ? "yes" : "no");
  close(file);
  unlink("dirfd_test.dat");
  return failures;
}
