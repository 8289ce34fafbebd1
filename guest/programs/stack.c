/* stack: deep recursion using several MB of stack, then unbounded recursion into the
 * guard page; the SIGSEGV is handled on a sigaltstack, which prints a line and _exit(0)s.
 * Usage: stack [MB]   (default 4: how much stack the bounded recursion uses) */
#include "guest_test.h"

#include <signal.h>
#include <stdint.h>

#define FRAME 1024 /* bytes of locals per recursion level */

static volatile int never; /* always 0; keeps the compiler from proving infinite recursion */
static char *altstack;
static size_t altstack_size;
static volatile unsigned long depth_reached;

/* Bounded: each level keeps FRAME bytes live across the recursive call. */
static __attribute__((noinline)) uint64_t deep(unsigned n) {
  volatile unsigned char buf[FRAME];
  for (unsigned i = 0; i < FRAME; i += 64) buf[i] = (unsigned char)(n + i);
  if (n == 0) return buf[0];
  uint64_t r = deep(n - 1);
  uint64_t s = 0;
  for (unsigned i = 0; i < FRAME; i += 64) s += buf[i];
  return r + s;
}

/* Unbounded: runs until the stack is exhausted. */
static __attribute__((noinline)) uint64_t forever(unsigned long n) {
  volatile unsigned char buf[FRAME];
  buf[0] = (unsigned char)n;
  buf[FRAME - 1] = (unsigned char)n;
  depth_reached = n;
  if (never) return buf[0];
  return forever(n + 1) + buf[FRAME - 1];
}

static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  (void)si;
  volatile char probe;
  uintptr_t here = (uintptr_t)&probe;
  int on_alt = here >= (uintptr_t)altstack && here < (uintptr_t)altstack + altstack_size;
  stack_t cur;
  int flags_ok = sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_ONSTACK);
  if (sig != SIGSEGV) _exit(40);
  if (!on_alt) {
    guest_puts_fd(2, "stack: handler not running on the alternate stack\n");
    _exit(41);
  }
  if (!flags_ok) {
    guest_puts_fd(2, "stack: sigaltstack() does not report SS_ONSTACK\n");
    _exit(42);
  }
  /* Several MB deep at least (any sane stack limit is larger than 1 MB). */
  if (depth_reached < 1024) {
    guest_puts_fd(2, "stack: overflow after less than 1 MB\n");
    _exit(43);
  }
  guest_puts_fd(1, "stack: overflow caught by SIGSEGV handler on the alternate stack\n");
  _exit(0);
}

int main(int argc, char **argv) {
  int mb = argc > 1 ? atoi(argv[1]) : 4;
  CHECK(1, mb > 0 && mb <= 64);
  unsigned levels = (unsigned)mb * 1024; /* FRAME bytes each: mb MB of locals */

  uint64_t r = deep(levels);
  uint64_t expect = 0;
  for (unsigned n = 1; n <= levels; n++)
    for (unsigned i = 0; i < FRAME; i += 64) expect += (unsigned char)(n + i);
  CHECK(2, r == expect);
  printf("stack: recursion %u levels deep (%d MB of locals), result=%llu\n", levels, mb,
         (unsigned long long)r);

  altstack_size = 64 * 1024;
  if (altstack_size < (size_t)SIGSTKSZ) altstack_size = SIGSTKSZ;
  altstack = malloc(altstack_size);
  CHECK(3, altstack != NULL);
  stack_t ss = {.ss_sp = altstack, .ss_size = altstack_size, .ss_flags = 0};
  CHECK_ERRNO(4, sigaltstack(&ss, NULL) == 0);
  stack_t cur;
  CHECK_ERRNO(5, sigaltstack(NULL, &cur) == 0);
  CHECK(6, cur.ss_sp == altstack && cur.ss_size == altstack_size && !(cur.ss_flags & SS_ONSTACK));

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  CHECK_ERRNO(7, sigaction(SIGSEGV, &sa, NULL) == 0);
  printf("stack: recursing without bound\n");
  CHECK(8, fflush(stdout) == 0); /* the handler leaves with _exit() */
  uint64_t x = forever(0);
  fprintf(stderr, "stack: unbounded recursion returned %llu\n", (unsigned long long)x);
  return 9;
}
