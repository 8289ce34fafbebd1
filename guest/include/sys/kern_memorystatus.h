/* sys/kern_memorystatus.h — memorystatus_control, with XNU's names, values and layouts
 * (bsd/sys/kern_memorystatus.h), for the commands machemu implements:
 *
 *   memorystatus_priority_properties_t p = { JETSAM_PRIORITY_BACKGROUND, 0 };
 *   memorystatus_control(MEMORYSTATUS_CMD_SET_PRIORITY_PROPERTIES, getpid(), 0, &p, sizeof p);
 *   memorystatus_control(MEMORYSTATUS_CMD_SET_JETSAM_TASK_LIMIT, 0, 50, NULL, 0);  // 50 MB, fatal
 *
 * The call returns -1 with errno set on failure, with Darwin's errno values (for the
 * ones it gives, EINVAL, ESRCH and EFAULT, the same as Linux's):
 *   EINVAL  an unknown command; a null buffer or a size other than the structure's;
 *           a priority outside 0..JETSAM_PRIORITY_MAX (-1 stands for
 *           JETSAM_PRIORITY_DEFAULT); an attribute other than MEMORYSTATUS_MEMLIMIT_ATTR_FATAL
 *   ESRCH   no live process with that pid (0 is the caller)
 *   EFAULT  a buffer the process cannot read or write
 * Every machemu process may change any other's properties (as root may on iOS).
 * A process starts at JETSAM_PRIORITY_FOREGROUND with no memory limit; a forked child
 * takes its parent's. Limits are in MB; 0 or less means none (GET reports -1). */
#ifndef MACHEMU_SYS_KERN_MEMORYSTATUS_H
#define MACHEMU_SYS_KERN_MEMORYSTATUS_H

#include <stddef.h>
#include <stdint.h>
#include <machemu/abi.h>
#include <machemu/cdefs.h>

#define MEMORYSTATUS_CMD_GET_PRIORITY_LIST          MACHEMU_MEMSTAT_GET_PRIORITY_LIST
#define MEMORYSTATUS_CMD_SET_PRIORITY_PROPERTIES    MACHEMU_MEMSTAT_SET_PRIORITY_PROPERTIES
#define MEMORYSTATUS_CMD_GET_PRESSURE_STATUS        MACHEMU_MEMSTAT_GET_PRESSURE_STATUS
#define MEMORYSTATUS_CMD_SET_JETSAM_HIGH_WATER_MARK MACHEMU_MEMSTAT_SET_JETSAM_HIGH_WATER_MARK
#define MEMORYSTATUS_CMD_SET_JETSAM_TASK_LIMIT      MACHEMU_MEMSTAT_SET_JETSAM_TASK_LIMIT
#define MEMORYSTATUS_CMD_SET_MEMLIMIT_PROPERTIES    MACHEMU_MEMSTAT_SET_MEMLIMIT_PROPERTIES
#define MEMORYSTATUS_CMD_GET_MEMLIMIT_PROPERTIES    MACHEMU_MEMSTAT_GET_MEMLIMIT_PROPERTIES

#define MEMORYSTATUS_MEMLIMIT_ATTR_FATAL MACHEMU_MEMSTAT_MEMLIMIT_ATTR_FATAL

/* Jetsam bands: lower numbers are killed first. */
#define JETSAM_PRIORITY_IDLE                      MACHEMU_JETSAM_PRIORITY_IDLE
#define JETSAM_PRIORITY_AGING_BAND1               MACHEMU_JETSAM_PRIORITY_AGING_BAND1
#define JETSAM_PRIORITY_BACKGROUND_OPPORTUNISTIC  MACHEMU_JETSAM_PRIORITY_BACKGROUND_OPPORTUNISTIC
#define JETSAM_PRIORITY_BACKGROUND                MACHEMU_JETSAM_PRIORITY_BACKGROUND
#define JETSAM_PRIORITY_MAIL                      MACHEMU_JETSAM_PRIORITY_MAIL
#define JETSAM_PRIORITY_PHONE                     MACHEMU_JETSAM_PRIORITY_PHONE
#define JETSAM_PRIORITY_FREEZER                   MACHEMU_JETSAM_PRIORITY_FREEZER
#define JETSAM_PRIORITY_UI_SUPPORT                MACHEMU_JETSAM_PRIORITY_UI_SUPPORT
#define JETSAM_PRIORITY_FOREGROUND_SUPPORT        MACHEMU_JETSAM_PRIORITY_FOREGROUND_SUPPORT
#define JETSAM_PRIORITY_FOREGROUND                MACHEMU_JETSAM_PRIORITY_FOREGROUND
#define JETSAM_PRIORITY_AUDIO_AND_ACCESSORY       MACHEMU_JETSAM_PRIORITY_AUDIO_AND_ACCESSORY
#define JETSAM_PRIORITY_CONDUCTOR                 MACHEMU_JETSAM_PRIORITY_CONDUCTOR
#define JETSAM_PRIORITY_DRIVER_APPLE              MACHEMU_JETSAM_PRIORITY_DRIVER_APPLE
#define JETSAM_PRIORITY_HOME                      MACHEMU_JETSAM_PRIORITY_HOME
#define JETSAM_PRIORITY_EXECUTIVE                 MACHEMU_JETSAM_PRIORITY_EXECUTIVE
#define JETSAM_PRIORITY_IMPORTANT                 MACHEMU_JETSAM_PRIORITY_IMPORTANT
#define JETSAM_PRIORITY_CRITICAL                  MACHEMU_JETSAM_PRIORITY_CRITICAL
#define JETSAM_PRIORITY_MAX                      MACHEMU_JETSAM_PRIORITY_MAX        /* 210 */
#define JETSAM_PRIORITY_DEFAULT                  MACHEMU_JETSAM_PRIORITY_DEFAULT    /* 180 */

/* GET_PRIORITY_LIST: pid 0 lists every process, another pid just that one; a null
 * buffer returns the size needed; the call returns the bytes written. limit is the
 * limit in force (MB, -1: none); state is 0 (machemu tracks no suspended/frozen/idle
 * states yet). */
typedef struct memorystatus_priority_entry {
    int32_t pid;
    int32_t priority;
    uint64_t user_data;
    int32_t limit;
    uint32_t state;
} memorystatus_priority_entry_t;

typedef struct memorystatus_priority_properties {
    int32_t priority;
    uint64_t user_data;
} memorystatus_priority_properties_t;

typedef struct memorystatus_memlimit_properties {
    int32_t memlimit_active;       /* MB, -1: none */
    uint32_t memlimit_active_attr; /* MEMORYSTATUS_MEMLIMIT_ATTR_FATAL or 0 (soft) */
    int32_t memlimit_inactive;
    uint32_t memlimit_inactive_attr;
} memorystatus_memlimit_properties_t;

MACHEMU_BEGIN_DECLS

int memorystatus_control(uint32_t command, int32_t pid, uint32_t flags, void *buffer,
                         size_t buffersize);

MACHEMU_END_DECLS

#endif
