/* guest/programs/mach_vm.c — the Mach VM interface seen from a guest program, with XNU's
 * semantics: every mach_vm_* call, host_statistics64 and task_info, each with its
 * success and error cases. machemu only (svc #0x80 means nothing to qemu-aarch64).
 *
 *   mach_vm              every area, one line per area on stdout
 *   mach_vm AREA...      only those areas (ports, allocate, deallocate, protect, map, copy,
 *                        readwrite, region, pagequery, wire, inherit, purgeable,
 *                        hoststats, taskinfo)
 *
 * Where XNU's behaviour is not obvious, the comment at the check says what XNU does and
 * why (osfmk/vm/vm_user.c, vm_map.c, vm_object.c, kern/host.c, kern/task.c). Assumptions:
 * no memory pressure while it runs (a volatile object is not emptied), and every guest is
 * privileged (mach_host_self() serves as the host_priv port of mach_vm_wire). */
#include "guest_test.h"

#include <fcntl.h>
#include <mach/mach.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE ((mach_vm_size_t)vm_page_size)
#define BAD_PORT ((mach_port_t)0xdead)

static mach_port_t task;

/* CHECK_KR(code, mach_vm_foo(...), KERN_X): the call must return exactly KERN_X. */
#define CHECK_KR(code, call, want) check_kr((code), __LINE__, #call, (call), (want))

static void check_kr(int code, int line, const char *what, kern_return_t got, kern_return_t want) {
  if (got == want) return;
  fflush(stdout);
  fprintf(stderr, "%s:%d: FAILED (exit %d): %s returned %#x %s, expected %s\n", __FILE__, line,
          code, what, (unsigned)got, mach_error_string(got), mach_error_string(want));
  exit(code);
}

static volatile char *at(mach_vm_address_t a) { return (volatile char *)(uintptr_t)a; }

/* ---- faults ------------------------------------------------------------------------ */

static sigjmp_buf probe_env;
static void probe_handler(int sig) { siglongjmp(probe_env, sig); }

/* Reads (or writes) one byte at a; returns 0, or the signal the access raised. XNU
 * raises SIGSEGV for an unmapped address and SIGBUS for a protection failure; a
 * Linux-ABI guest of machemu gets SIGSEGV for both. Either counts as a fault. */
static int probe(mach_vm_address_t a, int write) {
  struct sigaction sa = {.sa_handler = probe_handler}, old_segv, old_bus;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);
  int sig = sigsetjmp(probe_env, 1);
  if (sig == 0) {
    if (write)
      *at(a) = 0x5a;
    else
      (void)*at(a);
  }
  sigaction(SIGSEGV, &old_segv, NULL);
  sigaction(SIGBUS, &old_bus, NULL);
  return sig;
}

static int faults_on_read(mach_vm_address_t a) { return probe(a, 0) != 0; }
static int faults_on_write(mach_vm_address_t a) { return probe(a, 1) != 0; }

/* ---- helpers ----------------------------------------------------------------------- */

static mach_vm_address_t allocate(mach_vm_size_t size) {
  mach_vm_address_t a = 0;
  CHECK_KR(1, mach_vm_allocate(task, &a, size, VM_FLAGS_ANYWHERE), KERN_SUCCESS);
  return a;
}

/* Setup steps, not under test: each must succeed. */
static void set_protection(mach_vm_address_t a, mach_vm_size_t size, vm_prot_t prot) {
  CHECK_KR(2, mach_vm_protect(task, a, size, FALSE, prot), KERN_SUCCESS);
}

static void punch_hole(mach_vm_address_t a, mach_vm_size_t size) {
  CHECK_KR(3, mach_vm_deallocate(task, a, size), KERN_SUCCESS);
}

static mach_vm_address_t unmapped_page(void) {
  mach_vm_address_t a = allocate(PAGE);
  punch_hole(a, PAGE);
  return a;
}

/* An allocation with unmapped pages on both sides, so no neighbour can be coalesced
 * with it (XNU extends an adjacent compatible entry on allocation). */
static mach_vm_address_t allocate_isolated(mach_vm_size_t size) {
  mach_vm_address_t a = allocate(size + 2 * PAGE);
  punch_hole(a, PAGE);
  punch_hole(a + PAGE + size, PAGE);
  return a + PAGE;
}

struct region {
  mach_vm_address_t address;
  mach_vm_size_t size;
  vm_region_basic_info_data_64_t info;
};

static kern_return_t region_from(mach_vm_address_t a, struct region *r) {
  mach_msg_type_number_t count = VM_REGION_BASIC_INFO_COUNT_64;
  mach_port_t object = 1;
  r->address = a;
  kern_return_t kr = mach_vm_region(task, &r->address, &r->size, VM_REGION_BASIC_INFO_64,
                                    (vm_region_info_t)&r->info, &count, &object);
  if (kr == KERN_SUCCESS) {
    CHECK(4, count == VM_REGION_BASIC_INFO_COUNT_64 && object == MACH_PORT_NULL);
  }
  return kr;
}

static struct region region_at(mach_vm_address_t a) {
  struct region r;
  CHECK_KR(5, region_from(a, &r), KERN_SUCCESS);
  return r;
}

static int disposition(mach_vm_address_t a) {
  integer_t disp = -1, refs = -1;
  CHECK_KR(6, mach_vm_page_query(task, a, &disp, &refs), KERN_SUCCESS);
  return disp;
}

static void fill(mach_vm_address_t a, mach_vm_size_t n, unsigned seed) {
  for (mach_vm_size_t i = 0; i < n; i++) at(a)[i] = (char)(seed + i * 7);
}

static int filled(mach_vm_address_t a, mach_vm_size_t n, unsigned seed) {
  for (mach_vm_size_t i = 0; i < n; i++)
    if (at(a)[i] != (char)(seed + i * 7)) return 0;
  return 1;
}

static int same_bytes(mach_vm_address_t a, mach_vm_address_t b, mach_vm_size_t n) {
  return memcmp((const void *)(uintptr_t)a, (const void *)(uintptr_t)b, n) == 0;
}

static int all_zero(mach_vm_address_t a, mach_vm_size_t n) {
  for (mach_vm_size_t i = 0; i < n; i++)
    if (at(a)[i] != 0) return 0;
  return 1;
}

/* ---- ports, page size, error strings ------------------------------------------------ */

static void area_ports(void) {
  CHECK(7, task != MACH_PORT_NULL && MACH_PORT_VALID(task) && mach_task_self() == task);
  CHECK(8, MACH_PORT_VALID(mach_host_self()) && MACH_PORT_VALID(mach_thread_self()) &&
               mach_host_self() != task && mach_thread_self() != task);
  CHECK(9, vm_page_size == 16384 && vm_page_mask == 16383 && vm_page_shift == 14 &&
               (size_t)vm_page_size == guest_pagesize());
  vm_size_t host_page = 0;
  CHECK_KR(10, host_page_size(mach_host_self(), &host_page), KERN_SUCCESS);
  CHECK(11, host_page == 16384);
  CHECK(12, round_page((vm_size_t)1) == 16384 && trunc_page((vm_size_t)16385) == 16384);
  printf("ports: task, host and thread ports valid; page size %lu\n", (unsigned long)vm_page_size);
  printf("errors: %s; %s; %s\n", mach_error_string(KERN_INVALID_ADDRESS),
         mach_error_string(KERN_NO_SPACE), mach_error_string(MACH_SEND_INVALID_DEST));
}

/* ---- mach_vm_allocate --------------------------------------------------------------- */

static void allocate_errors(void) {
  mach_vm_address_t a = 0x1234;
  /* XNU: a zero size succeeds at once, maps nothing and returns address 0. */
  CHECK_KR(13, mach_vm_allocate(task, &a, 0, VM_FLAGS_ANYWHERE), KERN_SUCCESS);
  CHECK(14, a == 0);
  /* Rounding UINT64_MAX up to a page overflows to 0: KERN_INVALID_ARGUMENT. */
  a = 0;
  CHECK_KR(15, mach_vm_allocate(task, &a, UINT64_MAX, VM_FLAGS_ANYWHERE), KERN_INVALID_ARGUMENT);
  /* No hole of 2^60 bytes in a 47-bit address space. */
  CHECK_KR(16, mach_vm_allocate(task, &a, 1ULL << 60, VM_FLAGS_ANYWHERE), KERN_NO_SPACE);
  /* A flag outside VM_FLAGS_USER_ALLOCATE (RETURN_DATA_ADDR is for mach_vm_map). */
  CHECK_KR(17, mach_vm_allocate(task, &a, PAGE, VM_FLAGS_ANYWHERE | VM_FLAGS_RETURN_DATA_ADDR),
           KERN_INVALID_ARGUMENT);
  /* FIXED beyond the end of the map: the range check of vm_map_enter. */
  a = 1ULL << 50;
  CHECK_KR(18, mach_vm_allocate(task, &a, PAGE, VM_FLAGS_FIXED), KERN_INVALID_ADDRESS);
  CHECK_KR(19, mach_vm_allocate(BAD_PORT, &a, PAGE, VM_FLAGS_ANYWHERE), MACH_SEND_INVALID_DEST);
  CHECK_KR(20, mach_vm_allocate(MACH_PORT_NULL, &a, PAGE, VM_FLAGS_ANYWHERE),
           MACH_SEND_INVALID_DEST);
}

static void area_allocate(void) {
  mach_vm_address_t a = allocate(3 * PAGE);
  CHECK(21, a != 0 && (a & vm_page_mask) == 0 && all_zero(a, 3 * PAGE));
  fill(a, 3 * PAGE, 1);
  CHECK(22, filled(a, 3 * PAGE, 1));

  /* A size is rounded up to whole pages: all of the page is usable. */
  mach_vm_address_t b = allocate(1);
  CHECK(23, !faults_on_write(b + PAGE - 1));

  /* FIXED over memory already mapped: KERN_NO_SPACE, the old contents stay. */
  mach_vm_address_t f = a + PAGE;
  CHECK_KR(24, mach_vm_allocate(task, &f, PAGE, VM_FLAGS_FIXED), KERN_NO_SPACE);
  CHECK(25, filled(a, 3 * PAGE, 1));
  /* FIXED | OVERWRITE replaces it with fresh zero-fill memory. */
  CHECK_KR(26, mach_vm_allocate(task, &f, PAGE, VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE), KERN_SUCCESS);
  CHECK(27, f == a + PAGE && all_zero(f, PAGE) && filled(a, PAGE, 1));
  /* FIXED in a hole, at an unaligned address: XNU truncates it to the page. */
  CHECK_KR(28, mach_vm_deallocate(task, a + PAGE, PAGE), KERN_SUCCESS);
  f = a + PAGE + 100;
  CHECK_KR(29, mach_vm_allocate(task, &f, 10, VM_FLAGS_FIXED), KERN_SUCCESS);
  CHECK(30, f == a + PAGE && all_zero(f, PAGE));

  /* A memory tag in the top byte is accepted. */
  mach_vm_address_t t = 0;
  CHECK_KR(31,
           mach_vm_allocate(task, &t, PAGE,
                            VM_FLAGS_ANYWHERE | VM_MAKE_TAG(VM_MEMORY_APPLICATION_SPECIFIC_1)),
           KERN_SUCCESS);
  CHECK(32, !faults_on_write(t));
  /* The older vm_allocate is the same call. */
  vm_address_t v = 0;
  CHECK_KR(33, vm_allocate(task, &v, PAGE, VM_FLAGS_ANYWHERE), KERN_SUCCESS);
  CHECK(34, v != 0 && !faults_on_write(v));
  allocate_errors();
  printf("allocate: anywhere, fixed, overwrite, page rounding, tags and errors\n");
}

/* ---- mach_vm_deallocate ------------------------------------------------------------- */

static void area_deallocate(void) {
  mach_vm_address_t a = allocate(4 * PAGE);
  fill(a, 4 * PAGE, 2);
  CHECK_KR(35, mach_vm_deallocate(task, a + PAGE, PAGE), KERN_SUCCESS);
  CHECK(36, faults_on_read(a + PAGE) && filled(a, PAGE, 2) && !faults_on_read(a + 2 * PAGE));
  /* XNU: removing what is not mapped is not an error. */
  CHECK_KR(37, mach_vm_deallocate(task, a + PAGE, PAGE), KERN_SUCCESS);
  /* Size 0 does nothing. */
  CHECK_KR(38, mach_vm_deallocate(task, a, 0), KERN_SUCCESS);
  CHECK(39, filled(a, PAGE, 2));
  /* An unaligned range covers every page it touches. */
  CHECK_KR(40, mach_vm_deallocate(task, a + 2 * PAGE + 100, 10), KERN_SUCCESS);
  CHECK(41, faults_on_read(a + 2 * PAGE) && !faults_on_read(a + 3 * PAGE));
  /* A range that wraps around the address space. */
  CHECK_KR(42, mach_vm_deallocate(task, UINT64_MAX - PAGE + 1, 2 * PAGE), KERN_INVALID_ARGUMENT);
  CHECK_KR(43, mach_vm_deallocate(BAD_PORT, a, PAGE), MACH_SEND_INVALID_DEST);
  CHECK(44, filled(a, PAGE, 2));
  CHECK_KR(45, vm_deallocate(task, (vm_address_t)a, PAGE), KERN_SUCCESS);
  CHECK(46, faults_on_read(a));
  printf("deallocate: pages go away, holes and size 0 are fine, wrapping range refused\n");
}

/* ---- mach_vm_protect ---------------------------------------------------------------- */

static void protect_errors(mach_vm_address_t a) {
  /* A range with a hole: XNU checks the whole range first and changes nothing. */
  mach_vm_address_t h = allocate_isolated(3 * PAGE);
  punch_hole(h + PAGE, PAGE);
  CHECK_KR(47, mach_vm_protect(task, h, 3 * PAGE, FALSE, VM_PROT_READ), KERN_INVALID_ADDRESS);
  CHECK(48, !faults_on_write(h));
  CHECK_KR(49, mach_vm_protect(task, h + PAGE, PAGE, FALSE, VM_PROT_READ), KERN_INVALID_ADDRESS);
  CHECK_KR(50, mach_vm_protect(task, a, 0, FALSE, VM_PROT_NONE), KERN_SUCCESS);
  CHECK_KR(51, mach_vm_protect(BAD_PORT, a, PAGE, FALSE, VM_PROT_READ), MACH_SEND_INVALID_DEST);
}

static void area_protect(void) {
  mach_vm_address_t a = allocate_isolated(2 * PAGE);
  fill(a, 2 * PAGE, 3);
  /* mach_vm_allocate gives current VM_PROT_DEFAULT, maximum VM_PROT_ALL. */
  struct region r = region_at(a);
  CHECK(52, r.info.protection == VM_PROT_DEFAULT && r.info.max_protection == VM_PROT_ALL);

  CHECK_KR(53, mach_vm_protect(task, a, PAGE, FALSE, VM_PROT_READ), KERN_SUCCESS);
  CHECK(54, faults_on_write(a) && !faults_on_read(a) && filled(a, PAGE, 3));
  /* Only the first page changed: the entry was clipped. */
  r = region_at(a);
  CHECK(55, r.address == a && r.size == PAGE && r.info.protection == VM_PROT_READ &&
                !faults_on_write(a + PAGE) &&
                region_at(a + PAGE).info.protection == VM_PROT_DEFAULT);

  CHECK_KR(56, mach_vm_protect(task, a, PAGE, FALSE, VM_PROT_NONE), KERN_SUCCESS);
  CHECK(57, faults_on_read(a));
  CHECK_KR(58, mach_vm_protect(task, a, PAGE, FALSE, VM_PROT_DEFAULT), KERN_SUCCESS);
  CHECK(59, !faults_on_write(a + 1) && at(a)[2] == (char)(3 + 2 * 7));

  /* set_maximum lowers the maximum and clips the current protection to it. */
  CHECK_KR(60, mach_vm_protect(task, a, PAGE, TRUE, VM_PROT_READ), KERN_SUCCESS);
  r = region_at(a);
  CHECK(61, r.info.max_protection == VM_PROT_READ && r.info.protection == VM_PROT_READ &&
                faults_on_write(a));
  /* Above the maximum, current or maximum: KERN_PROTECTION_FAILURE. */
  CHECK_KR(62, mach_vm_protect(task, a, PAGE, FALSE, VM_PROT_DEFAULT), KERN_PROTECTION_FAILURE);
  CHECK_KR(63, mach_vm_protect(task, a, PAGE, TRUE, VM_PROT_DEFAULT), KERN_PROTECTION_FAILURE);
  CHECK(64, region_at(a).info.protection == VM_PROT_READ);
  CHECK_KR(65, mach_vm_protect(task, a, PAGE, FALSE, VM_PROT_NONE), KERN_SUCCESS);
  CHECK_KR(66, mach_vm_protect(task, a, PAGE, FALSE, VM_PROT_READ), KERN_SUCCESS);

  CHECK_KR(67, vm_protect(task, (vm_address_t)(a + PAGE), PAGE, FALSE, VM_PROT_READ), KERN_SUCCESS);
  CHECK(68, faults_on_write(a + PAGE));
  protect_errors(a);
  printf("protect: read-only and none fault, set_maximum lowers max, raising above it fails\n");
}

/* ---- mach_vm_map (anonymous) -------------------------------------------------------- */

static kern_return_t map_anon(mach_vm_address_t *a, mach_vm_size_t size, mach_vm_offset_t mask,
                              int flags, vm_prot_t cur, vm_prot_t max, vm_inherit_t inh) {
  return mach_vm_map(task, a, size, mask, flags, MEM_ENTRY_NULL, 0, FALSE, cur, max, inh);
}

static void map_errors(void) {
  mach_vm_address_t a = 0;
  /* vm_map_enter_mem_object refuses a zero size (unlike mach_vm_allocate). */
  CHECK_KR(69,
           map_anon(&a, 0, 0, VM_FLAGS_ANYWHERE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_DEFAULT),
           KERN_INVALID_ARGUMENT);
  CHECK_KR(70, map_anon(&a, PAGE, 0, VM_FLAGS_ANYWHERE, VM_PROT_DEFAULT, VM_PROT_ALL, 7),
           KERN_INVALID_ARGUMENT);
  CHECK_KR(71,
           mach_vm_map(BAD_PORT, &a, PAGE, 0, VM_FLAGS_ANYWHERE, MEM_ENTRY_NULL, 0, FALSE,
                       VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_DEFAULT),
           MACH_SEND_INVALID_DEST);
  /* An object port that names no memory entry cannot be mapped. */
  CHECK(72, mach_vm_map(task, &a, PAGE, 0, VM_FLAGS_ANYWHERE, BAD_PORT, 0, FALSE, VM_PROT_DEFAULT,
                        VM_PROT_ALL, VM_INHERIT_DEFAULT) != KERN_SUCCESS);
}

static void area_map(void) {
  mach_vm_address_t a = 0;
  CHECK_KR(73,
           map_anon(&a, 3 * PAGE, 0, VM_FLAGS_ANYWHERE, VM_PROT_DEFAULT, VM_PROT_ALL,
                    VM_INHERIT_DEFAULT),
           KERN_SUCCESS);
  CHECK(74, a != 0 && all_zero(a, 3 * PAGE) && !faults_on_write(a + 3 * PAGE - 1));

  /* mask: the address has those bits clear (2 MB alignment here). */
  const mach_vm_offset_t mask = (2ULL << 20) - 1;
  for (int i = 0; i < 3; i++) {
    mach_vm_address_t m = 0;
    CHECK_KR(75,
             map_anon(&m, PAGE, mask, VM_FLAGS_ANYWHERE, VM_PROT_DEFAULT, VM_PROT_ALL,
                      VM_INHERIT_DEFAULT),
             KERN_SUCCESS);
    CHECK(76, (m & mask) == 0 && !faults_on_write(m));
  }

  /* Protections given at map time; the size rounds up to whole pages. */
  mach_vm_address_t p = 0;
  CHECK_KR(77,
           map_anon(&p, PAGE + 1, 0, VM_FLAGS_ANYWHERE, VM_PROT_READ, VM_PROT_DEFAULT,
                    VM_INHERIT_DEFAULT),
           KERN_SUCCESS);
  struct region r = region_at(p);
  CHECK(78, r.info.protection == VM_PROT_READ && r.info.max_protection == VM_PROT_DEFAULT);
  CHECK(79, faults_on_write(p) && !faults_on_read(p + 2 * PAGE - 1));
  set_protection(p, 2 * PAGE, VM_PROT_DEFAULT);
  CHECK(80, !faults_on_write(p + 2 * PAGE - 1));
  CHECK_KR(81, mach_vm_protect(task, p, PAGE, FALSE, VM_PROT_ALL), KERN_PROTECTION_FAILURE);

  /* Inheritance given at map time; copy = TRUE means nothing without an object. */
  mach_vm_address_t s = 0, n = 0;
  CHECK_KR(82,
           map_anon(&s, PAGE, 0, VM_FLAGS_ANYWHERE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_SHARE),
           KERN_SUCCESS);
  CHECK(83, region_at(s).info.inheritance == VM_INHERIT_SHARE);
  CHECK_KR(84,
           mach_vm_map(task, &n, PAGE, 0, VM_FLAGS_ANYWHERE, MEM_ENTRY_NULL, 0, TRUE,
                       VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_NONE),
           KERN_SUCCESS);
  CHECK(85, region_at(n).info.inheritance == VM_INHERIT_NONE && !faults_on_write(n));

  /* FIXED over mapped memory: KERN_NO_SPACE; with OVERWRITE: fresh zero pages. */
  fill(a, PAGE, 4);
  mach_vm_address_t f = a;
  CHECK_KR(86,
           map_anon(&f, PAGE, 0, VM_FLAGS_FIXED, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_DEFAULT),
           KERN_NO_SPACE);
  CHECK(87, filled(a, PAGE, 4));
  CHECK_KR(88,
           map_anon(&f, PAGE, 0, VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, VM_PROT_DEFAULT, VM_PROT_ALL,
                    VM_INHERIT_DEFAULT),
           KERN_SUCCESS);
  CHECK(89, f == a && all_zero(a, PAGE));
  map_errors();
  printf("map: anonymous memory with mask alignment, protections, inheritance, fixed\n");
}

/* ---- mach_vm_copy ------------------------------------------------------------------- */

static void copy_errors(mach_vm_address_t src, mach_vm_address_t dst) {
  mach_vm_address_t hole = unmapped_page();
  CHECK_KR(90, mach_vm_copy(task, src, PAGE, hole), KERN_INVALID_ADDRESS);
  CHECK_KR(91, mach_vm_copy(task, hole, PAGE, dst), KERN_INVALID_ADDRESS);
  /* The destination must be writable, the source readable. One page is at most
   * msg_ool_size_small (32 KB): vm_map_copyin takes it into a kernel buffer and
   * vm_map_copy_overwrite copies it out; the failed copyinmap or copyout is
   * KERN_INVALID_ADDRESS, not a protection failure. */
  set_protection(dst, PAGE, VM_PROT_READ);
  CHECK_KR(92, mach_vm_copy(task, src, PAGE, dst), KERN_INVALID_ADDRESS);
  set_protection(dst, PAGE, VM_PROT_DEFAULT);
  set_protection(src, PAGE, VM_PROT_NONE);
  CHECK_KR(93, mach_vm_copy(task, src, PAGE, dst), KERN_INVALID_ADDRESS);
  set_protection(src, PAGE, VM_PROT_DEFAULT);
  CHECK_KR(94, mach_vm_copy(task, src, 0, dst), KERN_SUCCESS);
  CHECK_KR(95, mach_vm_copy(BAD_PORT, src, PAGE, dst), MACH_SEND_INVALID_DEST);
}

static void area_copy(void) {
  mach_vm_address_t src = allocate(2 * PAGE), dst = allocate(2 * PAGE);
  fill(src, 2 * PAGE, 5);
  CHECK_KR(96, mach_vm_copy(task, src, 2 * PAGE, dst), KERN_SUCCESS);
  CHECK(97, filled(dst, 2 * PAGE, 5));
  /* A copy, not a mapping: later writes on either side stay on that side. */
  at(src)[0] = 'S';
  at(dst)[PAGE] = 'D';
  CHECK(98, at(dst)[0] == (char)5 && at(src)[PAGE] == (char)(5 + PAGE * 7));

  /* Byte ranges at different page offsets: exactly those bytes move. */
  mach_vm_address_t u = allocate(2 * PAGE);
  CHECK_KR(99, mach_vm_copy(task, src + 10, 300, u + PAGE - 100), KERN_SUCCESS);
  CHECK(100, all_zero(u, PAGE - 100) && all_zero(u + PAGE + 200, PAGE - 200) &&
                 same_bytes(u + PAGE - 100, src + 10, 300));
  copy_errors(src, dst);
  printf("copy: contents, a snapshot, unaligned byte ranges, errors\n");
}

/* ---- mach_vm_read_overwrite and mach_vm_write --------------------------------------- */

static void read_overwrite_errors(mach_vm_address_t src, mach_vm_address_t buf) {
  mach_vm_size_t out = 0;
  mach_vm_address_t hole = unmapped_page();
  CHECK_KR(101, mach_vm_read_overwrite(task, hole, 16, buf, &out), KERN_INVALID_ADDRESS);
  CHECK_KR(102, mach_vm_read_overwrite(task, src, 16, hole, &out), KERN_INVALID_ADDRESS);
  /* 16 bytes go through a kernel buffer: its copyout or copyinmap fails,
   * KERN_INVALID_ADDRESS (see copy_errors). */
  set_protection(buf, PAGE, VM_PROT_READ);
  CHECK_KR(103, mach_vm_read_overwrite(task, src, 16, buf, &out), KERN_INVALID_ADDRESS);
  set_protection(buf, PAGE, VM_PROT_DEFAULT);
  set_protection(src, PAGE, VM_PROT_NONE);
  CHECK_KR(104, mach_vm_read_overwrite(task, src, 16, buf, &out), KERN_INVALID_ADDRESS);
  set_protection(src, PAGE, VM_PROT_DEFAULT);
  CHECK_KR(105, mach_vm_read_overwrite(BAD_PORT, src, 16, buf, &out), MACH_SEND_INVALID_DEST);
}

static void write_errors(mach_vm_address_t dst, mach_vm_address_t data) {
  mach_vm_address_t hole = unmapped_page();
  CHECK_KR(106, mach_vm_write(task, hole, (vm_offset_t)data, 16), KERN_INVALID_ADDRESS);
  /* Small data is a kernel buffer, copied out into read-only memory: see copy_errors. */
  set_protection(dst, PAGE, VM_PROT_READ);
  CHECK_KR(107, mach_vm_write(task, dst, (vm_offset_t)data, 16), KERN_INVALID_ADDRESS);
  set_protection(dst, PAGE, VM_PROT_DEFAULT);
  /* Unreadable data: XNU's MIG send fails (MACH_SEND_INVALID_MEMORY); some error here. */
  CHECK(108, mach_vm_write(task, dst, (vm_offset_t)hole, 16) != KERN_SUCCESS);
  CHECK_KR(109, mach_vm_write(BAD_PORT, dst, (vm_offset_t)data, 16), MACH_SEND_INVALID_DEST);
}

static void area_readwrite(void) {
  mach_vm_address_t src = allocate(2 * PAGE), buf = allocate(2 * PAGE);
  fill(src, 2 * PAGE, 6);
  mach_vm_size_t out = 0;
  CHECK_KR(110, mach_vm_read_overwrite(task, src + 5, PAGE + 123, buf + 1, &out), KERN_SUCCESS);
  CHECK(111, out == PAGE + 123 && same_bytes(buf + 1, src + 5, PAGE + 123) && at(buf)[0] == 0 &&
                 at(buf)[PAGE + 124] == 0);
  read_overwrite_errors(src, buf);

  mach_vm_address_t dst = allocate(PAGE);
  char data[300];
  for (int i = 0; i < 300; i++) data[i] = (char)(i * 13 + 1);
  CHECK_KR(112, mach_vm_write(task, dst + 50, (vm_offset_t)data, sizeof data), KERN_SUCCESS);
  CHECK(113, memcmp((const void *)(uintptr_t)(dst + 50), data, sizeof data) == 0 &&
                 all_zero(dst, 50) && all_zero(dst + 350, PAGE - 350));
  write_errors(dst, (mach_vm_address_t)(uintptr_t)data);
  printf("read/write: read_overwrite and write move exactly the bytes asked; errors\n");
}

/* ---- mach_vm_region ----------------------------------------------------------------- */

/* Walks the map from 0: regions come in address order, never overlap, include base;
 * past the last one the answer is KERN_INVALID_ADDRESS. */
static void region_walk(mach_vm_address_t base) {
  mach_vm_address_t next = 0;
  int regions = 0, saw_base = 0;
  struct region r;
  kern_return_t kr;
  while ((kr = region_from(next, &r)) == KERN_SUCCESS) {
    CHECK(114,
          r.address >= next && r.size > 0 && (r.size & vm_page_mask) == 0 && ++regions < 100000);
    saw_base |= r.address == base;
    next = r.address + r.size;
  }
  CHECK_KR(115, kr, KERN_INVALID_ADDRESS);
  CHECK(116, saw_base && regions >= 4);
  CHECK_KR(117, region_from(next + PAGE, &r), KERN_INVALID_ADDRESS);
}

static void region_errors(mach_vm_address_t a) {
  vm_region_basic_info_data_64_t info;
  mach_msg_type_number_t count = VM_REGION_BASIC_INFO_COUNT_64 - 1;
  mach_vm_size_t size;
  mach_port_t object;
  mach_vm_address_t q = a;
  CHECK_KR(118,
           mach_vm_region(task, &q, &size, VM_REGION_BASIC_INFO_64, (vm_region_info_t)&info, &count,
                          &object),
           KERN_INVALID_ARGUMENT);
  count = VM_REGION_BASIC_INFO_COUNT_64;
  CHECK_KR(119, mach_vm_region(task, &q, &size, 12345, (vm_region_info_t)&info, &count, &object),
           KERN_INVALID_ARGUMENT);
  CHECK_KR(120,
           mach_vm_region(BAD_PORT, &q, &size, VM_REGION_BASIC_INFO_64, (vm_region_info_t)&info,
                          &count, &object),
           MACH_SEND_INVALID_DEST);
}

static void area_region(void) {
  mach_vm_address_t a = allocate_isolated(3 * PAGE);
  set_protection(a + PAGE, PAGE, VM_PROT_READ);
  /* Inside the middle entry: its start, its size, its attributes. */
  struct region r = region_at(a + PAGE + 100);
  CHECK(121, r.address == a + PAGE && r.size == PAGE && r.info.protection == VM_PROT_READ &&
                 r.info.max_protection == VM_PROT_ALL);
  CHECK(122, r.info.inheritance == VM_INHERIT_DEFAULT && !r.info.shared &&
                 r.info.behavior == VM_BEHAVIOR_DEFAULT && r.info.user_wired_count == 0);
  /* In the hole below: the next region up. */
  r = region_at(a - PAGE / 2);
  CHECK(123, r.address == a && r.size == PAGE && r.info.protection == VM_PROT_DEFAULT);
  r = region_at(a + 2 * PAGE);
  CHECK(160, r.address == a + 2 * PAGE && r.size == PAGE);
  region_walk(a);
  region_errors(a);
  printf("region: basic info, lookup inside and below a region, end of the map\n");
}

/* ---- mach_vm_page_query ------------------------------------------------------------- */

static void page_query_file(void) {
  const char *name = "mach_vm_page_query.dat";
  int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_ERRNO(161, fd >= 0);
  char block[4096];
  memset(block, 'f', sizeof block);
  for (size_t done = 0; done < 2 * PAGE; done += sizeof block)
    CHECK_ERRNO(162, write(fd, block, sizeof block) == (ssize_t)sizeof block);
  char *p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
  CHECK_ERRNO(163, p != MAP_FAILED);
  CHECK(164, p[PAGE + 1] == 'f');
  int d = disposition((mach_vm_address_t)(uintptr_t)p + PAGE);
  CHECK(165, (d & VM_PAGE_QUERY_PAGE_PRESENT) && (d & VM_PAGE_QUERY_PAGE_EXTERNAL) &&
                 !(d & VM_PAGE_QUERY_PAGE_DIRTY));
  munmap(p, 2 * PAGE);
  close(fd);
  unlink(name);
}

static void area_pagequery(void) {
  mach_vm_address_t a = allocate_isolated(3 * PAGE);
  /* Untouched anonymous memory: nothing resident, nothing to report. */
  CHECK(166, disposition(a) == 0 && disposition(a + PAGE) == 0);
  /* A read zero-fills a page (XNU has no shared zero page): present and referenced. */
  CHECK(167, at(a)[5] == 0);
  int d = disposition(a);
  CHECK(168, (d & VM_PAGE_QUERY_PAGE_PRESENT) && (d & VM_PAGE_QUERY_PAGE_REF) &&
                 !(d & (VM_PAGE_QUERY_PAGE_DIRTY | VM_PAGE_QUERY_PAGE_EXTERNAL |
                        VM_PAGE_QUERY_PAGE_PAGED_OUT)));
  /* A write: dirty as well, whether the page was resident before or not. */
  at(a)[6] = 1;
  at(a + PAGE)[7] = 1;
  CHECK(169, (disposition(a) & VM_PAGE_QUERY_PAGE_DIRTY) &&
                 (disposition(a) & VM_PAGE_QUERY_PAGE_PRESENT));
  d = disposition(a + PAGE);
  CHECK(170, (d & VM_PAGE_QUERY_PAGE_PRESENT) && (d & VM_PAGE_QUERY_PAGE_REF) &&
                 (d & VM_PAGE_QUERY_PAGE_DIRTY));
  CHECK(171, disposition(a + 2 * PAGE) == 0);
  page_query_file();

  /* Unmapped: XNU answers through vm_map_page_range_info_internal (since 2016), which
   * reports a hole as disposition 0 and succeeds (older kernels said
   * KERN_INVALID_ADDRESS). */
  CHECK(172, disposition(a - PAGE) == 0);
  integer_t disp, refs;
  CHECK_KR(173, mach_vm_page_query(BAD_PORT, a, &disp, &refs), MACH_SEND_INVALID_DEST);
  printf("page_query: untouched 0, read present+ref, write +dirty, file pages external\n");
}

/* ---- mach_vm_wire ------------------------------------------------------------------- */

static void wire_errors(mach_vm_address_t a) {
  mach_port_t host = mach_host_self();
  mach_vm_address_t h = allocate_isolated(3 * PAGE);
  punch_hole(h + 2 * PAGE, PAGE);
  CHECK_KR(174, mach_vm_wire(host, task, h + 2 * PAGE, PAGE, VM_PROT_READ), KERN_INVALID_ADDRESS);
  /* A hole inside the range: KERN_INVALID_ADDRESS, and what was wired is undone. */
  punch_hole(h + PAGE, PAGE);
  CHECK_KR(175, mach_vm_wire(host, task, h, 2 * PAGE, VM_PROT_READ), KERN_INVALID_ADDRESS);
  CHECK(176, region_at(h).info.user_wired_count == 0);
  /* The access wired for must be allowed by the current protection. */
  set_protection(h, PAGE, VM_PROT_READ);
  CHECK_KR(177, mach_vm_wire(host, task, h, PAGE, VM_PROT_DEFAULT), KERN_PROTECTION_FAILURE);
  /* On XNU a name that is no port at all fails the send (MACH_SEND_INVALID_DEST); a port
   * that is not the host's (the task port) reaches the kernel: KERN_INVALID_HOST. */
  CHECK_KR(178, mach_vm_wire(BAD_PORT, task, a, PAGE, VM_PROT_READ), MACH_SEND_INVALID_DEST);
  CHECK_KR(179, mach_vm_wire(task, task, a, PAGE, VM_PROT_READ), KERN_INVALID_HOST);
  /* The task travels in the message body on XNU, where a bad name fails the send with
   * MACH_SEND_INVALID_RIGHT; machemu answers MACH_SEND_INVALID_DEST for any bad port. */
  kern_return_t kr = mach_vm_wire(host, BAD_PORT, a, PAGE, VM_PROT_READ);
  CHECK(180, kr == MACH_SEND_INVALID_RIGHT || kr == MACH_SEND_INVALID_DEST);
}

static void area_wire(void) {
  mach_port_t host = mach_host_self();
  mach_vm_address_t a = allocate_isolated(2 * PAGE);
  CHECK_KR(181, mach_vm_wire(host, task, a, 2 * PAGE, VM_PROT_DEFAULT), KERN_SUCCESS);
  /* Wiring faults every page in. */
  CHECK(182, (disposition(a) & VM_PAGE_QUERY_PAGE_PRESENT) &&
                 (disposition(a + PAGE) & VM_PAGE_QUERY_PAGE_PRESENT));
  CHECK(183, region_at(a).info.user_wired_count == 1 && !faults_on_write(a + PAGE));
  /* User wirings nest; VM_PROT_NONE drops one. */
  CHECK_KR(184, mach_vm_wire(host, task, a, 2 * PAGE, VM_PROT_READ), KERN_SUCCESS);
  CHECK(185, region_at(a).info.user_wired_count == 2);
  CHECK_KR(186, mach_vm_wire(host, task, a, 2 * PAGE, VM_PROT_NONE), KERN_SUCCESS);
  CHECK(187, region_at(a).info.user_wired_count == 1);
  CHECK_KR(188, mach_vm_wire(host, task, a, 2 * PAGE, VM_PROT_NONE), KERN_SUCCESS);
  CHECK(189, region_at(a).info.user_wired_count == 0);
  /* Unwiring memory that is not wired: XNU's vm_map_unwire_nested skips entries with
   * no user wiring when the request comes from user space (it panics only for kernel
   * unwires), so the call succeeds, as munlock(2) of unlocked memory does. */
  CHECK_KR(190, mach_vm_wire(host, task, a, 2 * PAGE, VM_PROT_NONE), KERN_SUCCESS);
  CHECK(191, region_at(a).info.user_wired_count == 0);
  /* Deallocating user-wired memory drops the wiring with the pages. */
  CHECK_KR(192, mach_vm_wire(host, task, a, PAGE, VM_PROT_READ), KERN_SUCCESS);
  CHECK_KR(193, mach_vm_deallocate(task, a, PAGE), KERN_SUCCESS);
  CHECK(194, faults_on_read(a));
  wire_errors(a + PAGE);
  printf("wire: nested user wirings counted, VM_PROT_NONE unwires, errors\n");
}

/* ---- mach_vm_inherit and fork ------------------------------------------------------- */

struct inherit_ranges {
  mach_vm_address_t share, copy, none;
};

/* In the child: SHARE sees the parent's write made after fork, COPY does not, NONE is
 * not mapped at all. The child then writes both for the parent to look at. */
static void inherit_child(const struct inherit_ranges *r, int go) {
  char c;
  CHECK_ERRNO(195, read(go, &c, 1) == 1);
  CHECK(196, at(r->share)[0] == 'P' && at(r->copy)[0] == 'c' && faults_on_read(r->none));
  struct region reg;
  kern_return_t kr = region_from(r->none, &reg);
  CHECK(197, kr == KERN_INVALID_ADDRESS || (kr == KERN_SUCCESS && reg.address > r->none));
  at(r->share)[1] = 'K';
  at(r->copy)[1] = 'K';
  _exit(0);
}

static void inherit_fork(const struct inherit_ranges *r) {
  at(r->share)[0] = 's';
  at(r->copy)[0] = 'c';
  at(r->none)[0] = 'n';
  int go[2];
  CHECK_ERRNO(198, pipe(go) == 0);
  fflush(stdout);
  pid_t pid = fork();
  CHECK_ERRNO(199, pid >= 0);
  if (pid == 0) inherit_child(r, go[0]);
  at(r->share)[0] = 'P';
  at(r->copy)[0] = 'P';
  CHECK_ERRNO(200, write(go[1], "g", 1) == 1);
  int status;
  CHECK_ERRNO(201, waitpid(pid, &status, 0) == pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fprintf(stderr, "inherit: child status %#x (exit %d)\n", status, WEXITSTATUS(status));
  CHECK(202, WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(203, at(r->share)[1] == 'K' && at(r->copy)[1] == 0 && at(r->copy)[0] == 'P' &&
                 at(r->none)[0] == 'n');
  close(go[0]);
  close(go[1]);
}

static void area_inherit(void) {
  struct inherit_ranges r = {allocate_isolated(PAGE), allocate_isolated(PAGE),
                             allocate_isolated(PAGE)};
  CHECK_KR(204, mach_vm_inherit(task, r.share, PAGE, VM_INHERIT_SHARE), KERN_SUCCESS);
  CHECK_KR(205, mach_vm_inherit(task, r.copy, PAGE, VM_INHERIT_COPY), KERN_SUCCESS);
  CHECK_KR(206, mach_vm_inherit(task, r.none, PAGE, VM_INHERIT_NONE), KERN_SUCCESS);
  CHECK(207, region_at(r.share).info.inheritance == VM_INHERIT_SHARE &&
                 region_at(r.copy).info.inheritance == VM_INHERIT_COPY &&
                 region_at(r.none).info.inheritance == VM_INHERIT_NONE);
  /* XNU accepts only SHARE, COPY and NONE (DONATE_COPY was never implemented). */
  CHECK_KR(208, mach_vm_inherit(task, r.copy, PAGE, VM_INHERIT_DONATE_COPY), KERN_INVALID_ARGUMENT);
  CHECK_KR(209, mach_vm_inherit(task, r.copy, PAGE, 7), KERN_INVALID_ARGUMENT);
  /* XNU's vm_map_inherit walks the entries in the range and never looks for holes:
   * an unmapped range succeeds with nothing to change. */
  CHECK_KR(210, mach_vm_inherit(task, r.none - PAGE, PAGE, VM_INHERIT_SHARE), KERN_SUCCESS);
  CHECK_KR(211, mach_vm_inherit(BAD_PORT, r.copy, PAGE, VM_INHERIT_SHARE), MACH_SEND_INVALID_DEST);
  inherit_fork(&r);
  printf("inherit: the child shares SHARE, has a private COPY and a hole for NONE\n");
}

/* ---- mach_vm_purgable_control ------------------------------------------------------- */

static void purgeable_errors(mach_vm_address_t p) {
  int state = VM_PURGABLE_NONVOLATILE;
  /* Ordinary memory, with its object created by a touch: not purgeable. */
  mach_vm_address_t plain = allocate(PAGE);
  at(plain)[0] = 1;
  CHECK_KR(212, mach_vm_purgable_control(task, plain, VM_PURGABLE_GET_STATE, &state),
           KERN_INVALID_ARGUMENT);
  punch_hole(plain, PAGE);
  CHECK_KR(213, mach_vm_purgable_control(task, plain, VM_PURGABLE_GET_STATE, &state),
           KERN_INVALID_ADDRESS);
  CHECK_KR(214, mach_vm_purgable_control(task, p, 99, &state), KERN_INVALID_ARGUMENT);
  state = VM_PURGABLE_VOLATILE;
  CHECK_KR(215, mach_vm_purgable_control(task, p, VM_PURGABLE_SET_STATE_FROM_KERNEL, &state),
           KERN_INVALID_ARGUMENT);
  state = 1 << 30;
  CHECK_KR(216, mach_vm_purgable_control(task, p, VM_PURGABLE_SET_STATE, &state),
           KERN_INVALID_ARGUMENT);
  /* Setting the state needs write access; reading it does not. */
  set_protection(p, 4 * PAGE, VM_PROT_READ);
  state = VM_PURGABLE_VOLATILE;
  CHECK_KR(217, mach_vm_purgable_control(task, p, VM_PURGABLE_SET_STATE, &state),
           KERN_PROTECTION_FAILURE);
  CHECK_KR(218, mach_vm_purgable_control(task, p, VM_PURGABLE_GET_STATE, &state), KERN_SUCCESS);
  CHECK(219, state == VM_PURGABLE_NONVOLATILE);
  CHECK_KR(220, mach_vm_purgable_control(BAD_PORT, p, VM_PURGABLE_GET_STATE, &state),
           MACH_SEND_INVALID_DEST);
}

static void area_purgeable(void) {
  mach_vm_address_t p = 0;
  CHECK_KR(221, mach_vm_allocate(task, &p, 4 * PAGE, VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE),
           KERN_SUCCESS);
  fill(p, 4 * PAGE, 8);
  int state = -1;
  CHECK_KR(222, mach_vm_purgable_control(task, p, VM_PURGABLE_GET_STATE, &state), KERN_SUCCESS);
  CHECK(223, state == VM_PURGABLE_NONVOLATILE);
  /* SET_STATE answers the previous state. */
  state = VM_PURGABLE_VOLATILE;
  CHECK_KR(224, mach_vm_purgable_control(task, p, VM_PURGABLE_SET_STATE, &state), KERN_SUCCESS);
  CHECK(225, state == VM_PURGABLE_NONVOLATILE);
  CHECK_KR(226, mach_vm_purgable_control(task, p, VM_PURGABLE_GET_STATE, &state), KERN_SUCCESS);
  CHECK(227, (state & VM_PURGABLE_STATE_MASK) == VM_PURGABLE_VOLATILE);
  /* Nothing presses on memory here, so the pages were not emptied. */
  state = VM_PURGABLE_NONVOLATILE;
  CHECK_KR(228, mach_vm_purgable_control(task, p, VM_PURGABLE_SET_STATE, &state), KERN_SUCCESS);
  CHECK(229, (state & VM_PURGABLE_STATE_MASK) == VM_PURGABLE_VOLATILE && filled(p, 4 * PAGE, 8));
  purgeable_errors(p);
  printf("purgeable: nonvolatile -> volatile -> nonvolatile keeps the contents; errors\n");
}

/* ---- host_statistics64 -------------------------------------------------------------- */

static vm_statistics64_data_t host_vm_info(void) {
  vm_statistics64_data_t s;
  mach_msg_type_number_t count = HOST_VM_INFO64_COUNT;
  CHECK_KR(230, host_statistics64(mach_host_self(), HOST_VM_INFO64, (host_info64_t)&s, &count),
           KERN_SUCCESS);
  CHECK(231, count == HOST_VM_INFO64_COUNT);
  return s;
}

static void host_statistics_errors(void) {
  vm_statistics64_data_t s;
  memset(&s, 0xa5, sizeof s);
  /* Revision 0 fills the first 24 integers and says so. */
  mach_msg_type_number_t count = HOST_VM_INFO64_REV0_COUNT;
  CHECK_KR(232, host_statistics64(mach_host_self(), HOST_VM_INFO64, (host_info64_t)&s, &count),
           KERN_SUCCESS);
  CHECK(233, count == HOST_VM_INFO64_REV0_COUNT && s.free_count != 0xa5a5a5a5u &&
                 s.decompressions == 0xa5a5a5a5a5a5a5a5ull);
  /* XNU's host_statistics64 answers KERN_FAILURE for a buffer too small. */
  count = HOST_VM_INFO64_REV0_COUNT - 1;
  CHECK_KR(234, host_statistics64(mach_host_self(), HOST_VM_INFO64, (host_info64_t)&s, &count),
           KERN_FAILURE);
  count = HOST_VM_INFO64_COUNT;
  CHECK_KR(235, host_statistics64(mach_host_self(), 12345, (host_info64_t)&s, &count),
           KERN_INVALID_ARGUMENT);
  CHECK_KR(236, host_statistics64(BAD_PORT, HOST_VM_INFO64, (host_info64_t)&s, &count),
           MACH_SEND_INVALID_DEST);
  CHECK_KR(237, host_statistics64(task, HOST_VM_INFO64, (host_info64_t)&s, &count),
           KERN_INVALID_HOST);
}

static void area_hoststats(void) {
  const uint64_t touched = 32;
  vm_statistics64_data_t before = host_vm_info();
  uint64_t in_queues = (uint64_t)before.free_count + before.active_count + before.inactive_count +
                       before.speculative_count + before.wire_count + before.throttled_count +
                       before.compressor_page_count;
  uint64_t ram_pages = (uint64_t)sysconf(_SC_PHYS_PAGES);
  CHECK(238, before.free_count > 0 && before.wire_count > 0 &&
                 before.active_count + before.inactive_count + before.speculative_count > 0);
  CHECK(239, in_queues <= ram_pages && in_queues > ram_pages / 2);

  mach_vm_address_t a = allocate(touched * PAGE);
  for (uint64_t i = 0; i < touched; i++) at(a + i * PAGE)[0] = 1;
  vm_statistics64_data_t after = host_vm_info();
  CHECK(240, after.zero_fill_count >= before.zero_fill_count + touched &&
                 after.faults >= before.faults + touched);
  CHECK(241, after.free_count < before.free_count);
  host_statistics_errors();
  printf("host_statistics64: page counts fit in RAM, touched pages are faults and zero fills\n");
}

/* ---- task_info(TASK_VM_INFO) -------------------------------------------------------- */

static task_vm_info_data_t task_vm_info(void) {
  task_vm_info_data_t v;
  mach_msg_type_number_t count = TASK_VM_INFO_COUNT;
  CHECK_KR(242, task_info(task, TASK_VM_INFO, (task_info_t)&v, &count), KERN_SUCCESS);
  CHECK(243, count == TASK_VM_INFO_COUNT);
  return v;
}

static void task_info_errors(void) {
  task_vm_info_data_t v;
  memset(&v, 0xa5, sizeof v);
  /* Revision 0 stops before phys_footprint. */
  mach_msg_type_number_t count = TASK_VM_INFO_REV0_COUNT;
  CHECK_KR(244, task_info(task, TASK_VM_INFO, (task_info_t)&v, &count), KERN_SUCCESS);
  CHECK(245, count == TASK_VM_INFO_REV0_COUNT && v.page_size == 16384 &&
                 v.phys_footprint == 0xa5a5a5a5a5a5a5a5ull);
  count = TASK_VM_INFO_REV0_COUNT - 1;
  CHECK_KR(246, task_info(task, TASK_VM_INFO, (task_info_t)&v, &count), KERN_INVALID_ARGUMENT);
  count = TASK_VM_INFO_COUNT;
  CHECK_KR(247, task_info(task, 9999, (task_info_t)&v, &count), KERN_INVALID_ARGUMENT);
  CHECK_KR(248, task_info(BAD_PORT, TASK_VM_INFO, (task_info_t)&v, &count), MACH_SEND_INVALID_DEST);
}

static void area_taskinfo(void) {
  const mach_vm_size_t size = 64 * PAGE;
  task_vm_info_data_t before = task_vm_info();
  CHECK(249, before.page_size == 16384 && before.resident_size > 0 &&
                 before.resident_size_peak >= before.resident_size && before.phys_footprint > 0 &&
                 before.virtual_size >= before.resident_size);

  mach_vm_address_t a = allocate(size);
  task_vm_info_data_t mapped = task_vm_info();
  CHECK(250, mapped.virtual_size >= before.virtual_size + size && mapped.min_address <= a &&
                 a + size <= mapped.max_address);
  for (mach_vm_size_t off = 0; off < size; off += PAGE) at(a + off)[0] = 1;
  task_vm_info_data_t touched = task_vm_info();
  CHECK(251, touched.resident_size >= mapped.resident_size + size &&
                 touched.phys_footprint >= mapped.phys_footprint + size &&
                 touched.internal >= mapped.internal + size &&
                 touched.resident_size_peak >= touched.resident_size);

  CHECK_KR(252, mach_vm_deallocate(task, a, size), KERN_SUCCESS);
  task_vm_info_data_t freed = task_vm_info();
  CHECK(253, freed.virtual_size + size <= touched.virtual_size &&
                 freed.phys_footprint + size <= touched.phys_footprint &&
                 freed.resident_size_peak >= touched.resident_size);
  task_info_errors();
  printf("task_info: TASK_VM_INFO sizes follow mapped and touched memory, page_size 16384\n");
}

/* ---- main --------------------------------------------------------------------------- */

static const struct {
  const char *name;
  void (*run)(void);
} areas[] = {
    {"ports", area_ports},         {"allocate", area_allocate}, {"deallocate", area_deallocate},
    {"protect", area_protect},     {"map", area_map},           {"copy", area_copy},
    {"readwrite", area_readwrite}, {"region", area_region},     {"pagequery", area_pagequery},
    {"wire", area_wire},           {"inherit", area_inherit},   {"purgeable", area_purgeable},
    {"hoststats", area_hoststats}, {"taskinfo", area_taskinfo},
};
#define NAREAS (sizeof areas / sizeof *areas)

static void run_area(const char *name) {
  for (size_t i = 0; i < NAREAS; i++)
    if (strcmp(areas[i].name, name) == 0) {
      areas[i].run();
      fflush(stdout);
      return;
    }
  fprintf(stderr, "mach_vm: no area '%s'\n", name);
  exit(125);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  task = mach_task_self();
  if (argc > 1)
    for (int i = 1; i < argc; i++) run_area(argv[i]);
  else
    for (size_t i = 0; i < NAREAS; i++) run_area(areas[i].name);
  return 0;
}
