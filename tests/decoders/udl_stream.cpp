// SPDX-License-Identifier: MIT
// PLACEHOLDER: a helper is writing this decoder.
#include "udl_stream.h"

namespace tinydrm {
std::unique_ptr<PanelDecoder> makeUdlStreamDecoder(const PanelSpec &) { return nullptr; }
} // namespace tinydrm
