/* smc: self-modifying code must be seen, including with the store-path shortcut
 * of emu/cpu.c (entries without EXEC for frames with no code). Self-modifying code in one
 * RWX 16 KB page that also holds data: A) run, force a CPU TLB flush, store data
 * first, then patch the code; B) data first on a fresh page, then code, run,
 * patch, run. Exit 0 and "mismatches: 0" twice when every patch is seen.
 */
#include "guest_test.h"
#include <sys/mman.h>
typedef int (*fn_t)(void);
static void emit(uint32_t *p, unsigned imm) {
  p[0] = 0x52800000u | (imm & 0xffff) << 5; p[1] = 0xd65f03c0u;
  __builtin___clear_cache((char *)p, (char *)(p + 2));
}
static void tlb_flush_by_unmap(void) {   /* pmap_remove of a touched page drops our TLB entry */
  volatile char *q = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  q[0] = 1; munmap((void *)q, 16384);
}
int main(void) {
  int prot = PROT_READ | PROT_WRITE | PROT_EXEC;
  uint32_t *page = mmap(NULL, 16384, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(1, page != MAP_FAILED);
  volatile uint64_t *data = (volatile uint64_t *)(page + 2048);   /* +8 KB, same page */
  int bad = 0;
  /* A: code runs, TLB flushed, a data store first, then the code is patched. */
  emit(page, 1);
  for (unsigned i = 2; i < 2000; i++) {
    if (((fn_t)page)() != (int)i - 1) bad++;
    tlb_flush_by_unmap();
    data[i & 7] = i;                 /* first store after the flush: not to code */
    emit(page, i);                   /* then patch the code */
  }
  printf("A mismatches: %d\n", bad);
  /* B: data first on a fresh page, then code, run, patch, run. */
  int badb = 0;
  for (unsigned r = 0; r < 200; r++) {
    uint32_t *p = mmap(NULL, 16384, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    volatile uint64_t *d = (volatile uint64_t *)(p + 2048);
    for (int k = 0; k < 64; k++) d[k] = k;
    emit(p, r);
    if (((fn_t)p)() != (int)r) badb++;
    d[1] = 5;
    emit(p, r + 1000);
    if (((fn_t)p)() != (int)r + 1000) badb++;
    munmap(p, 16384);
  }
  printf("B mismatches: %d\n", badb);
  return bad || badb;
}
