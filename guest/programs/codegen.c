/* codegen: code written at run time must run as written, even when the frames
 * behind an address are freed and reused (munmap + mmap at the same place), when
 * code is patched in place by stores, and when read(2) fills a code page. */
#include "guest_test.h"
#include <fcntl.h>
#include <sys/mman.h>

typedef int (*fn_t)(void);

/* mov w0, #imm; ret */
static void emit(uint32_t *p, unsigned imm)
{
  p[0] = 0x52800000u | (imm & 0xffff) << 5;
  p[1] = 0xd65f03c0u;
  __builtin___clear_cache((char *)p, (char *)(p + 2));
}

int main(void)
{
  size_t len = (size_t)sysconf(_SC_PAGESIZE) * 4;
  int prot = PROT_READ | PROT_WRITE | PROT_EXEC;
  uint32_t *code = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(10, code != MAP_FAILED);

  emit(code, 1);
  CHECK(11, ((fn_t)code)() == 1);
  emit(code, 2);                    /* patched in place by guest stores */
  CHECK(12, ((fn_t)code)() == 2);
  printf("patched in place: ok\n");

  /* Same address, fresh frames, new code: the old translation must be gone. */
  for (unsigned round = 3; round < 40; round++) {
    CHECK_ERRNO(13, munmap(code, len) == 0);
    uint32_t *again = mmap(code, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK_ERRNO(14, again == code);
    emit(code, round);
    CHECK(15, ((fn_t)code)() == (int)round);
  }
  printf("remapped 37 times: ok\n");

  /* Code arriving through read(2): written by the kernel side, not by guest stores. */
  uint32_t insns[2];
  emit(insns, 77);
  int fd = open("code.bin", O_CREAT | O_TRUNC | O_RDWR, 0600);
  CHECK_ERRNO(16, fd >= 0);
  CHECK_ERRNO(17, write(fd, insns, sizeof insns) == (ssize_t)sizeof insns);
  CHECK_ERRNO(18, lseek(fd, 0, SEEK_SET) == 0);
  CHECK_ERRNO(19, read(fd, code, sizeof insns) == (ssize_t)sizeof insns);
  __builtin___clear_cache((char *)code, (char *)(code + 2));
  CHECK(20, ((fn_t)code)() == 77);
  close(fd);
  unlink("code.bin");
  printf("code from read(2): ok\n");
  return 0;
}
