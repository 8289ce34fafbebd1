/* jetsam/names.c — names of bands, kill causes and levels; parsing of bands and limits. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jetsam/memorystatus.h"

static const struct {
    int band;
    const char *name;
} band_names[] = {
    { MEMORYSTATUS_BAND_IDLE, "idle" },
    { MEMORYSTATUS_BAND_AGING_BAND1, "aging_band1" },
    { MEMORYSTATUS_BAND_BACKGROUND_OPPORTUNISTIC, "background_opportunistic" },
    { MEMORYSTATUS_BAND_BACKGROUND, "background" },
    { MEMORYSTATUS_BAND_MAIL, "mail" },
    { MEMORYSTATUS_BAND_PHONE, "phone" },
    { MEMORYSTATUS_BAND_FREEZER, "freezer" },
    { MEMORYSTATUS_BAND_UI_SUPPORT, "ui_support" },
    { MEMORYSTATUS_BAND_FOREGROUND_SUPPORT, "foreground_support" },
    { MEMORYSTATUS_BAND_FOREGROUND, "foreground" },
    { MEMORYSTATUS_BAND_AUDIO_AND_ACCESSORY, "audio_and_accessory" },
    { MEMORYSTATUS_BAND_CONDUCTOR, "conductor" },
    { MEMORYSTATUS_BAND_DRIVER_APPLE, "driver_apple" },
    { MEMORYSTATUS_BAND_HOME, "home" },
    { MEMORYSTATUS_BAND_EXECUTIVE, "executive" },
    { MEMORYSTATUS_BAND_IMPORTANT, "important" },
    { MEMORYSTATUS_BAND_CRITICAL, "critical" },
    { MEMORYSTATUS_BAND_MAX, "max" },
};
#define NBANDS (sizeof band_names / sizeof band_names[0])

static const char *const cause_names[] = {
    [MEMORYSTATUS_CAUSE_JETTISONED] = "jettisoned",
    [MEMORYSTATUS_CAUSE_HIGHWATER] = "highwater",
    [MEMORYSTATUS_CAUSE_VNODE_LIMIT] = "vnode-limit",
    [MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE] = "vm-pageshortage",
    [MEMORYSTATUS_CAUSE_PROC_THRASHING] = "proc-thrashing",
    [MEMORYSTATUS_CAUSE_FC_THRASHING] = "fc-thrashing",
    [MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT] = "per-process-limit",
    [MEMORYSTATUS_CAUSE_DISK_SPACE_SHORTAGE] = "disk-space-shortage",
    [MEMORYSTATUS_CAUSE_IDLE_EXIT] = "idle-exit",
    [MEMORYSTATUS_CAUSE_ZONE_MAP_EXHAUSTION] = "zone-map-exhaustion",
    [MEMORYSTATUS_CAUSE_VM_COMPRESSOR_THRASHING] = "vm-compressor-thrashing",
    [MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE] = "vm-compressor-space-shortage",
    [MEMORYSTATUS_CAUSE_LOW_SWAP] = "low-swap",
    [MEMORYSTATUS_CAUSE_SUSTAINED_PRESSURE] = "sustained-memory-pressure",
    [MEMORYSTATUS_CAUSE_VM_PAGEOUT_STARVATION] = "vm-pageout-starvation",
    [MEMORYSTATUS_CAUSE_LONG_IDLE_EXIT] = "long-idle-exit",
};

static const char *const level_names[] = { "normal", "warning", "critical" };

const char *memorystatus_band_name(int band)
{
    for (size_t i = 0; i < NBANDS; i++)
        if (band_names[i].band == band)
            return band_names[i].name;
    return NULL;
}

/* A whole decimal number up to max: 0, or -1. */
static int parse_number(const char *s, unsigned long max, unsigned long *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

int memorystatus_band_parse(const char *s, int *band)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < NBANDS; i++) {
        if (strcmp(s, band_names[i].name) == 0) {
            *band = band_names[i].band;
            return 0;
        }
    }
    unsigned long v;
    if (parse_number(s, MEMORYSTATUS_BAND_MAX, &v) < 0)
        return -1;
    *band = (int)v;
    return 0;
}

const char *memorystatus_cause_name(enum memorystatus_cause cause)
{
    if ((unsigned)cause >= sizeof cause_names / sizeof cause_names[0])
        return NULL;
    return cause_names[cause];
}

const char *memorystatus_level_name(enum memorystatus_level level)
{
    if ((unsigned)level >= sizeof level_names / sizeof level_names[0])
        return NULL;
    return level_names[level];
}

uint32_t memorystatus_level_note(enum memorystatus_level level)
{
    switch (level) {
    case MEMORYSTATUS_LEVEL_WARNING: return NOTE_MEMORYSTATUS_PRESSURE_WARN;
    case MEMORYSTATUS_LEVEL_CRITICAL: return NOTE_MEMORYSTATUS_PRESSURE_CRITICAL;
    default: return NOTE_MEMORYSTATUS_PRESSURE_NORMAL;
    }
}

int memorystatus_limit_parse(const char *s, uint32_t *mb, bool *fatal)
{
    if (!s)
        return -1;
    const char *colon = strchr(s, ':');
    bool is_fatal = true;
    if (colon) {
        if (strcmp(colon + 1, "soft") == 0)
            is_fatal = false;
        else if (strcmp(colon + 1, "fatal") != 0)
            return -1;
    }
    char digits[16];
    size_t len = colon ? (size_t)(colon - s) : strlen(s);
    if (len == 0 || len >= sizeof digits)
        return -1;
    memcpy(digits, s, len);
    digits[len] = '\0';
    unsigned long v;
    if (parse_number(digits, MEMORYSTATUS_LIMIT_MB_MAX, &v) < 0)
        return -1;
    *mb = (uint32_t)v;
    *fatal = is_fatal;
    return 0;
}
