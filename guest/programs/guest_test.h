/* Shared helpers for machemu's guest test programs (static AArch64 Linux ELFs).
 *
 * Conventions, as in blink's tests: every check has its own exit code, so a failing
 * run says which check failed by its status alone; the failing check is also named on
 * stderr. Output on stdout must be deterministic: never print addresses, pids, times or
 * anything that depends on the page size (16 KB under machemu, 4 KB under qemu-aarch64).
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

/* Include this header first: the programs use GNU/Linux interfaces (mremap, dup3, ...). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* CHECK(17, p != NULL): if the condition is false, print what failed and exit(17). */
#define CHECK(code, cond)                                                          \
  do {                                                                             \
    if (!(cond)) guest_fail((code), __FILE__, __LINE__, #cond);                    \
  } while (0)

/* CHECK_ERRNO(18, fd >= 0): same, also printing errno (for failed system calls). */
#define CHECK_ERRNO(code, cond)                                                    \
  do {                                                                             \
    if (!(cond)) guest_fail_errno((code), __FILE__, __LINE__, #cond, errno);       \
  } while (0)

static inline __attribute__((noreturn, unused)) void
guest_fail(int code, const char *file, int line, const char *what) {
  fflush(stdout);
  fprintf(stderr, "%s:%d: FAILED (exit %d): %s\n", file, line, code, what);
  exit(code);
}

static inline __attribute__((noreturn, unused)) void
guest_fail_errno(int code, const char *file, int line, const char *what, int err) {
  fflush(stdout);
  fprintf(stderr, "%s:%d: FAILED (exit %d): %s (errno %d: %s)\n", file, line, code, what,
          err, strerror(err));
  exit(code);
}

/* The guest page size: 16 KB under machemu, 4 KB under qemu-aarch64. */
static inline __attribute__((unused)) size_t guest_pagesize(void) {
  long ps = sysconf(_SC_PAGESIZE);
  if (ps <= 0 || (ps & (ps - 1)) != 0) guest_fail(99, __FILE__, __LINE__, "sysconf(_SC_PAGESIZE)");
  return (size_t)ps;
}

/* Async-signal-safe write of a string to fd. */
static inline __attribute__((unused)) void guest_puts_fd(int fd, const char *s) {
  size_t n = strlen(s);
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

/* Deterministic PRNG (xorshift64*), so outputs do not depend on libc's rand(). */
static inline __attribute__((unused)) uint64_t guest_rand(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

/* FNV-1a 64-bit. */
static inline __attribute__((unused)) uint64_t guest_fnv1a(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}
#define GUEST_FNV_INIT 0xcbf29ce484222325ULL

/* A 64-bit mixer (murmur3's finalizer constants): word i of pseudo-random data. */
static inline __attribute__((unused)) uint64_t guest_mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ull;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dull;
  return x ^ (x >> 33);
}

#endif
