// glibc's malloc_trim, which Swift's Glibc module does not export: after a run's training
// the freed weights, moments and activations sit in malloc's heap as free chunks, still
// resident, and the figures drawn next would add their memory on top (FlowcRun's
// releaseFreedMemory). Header only; elsewhere than glibc it does nothing.
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
static inline void flowc_release_freed_memory(void) { malloc_trim(0); }
#else
static inline void flowc_release_freed_memory(void) {}
#endif
