/* emu/internal.h — what the emu/ files share: the machine, the task, guest access. */
#ifndef EMU_INTERNAL_H
#define EMU_INTERNAL_H

#include <unicorn/unicorn.h>
#include "emu/emu.h"
#include "vm/vm_fault.h"

#define GUEST_NSIG 64

struct guest_sigaction {
    uint64_t handler, flags, restorer, mask;
};

struct gfd {                       /* a guest file descriptor */
    int host;                      /* -1: closed */
    bool cloexec;
    char *path;                    /* absolute guest path it was opened with */
};

struct task {
    int pid, ppid;
    char *name;                    /* for crash lines and reports */
    char *exe;                     /* absolute guest path of the executable */
    struct vm_map *map;
    uint64_t brk_start, brk_end;   /* program break: [start, end) mapped as "heap" */
    uint64_t mmap_hint;
    uint64_t stack_top;
    struct gfd *fds;
    int nfds;
    char *cwd;                     /* absolute guest path */
    struct guest_sigaction sig[GUEST_NSIG + 1];
    uint64_t sigmask;
    uint64_t sigtramp;              /* code page: mov x8, #139; svc #0 */
    uint64_t altstack_sp, altstack_size;
    uint32_t altstack_flags;
    uint64_t pending;              /* signals raised by kill/tgkill */
    bool exited;
    int exit_status;               /* as emu_run returns it */
};

/* Why uc_emu_start returned. */
enum emu_stop {
    STOP_NONE,
    STOP_EXIT,                     /* the task exited */
    STOP_FAULT,                    /* an access the VM could not resolve */
    STOP_REDIRECT,                 /* a system call changed the PC (signal, sigreturn) */
    STOP_RETRY,                    /* something to do outside the CPU, then continue */
};

struct emu {
    struct emu_options opt;
    uc_engine *uc;
    struct phys phys;
    struct mmu mmu;
    struct vm vm;
    struct task *task;
    int rootfd;                    /* O_PATH directory: the guest root */
    char *root;
    enum emu_stop stop;
    struct mmu_fault fault;        /* with kr: the unresolved fault */
    kern_return_t fault_kr;
    uint64_t insns_hint;
    struct {
        uint64_t uc_tlb_flushes, tb_flushes, syscalls, fills, fill_faults;
    } stats;
    struct {                       /* see emu_precise_fault_address() */
        bool active, found;
        uint64_t page, addr;
    } probe;
    uint64_t rng;                  /* xorshift state for getrandom */
};

/* cpu.c */
int cpu_init(struct emu *emu, char *err, size_t errlen);
/* The exact address of a data fault on `page` (replays the instruction). */
uint64_t emu_precise_fault_address(struct emu *emu, uint64_t page);
uint64_t cpu_reg(struct emu *emu, int reg);
void cpu_set_reg(struct emu *emu, int reg, uint64_t v);
#define REG_X(n) (UC_ARM64_REG_X0 + (n))   /* x0..x28 */
void cpu_flush_tlb(struct emu *emu);
void cpu_request_stop(struct emu *emu, enum emu_stop why);

/* uaccess.c: guest memory through the MMU and the VM. 0 or -EFAULT. */
int copyin(struct emu *emu, void *dst, uint64_t src, size_t len);
int copyout(struct emu *emu, uint64_t dst, const void *src, size_t len);
/* A NUL-terminated string of at most max bytes (with the NUL); -EFAULT, -ENAMETOOLONG. */
int copyinstr(struct emu *emu, char *dst, uint64_t src, size_t max);
/* Host pointer to guest [va, va+len) if it lies in one page, faulting it in for
 * `access`; NULL on a bad address. */
void *guest_ptr(struct emu *emu, uint64_t va, size_t len, vm_prot_t access);

/* elf.c */
int elf_load(struct emu *emu, struct task *t, const char *path, int argc, char *const argv[],
             char *const envp[], uint64_t *entry, uint64_t *sp, char *err, size_t errlen);

/* fs.c: paths resolved inside the guest root. */
int fs_init(struct emu *emu, const char *root, char *err, size_t errlen);
int fs_open(struct emu *emu, int dirfd, const char *path, int flags, int mode);   /* host fd */
int fs_resolve_parent(struct emu *emu, int dirfd, const char *path, int *parent, char **base);
/* The guest path of a host file: relative to the root if inside it, else "/name". */
char *fs_guest_path_of_host(struct emu *emu, const char *host_path);
char *fs_join(struct emu *emu, int dirfd, const char *path);     /* absolute guest path */
int fd_install(struct task *t, int host, bool cloexec, const char *path, int min);
int fd_host(struct task *t, int fd);
int fd_close(struct task *t, int fd);

/* linux.c */
void linux_syscall(struct emu *emu);

/* signal.c */
/* Delivers signo to the task at the current CPU state (with siginfo fields); if the
 * task has no handler (or the signal can't be caught), the task dies. */
void signal_deliver(struct emu *emu, int signo, int code, uint64_t addr);
int signal_sigreturn(struct emu *emu);
void task_die(struct emu *emu, int signo, const char *why);

#endif
