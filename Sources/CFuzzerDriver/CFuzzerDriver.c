// The declaration in include/CFuzzerDriver.h is all this target provides; libFuzzer
// defines the function in the fuzz builds (.ci/fuzz).
#include "CFuzzerDriver.h"
