// SPDX-License-Identifier: MIT
#include "panel_decoder.h"

#include "dcs_panel.h"
#include "repaper_panel.h"
#include "st7586_panel.h"
#include "udl_stream.h"

namespace tinydrm {

std::unique_ptr<PanelDecoder> makePanelDecoder(const PanelSpec &spec)
{
	if (spec.backend == "mi0283qt" || spec.backend == "ili9341")
		return makeDcsPanelDecoder(spec);
	if (spec.backend == "st7586")
		return makeSt7586PanelDecoder(spec);
	if (spec.backend == "repaper")
		return makeRepaperPanelDecoder(spec);
	if (spec.backend == "udl")
		return makeUdlStreamDecoder(spec);
	return nullptr;
}

bool decodeWireLog(PanelDecoder &decoder, std::vector<uint8_t> bytes, std::string &error)
{
	WireReader reader(std::move(bytes));
	WireRecord record;
	while (reader.next(record)) {
		if (!decoder.feed(record)) {
			error = decoder.error();
			return false;
		}
	}
	if (!reader.error().empty()) {
		error = reader.error();
		return false;
	}
	return true;
}

} // namespace tinydrm
