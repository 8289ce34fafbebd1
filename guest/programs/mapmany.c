/* guest/programs/mapmany.c — many small mappings, and the limit on how many a process may have.
 *
 *   mapmany touch N   N one-page anonymous mappings, alternately read-write and read-only
 *                     so that no two merge: writes each writable page, reads each one,
 *                     checks them all again, unmaps them (compared with qemu-aarch64)
 *   mapmany map N     the same, touching only every 64th page (a frame each), for
 *                     counts whose pages would not fit in RAM
 *   mapmany limit     maps one page at a time until mmap fails: ENOMEM, as Linux's
 *                     vm.max_map_count (65530) gives; then what a process may still do
 *                     at the limit (machemu only: under qemu the host's count includes
 *                     qemu's own mappings)
 *   mapmany mach      the same limit through mach_vm_allocate: KERN_NO_SPACE
 */
#include "guest_test.h"

#include <mach/mach.h>
#include <sys/mman.h>

#define MAX_MAPS 100000        /* above any limit this program expects to meet */

static size_t ps;
static size_t stride = 1;      /* only pages i % stride == 0 are written and checked */
static unsigned char *maps[MAX_MAPS];

static int prot_of(size_t i) { return i % 2 ? PROT_READ : PROT_READ | PROT_WRITE; }

static unsigned char mark(size_t i) { return (unsigned char)(i * 7 + 1); }

/* Maps page i, at hint if that is free (read-only pages are never written: they must
 * read zero). */
static unsigned char *map_page(size_t i, void *hint) {
  unsigned char *p = mmap(hint, ps, prot_of(i), MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p != MAP_FAILED && i % stride == 0 && (prot_of(i) & PROT_WRITE)) p[ps - 1] = p[0] = mark(i);
  return p;
}

static int page_ok(size_t i) {
  volatile unsigned char *p = maps[i];
  unsigned char want = prot_of(i) & PROT_WRITE ? mark(i) : 0;
  return p[0] == want && p[ps - 1] == want && p[ps / 2] == 0;
}

static size_t first_bad(size_t n) {
  for (size_t i = 0; i < n; i += stride)
    if (!page_ok(i)) return i;
  return n;
}

static void unmap_all(size_t n) {
  for (size_t i = 0; i < n; i++) CHECK_ERRNO(40, munmap(maps[i], ps) == 0);
}

static int touch(const char *mode, size_t n) {
  CHECK(10, n > 0 && n <= MAX_MAPS);
  for (size_t i = 0; i < n; i++) CHECK_ERRNO(11, (maps[i] = map_page(i, NULL)) != MAP_FAILED);
  CHECK(12, first_bad(n) == n);
  /* The read-only pages made writable and written: still one mapping each. */
  for (size_t i = 1; i < n; i += 2) {
    CHECK_ERRNO(13, mprotect(maps[i], ps, PROT_READ | PROT_WRITE | PROT_EXEC) == 0);
    if (i % stride == 1 % stride) maps[i][1] = 0x5a;
  }
  for (size_t i = 1; i < n; i += 2)
    if (i % stride == 1 % stride) CHECK(14, maps[i][1] == 0x5a && maps[i][0] == 0);
  CHECK(15, first_bad(n) == n);
  unmap_all(n);
  printf("%s: %zu one-page mappings made, %s, unmapped\n", mode, n,
         stride == 1 ? "every page written or read" : "every 64th page written or read");
  return 0;
}

/* Fills the address space with one-page mappings until mmap fails; their count. */
static size_t fill(int code) {
  size_t n = 0;
  unsigned char *p;
  while ((p = map_page(n, NULL)) != MAP_FAILED) {
    CHECK(code, n + 1 < MAX_MAPS);
    maps[n++] = p;
  }
  CHECK_ERRNO(code + 1, errno == ENOMEM);
  return n;
}

static int limit(void) {
  stride = 64;
  /* stdout's buffer before the address space fills up. */
  printf("limit: filling the address space with one-page mappings\n");
  fflush(stdout);
  /* Executable too, so that no one-page mapping merges with it. */
  const int rwx = PROT_READ | PROT_WRITE | PROT_EXEC;
  unsigned char *big = mmap(NULL, 3 * ps, rwx, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(20, big != MAP_FAILED);
  memset(big, 0x33, 3 * ps);
  size_t n = fill(21);
  CHECK(23, n > 65000);
  fprintf(stderr, "limit: %zu one-page mappings\n", n);
  CHECK(24, first_bad(n) == n);
  printf("limit: mmap failed with ENOMEM after more than 65000 mappings, all still intact\n");

  /* Splitting a mapping needs another entry: refused, and nothing changes. */
  errno = 0;
  CHECK(25, mprotect(big + ps, ps, PROT_READ) == -1 && errno == ENOMEM);
  errno = 0;
  CHECK(26, munmap(big + ps, ps) == -1 && errno == ENOMEM);
  big[ps] = 0x44;
  CHECK(27, big[0] == 0x33 && big[ps] == 0x44 && big[2 * ps] == 0x33);
  printf("limit: mprotect and munmap of the middle of a mapping: ENOMEM, mapping unchanged\n");

  /* Cutting an end off, or changing a whole mapping, adds no entry. */
  CHECK_ERRNO(28, munmap(big, ps) == 0);
  CHECK_ERRNO(29, mprotect(big + ps, 2 * ps, PROT_READ | PROT_EXEC) == 0);
  CHECK(30, big[ps] == 0x44 && big[2 * ps] == 0x33);
  printf("limit: munmap of one end and mprotect of a whole mapping still work\n");

  /* A mapping given back makes room for exactly one more. */
  unsigned char *last = maps[n - 1];
  CHECK_ERRNO(31, munmap(last, ps) == 0);
  CHECK_ERRNO(32, (maps[n - 1] = map_page(n - 1, last)) == last);
  errno = 0;
  CHECK(33, map_page(n, last + ps) == MAP_FAILED && errno == ENOMEM);
  errno = 0;
  CHECK(39, mmap(last + ps, ps, prot_of(n), MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
                 0) == MAP_FAILED && errno == ENOMEM);
  CHECK(34, first_bad(n) == n);
  printf("limit: one unmapped, one mapped again, the next refused (ENOMEM, not EEXIST)\n");

  unmap_all(n);
  CHECK_ERRNO(35, munmap(big + ps, 2 * ps) == 0);
  size_t again = fill(37);
  CHECK(36, again > n);                 /* big's entry is free too */
  unmap_all(again);
  printf("limit: all unmapped; as many fit again, and one more\n");
  return 0;
}

/* The Mach side of the limit: allocations alternately protected read-only. */
static int mach(void) {
  mach_port_t me = mach_task_self();
  printf("mach: filling the address space with one-page allocations\n");
  fflush(stdout);
  mach_vm_address_t big = 0, a = 0;
  CHECK(50, mach_vm_allocate(me, &big, 3 * ps, VM_FLAGS_ANYWHERE) == KERN_SUCCESS);
  /* Executable, so that no one-page allocation merges with it. */
  CHECK(58, mach_vm_protect(me, big, 3 * ps, 0, VM_PROT_ALL) == KERN_SUCCESS);
  size_t n = 0;
  kern_return_t kr;
  while ((kr = mach_vm_allocate(me, &a, ps, VM_FLAGS_ANYWHERE)) == KERN_SUCCESS) {
    CHECK(51, n + 1 < MAX_MAPS);
    maps[n] = (unsigned char *)(uintptr_t)a;
    if (n++ % 2)
      CHECK(52, mach_vm_protect(me, a, ps, 0, VM_PROT_READ) == KERN_SUCCESS);
    a = 0;
  }
  CHECK(53, kr == KERN_NO_SPACE && n > 65000);
  printf("mach: mach_vm_allocate returned KERN_NO_SPACE after more than 65000 allocations\n");
  CHECK(54, mach_vm_protect(me, big + ps, ps, 0, VM_PROT_READ) == KERN_NO_SPACE);
  CHECK(55, mach_vm_deallocate(me, big + ps, ps) == KERN_NO_SPACE);
  CHECK(56, mach_vm_deallocate(me, big, 3 * ps) == KERN_SUCCESS);
  a = 0;
  CHECK(57, mach_vm_allocate(me, &a, ps, VM_FLAGS_ANYWHERE) == KERN_SUCCESS);
  printf("mach: a split refused with KERN_NO_SPACE; a deallocation makes room again\n");
  return 0;
}

int main(int argc, char **argv) {
  ps = guest_pagesize();
  if (argc == 3 && strcmp(argv[1], "touch") == 0) return touch(argv[1], strtoul(argv[2], NULL, 0));
  if (argc == 3 && strcmp(argv[1], "map") == 0) {
    stride = 64;
    return touch(argv[1], strtoul(argv[2], NULL, 0));
  }
  if (argc == 2 && strcmp(argv[1], "limit") == 0) return limit();
  if (argc == 2 && strcmp(argv[1], "mach") == 0) return mach();
  fprintf(stderr, "usage: mapmany touch N | map N | limit | mach\n");
  return 2;
}
