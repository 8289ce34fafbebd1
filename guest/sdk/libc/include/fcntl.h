/* fcntl.h — open(2) with Darwin's flag values (bsd/sys/fcntl.h). */
#ifndef _FCNTL_H_
#define _FCNTL_H_

#include <sys/types.h>

#define O_RDONLY    0x00000000
#define O_WRONLY    0x00000001
#define O_RDWR      0x00000002
#define O_ACCMODE   0x00000003
#define O_NONBLOCK  0x00000004
#define O_APPEND    0x00000008
#define O_SHLOCK    0x00000010
#define O_EXLOCK    0x00000020
#define O_SYNC      0x00000080
#define O_NOFOLLOW  0x00000100
#define O_CREAT     0x00000200
#define O_TRUNC     0x00000400
#define O_EXCL      0x00000800
#define O_NOCTTY    0x00020000
#define O_DIRECTORY 0x00100000
#define O_DSYNC     0x00400000
#define O_CLOEXEC   0x01000000

int open(const char *path, int oflag, ...);

#endif
