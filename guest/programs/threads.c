/* threads: POSIX threads and raw futexes, one case per argument (all of them without
 * one): a mutex and a condition variable, atomic counters, thread exit and join, many
 * threads, per-thread signal masks and tgkill, fork from a threaded program, execve
 * from a thread, futex calls and their timeouts, and a thread that runs into the guard
 * page below its stack (killed by SIGSEGV: exit status 139).
 * Nothing printed depends on ids, times or the scheduler's order. */
#include "guest_test.h"
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

/* The futex(2) ABI (<linux/futex.h>, which musl's headers lack). */
#define FUTEX_WAIT             0
#define FUTEX_WAKE             1
#define FUTEX_CMP_REQUEUE      4
#define FUTEX_WAKE_OP          5
#define FUTEX_WAIT_BITSET      9
#define FUTEX_WAKE_BITSET      10
#define FUTEX_PRIVATE_FLAG     128
#define FUTEX_CLOCK_REALTIME   256
#define FUTEX_WAIT_PRIVATE     (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

static long futex(void *addr, int op, uint32_t val, const struct timespec *ts, void *addr2,
                  uint32_t val3)
{
  return syscall(SYS_futex, addr, op, val, ts, addr2, val3);
}

/* --- mutex: 4 threads add to one counter under a lock -------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *add_locked(void *arg)
{
  long n = (long)arg;
  for (long i = 0; i < n; i++) {
    pthread_mutex_lock(&lock);
    long c = counter;
    if (i % 97 == 0)
      sched_yield();               /* a switch while the lock is held */
    counter = c + 1;
    pthread_mutex_unlock(&lock);
  }
  return (void *)n;
}

static void case_mutex(void)
{
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    CHECK(10, pthread_create(&t[i], NULL, add_locked, (void *)20000L) == 0);
  for (int i = 0; i < 4; i++) {
    void *r;
    CHECK(11, pthread_join(t[i], &r) == 0);
    CHECK(12, r == (void *)20000L);
  }
  CHECK(13, counter == 80000);
  printf("mutex: counter %ld\n", counter);
}

/* --- condvar: a producer and two consumers on a bounded queue ------------------- */

static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static int queue[8], qhead, qlen, produced_done;
static long consumed_sum;

static void *producer(void *arg)
{
  (void)arg;
  for (int i = 1; i <= 5000; i++) {
    pthread_mutex_lock(&lock);
    while (qlen == 8)
      pthread_cond_wait(&not_full, &lock);
    queue[(qhead + qlen++) % 8] = i;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&lock);
  }
  pthread_mutex_lock(&lock);
  produced_done = 1;
  pthread_cond_broadcast(&not_empty);
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void *consumer(void *arg)
{
  long mine = 0;
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&lock);
    while (qlen == 0 && !produced_done)
      pthread_cond_wait(&not_empty, &lock);
    if (qlen == 0) {
      pthread_mutex_unlock(&lock);
      break;
    }
    int v = queue[qhead];
    qhead = (qhead + 1) % 8;
    qlen--;
    consumed_sum += v;
    mine++;
    pthread_cond_signal(&not_full);
    pthread_mutex_unlock(&lock);
  }
  return (void *)mine;
}

static void case_condvar(void)
{
  pthread_t p, c[2];
  CHECK(20, pthread_create(&c[0], NULL, consumer, NULL) == 0);
  CHECK(21, pthread_create(&c[1], NULL, consumer, NULL) == 0);
  CHECK(22, pthread_create(&p, NULL, producer, NULL) == 0);
  void *r0, *r1;
  CHECK(23, pthread_join(p, NULL) == 0);
  CHECK(24, pthread_join(c[0], &r0) == 0 && pthread_join(c[1], &r1) == 0);
  CHECK(25, (long)r0 + (long)r1 == 5000);
  CHECK(26, consumed_sum == 5000L * 5001 / 2);
  printf("condvar: consumed %ld items, sum %ld\n", (long)r0 + (long)r1, consumed_sum);
}

/* --- atomics: lock-free counters, and a spin lock made of a CAS ----------------- */

static atomic_long acount;
static atomic_int spin;
static long spun;

static void *atomic_work(void *arg)
{
  (void)arg;
  for (int i = 0; i < 50000; i++) {
    atomic_fetch_add(&acount, 1);
    if (i % 10 == 0) {
      int expect = 0;
      while (!atomic_compare_exchange_weak(&spin, &expect, 1))
        expect = 0;
      spun++;
      atomic_store(&spin, 0);
    }
  }
  return NULL;
}

static void case_atomics(void)
{
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    CHECK(30, pthread_create(&t[i], NULL, atomic_work, NULL) == 0);
  for (int i = 0; i < 4; i++)
    CHECK(31, pthread_join(t[i], NULL) == 0);
  CHECK(32, atomic_load(&acount) == 200000);
  CHECK(33, spun == 20000);
  printf("atomics: %ld increments, %ld under the spin lock\n", atomic_load(&acount), spun);
}

/* --- exit and join: pthread_exit, return values, detached threads, TLS ---------- */

static __thread int tls_value = 7;

static void *exiter(void *arg)
{
  tls_value += (int)(long)arg;
  if ((long)arg % 2)
    pthread_exit((void *)(long)tls_value);
  return (void *)(long)tls_value;
}

static atomic_int detached_ran;

static void *detached(void *arg)
{
  (void)arg;
  atomic_fetch_add(&detached_ran, 1);
  return NULL;
}

static void case_join(void)
{
  pthread_t t[6];
  for (long i = 0; i < 6; i++)
    CHECK(40, pthread_create(&t[i], NULL, exiter, (void *)i) == 0);
  for (long i = 0; i < 6; i++) {
    void *r;
    CHECK(41, pthread_join(t[i], &r) == 0);
    CHECK(42, (long)r == 7 + i);   /* each thread had its own copy of tls_value */
  }
  CHECK(43, tls_value == 7);
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  for (int i = 0; i < 3; i++) {
    pthread_t d;
    CHECK(44, pthread_create(&d, &a, detached, NULL) == 0);
  }
  while (atomic_load(&detached_ran) < 3)
    sched_yield();
  CHECK(45, getpid() == syscall(SYS_gettid));   /* the main thread's tid is the pid */
  printf("join: 6 threads joined with their values, 3 detached ran\n");
}

/* --- many: 64 threads created, then joined ------------------------------------- */

static void *square(void *arg)
{
  long v = (long)arg;
  return (void *)(v * v);
}

static void case_many(void)
{
  pthread_t t[64];
  long sum = 0;
  for (long i = 0; i < 64; i++)
    CHECK(50, pthread_create(&t[i], NULL, square, (void *)i) == 0);
  for (int i = 0; i < 64; i++) {
    void *r;
    CHECK(51, pthread_join(t[i], &r) == 0);
    sum += (long)r;
  }
  CHECK(52, sum == 85344);
  printf("many: 64 threads, sum of squares %ld\n", sum);
}

/* --- signals: per-thread masks, tgkill to one thread, a process signal ------------ */

static atomic_long handled_by;     /* the tid that ran the handler */
static atomic_int go;

static void on_usr1(int sig)
{
  (void)sig;
  atomic_store(&handled_by, syscall(SYS_gettid));
}

static void *unblocked_waiter(void *arg)
{
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  pthread_sigmask(SIG_UNBLOCK, &s, NULL);
  *(long *)arg = syscall(SYS_gettid);
  atomic_store(&go, 1);
  while (!atomic_load(&handled_by))
    sched_yield();
  return NULL;
}

static void case_signals(void)
{
  signal(SIGUSR1, on_usr1);
  sigset_t s, old;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  CHECK(60, pthread_sigmask(SIG_BLOCK, &s, &old) == 0);   /* the new thread inherits it */
  long tid = 0;
  pthread_t t;
  CHECK(61, pthread_create(&t, NULL, unblocked_waiter, &tid) == 0);
  while (!atomic_load(&go))
    sched_yield();
  /* Sent to the process: only the thread that does not block it may take it. */
  CHECK(62, kill(getpid(), SIGUSR1) == 0);
  CHECK(63, pthread_join(t, NULL) == 0);
  CHECK(64, atomic_load(&handled_by) == tid);
  /* tgkill to the main thread, which blocks it: pending until it unblocks it. */
  atomic_store(&handled_by, 0);
  CHECK(65, syscall(SYS_tgkill, getpid(), getpid(), SIGUSR1) == 0);
  CHECK(66, atomic_load(&handled_by) == 0);
  sigset_t pend;
  CHECK(67, sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1));
  CHECK(68, pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
  CHECK(69, atomic_load(&handled_by) == getpid());
  CHECK(70, syscall(SYS_tgkill, getpid(), 999999, SIGUSR1) == -1 && errno == ESRCH);
  cpu_set_t cpus;
  CHECK(71, sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) >= 1);
  printf("signals: the unblocked thread took the process's signal; tgkill waited for the mask\n");
}

/* --- alarm: a process timer's SIGALRM goes to the thread that does not block it, once */

static atomic_int alarms;
static atomic_long alarm_tid;

static void on_alarm(int sig)
{
  (void)sig;
  atomic_fetch_add(&alarms, 1);
  atomic_store(&alarm_tid, syscall(SYS_gettid));
}

static void *alarm_taker(void *arg)
{
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGALRM);
  pthread_sigmask(SIG_UNBLOCK, &s, NULL);
  *(long *)arg = syscall(SYS_gettid);
  while (!atomic_load(&alarms))
    sched_yield();
  struct timespec rest = { 0, 40 * 1000000 };
  nanosleep(&rest, NULL);          /* a second SIGALRM would come in here */
  return NULL;
}

static void case_alarm(void)
{
  signal(SIGALRM, on_alarm);
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGALRM);
  CHECK(150, pthread_sigmask(SIG_BLOCK, &s, NULL) == 0);
  long tid = 0;
  pthread_t t;
  CHECK(151, pthread_create(&t, NULL, alarm_taker, &tid) == 0);
  struct itimerval it = { { 0, 0 }, { 0, 10000 } };   /* once, in 10 ms */
  CHECK(152, setitimer(ITIMER_REAL, &it, NULL) == 0);
  CHECK(153, pthread_join(t, NULL) == 0);
  CHECK(154, atomic_load(&alarms) == 1);
  CHECK(155, atomic_load(&alarm_tid) == tid);
  CHECK(156, getitimer(ITIMER_REAL, &it) == 0 && !it.it_value.tv_sec && !it.it_value.tv_usec);
  CHECK(157, pthread_sigmask(SIG_UNBLOCK, &s, NULL) == 0 && atomic_load(&alarms) == 1);
  printf("alarm: the process's SIGALRM went once to the thread that takes it\n");
}

/* --- futex: the raw calls --------------------------------------------------------- */

static uint32_t fword, fword2;
static atomic_int waiters_in;

static void *futex_waiter(void *arg)
{
  atomic_fetch_add(&waiters_in, 1);
  long rc = futex(&fword, (int)(long)arg, 0, NULL, NULL, FUTEX_BITSET_MATCH_ANY);
  return (void *)rc;
}

static long ns_between(const struct timespec *a, const struct timespec *b)
{
  return (b->tv_sec - a->tv_sec) * 1000000000L + (b->tv_nsec - a->tv_nsec);
}

static void case_futex(void)
{
  struct timespec t0, t1, rel = { 0, 20 * 1000000 };
  /* The value differs: EAGAIN at once. */
  fword = 1;
  CHECK(80, futex(&fword, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) == -1 && errno == EAGAIN);
  /* A relative timeout: ETIMEDOUT, after at least the time asked. */
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CHECK(81, futex(&fword, FUTEX_WAIT, 1, &rel, NULL, 0) == -1 && errno == ETIMEDOUT);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  CHECK(82, ns_between(&t0, &t1) >= 20 * 1000000L);
  /* WAIT_BITSET: an absolute deadline, on CLOCK_REALTIME with its flag. */
  struct timespec abs;
  clock_gettime(CLOCK_REALTIME, &abs);
  abs.tv_nsec += 10 * 1000000;
  if (abs.tv_nsec >= 1000000000) {
    abs.tv_sec++;
    abs.tv_nsec -= 1000000000;
  }
  CHECK(83, futex(&fword, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &abs, NULL,
                  FUTEX_BITSET_MATCH_ANY) == -1 && errno == ETIMEDOUT);
  clock_gettime(CLOCK_REALTIME, &t1);
  CHECK(84, t1.tv_sec > abs.tv_sec || (t1.tv_sec == abs.tv_sec && t1.tv_nsec >= abs.tv_nsec));
  /* A deadline already past on CLOCK_MONOTONIC. */
  clock_gettime(CLOCK_MONOTONIC, &abs);
  abs.tv_sec -= 1;
  CHECK(85, futex(&fword, FUTEX_WAIT_BITSET, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY) == -1 &&
            errno == ETIMEDOUT);
  /* Bad arguments: a wild pointer, a misaligned one, an empty bitset. */
  CHECK(86, futex((void *)16, FUTEX_WAIT, 0, NULL, NULL, 0) == -1 && errno == EFAULT);
  CHECK(87, futex((char *)&fword + 1, FUTEX_WAKE, 1, NULL, NULL, 0) == -1 && errno == EINVAL);
  CHECK(88, futex(&fword, FUTEX_WAIT_BITSET, 1, NULL, NULL, 0) == -1 && errno == EINVAL);
  CHECK(89, futex(&fword, FUTEX_WAKE, 1, NULL, NULL, 0) == 0);   /* nobody waits */
  /* WAKE_OP: fword2 += 5 (it was 3, which the test compares equal), nobody to wake. */
  fword2 = 3;
  CHECK(98, futex(&fword, FUTEX_WAKE_OP, 1, (void *)1L, &fword2,
                  (1u << 28) | (0u << 24) | (5u << 12) | 3u) == 0 && fword2 == 8);
  CHECK(99, futex(&fword, FUTEX_WAKE_OP, 1, (void *)1L, &fword2, 6u << 28) == -1 &&
            errno == ENOSYS && fword2 == 8);
  fword2 = 0;

  /* Three waiters; WAKE_BITSET with a bitset none waits on wakes nobody, then WAKE 1,
   * then CMP_REQUEUE moves the other two to fword2 (with the expected value) and
   * WAKE on fword2 wakes them. */
  fword = 0;
  pthread_t t[3];
  for (int i = 0; i < 3; i++)
    CHECK(90, pthread_create(&t[i], NULL, futex_waiter,
                             (void *)(long)(i == 2 ? FUTEX_WAIT_BITSET : FUTEX_WAIT)) == 0);
  while (atomic_load(&waiters_in) < 3)
    sched_yield();
  for (int i = 0; i < 10; i++)
    sched_yield();                 /* each now sleeps in the kernel (both emulators) */
  CHECK(91, futex(&fword, FUTEX_WAKE_BITSET, 3, NULL, NULL, 0) == -1 && errno == EINVAL);
  int woke = (int)futex(&fword, FUTEX_WAKE, 1, NULL, NULL, 0);
  CHECK(92, woke == 1);
  CHECK(93, futex(&fword, FUTEX_CMP_REQUEUE, 0, (void *)1L, &fword2, 5) == -1 && errno == EAGAIN);
  long moved = futex(&fword, FUTEX_CMP_REQUEUE, 0, (void *)10L, &fword2, 0);
  CHECK(94, moved == 2);
  CHECK(95, futex(&fword, FUTEX_WAKE, 10, NULL, NULL, 0) == 0);
  CHECK(96, futex(&fword2, FUTEX_WAKE, 10, NULL, NULL, 0) == 2);
  for (int i = 0; i < 3; i++) {
    void *r;
    CHECK(97, pthread_join(t[i], &r) == 0 && r == 0);
  }
  printf("futex: EAGAIN, ETIMEDOUT relative and absolute, EFAULT, EINVAL, wake, wake_op, requeue\n");
}

/* --- fork from a threaded program: the child has only the forking thread ---------- */

static atomic_int stop_spinner;

static void *spinner(void *arg)
{
  (void)arg;
  while (!atomic_load(&stop_spinner))
    sched_yield();
  return NULL;
}

static void *fork_in_thread(void *arg)
{
  (void)arg;
  pid_t pid = fork();
  if (pid == 0)
    _exit(getpid() == syscall(SYS_gettid) ? 8 : 9);
  return (void *)(long)pid;
}

static void case_fork(void)
{
  pthread_t t;
  CHECK(100, pthread_create(&t, NULL, spinner, NULL) == 0);
  pthread_mutex_lock(&lock);        /* held across fork: the child's copy is held too */
  pid_t pid = fork();
  CHECK_ERRNO(101, pid >= 0);
  if (pid == 0) {
    /* Only this thread, now the child's main one (qemu-user cannot start threads in
     * a child of a threaded program: the child makes none). */
    if (pthread_mutex_unlock(&lock) != 0 || pthread_mutex_lock(&lock) != 0)
      _exit(3);
    for (int i = 0; i < 100; i++)
      sched_yield();               /* the spinner would run here if it had been copied */
    _exit(getpid() == syscall(SYS_gettid) && !atomic_load(&stop_spinner) ? 7 : 4);
  }
  pthread_mutex_unlock(&lock);
  int st;
  CHECK_ERRNO(102, waitpid(pid, &st, 0) == pid);
  CHECK(103, WIFEXITED(st) && WEXITSTATUS(st) == 7);
  atomic_store(&stop_spinner, 1);
  CHECK(104, pthread_join(t, NULL) == 0);
  /* A thread forks; the main thread reaps the child: it is the process's child. */
  pthread_t f;
  CHECK(105, pthread_create(&f, NULL, fork_in_thread, NULL) == 0);
  void *child;
  CHECK(106, pthread_join(f, &child) == 0 && (long)child > 0);
  CHECK_ERRNO(107, waitpid((pid_t)(long)child, &st, 0) == (pid_t)(long)child);
  CHECK(108, WIFEXITED(st) && WEXITSTATUS(st) == 8);
  printf("fork: the child of a threaded program ran alone and exited 7; "
         "a thread's child was reaped by the main thread\n");
}

/* --- a futex in a MAP_SHARED page: a parent's wake reaches its child's wait --------- */

static void case_pshared(void)
{
  volatile uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(140, w != MAP_FAILED);
  w[0] = 0;                         /* the word waited on */
  w[1] = 0;                         /* the child is about to wait */
  pid_t pid = fork();
  CHECK_ERRNO(141, pid >= 0);
  if (pid == 0) {
    int waits = 0;
    w[1] = 1;
    while (w[0] == 0)
      if (futex((void *)w, FUTEX_WAIT, 0, NULL, NULL, 0) == 0)
        waits++;
    _exit(w[0] == 7 && waits <= 1 ? 0 : 5);
  }
  while (w[1] == 0)
    sched_yield();
  w[0] = 7;
  int st;
  long woken = 0;
  /* Until the child is gone: it may not be asleep yet when the first wake comes. */
  while (waitpid(pid, &st, WNOHANG) == 0)
    woken += futex((void *)w, FUTEX_WAKE, 1, NULL, NULL, 0);
  CHECK(142, WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK(143, woken <= 1);
  printf("pshared: the parent's wake reached the child's wait on a shared page\n");
}

/* --- a thread overruns its stack into the guard page: SIGSEGV for the process ----- */

static volatile int depth_limit = INT_MAX;

static int recurse(int n)
{
  volatile char pad[4096];
  pad[0] = (char)n;
  return n < depth_limit ? recurse(n + 1) + pad[0] : 0;
}

static void *overflow(void *arg)
{
  (void)arg;
  return (void *)(long)recurse(0);
}

static void case_guard(void)
{
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setstacksize(&a, 256 * 1024);
  pthread_t t;
  printf("guard: a thread overruns its stack\n");
  fflush(stdout);
  CHECK(110, pthread_create(&t, &a, overflow, NULL) == 0);
  pthread_join(t, NULL);
  exit(111);                       /* not reached: SIGSEGV ends the process */
}

/* --- exit_group from a thread ends the process; exit of main leaves the others ---- */

static void *exit_from_thread(void *arg)
{
  (void)arg;
  printf("exit: a thread calls exit(5)\n");
  fflush(stdout);
  exit(5);
}

static void case_exit(void)
{
  pthread_t t;
  CHECK(120, pthread_create(&t, NULL, exit_from_thread, NULL) == 0);
  for (;;)
    sched_yield();
}

static void *last_thread(void *arg)
{
  (void)arg;
  for (int i = 0; i < 100; i++)
    sched_yield();
  printf("main-exit: the last thread ends the process\n");
  fflush(stdout);
  return NULL;                     /* the last thread out: the process exits 0 */
}

static void case_main_exit(void)
{
  pthread_t t;
  CHECK(125, pthread_create(&t, NULL, last_thread, NULL) == 0);
  pthread_exit(NULL);
}

/* --- execve from a thread: the other threads go ------------------------------------ */

static char *self_path;

static void *execer(void *arg)
{
  (void)arg;
  char *argv[] = { self_path, "exec-child", NULL };
  execv("/proc/self/exe", argv);
  _exit(131);
}

static void case_exec(void)
{
  pthread_t t[2];
  CHECK(130, pthread_create(&t[0], NULL, spinner, NULL) == 0);
  CHECK(131, pthread_create(&t[1], NULL, execer, NULL) == 0);
  for (;;)
    sched_yield();
}

/* --- robust mutexes: a thread dies holding one; the next locker gets EOWNERDEAD ------ */

static pthread_mutex_t robust;

static void *die_holding(void *arg)
{
  (void)arg;
  pthread_mutex_lock(&robust);
  return NULL;                     /* ends with the mutex held */
}

static void case_robust(void)
{
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  CHECK(170, pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0);
  CHECK(171, pthread_mutex_init(&robust, &a) == 0);
  pthread_t t;
  CHECK(172, pthread_create(&t, NULL, die_holding, NULL) == 0);
  CHECK(173, pthread_join(t, NULL) == 0);
  CHECK(174, pthread_mutex_lock(&robust) == EOWNERDEAD);
  CHECK(175, pthread_mutex_consistent(&robust) == 0);
  CHECK(176, pthread_mutex_unlock(&robust) == 0);
  CHECK(177, pthread_mutex_lock(&robust) == 0 && pthread_mutex_unlock(&robust) == 0);
  printf("robust: the mutex of a thread that died came back with EOWNERDEAD\n");
}

/* --- clone3 (emulator only: qemu-aarch64 7.2 answers ENOSYS): the fork flavour ----- */

struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static void case_clone3(void)
{
  struct clone3_args a = { .exit_signal = SIGCHLD };
  CHECK(160, syscall(SYS_clone3, &a, 8) == -1 && errno == EINVAL);   /* too short */
  long pid = syscall(SYS_clone3, &a, sizeof a);
  CHECK_ERRNO(161, pid >= 0);
  if (pid == 0)
    _exit(6);
  int st;
  CHECK_ERRNO(162, waitpid((pid_t)pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 6);
  a.flags = CLONE_THREAD;          /* a thread without the VM and the handlers */
  a.exit_signal = 0;
  CHECK(163, syscall(SYS_clone3, &a, sizeof a) == -1 && errno == EINVAL);
  printf("clone3: a child as fork makes it; bad arguments refused\n");
}

static const struct { const char *name; void (*fn)(void); } cases[] = {
  { "mutex", case_mutex }, { "condvar", case_condvar }, { "atomics", case_atomics },
  { "join", case_join }, { "many", case_many }, { "signals", case_signals },
  { "futex", case_futex }, { "fork", case_fork }, { "pshared", case_pshared },
  { "alarm", case_alarm },
};

int main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "exec-child")) {
    printf("exec: the new image runs, pid %s, alone\n", getpid() == syscall(SYS_gettid) ? "kept" : "new");
    /* the process's command line is the new image's argv */
    char cmd[512] = { 0 };
    FILE *f = fopen("/proc/self/cmdline", "r");
    size_t n = f ? fread(cmd, 1, sizeof cmd - 1, f) : 0;
    if (f)
      fclose(f);
    size_t first = strnlen(cmd, n);
    if (first + 1 >= n || strcmp(cmd + first + 1, "exec-child"))
      return 132;
    return 9;
  }
  if (argc > 1 && !strcmp(argv[1], "guard"))
    case_guard();
  if (argc > 1 && !strcmp(argv[1], "exit"))
    case_exit();
  if (argc > 1 && !strcmp(argv[1], "main-exit"))
    case_main_exit();
  if (argc > 1 && !strcmp(argv[1], "exec"))
    case_exec();
  if (argc > 1 && !strcmp(argv[1], "robust")) {
    case_robust();
    return 0;
  }
  if (argc > 1 && !strcmp(argv[1], "clone3")) {
    case_clone3();
    return 0;
  }
  int ran = 0;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    if (argc < 2 || !strcmp(argv[1], cases[i].name)) {
      cases[i].fn();
      ran++;
    }
  CHECK(2, ran > 0);
  return 0;
}
