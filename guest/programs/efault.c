/* efault: wild pointers passed to system calls fail with EFAULT and the program keeps
 * running (no signal): write from 0x10, read into unmapped memory, read into a PROT_READ
 * mapping, openat with an unmapped path, clock_gettime and uname with bad pointers.
 * Creates and removes efault_test.dat in the current directory. One line per check. */
#include "guest_test.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#define DATA "0123456789abcdefghij"
#define WILD ((void *)(uintptr_t)0xdead0000u)

/* Prints the outcome of one call that must fail with EFAULT; exits `code` if not. */
static void expect_efault(int code, const char *what, long rc, int err) {
  if (rc != -1 || err != EFAULT) {
    fflush(stdout);
    fprintf(stderr, "efault: %s returned %ld (errno %d: %s), expected -1/EFAULT\n", what, rc,
            err, strerror(err));
    exit(code);
  }
  printf("%s: -1 EFAULT\n", what);
  fflush(stdout);
}

int main(void) {
  size_t ps = guest_pagesize();
  long rc;

  /* Make sure the wild address is unmapped, whatever the loader put where. */
  CHECK_ERRNO(2, munmap(WILD, ps) == 0);

  /* volatile: the compiler must not see (and reject) the constant bad pointer. */
  const void *volatile low = (const void *)(uintptr_t)0x10;
  errno = 0;
  rc = write(STDOUT_FILENO, low, 5);
  expect_efault(10, "write(1, 0x10, 5)", rc, errno);

  int fd = open("efault_test.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_ERRNO(11, fd >= 0);
  CHECK_ERRNO(12, write(fd, DATA, sizeof DATA - 1) == (ssize_t)(sizeof DATA - 1));
  CHECK_ERRNO(13, lseek(fd, 0, SEEK_SET) == 0);

  errno = 0;
  rc = read(fd, WILD, 10);
  expect_efault(14, "read(fd, unmapped, 10)", rc, errno);

  unsigned char *ro = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(15, ro != MAP_FAILED);
  errno = 0;
  rc = read(fd, ro, 10);
  expect_efault(16, "read(fd, PROT_READ mapping, 10)", rc, errno);
  for (size_t i = 0; i < ps; i++) CHECK(17, ro[i] == 0);
  printf("PROT_READ mapping: still all zero\n");

  /* The file offset did not move and the descriptor still works. */
  char buf[sizeof DATA] = { 0 };
  CHECK_ERRNO(18, lseek(fd, 0, SEEK_CUR) == 0);
  CHECK_ERRNO(19, read(fd, buf, 10) == 10);
  CHECK(20, memcmp(buf, DATA, 10) == 0);
  printf("read after the failures: %s\n", buf);
  CHECK_ERRNO(21, close(fd) == 0);

  errno = 0;
  rc = openat(AT_FDCWD, (const char *)WILD, O_RDONLY);
  expect_efault(22, "openat(AT_FDCWD, unmapped path)", rc, errno);

  /* Raw system calls: the libc wrappers may use the vDSO or touch the buffer first. */
  errno = 0;
  rc = syscall(SYS_clock_gettime, CLOCK_MONOTONIC, WILD);
  expect_efault(23, "clock_gettime(CLOCK_MONOTONIC, unmapped)", rc, errno);
  errno = 0;
  rc = syscall(SYS_clock_gettime, CLOCK_REALTIME, ro);
  expect_efault(24, "clock_gettime(CLOCK_REALTIME, PROT_READ mapping)", rc, errno);

  errno = 0;
  rc = syscall(SYS_uname, low);
  expect_efault(25, "uname(0x10)", rc, errno);
  errno = 0;
  rc = syscall(SYS_uname, ro);
  expect_efault(26, "uname(PROT_READ mapping)", rc, errno);
  for (size_t i = 0; i < ps; i++) CHECK(27, ro[i] == 0);

  /* Still alive, and the same calls work with good pointers. */
  struct timespec ts;
  CHECK_ERRNO(28, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) == 0);
  CHECK_ERRNO(29, openat(AT_FDCWD, "efault_test.dat", O_RDONLY) >= 0);
  CHECK_ERRNO(30, unlink("efault_test.dat") == 0);
  CHECK_ERRNO(31, munmap(ro, ps) == 0);
  CHECK(32, fflush(stdout) == 0);
  static const char done[] = "efault: still running\n";
  CHECK_ERRNO(33, write(STDOUT_FILENO, done, sizeof done - 1) == (ssize_t)(sizeof done - 1));
  return 0;
}
