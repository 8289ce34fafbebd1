/* mach_error_string and mach_error_type: Darwin's wording for the codes machemu
 * returns (every KERN_* code, and the IPC send error a bad port gives). */
#include "trap.h"

#define OS_KERN "(os/kern) "
static const char *const kern_text[] = {
    [KERN_SUCCESS] = OS_KERN "successful",
    [KERN_INVALID_ADDRESS] = OS_KERN "invalid address",
    [KERN_PROTECTION_FAILURE] = OS_KERN "protection failure",
    [KERN_NO_SPACE] = OS_KERN "no space available",
    [KERN_INVALID_ARGUMENT] = OS_KERN "invalid argument",
    [KERN_FAILURE] = OS_KERN "failure",
    [KERN_RESOURCE_SHORTAGE] = OS_KERN "resource shortage",
    [KERN_NOT_RECEIVER] = OS_KERN "not receiver",
    [KERN_NO_ACCESS] = OS_KERN "no access",
    [KERN_MEMORY_FAILURE] = OS_KERN "memory failure",
    [KERN_MEMORY_ERROR] = OS_KERN "memory error",
    [KERN_ALREADY_IN_SET] = OS_KERN "already in set",
    [KERN_NOT_IN_SET] = OS_KERN "not in set",
    [KERN_NAME_EXISTS] = OS_KERN "name exists",
    [KERN_ABORTED] = OS_KERN "aborted",
    [KERN_INVALID_NAME] = OS_KERN "invalid name",
    [KERN_INVALID_TASK] = OS_KERN "invalid task",
    [KERN_INVALID_RIGHT] = OS_KERN "invalid right",
    [KERN_INVALID_VALUE] = OS_KERN "invalid value",
    [KERN_UREFS_OVERFLOW] = OS_KERN "urefs overflow",
    [KERN_INVALID_CAPABILITY] = OS_KERN "invalid capability",
    [KERN_RIGHT_EXISTS] = OS_KERN "right exists",
    [KERN_INVALID_HOST] = OS_KERN "invalid host",
    [KERN_MEMORY_PRESENT] = OS_KERN "memory present",
    [KERN_MEMORY_DATA_MOVED] = OS_KERN "memory data moved",
    [KERN_MEMORY_RESTART_COPY] = OS_KERN "memory restart copy",
    [KERN_INVALID_PROCESSOR_SET] = OS_KERN "invalid processor set",
    [KERN_POLICY_LIMIT] = OS_KERN "policy limit",
    [KERN_INVALID_POLICY] = OS_KERN "invalid policy",
    [KERN_INVALID_OBJECT] = OS_KERN "invalid object",
    [KERN_ALREADY_WAITING] = OS_KERN "already waiting",
    [KERN_DEFAULT_SET] = OS_KERN "default set",
    [KERN_EXCEPTION_PROTECTED] = OS_KERN "exception protected",
    [KERN_INVALID_LEDGER] = OS_KERN "invalid ledger",
    [KERN_INVALID_MEMORY_CONTROL] = OS_KERN "invalid memory control",
    [KERN_INVALID_SECURITY] = OS_KERN "invalid security",
    [KERN_NOT_DEPRESSED] = OS_KERN "not depressed",
    [KERN_TERMINATED] = OS_KERN "object terminated",
    [KERN_LOCK_SET_DESTROYED] = OS_KERN "lock set destroyed",
    [KERN_LOCK_UNSTABLE] = OS_KERN "lock unstable",
    [KERN_LOCK_OWNED] = OS_KERN "lock owned by another",
    [KERN_LOCK_OWNED_SELF] = OS_KERN "lock owned by self",
    [KERN_SEMAPHORE_DESTROYED] = OS_KERN "semaphore destroyed",
    [KERN_RPC_SERVER_TERMINATED] = OS_KERN "RPC terminated",
    [KERN_RPC_TERMINATE_ORPHAN] = OS_KERN "terminate orphan",
    [KERN_RPC_CONTINUE_ORPHAN] = OS_KERN "continue orphan",
    [KERN_NOT_SUPPORTED] = OS_KERN "not supported",
    [KERN_NODE_DOWN] = OS_KERN "remote node down",
    [KERN_NOT_WAITING] = OS_KERN "not waiting",
    [KERN_OPERATION_TIMED_OUT] = OS_KERN "operation timed out",
    [KERN_CODESIGN_ERROR] = OS_KERN "code signing error",
    [KERN_POLICY_STATIC] = OS_KERN "policy is static",
    [KERN_INSUFFICIENT_BUFFER_SIZE] = OS_KERN "insufficient input buffer size",
    [KERN_DENIED] = OS_KERN "denied",
    [KERN_MISSING_KC] = OS_KERN "missing kc",
    [KERN_INVALID_KC] = OS_KERN "invalid kc",
    [KERN_NOT_FOUND] = OS_KERN "not found",
};

/* The (ipc/send) codes, by their low bits. */
#define IPC_SEND "(ipc/send) "
static const char *const send_text[] = {
    [MACH_SEND_INVALID_DEST & 0xff] = IPC_SEND "invalid destination port",
    [MACH_SEND_TIMED_OUT & 0xff] = IPC_SEND "timed out",
    [MACH_SEND_INTERRUPTED & 0xff] = IPC_SEND "interrupted",
};

struct error_family {
    mach_error_t base;            /* system and subsystem bits */
    char *type;
    const char *const *text;
    unsigned count;
};

static const struct error_family families[] = {
    { err_kern | err_sub(0), "(os/kern)", kern_text, sizeof kern_text / sizeof *kern_text },
    { err_mach_ipc | err_sub(0), "(ipc/send)", send_text, sizeof send_text / sizeof *send_text },
    { err_mach_ipc | err_sub(1), "(ipc/rcv)", 0, 0 },
};

static const struct error_family *family_of(mach_error_t e)
{
    for (unsigned i = 0; i < sizeof families / sizeof *families; i++)
        if ((e & (system_emask | sub_emask)) == families[i].base)
            return &families[i];
    return 0;
}

char *mach_error_type(mach_error_t error_value)
{
    const struct error_family *f = family_of(error_value);
    return f ? f->type : "(?/?)";
}

char *mach_error_string(mach_error_t error_value)
{
    const struct error_family *f = family_of(error_value);
    unsigned code = (unsigned)err_get_code(error_value);
    const char *text = f && code < f->count ? f->text[code] : 0;
    /* Darwin's prototype returns char *; the strings are never to be written. */
    return (char *)(text ? text : "unknown error code");
}
