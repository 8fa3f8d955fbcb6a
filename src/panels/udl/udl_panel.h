// SPDX-License-Identifier: MIT
// The DisplayLink panel: probe a device behind a UsbLink and drive it (overview in udl_panel.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "panel.h"
#include "usb_link.h"
#include "wire_log.h"

namespace tinydrm::udl {

/// The mode= option: which of the monitor's modes to offer first. Zero fields match any.
struct ModeRequest {
	uint32_t width = 0;
	uint32_t height = 0;
	uint32_t refreshHz = 0;
};

/**
 * createUdlPanel - probes the device behind @p link as the kernel's udl does (vendor
 * descriptor, channel select, EDID) and builds its panel. @p log, when given, is the dry-run
 * sink @p link writes to: the panel keeps it alive as long as the link and marks each flush in
 * it. Bulk commands go to @p endpoint.
 * \return 0 and @p panel, or -errno with a one-line reason in @p error (-ENODEV when the
 * device left during the probe; -EINVAL when @p mode names no mode the monitor has).
 * \context the daemon thread; blocks for about 130 control requests.
 */
int createUdlPanel(std::unique_ptr<UsbLink> link, uint8_t endpoint, const ModeRequest &mode,
		   const PanelContext &context, std::unique_ptr<WireLog> log,
		   std::unique_ptr<Panel> &panel, std::string &error);

} // namespace tinydrm::udl
