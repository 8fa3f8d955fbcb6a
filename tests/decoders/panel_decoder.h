// SPDX-License-Identifier: MIT
// PanelDecoder: an emulated panel. It replays a backend's wire records (WireLog) the way the
// real controller would take them and keeps the image the glass would show.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "panel_spec.h"
#include "wire_log.h"

namespace tinydrm {

/**
 * PanelDecoder - single-threaded; one instance per wire stream.
 */
class PanelDecoder
{
public:
	virtual ~PanelDecoder() = default;
	/// Consumes one record. \return false on a protocol violation; error() says which, and the
	/// decoder ignores everything after it.
	virtual bool feed(const WireRecord &record) = 0;
	virtual const std::string &error() const = 0;
	/// What the panel shows now, as XRGB8888 row-major (gray and mono levels expanded to
	/// 0x00RRGGBB with R = G = B), in the orientation the user sees (rotation applied).
	virtual uint32_t width() const = 0;
	virtual uint32_t height() const = 0;
	virtual const std::vector<uint32_t> &image() const = 0;
};

/// The decoder for the backend @p spec names (its options give the model, rotation, ...).
/// \return nullptr for a backend without one (virtual).
std::unique_ptr<PanelDecoder> makePanelDecoder(const PanelSpec &spec);

/// Feeds every record of @p bytes (a whole WireLog file). \return false with @p error on a bad
/// file or a protocol violation.
bool decodeWireLog(PanelDecoder &decoder, std::vector<uint8_t> bytes, std::string &error);

} // namespace tinydrm
