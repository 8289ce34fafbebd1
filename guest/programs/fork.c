/* fork: copy-on-write between parent and child, exit statuses through wait4,
 * a pipe between them, fork + exec + wait, and many forks in a row. */
#include "guest_test.h"
#include <sys/mman.h>
#include <sys/wait.h>

static unsigned sum(const unsigned char *p, size_t n)
{
  unsigned s = 0;
  for (size_t i = 0; i < n; i++)
    s = s * 31 + p[i];
  return s;
}

int main(int argc, char **argv)
{
  if (argc > 1 && !strcmp(argv[1], "exec-child")) {
    printf("exec: child image runs with argv[2]=%s\n", argc > 2 ? argv[2] : "?");
    return 42;
  }
  size_t len = 1 << 20;
  unsigned char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(10, buf != MAP_FAILED);
  for (size_t i = 0; i < len; i++)
    buf[i] = (unsigned char)(i * 7);
  unsigned before = sum(buf, len);
  unsigned char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(11, shared != MAP_FAILED);

  int fds[2];
  CHECK_ERRNO(12, pipe(fds) == 0);
  pid_t pid = fork();
  CHECK_ERRNO(13, pid >= 0);
  if (pid == 0) {
    memset(buf, 0xee, len);                 /* private: the parent must not see it */
    shared[0] = 99;                         /* shared: the parent must see it */
    close(fds[0]);
    char msg[64];
    int n = snprintf(msg, sizeof msg, "child sum %u", sum(buf, len));
    CHECK_ERRNO(14, write(fds[1], msg, (size_t)n) == n);
    _exit(7);
  }
  close(fds[1]);
  char got[64] = { 0 };
  CHECK_ERRNO(15, read(fds[0], got, sizeof got - 1) > 0);
  int st;
  CHECK_ERRNO(16, waitpid(pid, &st, 0) == pid);
  CHECK(17, WIFEXITED(st) && WEXITSTATUS(st) == 7);
  CHECK(18, sum(buf, len) == before);
  CHECK(19, shared[0] == 99);
  printf("fork: child wrote its copy (%s), parent's unchanged, shared page seen, status 7\n", got);

  /* The parent writes too: each side has its own copy. */
  pid = fork();
  CHECK_ERRNO(20, pid >= 0);
  if (pid == 0)
    _exit(buf[100] == (unsigned char)700 ? 0 : 1);
  buf[100] = 1;
  CHECK_ERRNO(21, waitpid(pid, &st, 0) == pid);
  CHECK(22, WIFEXITED(st) && WEXITSTATUS(st) == 0);
  printf("fork: parent's write after fork is invisible to the child\n");

  /* fork + exec + wait, when told where this program is inside the root (qemu-user
   * cannot exec an AArch64 image by itself, so the comparison runs skip this). */
  if (argc > 2 && !strcmp(argv[1], "exec")) {
    pid = fork();
    CHECK_ERRNO(23, pid >= 0);
    if (pid == 0) {
      char *args[] = { argv[2], "exec-child", "hello", NULL };
      execv(argv[2], args);
      _exit(99);
    }
    CHECK_ERRNO(24, waitpid(pid, &st, 0) == pid);
    CHECK(25, WIFEXITED(st) && WEXITSTATUS(st) == 42);
    printf("exec: status 42 through wait4\n");
  }

  for (int i = 0; i < 100; i++) {
    pid = fork();
    CHECK_ERRNO(26, pid >= 0);
    if (pid == 0)
      _exit(i & 0x7f);
    buf[i * 4096] ^= 1;                     /* a COW fault in the parent each round */
    CHECK_ERRNO(27, waitpid(pid, &st, 0) == pid);
    CHECK(28, WEXITSTATUS(st) == (i & 0x7f));
  }
  pid = fork();
  CHECK_ERRNO(29, pid >= 0);
  if (pid == 0) {
    kill(getpid(), SIGSEGV);
    _exit(0);
  }
  CHECK_ERRNO(30, waitpid(pid, &st, 0) == pid);
  CHECK(31, WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
  CHECK(32, waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
  printf("fork: 100 fork/exit rounds, a child killed by SIGSEGV, no child left\n");
  return 0;
}
