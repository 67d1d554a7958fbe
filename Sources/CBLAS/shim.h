// The system OpenBLAS (Debian: libopenblas-dev, pkg-config: openblas).
// Its CBLAS interface gives the dense products and triangular solves of FlowRuntime.
#include <cblas.h>
