/* hostile: a guest that tries to make the emulator write host files for it. Its
 * arguments are steps, run in order:
 *   mkdir DIR             make DIR (inside the root)
 *   plant LINK TARGET     a symbolic link LINK -> TARGET (TARGET a host path, which the
 *                         guest itself cannot reach: only a careless emulator follows it)
 *   umask OCTAL           set the umask (the emulator's own must not change)
 *   hog MB                touch MB megabytes, 1 MB at a time (to be killed by a limit)
 *   modes                 the modes files and directories get under two umasks (the
 *                         same under qemu-aarch64; creates and removes mode_test.*)
 * Exit 0 when every step is done (hog normally ends in a kill), 1 on a failed step. */
#include "guest_test.h"

#include <fcntl.h>
#include <sys/stat.h>

static int show_modes(mode_t mask) {
  umask(mask);
  int fd = open("mode_test.file", O_CREAT | O_WRONLY | O_TRUNC, 0666);
  if (fd < 0 || mkdir("mode_test.dir", 0777) < 0) return 1;
  close(fd);
  struct stat f, d;
  if (stat("mode_test.file", &f) < 0 || stat("mode_test.dir", &d) < 0) return 1;
  printf("umask %03o: file %03o dir %03o\n", (unsigned)mask, (unsigned)(f.st_mode & 07777),
         (unsigned)(d.st_mode & 07777));
  unlink("mode_test.file");
  rmdir("mode_test.dir");
  return 0;
}

static int modes(void) {
  mode_t first = umask(0);
  printf("umask() returns the old mask: %s\n", umask(first) == 0 ? "yes" : "no");
  return show_modes(0) || show_modes(077) || show_modes(027);
}

static int hog(long mb) {
  for (long i = 0; i < mb; i++) {
    char *p = malloc(1 << 20);
    if (!p) return 1;
    memset(p, (int)i + 1, 1 << 20);
  }
  printf("hog: %ld MB touched\n", mb);
  return 0;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    int rc = 0;
    if (!strcmp(argv[i], "mkdir") && i + 1 < argc)
      rc = mkdir(argv[++i], 0755);
    else if (!strcmp(argv[i], "plant") && i + 2 < argc)
      rc = symlink(argv[i + 2], argv[i + 1]), i += 2;
    else if (!strcmp(argv[i], "umask") && i + 1 < argc)
      umask((mode_t)strtol(argv[++i], NULL, 8));
    else if (!strcmp(argv[i], "hog") && i + 1 < argc)
      rc = hog(strtol(argv[++i], NULL, 10));
    else if (!strcmp(argv[i], "modes"))
      rc = modes();
    else
      rc = -1;
    if (rc) {
      printf("hostile: step %d (%s) failed: %s\n", i, argv[i], strerror(errno));
      return 1;
    }
    fflush(stdout);
  }
  return 0;
}
