// Flat elementwise kernels of FlowRuntime's training step, in C so that one binary carries
// an AVX2/FMA-era version (x86-64-v3) next to the baseline one and picks it when the
// process starts (target_clones, glibc's ifunc): Swift code is compiled for baseline
// x86-64 only, where these loops ran four floats at a time. On a moons training step (perf,
// issue #16, Zen 3) the optimizer's update went from 9.1 % to 7.5 % of the time and the
// gradient norm from 2.8 % to 2.4 %: what is left is memory traffic (Adam streams four
// tensors and writes three), not arithmetic. Each kernel takes pointers and a size once,
// as llm.c's do. Every clone computes the same values bit for bit: no FMA
// contraction (-ffp-contract=off) and no reassociation, so a run's losses do not depend on
// the CPU it ran on.
#ifndef FLOW_KERNELS_H
#define FLOW_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One Adam/AdamW update of n parameters, as torch.optim computes it:
///   w = p·shrink;  g' = g + l2·w;  m = b1·m + (1 − b1)·g';  v = b2·v + (1 − b2)·g'·g';
///   p = w − stepSize·m / (√v / correction2 + eps).
/// Adam passes shrink 1 and its weight decay as l2; AdamW passes l2 0 and shrink 1 − lr·λ.
/// The four arrays must not overlap.
void flow_adam_f32(float *p, const float *g, float *m, float *v, ptrdiff_t n,
                   float b1, float b2, float stepSize, float correction2, float eps, float shrink, float l2);
void flow_adam_f64(double *p, const double *g, double *m, double *v, ptrdiff_t n,
                   double b1, double b2, double stepSize, double correction2, double eps, double shrink, double l2);

/// Σ x[i]² over n values with eight partial sums (value i goes to sum i mod 8), added as
/// ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)): eight independent chains instead of
/// one, no less accurate, and the same result in every clone.
float flow_sum_squares_f32(const float *x, ptrdiff_t n);
double flow_sum_squares_f64(const double *x, ptrdiff_t n);

/// x[i] *= c over n values (gradient clipping).
void flow_scale_f32(float *x, ptrdiff_t n, float c);
void flow_scale_f64(double *x, ptrdiff_t n, double c);

#ifdef __cplusplus
}
#endif

#endif
