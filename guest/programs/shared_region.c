/* shared_region: the shared cache machemu maps at 0x180000000 into every task.
 *   shared_region read    reads the cache's header and mapping records, writes its
 *                         __DATA (a private copy), forks: the child reads the same text
 *                         and sees the parent's data as it was at the fork
 *   shared_region probe   reads the first byte (SIGSEGV without a shared region)
 *   shared_region change  wires, re-protects, advises and unmaps parts of the region
 *                         (each unnests it for this task), then reads what is left,
 *                         in itself and in a child
 * Emulator only: qemu-aarch64 maps nothing there. */
#include "guest_test.h"
#include <mach/mach.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define SHARED_REGION_BASE 0x180000000ull

struct mapping { uint64_t address, size, file_offset; uint32_t max_prot, init_prot; };

static const char *prot_text(uint32_t p)
{
  static const char *const t[] = { "---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx" };
  return t[p & 7];
}

static unsigned long text_sum(const volatile uint8_t *p, size_t n)
{
  unsigned long s = 0;
  for (size_t i = 0; i < n; i++)
    s = s * 31 + p[i];
  return s;
}

int main(int argc, char **argv)
{
  const volatile uint8_t *base = (const volatile uint8_t *)SHARED_REGION_BASE;
  if (argc > 1 && !strcmp(argv[1], "probe")) {
    printf("probe: first byte %c\n", base[0]);
    return 0;
  }
  if (argc > 1 && !strcmp(argv[1], "change")) {
    const size_t pg = 16384;
    unsigned long before = text_sum(base, 4 * pg);
    CHECK(30, mach_vm_wire(mach_host_self(), mach_task_self(), (mach_vm_address_t)base, pg,
                           VM_PROT_READ) == KERN_SUCCESS);
    CHECK_ERRNO(31, mprotect((void *)(base + pg), pg, PROT_READ) == 0);
    CHECK(32, mprotect((void *)base, pg, PROT_READ | PROT_WRITE) != 0);   /* max r-x */
    CHECK_ERRNO(33, madvise((void *)base, 4 * pg, MADV_DONTNEED) == 0);
    CHECK_ERRNO(34, munmap((void *)(base + 4 * pg), pg) == 0);
    CHECK(35, text_sum(base, 4 * pg) == before);
    pid_t pid = fork();
    CHECK_ERRNO(36, pid >= 0);
    if (pid == 0)
      _exit(text_sum(base, 4 * pg) == before ? 0 : 1);
    int st;
    CHECK_ERRNO(37, waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("change: wired, re-protected, advised and cut; the text reads the same\n");
    return 0;
  }
  CHECK(10, argc > 1 && !strcmp(argv[1], "read"));
  char magic[16];
  for (int i = 0; i < 16; i++)
    magic[i] = (char)base[i];
  CHECK(11, !memcmp(magic, "dyld_v1", 7));
  printf("magic: %s\n", magic);
  uint32_t off = *(const volatile uint32_t *)(base + 16), count = *(const volatile uint32_t *)(base + 20);
  CHECK(12, count >= 1 && count <= 8);
  struct mapping m[8];
  memcpy(m, (const void *)(base + off), count * sizeof m[0]);
  for (uint32_t i = 0; i < count; i++)
    printf("mapping %u: %s/%s %lu MB\n", i, prot_text(m[i].init_prot), prot_text(m[i].max_prot),
           (unsigned long)(m[i].size >> 20));
  CHECK(13, count == 3 && (m[2].init_prot & 2));
  volatile uint64_t *data = (volatile uint64_t *)m[2].address;
  uint64_t was = data[0];
  data[0] = was + 1;
  CHECK(14, data[0] == was + 1);
  printf("data: written, a private copy\n");
  unsigned long sum = text_sum(base, 4096);
  fflush(stdout);

  pid_t pid = fork();
  CHECK_ERRNO(15, pid >= 0);
  if (pid == 0) {
    CHECK(16, text_sum(base, 4096) == sum);
    CHECK(17, data[0] == was + 1);      /* inherited copy-on-write */
    data[0] = 7;
    printf("child: same text, the parent's data, its own write\n");
    fflush(stdout);
    _exit(0);
  }
  int st;
  CHECK_ERRNO(18, waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK(19, data[0] == was + 1);
  printf("parent: its data unchanged by the child\n");
  return 0;
}
