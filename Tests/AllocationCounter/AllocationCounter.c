// See include/AllocationCounter.h. glibc exports its allocator under the __libc_ names,
// so these definitions can forward to it without dlsym (which itself allocates).
#include "AllocationCounter.h"

#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

/// Whether this thread is counting, and its count (initial-exec TLS: no allocation).
static __thread int counting;
static __thread long count;

/// Called on every counted allocation: a breakpoint target for finding where one comes from
/// (`gdb -ex 'break allocation_counter_hit' -ex 'commands' -ex 'bt 16' ...` on the test binary).
__attribute__((noinline)) void allocation_counter_hit(void) { __asm__ volatile(""); }

static inline void note(void) {
  if (counting) { count += 1; allocation_counter_hit(); }
}

void allocation_counter_begin(void) {
  count = 0;
  counting = 1;
}

long allocation_counter_end(void) {
  counting = 0;
  return count;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FLOWC_SANITIZED 1
#endif
#endif

#ifdef FLOWC_SANITIZED
// The sanitizer's allocator stays in place: nothing is counted.
int allocation_counter_available(void) { return 0; }
#else
int allocation_counter_available(void) { return 1; }

void *malloc(size_t size) {
  note();
  return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
  note();
  return __libc_calloc(n, size);
}

void *realloc(void *pointer, size_t size) {
  note();
  return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
  note();
  return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
  note();
  return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
  note();
  if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  void *p = __libc_memalign(alignment, size);
  if (p == NULL) return ENOMEM;
  *result = p;
  return 0;
}
#endif
