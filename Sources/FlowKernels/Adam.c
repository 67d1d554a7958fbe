#include <math.h>
#include "FlowKernels.h"
#include "Clones.h"

// The expression order is the Swift loop's that this replaces (and torch's): the first
// moment, the second, then the step; nothing is contracted or reordered (see the header).

FLOW_CLONES
void flow_adam_f32(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, ptrdiff_t n,
                   float b1, float b2, float stepSize, float correction2, float eps, float shrink, float l2) {
  for (ptrdiff_t i = 0; i < n; i++) {
    float w = p[i] * shrink;
    float gi = g[i] + l2 * w;
    float mi = b1 * m[i] + (1 - b1) * gi;
    float vi = b2 * v[i] + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = w - stepSize * mi / (sqrtf(vi) / correction2 + eps);
  }
}

FLOW_CLONES
void flow_adam_f64(double *restrict p, const double *restrict g, double *restrict m, double *restrict v, ptrdiff_t n,
                   double b1, double b2, double stepSize, double correction2, double eps, double shrink, double l2) {
  for (ptrdiff_t i = 0; i < n; i++) {
    double w = p[i] * shrink;
    double gi = g[i] + l2 * w;
    double mi = b1 * m[i] + (1 - b1) * gi;
    double vi = b2 * v[i] + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = w - stepSize * mi / (sqrt(vi) / correction2 + eps);
  }
}
