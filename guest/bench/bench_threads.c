/* bench_threads [ROUNDS]: 4 threads on one shared heap — each round, every thread
 * allocates and fills blocks with malloc, folds them into its stripe of a shared 4 MB
 * table, frees them, and adds its sum to a shared total under a mutex; the threads meet
 * at a barrier between rounds. Prints the total (the same under any emulator). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 4
#define TABLE_WORDS (4u << 20) / 8

static uint64_t *table;
static uint64_t total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t barrier;
static long rounds = 40;

static void *worker(void *arg)
{
  unsigned id = (unsigned)(uintptr_t)arg;
  uint64_t x = 88172645463325252ull + id;
  size_t stripe = TABLE_WORDS / NTHREADS, base = id * stripe;
  for (long r = 0; r < rounds; r++) {
    uint64_t sum = 0;
    for (int b = 0; b < 64; b++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      size_t n = 64 + (size_t)(x % 2048);
      uint64_t *blk = malloc(n * sizeof *blk);
      if (!blk)
        abort();
      for (size_t i = 0; i < n; i++)
        blk[i] = x + i;
      for (size_t i = 0; i < n; i++)
        table[base + (x + i) % stripe] += blk[i];
      sum += blk[n - 1];
      free(blk);
    }
    pthread_mutex_lock(&lock);
    total += sum;
    pthread_mutex_unlock(&lock);
    pthread_barrier_wait(&barrier);
  }
  return NULL;
}

int main(int argc, char **argv)
{
  if (argc > 1)
    rounds = atol(argv[1]);
  table = calloc(TABLE_WORDS, sizeof *table);
  pthread_t t[NTHREADS];
  if (!table || pthread_barrier_init(&barrier, NULL, NTHREADS))
    return 1;
  for (unsigned i = 0; i < NTHREADS; i++)
    if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i))
      return 2;
  for (unsigned i = 0; i < NTHREADS; i++)
    pthread_join(t[i], NULL);
  uint64_t check = total;
  for (size_t i = 0; i < TABLE_WORDS; i++)
    check = check * 31 + table[i];
  printf("bench_threads: %d threads x %ld rounds, checksum %016llx\n", NTHREADS, rounds,
         (unsigned long long)check);
  return 0;
}
