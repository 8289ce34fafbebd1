/* assert.h — Darwin's message format and __assert_rtn. */
#undef assert
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
void __assert_rtn(const char *func, const char *file, int line, const char *expr)
    __attribute__((__noreturn__));
#define assert(e) ((e) ? (void)0 : __assert_rtn(__func__, __FILE__, __LINE__, #e))
#endif
