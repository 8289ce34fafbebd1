/* threadwire: each thread costs the kernel its stack in wired memory (machemu only: it
 * reads the host's page counts through host_statistics64). 16 threads wait on a
 * barrier; the wired count with them alive is up by at least 16 kernel stacks of 16 KB
 * over the count before (and by no more than their two frames each and some page
 * tables), and back down once they are joined. */
#include "guest_test.h"
#include <mach/mach.h>
#include <pthread.h>

#define NTHREADS 16

static pthread_barrier_t barrier;

static uint64_t wired_bytes(void)
{
  vm_statistics64_data_t s;
  mach_msg_type_number_t count = HOST_VM_INFO64_COUNT;
  CHECK(10, host_statistics64(mach_host_self(), HOST_VM_INFO64, (host_info64_t)&s, &count) ==
                KERN_SUCCESS);
  return (uint64_t)s.wire_count * (uint64_t)getpagesize();
}

static void *waiter(void *arg)
{
  (void)arg;
  pthread_barrier_wait(&barrier);   /* all alive */
  pthread_barrier_wait(&barrier);   /* the main thread has looked */
  return NULL;
}

int main(void)
{
  pthread_t t[NTHREADS];
  CHECK(11, pthread_barrier_init(&barrier, NULL, NTHREADS + 1) == 0);
  uint64_t before = wired_bytes();
  for (int i = 0; i < NTHREADS; i++)
    CHECK(12, pthread_create(&t[i], NULL, waiter, NULL) == 0);
  pthread_barrier_wait(&barrier);
  uint64_t during = wired_bytes();
  pthread_barrier_wait(&barrier);
  for (int i = 0; i < NTHREADS; i++)
    CHECK(13, pthread_join(t[i], NULL) == 0);
  uint64_t after = wired_bytes();
  CHECK(14, during >= before + NTHREADS * 16384ull);
  /* Each thread is charged its own cost, two 16 KB frames, not the process's again;
   * a few pages of page tables map the new stacks. */
  CHECK(16, during <= before + (NTHREADS * 2 + 12) * 16384ull);
  CHECK(15, after + NTHREADS * 16384ull <= during);   /* page tables of the cached stacks stay */
  printf("threadwire: %d threads wired their kernel stacks, released when joined\n", NTHREADS);
  return 0;
}
