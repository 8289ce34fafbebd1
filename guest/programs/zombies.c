/* zombies [MAX [hold|leave]]: forks children that exit at once and are never waited
 * for, until fork fails (or MAX children); prints why and how many, reaps them all,
 * checks their statuses and forks once more, which must work again.
 *   hold:  before reaping, waits until every child has exited (a pipe each child holds
 *          shows EOF), so that all of them are zombies at once.
 *   leave: the same wait, then exits without reaping any of them. */
#include "guest_test.h"
#include <stdbool.h>
#include <sys/wait.h>

static const char *errno_name(int e)
{
  static char buf[16];
  switch (e) {
  case 0: return "no error";
  case EAGAIN: return "EAGAIN";
  case ENOMEM: return "ENOMEM";
  default: snprintf(buf, sizeof buf, "errno %d", e); return buf;
  }
}

/* Returns once every child has exited: each held the pipe's write end. */
static void wait_for_all_exits(int fds[2])
{
  char c;
  close(fds[1]);
  CHECK_ERRNO(20, read(fds[0], &c, 1) == 0);
  close(fds[0]);
}

int main(int argc, char **argv)
{
  long max = argc > 1 ? atol(argv[1]) : 100000;
  const char *mode = argc > 2 ? argv[2] : "";
  bool sync = !strcmp(mode, "hold") || !strcmp(mode, "leave");
  int fds[2];
  if (sync)
    CHECK_ERRNO(21, pipe(fds) == 0);
  long n = 0;
  int err = 0;
  for (; n < max; n++) {
    pid_t pid = fork();
    if (pid < 0) {
      err = errno;
      break;
    }
    if (pid == 0)
      _exit((int)(n % 100));
  }
  printf("fork: %s after %ld children\n", errno_name(err), n);
  fflush(stdout);
  if (sync) {
    wait_for_all_exits(fds);
    printf("all %ld children have exited\n", n);
    fflush(stdout);
  }
  if (!strcmp(mode, "leave"))
    return 0;

  long reaped = 0, sum = 0, want = 0;
  int st;
  pid_t pid;
  while ((pid = wait(&st)) > 0) {
    CHECK(10, WIFEXITED(st));
    sum += WEXITSTATUS(st);
    reaped++;
  }
  CHECK_ERRNO(11, errno == ECHILD);
  for (long i = 0; i < n; i++)
    want += i % 100;
  CHECK(12, reaped == n);
  CHECK(13, sum == want);
  printf("reaped %ld children, every status as it exited\n", reaped);

  pid = fork();
  CHECK_ERRNO(14, pid >= 0);
  if (pid == 0)
    _exit(42);
  CHECK_ERRNO(15, waitpid(pid, &st, 0) == pid);
  CHECK(16, WIFEXITED(st) && WEXITSTATUS(st) == 42);
  printf("fork again: the child ran and exited 42\n");
  return 0;
}
