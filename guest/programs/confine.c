/* confine (machemu only): tries to reach files outside the guest root.
 * Usage: confine HOST_PATH_OF_SECRET
 * The test harness puts a file `secret` next to (outside) the root directory and passes its
 * host path; inside the root it creates etc/passwd and etc/hostname whose first lines start
 * with "inside-root". For every attempt this prints one line
 *     <attempt>: blocked            the call failed
 *     <attempt>: read <first line>  the open succeeded; what it read
 *     <attempt>: created            a write attempt succeeded (the harness checks where)
 * A confined emulator only ever shows "blocked", "read inside-root ..." or "created" (for
 * files that the harness then finds inside the root). Exit status 0 unless the program
 * itself cannot run (setup failed). */
#include "guest_test.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

static void show_fd(const char *what, int fd) {
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) {
    printf("%s: blocked\n", what);
    return;
  }
  buf[n] = 0;
  char *nl = strchr(buf, '\n');
  if (nl) *nl = 0;
  printf("%s: read %s\n", what, buf);
}

static void try_open(const char *what, const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("%s: blocked\n", what);
    return;
  }
  show_fd(what, fd);
}

static void try_create(const char *what, const char *path) {
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) {
    printf("%s: blocked\n", what);
    return;
  }
  ssize_t w = write(fd, "escaped\n", 8);
  close(fd);
  printf("%s: %s\n", what, w == 8 ? "created" : "blocked");
}

static void try_stat(const char *what, const char *path) {
  struct stat st;
  if (stat(path, &st) != 0)
    printf("%s: blocked\n", what);
  else
    printf("%s: exists (size %lld)\n", what, (long long)st.st_size);
}

int main(int argc, char **argv) {
  if (argc != 2 || argv[1][0] != '/') {
    fprintf(stderr, "usage: confine HOST_PATH_OF_SECRET\n");
    return 2;
  }
  const char *secret = argv[1];
  int home = open(".", O_RDONLY | O_DIRECTORY);
  CHECK_ERRNO(3, home >= 0);

  try_open("open /../../etc/passwd", "/../../etc/passwd");
  try_open("open ../../../../etc/hostname", "../../../../etc/hostname");
  try_open("open /../secret", "/../secret");
  try_open("open ../secret", "../secret");
  try_open("open ../../../../../../../../secret", "../../../../../../../../secret");
  try_open("open host path of secret", secret);
  try_stat("stat ../secret", "../secret");
  try_stat("stat host path of secret", secret);

  /* Symbolic links made by the guest. */
  CHECK_ERRNO(4, symlink("/etc/passwd", "link_passwd") == 0);
  try_open("open link_passwd -> /etc/passwd", "link_passwd");
  CHECK_ERRNO(5, symlink("../../..", "link_up") == 0);
  try_open("open link_up/secret (link_up -> ../../..)", "link_up/secret");
  try_open("open link_up/etc/passwd", "link_up/etc/passwd");
  CHECK_ERRNO(6, symlink(secret, "link_secret") == 0);
  try_open("open link_secret -> host path of secret", "link_secret");
  CHECK_ERRNO(7, mkdir("nest", 0755) == 0);
  CHECK_ERRNO(8, symlink("../../../../../..", "nest/up") == 0);
  try_open("open nest/up/secret", "nest/up/secret");
  CHECK_ERRNO(9, symlink("/..", "link_rootup") == 0);
  try_open("open link_rootup/secret (link_rootup -> /..)", "link_rootup/secret");

  /* Directory file descriptors and the working directory. */
  int root = open("/", O_RDONLY | O_DIRECTORY);
  if (root < 0) {
    printf("openat(open(\"/\"), ../secret): blocked\n");
  } else {
    int fd = openat(root, "../secret", O_RDONLY);
    if (fd < 0)
      printf("openat(open(\"/\"), ../secret): blocked\n");
    else
      show_fd("openat(open(\"/\"), ../secret)", fd);
    close(root);
  }
  int up = open("..", O_RDONLY | O_DIRECTORY);
  if (up < 0) {
    printf("openat(open(\"..\"), secret): blocked\n");
  } else {
    int fd = openat(up, "secret", O_RDONLY);
    if (fd < 0)
      printf("openat(open(\"..\"), secret): blocked\n");
    else
      show_fd("openat(open(\"..\"), secret)", fd);
    close(up);
  }
  for (int i = 0; i < 8; i++)
    if (chdir("..") != 0) break;
  try_open("chdir(..) x8, open secret", "secret");
  try_open("chdir(..) x8, open etc/passwd", "etc/passwd");
  CHECK_ERRNO(10, fchdir(home) == 0);
  char proc_path[PATH_MAX];
  snprintf(proc_path, sizeof proc_path, "/proc/self/root%s", secret);
  try_open("open /proc/self/root + host path of secret", proc_path);
  try_open("open /proc/self/cwd/../secret", "/proc/self/cwd/../secret");

  /* Writes: the harness checks that nothing appeared outside the root. */
  try_create("create /../escaped1", "/../escaped1");
  try_create("create ../escaped2", "../escaped2");
  try_create("create link_up/escaped3", "link_up/escaped3");
  int fd = open("inside.txt", O_CREAT | O_WRONLY, 0644);
  CHECK_ERRNO(11, fd >= 0);
  close(fd);
  printf("rename inside.txt -> ../escaped4: %s\n",
         rename("inside.txt", "../escaped4") == 0 ? "created" : "blocked");
  printf("link host path of secret -> hardlink: %s\n",
         link(secret, "hardlink") == 0 ? "created" : "blocked");
  try_open("open hardlink", "hardlink");
  printf("mkdir ../escaped5: %s\n", mkdir("../escaped5", 0755) == 0 ? "created" : "blocked");
  printf("symlink ../escaped6 -> /: %s\n", symlink("/", "../escaped6") == 0 ? "created" : "blocked");
  printf("confine: done\n");
  return 0;
}
