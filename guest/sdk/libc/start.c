/* The start routine: LC_MAIN's entry when linked by machemu-cc --macho
 * (-e __machemu_start). There is no dyld: machemu's loader passes what dyld would
 * give main (argc, argv, envp, apple) in x0-x3; main's return value goes to exit(),
 * which runs atexit handlers and flushes stdio before the exit system call. */
#include <stdlib.h>
#include "syscall.h"

extern char **environ;
int main(int argc, char **argv, char **envp, char **apple);

void _machemu_start(int argc, char **argv, char **envp, char **apple)
    __attribute__((__noreturn__));

__attribute__((no_stack_protector))
void _machemu_start(int argc, char **argv, char **envp, char **apple)
{
    __stack_guard_setup(apple);
    environ = envp;
    exit(main(argc, argv, envp, apple));
}
