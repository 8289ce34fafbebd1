/* guest/programs/mach_entries.c — memory entries, copy-on-write copies, reusable pages
 * and region recursion as a Darwin program sees them. Built as an ELF (libmach over
 * glibc) and, through guest/programs/macho/entries.c, as a Mach-O: both must print
 * the same lines.
 *
 *   mach_entries          every area, one line each
 *   mach_entries AREA...  only those (entries, copies, reusable, recurse)
 *
 * Every expected value is Darwin's, derived from XNU's source; the comment at each
 * check says why (osfmk/vm/vm_memory_entry.c, vm_map.c: vm_map_enter_mem_object,
 * vm_map_copyin, vm_map_copy_overwrite_aligned, vm_map_page_range_info_internal,
 * vm_map_region_walk, vm_map_reusable_pages; bsd/kern/kern_mman.c). A failing check
 * exits with its own status. Emulator only. */
#include "guest_test.h"

#include <mach/mach.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE ((mach_vm_size_t)vm_page_size)
/* An entry over 64 KB: five 16 KB pages. */
#define ENTRY_PAGES 5
#define ENTRY_SIZE (ENTRY_PAGES * PAGE)
/* MIG's answer when a port name is not in the caller's space. */
#define SEND_INVALID_RIGHT 0x10000007
#define Q_PRESENT  VM_PAGE_QUERY_PAGE_PRESENT
#define Q_REF      VM_PAGE_QUERY_PAGE_REF
#define Q_DIRTY    VM_PAGE_QUERY_PAGE_DIRTY
#define Q_COPIED   VM_PAGE_QUERY_PAGE_COPIED
#define Q_REUSABLE 0x800

static mach_port_t task;

#define CHECK_KR(code, call, want) check_kr((code), __LINE__, #call, (call), (want))

static void check_kr(int code, int line, const char *what, kern_return_t got, kern_return_t want)
{
  if (got == want) return;
  fflush(stdout);
  fprintf(stderr, "%s:%d: FAILED (exit %d): %s returned %#x %s, expected %#x %s\n", __FILE__,
          line, code, what, (unsigned)got, mach_error_string(got), (unsigned)want,
          mach_error_string(want));
  exit(code);
}

static volatile char *at(mach_vm_address_t a) { return (volatile char *)(uintptr_t)a; }

static mach_vm_address_t allocate(mach_vm_size_t size)
{
  mach_vm_address_t a = 0;
  CHECK_KR(2, mach_vm_allocate(task, &a, size, VM_FLAGS_ANYWHERE), KERN_SUCCESS);
  return a;
}

/* Byte i of pattern seed: differs from page to page and from seed to seed. */
static char pat(int seed, mach_vm_size_t i) { return (char)(seed + i * 7 + (i >> 14)); }

static void fill(mach_vm_address_t a, mach_vm_size_t n, int seed)
{
  for (mach_vm_size_t i = 0; i < n; i++) at(a)[i] = pat(seed, i);
}

static int filled(mach_vm_address_t a, mach_vm_size_t n, int seed)
{
  for (mach_vm_size_t i = 0; i < n; i++)
    if (at(a)[i] != pat(seed, i)) return 0;
  return 1;
}

/* The page at a: disposition and references, as mach_vm_page_query reports them. */
static void query(int code, mach_vm_address_t a, int want_disp, int want_refs)
{
  integer_t disp = -1, refs = -1;
  CHECK_KR(code, mach_vm_page_query(task, a, &disp, &refs), KERN_SUCCESS);
  if (disp == want_disp && refs == want_refs) return;
  fflush(stdout);
  fprintf(stderr, "%s: FAILED (exit %d): page_query: disposition %#x refs %d, expected %#x refs %d\n",
          __FILE__, code, disp, refs, want_disp, want_refs);
  exit(code);
}

static int share_mode(mach_vm_address_t a)
{
  vm_region_extended_info_data_t x;
  mach_msg_type_number_t n = VM_REGION_EXTENDED_INFO_COUNT;
  mach_vm_size_t size;
  mach_port_t obj;
  CHECK_KR(3, mach_vm_region(task, &a, &size, VM_REGION_EXTENDED_INFO, (vm_region_info_t)&x, &n,
                             &obj), KERN_SUCCESS);
  return x.share_mode;
}

static mach_vm_address_t map_entry(int code, mach_port_t port, mach_vm_size_t size,
                                   mach_vm_offset_t offset, boolean_t copy, vm_prot_t cur,
                                   vm_prot_t max)
{
  mach_vm_address_t a = 0;
  CHECK_KR(code, mach_vm_map(task, &a, size, 0, VM_FLAGS_ANYWHERE, port, offset, copy, cur, max,
                             VM_INHERIT_DEFAULT), KERN_SUCCESS);
  return a;
}

/* ---- memory entries ----------------------------------------------------------------- */

static void entry_errors(mach_vm_address_t a, mach_port_t port)
{
  mach_vm_address_t m = 0;
  /* vm_map_enter_mem_object: the offset plus size must fit in the entry. */
  CHECK_KR(30, mach_vm_map(task, &m, 2 * PAGE, 0, VM_FLAGS_ANYWHERE, port, 4 * PAGE, FALSE,
                           VM_PROT_READ, VM_PROT_READ, VM_INHERIT_DEFAULT), KERN_INVALID_ARGUMENT);
  /* An entry asks no more than the mapping allows: vm_map_copy_extract finds the
   * range read-only and mach_make_memory_entry_share says KERN_PROTECTION_FAILURE. */
  mach_vm_address_t r = allocate(PAGE);
  CHECK_KR(31, mach_vm_protect(task, r, PAGE, FALSE, VM_PROT_READ), KERN_SUCCESS);
  memory_object_size_t size = PAGE;
  mach_port_t p = MACH_PORT_NULL;
  CHECK_KR(32, mach_make_memory_entry_64(task, &size, r, VM_PROT_READ | VM_PROT_WRITE, &p,
                                         MACH_PORT_NULL), KERN_PROTECTION_FAILURE);
  /* Nothing mapped there. */
  CHECK_KR(33, mach_vm_deallocate(task, r, PAGE), KERN_SUCCESS);
  CHECK_KR(34, mach_make_memory_entry_64(task, &size, r, VM_PROT_READ, &p, MACH_PORT_NULL),
           KERN_INVALID_ADDRESS);
  (void)a;
}

/* A read-only entry: vm_map_enter_mem_object compares cur and max with the entry's
 * protection and answers KERN_INVALID_RIGHT, for a shared and a copied mapping alike
 * (the check comes before the copy). */
static void read_only_entry(mach_vm_address_t a)
{
  memory_object_size_t size = ENTRY_SIZE;
  mach_port_t ro = MACH_PORT_NULL;
  mach_vm_address_t m = 0;
  CHECK_KR(40, mach_make_memory_entry_64(task, &size, a, VM_PROT_READ, &ro, MACH_PORT_NULL),
           KERN_SUCCESS);
  CHECK_KR(41, mach_vm_map(task, &m, ENTRY_SIZE, 0, VM_FLAGS_ANYWHERE, ro, 0, FALSE,
                           VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ | VM_PROT_WRITE,
                           VM_INHERIT_DEFAULT), KERN_INVALID_RIGHT);
  CHECK_KR(42, mach_vm_map(task, &m, ENTRY_SIZE, 0, VM_FLAGS_ANYWHERE, ro, 0, FALSE,
                           VM_PROT_READ, VM_PROT_READ | VM_PROT_WRITE, VM_INHERIT_DEFAULT),
           KERN_INVALID_RIGHT);
  CHECK_KR(43, mach_vm_map(task, &m, ENTRY_SIZE, 0, VM_FLAGS_ANYWHERE, ro, 0, TRUE,
                           VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_DEFAULT),
           KERN_INVALID_RIGHT);
  /* With VM_PROT_IS_MASK the mapping gets what the entry allows of what is asked. */
  m = map_entry(85, ro, ENTRY_SIZE, 0, FALSE, VM_PROT_DEFAULT | VM_PROT_IS_MASK,
                VM_PROT_ALL | VM_PROT_IS_MASK);
  vm_region_basic_info_data_64_t b;
  mach_msg_type_number_t count = VM_REGION_BASIC_INFO_COUNT_64;
  mach_vm_address_t r = m;
  mach_vm_size_t rsize;
  mach_port_t obj;
  CHECK_KR(86, mach_vm_region(task, &r, &rsize, VM_REGION_BASIC_INFO_64, (vm_region_info_t)&b,
                              &count, &obj), KERN_SUCCESS);
  CHECK(87, r == m && b.protection == VM_PROT_READ && b.max_protection == VM_PROT_READ);
  CHECK_KR(88, mach_vm_deallocate(task, m, ENTRY_SIZE), KERN_SUCCESS);
  m = map_entry(44, ro, ENTRY_SIZE, 0, FALSE, VM_PROT_READ, VM_PROT_READ);
  CHECK(45, at(m)[0] == at(a)[0]);
  CHECK_KR(46, mach_vm_protect(task, m, PAGE, FALSE, VM_PROT_WRITE), KERN_PROTECTION_FAILURE);
  CHECK_KR(47, mach_vm_deallocate(task, m, ENTRY_SIZE), KERN_SUCCESS);
  CHECK_KR(48, mach_port_deallocate(task, ro), KERN_SUCCESS);
}

static void area_entries(void)
{
  mach_vm_address_t a = allocate(ENTRY_SIZE);
  fill(a, ENTRY_SIZE, 1);
  memory_object_size_t size = ENTRY_SIZE;
  mach_port_t port = MACH_PORT_NULL;
  CHECK_KR(10, mach_make_memory_entry_64(task, &size, a, VM_PROT_READ | VM_PROT_WRITE, &port,
                                         MACH_PORT_NULL), KERN_SUCCESS);
  CHECK(11, size == ENTRY_SIZE && MACH_PORT_VALID(port) && port != task);

  mach_vm_address_t shared = map_entry(12, port, ENTRY_SIZE, 0, FALSE, VM_PROT_DEFAULT,
                                       VM_PROT_DEFAULT);
  mach_vm_address_t copy = map_entry(13, port, ENTRY_SIZE, 0, TRUE, VM_PROT_DEFAULT,
                                     VM_PROT_DEFAULT);
  CHECK(14, filled(shared, ENTRY_SIZE, 1) && filled(copy, ENTRY_SIZE, 1));
  /* Shared: one object, written in place by all three. The copy (the object is
   * COPY_DELAY once shared) keeps what it saw when mapped. */
  at(shared)[0] = 'S';
  at(a)[PAGE] = 'A';
  at(copy)[2 * PAGE] = 'C';
  CHECK(15, at(a)[0] == 'S' && at(shared)[PAGE] == 'A');
  CHECK(16, at(copy)[0] == pat(1, 0) && at(copy)[PAGE] == pat(1, PAGE));
  CHECK(17, at(a)[2 * PAGE] == pat(1, 2 * PAGE) && at(shared)[2 * PAGE] == pat(1, 2 * PAGE));
  /* A part of the entry at an offset. */
  mach_vm_address_t part = map_entry(18, port, PAGE, 3 * PAGE, FALSE, VM_PROT_READ, VM_PROT_READ);
  CHECK(19, at(part)[5] == pat(1, 3 * PAGE + 5));
  /* vm_map_region_walk: an object held in place by several (named, true_share) is
   * SM_TRUESHARED; the copy finds its pages in the object it shadows: SM_COW. */
  CHECK(20, share_mode(shared) == SM_TRUESHARED && share_mode(a) == SM_TRUESHARED);
  CHECK(21, share_mode(copy) == SM_COW);
  entry_errors(a, port);
  read_only_entry(a);
  /* Ports are per task: a forked child's space holds only its own task's special
   * ports, so the parent's entry name means nothing there (the send fails). */
  pid_t pid = fork();
  CHECK_ERRNO(55, pid >= 0);
  if (pid == 0) {
    mach_vm_address_t c = 0;
    _exit(mach_vm_map(mach_task_self(), &c, PAGE, 0, VM_FLAGS_ANYWHERE, port, 0, FALSE,
                      VM_PROT_READ, VM_PROT_READ, VM_INHERIT_DEFAULT) == SEND_INVALID_RIGHT ? 0 : 1);
  }
  int status = -1;
  CHECK_ERRNO(56, waitpid(pid, &status, 0) == pid);
  CHECK(57, WIFEXITED(status) && WEXITSTATUS(status) == 0);

  /* The object lives while a mapping or the port holds it. */
  CHECK_KR(22, mach_vm_deallocate(task, a, ENTRY_SIZE), KERN_SUCCESS);
  CHECK(23, at(shared)[0] == 'S' && at(shared)[PAGE] == 'A' && at(part)[5] == pat(1, 3 * PAGE + 5));
  mach_vm_address_t again = map_entry(24, port, ENTRY_SIZE, 0, FALSE, VM_PROT_DEFAULT,
                                      VM_PROT_DEFAULT);
  at(again)[3] = 'G';
  CHECK(25, at(shared)[3] == 'G');
  CHECK_KR(26, mach_port_deallocate(task, port), KERN_SUCCESS);
  CHECK(27, at(shared)[3] == 'G' && at(again)[0] == 'S');
  /* The name is gone from the space: a second deallocate, and a mapping by it, fail. */
  CHECK_KR(28, mach_port_deallocate(task, port), KERN_INVALID_NAME);
  mach_vm_address_t m = 0;
  CHECK_KR(29, mach_vm_map(task, &m, PAGE, 0, VM_FLAGS_ANYWHERE, port, 0, FALSE, VM_PROT_READ,
                           VM_PROT_READ, VM_INHERIT_DEFAULT), SEND_INVALID_RIGHT);

  /* MAP_MEM_NAMED_CREATE: a new zero-filled object, the size rounded to pages. */
  size = ENTRY_SIZE + 1;
  CHECK_KR(35, mach_make_memory_entry_64(task, &size, 0, MAP_MEM_NAMED_CREATE | VM_PROT_DEFAULT,
                                         &port, MACH_PORT_NULL), KERN_SUCCESS);
  CHECK(36, size == ENTRY_SIZE + PAGE);
  mach_vm_address_t x = map_entry(37, port, size, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_DEFAULT);
  mach_vm_address_t y = map_entry(38, port, size, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_DEFAULT);
  CHECK(39, at(x)[ENTRY_SIZE] == 0);
  at(x)[ENTRY_SIZE] = 'N';
  CHECK(49, at(y)[ENTRY_SIZE] == 'N');
  CHECK_KR(50, mach_port_deallocate(task, port), KERN_SUCCESS);
  /* mach_memory_object_memory_entry_64 without a pager: an anonymous object. */
  CHECK_KR(51, mach_memory_object_memory_entry_64(mach_host_self(), TRUE, 2 * PAGE,
                                                  VM_PROT_DEFAULT, MEMORY_OBJECT_NULL, &port),
           KERN_SUCCESS);
  mach_vm_address_t z = map_entry(52, port, 2 * PAGE, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_DEFAULT);
  CHECK(53, at(z)[PAGE] == 0);
  CHECK_KR(54, mach_memory_object_memory_entry_64(mach_host_self(), FALSE, 2 * PAGE,
                                                  VM_PROT_DEFAULT, MEMORY_OBJECT_NULL, &port),
           KERN_INVALID_ARGUMENT);
  printf("entries: shared and copied mappings, offsets, KERN_INVALID_RIGHT, lifetime by port "
         "and mapping\n");
}

/* ---- copy-on-write copies ------------------------------------------------------------ */

static void area_copies(void)
{
  /* 64 KB, page aligned: more than msg_ool_size_small (32 KB on arm64), so
   * vm_map_copyin takes the source copy-on-write and vm_map_copy_overwrite_aligned
   * puts the source's object in place of the untouched destination. */
  mach_vm_size_t n = 4 * PAGE;
  mach_vm_address_t src = allocate(n), dst = allocate(n);
  fill(src, n, 2);
  CHECK_KR(60, mach_vm_copy(task, src, n, dst), KERN_SUCCESS);
  /* The destination's page is the source's: present, referenced, dirty (the source
   * wrote it), in an object two entries hold, not a copy yet. */
  query(61, dst, Q_PRESENT | Q_REF | Q_DIRTY, 2);
  CHECK(62, filled(dst, n, 2));
  CHECK(63, share_mode(dst) == SM_COW && share_mode(src) == SM_COW);
  /* A write copies one page: in the destination's new shadow object, COPIED. The
   * others are still found below it; page_query counts the top object's references. */
  at(dst)[PAGE] = 'D';
  query(64, dst + PAGE, Q_PRESENT | Q_REF | Q_DIRTY | Q_COPIED, 1);
  query(65, dst, Q_PRESENT | Q_REF | Q_DIRTY, 1);
  at(src)[2 * PAGE] = 'S';
  CHECK(66, at(dst)[2 * PAGE] == pat(2, 2 * PAGE) && at(src)[PAGE] == pat(2, PAGE));

  /* mach_vm_read: an out-of-line copy mapped into the caller, sharing the source's
   * pages: page 2 is the source's private copy (COPIED in its object), page 0 lies
   * below. Both objects' tops are held by the source and the new mapping. */
  vm_offset_t data = 0;
  mach_msg_type_number_t count = 0;
  CHECK_KR(67, mach_vm_read(task, src, n, &data, &count), KERN_SUCCESS);
  CHECK(68, count == n && (data & vm_page_mask) == 0 && at(data)[2 * PAGE] == 'S' &&
                filled(data, PAGE, 2));
  query(69, data + 2 * PAGE, Q_PRESENT | Q_REF | Q_DIRTY | Q_COPIED, 2);
  query(70, data, Q_PRESENT | Q_REF | Q_DIRTY, 2);
  CHECK_KR(71, mach_vm_deallocate(task, data, count), KERN_SUCCESS);
  /* A small read goes through a kernel buffer: fresh memory, starting its page. */
  CHECK_KR(72, mach_vm_read(task, src + 10, 100, &data, &count), KERN_SUCCESS);
  CHECK(73, count == 100 && (data & vm_page_mask) == 0 && at(data)[0] == pat(2, 10));
  CHECK_KR(74, mach_vm_deallocate(task, data, PAGE), KERN_SUCCESS);

  /* mach_vm_read_overwrite and mach_vm_write: the same copy, over a destination. */
  mach_vm_address_t d2 = allocate(n), d3 = allocate(n);
  mach_vm_size_t out = 0;
  CHECK_KR(75, mach_vm_read_overwrite(task, dst, n, d2, &out), KERN_SUCCESS);
  CHECK(76, out == n && at(d2)[PAGE] == 'D' && share_mode(d2) == SM_COW);
  CHECK_KR(77, mach_vm_write(task, d3, (vm_offset_t)src, (mach_msg_type_number_t)n), KERN_SUCCESS);
  CHECK(78, at(d3)[2 * PAGE] == 'S' && share_mode(d3) == SM_COW);

  /* 32 KB is msg_ool_size_small itself: copied through a kernel buffer, byte by byte.
   * The destination gets pages of its own and the source stays private. */
  mach_vm_address_t s4 = allocate(2 * PAGE), d4 = allocate(2 * PAGE);
  fill(s4, 2 * PAGE, 3);
  CHECK_KR(79, mach_vm_copy(task, s4, 2 * PAGE, d4), KERN_SUCCESS);
  query(80, d4, Q_PRESENT | Q_REF | Q_DIRTY, 1);
  CHECK(81, filled(d4, 2 * PAGE, 3) && share_mode(s4) == SM_PRIVATE &&
                share_mode(d4) == SM_PRIVATE);
  /* A read-only destination refuses both kinds, each in its way: the entry-list
   * overwrite checks the entries (KERN_PROTECTION_FAILURE), the kernel buffer's
   * copyout faults (KERN_INVALID_ADDRESS). */
  CHECK_KR(82, mach_vm_protect(task, d3, n, FALSE, VM_PROT_READ), KERN_SUCCESS);
  CHECK_KR(83, mach_vm_copy(task, src, n, d3), KERN_PROTECTION_FAILURE);
  CHECK_KR(84, mach_vm_copy(task, s4, 2 * PAGE, d3), KERN_INVALID_ADDRESS);
  printf("copies: copy, read, read_overwrite and write share pages copy-on-write above 32 KB\n");
}

/* ---- reusable pages --------------------------------------------------------------------- */

static uint64_t footprint(void)
{
  task_vm_info_data_t v;
  mach_msg_type_number_t count = TASK_VM_INFO_COUNT;
  CHECK_KR(4, task_info(task, TASK_VM_INFO, (task_info_t)&v, &count), KERN_SUCCESS);
  return v.phys_footprint;
}

static void area_reusable(void)
{
  mach_vm_size_t n = 8 * PAGE;
  mach_vm_address_t r = allocate(n);
  fill(r, n, 4);
  uint64_t before = footprint();
#ifdef __APPLE__
  /* libmalloc's pair: the pages leave phys_footprint for the reusable ledger (the
   * pmap moves them out of internal) and come back on MADV_FREE_REUSE. */
  CHECK_ERRNO(90, madvise((void *)(uintptr_t)r, n, MADV_FREE_REUSABLE) == 0);
  CHECK(91, before - footprint() == n);
  /* Still there, cleaned and unreferenced by the deactivation, marked reusable. */
  query(92, r, Q_PRESENT | Q_REUSABLE, 1);
  CHECK_ERRNO(93, madvise((void *)(uintptr_t)r, n, MADV_FREE_REUSE) == 0);
  CHECK(94, footprint() == before && filled(r, n, 4));
  /* kern_mman.c: a range vm_map_reusable_pages refuses (not plain private memory,
   * here read-only) is EPERM for KERN_PROTECTION_FAILURE. */
  CHECK_KR(95, mach_vm_protect(task, r, PAGE, FALSE, VM_PROT_READ), KERN_SUCCESS);
  CHECK(96, madvise((void *)(uintptr_t)r, PAGE, MADV_FREE_REUSABLE) == -1 && errno == EPERM);
#else
  /* Linux's MADV_FREE: the same reusable pages; a write takes one back. */
  CHECK_ERRNO(90, madvise((void *)(uintptr_t)r, n, MADV_FREE) == 0);
  CHECK(91, before - footprint() == n);
  query(92, r, Q_PRESENT | Q_REUSABLE, 1);
  at(r)[0] = pat(4, 0);
  CHECK(94, before - footprint() == n - PAGE && filled(r, n, 4));
#endif
  printf("reusable: pages leave phys_footprint and come back\n");
}

/* ---- region recursion --------------------------------------------------------------- */

static void area_recurse(void)
{
  mach_vm_address_t a = 0, sub = 0;
  mach_vm_size_t size = 0, subsize = 0;
  int submaps = 0;
  for (;; a += size) {
    natural_t depth = 0;
    vm_region_submap_info_data_64_t info;
    mach_msg_type_number_t count = VM_REGION_SUBMAP_INFO_COUNT_64;
    kern_return_t kr = mach_vm_region_recurse(task, &a, &size, &depth, (vm_region_recurse_info_t)&info,
                                              &count);
    if (kr == KERN_INVALID_ADDRESS) break;
    CHECK_KR(100, kr, KERN_SUCCESS);
    CHECK(101, depth == 0 && count == VM_REGION_SUBMAP_INFO_COUNT_64);
    if (info.is_submap) {
      /* The shared region: nested (use_pmap), so SM_TRUESHARED; VM_MEMORY_SHARED_PMAP. */
      CHECK(102, info.share_mode == SM_TRUESHARED && info.user_tag == 32 && info.ref_count >= 2);
      submaps++;
      sub = a;
      subsize = size;
    }
  }
  CHECK(103, submaps == 1);
  /* One level down: an entry of the sub-map, at depth 1. vm_shared_region_map_file
   * maps the cache's file copy-on-write (copy TRUE): SM_COW. */
  natural_t depth = 1;
  vm_region_submap_info_data_64_t info;
  mach_msg_type_number_t count = VM_REGION_SUBMAP_INFO_COUNT_64;
  a = sub;
  CHECK_KR(104, mach_vm_region_recurse(task, &a, &size, &depth, (vm_region_recurse_info_t)&info,
                                       &count), KERN_SUCCESS);
  CHECK(105, depth == 1 && !info.is_submap && a >= sub && a + size <= sub + subsize &&
                 info.share_mode == SM_COW);
  /* Private memory: PRV once touched (one reference, pages at depth 0), NUL before;
   * TOP_INFO counts the touched pages as private. */
  mach_vm_address_t p = allocate(3 * PAGE);
  CHECK(106, share_mode(p) == SM_EMPTY);
  at(p)[0] = 1;
  at(p)[PAGE] = 1;
  vm_region_top_info_data_t top;
  mach_port_t obj;
  count = VM_REGION_TOP_INFO_COUNT;
  a = p;
  CHECK_KR(107, mach_vm_region(task, &a, &size, VM_REGION_TOP_INFO, (vm_region_info_t)&top, &count,
                               &obj), KERN_SUCCESS);
  CHECK(108, top.share_mode == SM_PRIVATE && top.private_pages_resident == 2 &&
                 top.shared_pages_resident == 0 && top.ref_count == 1);
  vm_region_extended_info_data_t x;
  count = VM_REGION_EXTENDED_INFO_COUNT;
  CHECK_KR(109, mach_vm_region(task, &a, &size, VM_REGION_EXTENDED_INFO, (vm_region_info_t)&x,
                               &count, &obj), KERN_SUCCESS);
  CHECK(110, x.share_mode == SM_PRIVATE && x.pages_resident == 2 && x.pages_dirtied == 2 &&
                 x.ref_count == 1 && x.shadow_depth == 0 && count == VM_REGION_EXTENDED_INFO_COUNT);
  /* Too small an info buffer. */
  count = VM_REGION_TOP_INFO_COUNT - 1;
  CHECK_KR(111, mach_vm_region(task, &a, &size, VM_REGION_TOP_INFO, (vm_region_info_t)&top, &count,
                               &obj), KERN_INVALID_ARGUMENT);
  printf("recurse: one shared-region sub-map, its entries at depth 1, share modes\n");
}

static const struct { const char *name; void (*run)(void); } areas[] = {
  {"entries", area_entries}, {"copies", area_copies}, {"reusable", area_reusable},
  {"recurse", area_recurse},
};

int main(int argc, char **argv)
{
  task = mach_task_self();
  size_t n = sizeof areas / sizeof areas[0];
  for (size_t i = 0; i < n; i++) {
    int run = argc < 2;
    for (int j = 1; j < argc; j++) run |= strcmp(argv[j], areas[i].name) == 0;
    if (run) areas[i].run();
  }
  return 0;
}
