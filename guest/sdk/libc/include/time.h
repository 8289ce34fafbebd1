/* time.h */
#ifndef _TIME_H_
#define _TIME_H_

#include <sys/types.h>

struct timespec {
    time_t tv_sec;
    long tv_nsec;
};

time_t time(time_t *tloc);

#endif
