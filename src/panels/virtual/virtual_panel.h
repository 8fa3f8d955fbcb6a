// SPDX-License-Identifier: MIT
// The virtual panel: no hardware; keeps the last image it was shown.
#pragma once

#include <cstdint>
#include <memory>

#include "panel.h"
#include "panel_registry.h"

namespace tinydrm {

/// A virtual panel of @p width x @p height at @p refreshHz. It accepts XRGB8888 and RGB565 and
/// keeps what it was flushed as XRGB8888, for snapshots and tests.
std::unique_ptr<Panel> makeVirtualPanel(uint32_t width, uint32_t height, uint32_t refreshHz);

/// "virtual[:WxH[@HZ]]": 320x240@60 unless given.
extern const PanelBackend kVirtualBackend;

} // namespace tinydrm
