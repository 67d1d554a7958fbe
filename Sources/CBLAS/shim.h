// The system OpenBLAS (Debian: libopenblas-dev, pkg-config: openblas).
// Its CBLAS interface gives the dense products and triangular solves of FlowRuntime.
#include <cblas.h>

// LAPACK, which the same libopenblas contains. Debian ships no LAPACK header with it
// (lapack.h and lapacke.h come with liblapacke-dev), so the Fortran routines FlowRuntime
// calls are declared here, in Fortran's calling convention: every argument by pointer,
// column-major storage, `blasint` (openblas_config.h, via cblas.h) for integers, no hidden
// string-length arguments since none of them takes a character.

/// LU factorisation with partial pivoting, A = P·L·U, in place (LAPACK dgetrf).
void dgetrf_(const blasint *m, const blasint *n, double *a, const blasint *lda,
             blasint *ipiv, blasint *info);
/// The inverse of a matrix from its dgetrf factors, in place (LAPACK dgetri).
void dgetri_(const blasint *n, double *a, const blasint *lda, const blasint *ipiv,
             double *work, const blasint *lwork, blasint *info);
/// Householder QR factorisation, A = Q·R, in place (LAPACK dgeqrf).
void dgeqrf_(const blasint *m, const blasint *n, double *a, const blasint *lda,
             double *tau, double *work, const blasint *lwork, blasint *info);
/// Forms the first n columns of Q from dgeqrf's reflectors, in place (LAPACK dorgqr).
void dorgqr_(const blasint *m, const blasint *n, const blasint *k, double *a,
             const blasint *lda, const double *tau, double *work, const blasint *lwork,
             blasint *info);
