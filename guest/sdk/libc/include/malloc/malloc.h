/* malloc/malloc.h — what Darwin's <malloc/malloc.h> offers about one allocation. */
#ifndef _MALLOC_MALLOC_H_
#define _MALLOC_MALLOC_H_

#include <stddef.h>

/* The usable size of an allocation made by malloc (its size class), 0 for any other
 * pointer, including a freed one. */
size_t malloc_size(const void *ptr);
/* The size malloc would really give for a request of size bytes. */
size_t malloc_good_size(size_t size);

#endif
