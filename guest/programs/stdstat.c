/* stdstat: prints what fstat says of the three standard streams: type, device, inode
 * and times. machemu gives the same answer for the same kind of stream in every run,
 * so the stat that libc keeps in guest memory carries nothing of the host. */
#include "guest_test.h"
#include <sys/stat.h>

int main(void)
{
    for (int fd = 0; fd < 3; fd++) {
        struct stat st;
        if (fstat(fd, &st) < 0) {
            printf("%d: closed\n", fd);
            continue;
        }
        printf("%d: type %o dev %llu ino %llu atime %lld.%09ld mtime %lld.%09ld ctime %lld.%09ld\n",
               fd, (unsigned)(st.st_mode & S_IFMT), (unsigned long long)st.st_dev,
               (unsigned long long)st.st_ino, (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
               (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
               st.st_ctim.tv_nsec);
    }
    return 0;
}
