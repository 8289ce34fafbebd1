/* segv: dies by an unhandled SIGSEGV (exit status 139 under a shell).
 * Usage: segv null   read through a NULL pointer
 *        segv wild   write to 0x10 + 2^46 (unmapped, far from everything)
 *        segv exec   jump into a readable, writable, non-executable page
 * Any other argument (or none) is a usage error: exit 2. Returning at all is a failure. */
#include "guest_test.h"

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: segv null|wild|exec\n");
    return 2;
  }
  /* The default action must be in force. */
  struct sigaction old;
  CHECK_ERRNO(3, sigaction(SIGSEGV, NULL, &old) == 0);
  CHECK(4, old.sa_handler == SIG_DFL);

  if (strcmp(argv[1], "null") == 0) {
    int *volatile p = NULL; /* volatile: no compiler trap instead of the load */
    printf("segv: reading through NULL\n");
    fflush(stdout);
    int v = *p;
    fprintf(stderr, "segv: read %d through NULL\n", v);
    return 10;
  }
  if (strcmp(argv[1], "wild") == 0) {
    uintptr_t a = (uintptr_t)0x10 + ((uintptr_t)1 << 46); /* 64 TB: below 2^47 */
    volatile unsigned char *volatile p = (volatile unsigned char *)a;
    printf("segv: writing to a wild address\n");
    fflush(stdout);
    *p = 1;
    fprintf(stderr, "segv: wrote to a wild address\n");
    return 11;
  }
  if (strcmp(argv[1], "exec") == 0) {
    size_t ps = guest_pagesize();
    uint32_t *code = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERRNO(12, code != MAP_FAILED);
    code[0] = 0x52800540; /* mov w0, #42 */
    code[1] = 0xd65f03c0; /* ret */
    __builtin___clear_cache((char *)code, (char *)(code + 2));
    int (*fn)(void);
    void *addr = code;
    memcpy(&fn, &addr, sizeof fn);
    printf("segv: calling into a non-executable page\n");
    fflush(stdout);
    int v = fn();
    fprintf(stderr, "segv: non-executable code ran and returned %d\n", v);
    return 13;
  }
  fprintf(stderr, "segv: unknown mode '%s'\n", argv[1]);
  return 2;
}
