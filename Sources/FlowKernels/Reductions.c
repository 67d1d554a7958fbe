#include "FlowKernels.h"
#include "Clones.h"

// Eight partial sums held as one vector of eight lanes: lane j adds x[8b + j], which is
// what eight scalar accumulators would do, so the result is the same in every clone (one
// 256-bit register on x86-64-v3, two 128-bit ones on baseline x86-64).
typedef float f32x8 __attribute__((vector_size(32)));
typedef double f64x8 __attribute__((vector_size(64)));

FLOW_CLONES
float flow_sum_squares_f32(const float *x, ptrdiff_t n) {
  f32x8 s = {0, 0, 0, 0, 0, 0, 0, 0};
  ptrdiff_t blocks = n / 8;
  for (ptrdiff_t b = 0; b < blocks; b++) {
    f32x8 v;
    __builtin_memcpy(&v, x + 8 * b, sizeof v);
    s += v * v;
  }
  for (ptrdiff_t i = 8 * blocks; i < n; i++) s[0] += x[i] * x[i];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

FLOW_CLONES
double flow_sum_squares_f64(const double *x, ptrdiff_t n) {
  f64x8 s = {0, 0, 0, 0, 0, 0, 0, 0};
  ptrdiff_t blocks = n / 8;
  for (ptrdiff_t b = 0; b < blocks; b++) {
    f64x8 v;
    __builtin_memcpy(&v, x + 8 * b, sizeof v);
    s += v * v;
  }
  for (ptrdiff_t i = 8 * blocks; i < n; i++) s[0] += x[i] * x[i];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

FLOW_CLONES
void flow_scale_f32(float *restrict x, ptrdiff_t n, float c) {
  for (ptrdiff_t i = 0; i < n; i++) x[i] *= c;
}

FLOW_CLONES
void flow_scale_f64(double *restrict x, ptrdiff_t n, double c) {
  for (ptrdiff_t i = 0; i < n; i++) x[i] *= c;
}
