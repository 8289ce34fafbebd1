/* A file of known contents for the guest programs that page files in and out
 * (pageout, viewpages): word i of the file is guest_file_word(i). */
#ifndef GUEST_FILE_H
#define GUEST_FILE_H

#include "guest_test.h"
#include <fcntl.h>

static inline uint64_t guest_file_word(uint64_t i) { return i * 0x9e3779b97f4a7c15ull ^ (i >> 7); }

/* Writes len bytes (a multiple of 64 KB) of the pattern to path; exits 2, 3 or 4 on
 * failure (open, write, close). */
static inline void guest_write_file(const char *path, size_t len)
{
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_ERRNO(2, fd >= 0);
  static uint64_t buf[8192];
  for (size_t off = 0; off < len; off += sizeof buf) {
    for (size_t i = 0; i < 8192; i++)
      buf[i] = guest_file_word(off / 8 + i);
    CHECK_ERRNO(3, write(fd, buf, sizeof buf) == (ssize_t)sizeof buf);
  }
  CHECK_ERRNO(4, close(fd) == 0);
}

#endif
