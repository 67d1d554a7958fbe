// The x86 `cpuid` and `xgetbv` instructions, for choosing an OpenBLAS kernel
// (FlowRuntime's BLASKernelChoice). Header-only: the functions are static inline, so
// this target links nothing. On other architectures both report nothing.
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/// Runs `cpuid` for `leaf` and `subleaf`; returns 0 (and leaves regs alone) when the
/// CPU does not have that leaf. regs receives eax, ebx, ecx, edx.
static inline int flowc_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
  unsigned int a, b, c, d;
  if (!__get_cpuid_count(leaf, subleaf, &a, &b, &c, &d)) return 0;
  regs[0] = a; regs[1] = b; regs[2] = c; regs[3] = d;
  return 1;
}

/// XCR0, the register state the operating system saves on a context switch (which
/// vector registers a program may use). Only valid when cpuid leaf 1 reports OSXSAVE;
/// the instruction is spelled as bytes so no target flag (-mxsave) is needed.
static inline uint64_t flowc_xgetbv0(void) {
  uint32_t eax, edx;
  __asm__ __volatile__(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
  return ((uint64_t)edx << 32) | eax;
}
#else
static inline int flowc_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) { return 0; }
static inline uint64_t flowc_xgetbv0(void) { return 0; }
#endif
