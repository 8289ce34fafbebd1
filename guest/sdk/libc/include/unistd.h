/* unistd.h — Darwin BSD system calls (machemu/abi.h has their numbers). */
#ifndef _UNISTD_H_
#define _UNISTD_H_

#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2
#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif

#define _SC_PAGESIZE 29
#define _SC_PAGE_SIZE _SC_PAGESIZE

extern char **environ;

ssize_t read(int fd, void *buf, size_t nbyte);
ssize_t write(int fd, const void *buf, size_t nbyte);
int close(int fd);
off_t lseek(int fd, off_t offset, int whence);
int unlink(const char *path);
pid_t getpid(void);
pid_t getppid(void);
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);
pid_t fork(void);
int execve(const char *path, char *const argv[], char *const envp[]);
void _exit(int status) __attribute__((__noreturn__));
int isatty(int fd);
int getpagesize(void);
long sysconf(int name);

#endif
