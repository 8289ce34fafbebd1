/* hello: argc/argv, one environment variable, stdout through stdio and write(2).
 * Usage: hello [ARGS...]; prints the value of $HELLO_VAR (or "(unset)"). */
#include "guest_test.h"

int main(int argc, char **argv) {
  CHECK(1, argc >= 1);
  CHECK(2, argv[argc] == NULL);
  printf("hello, world\n");
  printf("argc=%d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  const char *v = getenv("HELLO_VAR");
  printf("HELLO_VAR=%s\n", v ? v : "(unset)");
  /* Order between stdio and write(2): flush first. */
  CHECK(3, fflush(stdout) == 0);
  static const char msg[] = "written with write(2)\n";
  CHECK(4, write(STDOUT_FILENO, msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1));
  printf("back to printf\n");
  CHECK(5, fflush(stdout) == 0);
  return 0;
}
