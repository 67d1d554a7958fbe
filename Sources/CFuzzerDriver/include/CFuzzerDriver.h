#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (LLVM 11 and later), defined by libFuzzer when a binary is linked
/// with -sanitize=fuzzer: parses libFuzzer's flags and runs the fuzzing loop on `callback`.
/// Declared here so Swift calls it with the C calling convention; only the fuzz
/// executables built by .ci/fuzz reference it.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
