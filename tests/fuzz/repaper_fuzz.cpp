// SPDX-License-Identifier: MIT
// PLACEHOLDER: a helper is writing this fuzzer.
#include <cstddef>
#include <cstdint>
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *, size_t) { return 0; }
