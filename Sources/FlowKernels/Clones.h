// Which instruction sets a kernel is compiled for. On x86-64 Linux every kernel marked
// FLOW_CLONES exists twice, for x86-64-v3 (AVX2, FMA: Haswell, Zen and later) and for
// baseline x86-64, and the dynamic loader binds the one the CPU supports (an ifunc).
// Elsewhere (other CPUs, Mach-O, which has no ifunc) it is compiled once for the target.
#ifndef FLOW_KERNELS_CLONES_H
#define FLOW_KERNELS_CLONES_H

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define FLOW_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define FLOW_CLONES
#endif

#endif
