/* emu/pager.c — the machine's compressor: iOS (memory only) or macOS (swap file). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "emu/internal.h"
#include "vm/vm_compressor.h"

#define SWAP_FILES 1000u          /* swapfile0 .. swapfile999, named as macOS names
                                     /private/var/vm/swapfile0, 1, ... */

static bool inside(const char *dir, const char *root)
{
    size_t n = strlen(root);
    return !strncmp(dir, root, n) && (dir[n] == '/' || dir[n] == 0 || !strcmp(root, "/"));
}

/* The directory the swap file goes in: --swap-dir, or a new one under $TMPDIR that
 * is removed again at exit. Never inside the guest root, where the guest could read
 * other tasks' memory from it. */
static int swap_dir(struct emu *emu, char *err, size_t errlen)
{
    if (emu->opt.swap_dir) {
        emu->swap_dir = realpath(emu->opt.swap_dir, NULL);
        if (!emu->swap_dir) {
            snprintf(err, errlen, "swap directory %s: %s", emu->opt.swap_dir, strerror(errno));
            return -1;
        }
    } else {
        const char *tmp = getenv("TMPDIR");
        char templ[4096];
        snprintf(templ, sizeof templ, "%s/machemu-swap.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(templ) || !(emu->swap_dir = realpath(templ, NULL))) {
            snprintf(err, errlen, "cannot create a swap directory %s: %s", templ, strerror(errno));
            return -1;
        }
        emu->swap_dir_made = true;
    }
    if (inside(emu->swap_dir, emu->root)) {
        snprintf(err, errlen, "swap directory %s is inside the guest root %s: the guest could "
                 "read the swap file", emu->swap_dir, emu->root);
        return -1;
    }
    return 0;
}

/* The first swapfileN the directory does not hold, made here (O_EXCL): runs that share
 * a directory each get their own file, and none truncates another's. */
static int swap_create(struct emu *emu, int dfd)
{
    for (unsigned i = 0; i < SWAP_FILES; i++) {
        snprintf(emu->swap_name, sizeof emu->swap_name, "swapfile%u", i);
        int fd = openat(dfd, emu->swap_name,
                        O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

static int swap_open(struct emu *emu, char *err, size_t errlen)
{
    if (swap_dir(emu, err, errlen) < 0)
        return -1;
    int dfd = open(emu->swap_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    emu->swap_fd = dfd < 0 ? -1 : swap_create(emu, dfd);
    int e = errno;
    if (dfd >= 0)
        close(dfd);
    if (emu->swap_fd < 0 && e == EEXIST)
        snprintf(err, errlen, "swap directory %s: swapfile0 to swapfile%u exist already",
                 emu->swap_dir, SWAP_FILES - 1);
    else if (emu->swap_fd < 0)
        snprintf(err, errlen, "swap file %s/%s: %s", emu->swap_dir,
                 dfd < 0 ? "" : emu->swap_name, strerror(e));
    return emu->swap_fd < 0 ? -1 : 0;
}

/* Removes the swap file this run made, if its name still leads to it: nothing else in
 * the directory is ours to delete. */
static void swap_remove(struct emu *emu)
{
    struct stat ours, named;
    int dfd = open(emu->swap_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return;
    if (fstat(emu->swap_fd, &ours) == 0 &&
        fstatat(dfd, emu->swap_name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
        ours.st_dev == named.st_dev && ours.st_ino == named.st_ino)
        unlinkat(dfd, emu->swap_name, 0);
    close(dfd);
}

int emu_pager_init(struct emu *emu, char *err, size_t errlen)
{
    emu->swap_fd = -1;
    if (emu->opt.platform == EMU_PLATFORM_MACOS && swap_open(emu, err, errlen) < 0)
        return -1;
    struct vm_compressor_config cfg = { .codec = emu->opt.codec, .swap_fd = emu->swap_fd };
    int rc = vm_compressor_init(&emu->vm, &cfg);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create the compressor: %s", strerror(-rc));
        return -1;
    }
    return 0;
}

void emu_pager_fini(struct emu *emu)
{
    vm_compressor_fini(&emu->vm);
    if (emu->swap_fd >= 0) {
        swap_remove(emu);
        close(emu->swap_fd);
    }
    if (emu->swap_dir_made)
        rmdir(emu->swap_dir);
    free(emu->swap_dir);
    emu->swap_dir = NULL;
    emu->swap_fd = -1;
}
