// Counts the heap allocations of one thread, for the "no allocation per training step"
// tests. The test binary defines malloc, calloc, realloc, posix_memalign, aligned_alloc
// and memalign itself (AllocationCounter.c): the dynamic linker binds every library's
// calls to them (symbol interposition), and each forwards to glibc's own allocator
// (__libc_malloc, ...), counting the call when the calling thread is counting. The
// counters are thread-local, so tests running on other threads do not disturb a count.
#pragma once

/// Starts counting this thread's allocations from zero.
void allocation_counter_begin(void);

/// Stops counting and returns the number of allocations since `allocation_counter_begin`.
long allocation_counter_end(void);

/// 1 when the allocator is interposed and counts; 0 in a build with AddressSanitizer or
/// ThreadSanitizer (.ci/sanitize), which own malloc themselves.
int allocation_counter_available(void);
