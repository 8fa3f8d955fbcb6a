// SPDX-License-Identifier: MIT
/*
 * wire_decode - what a dry-run panel received, as the emulated panel shows it.
 *
 *   wire_decode SPEC LOGFILE [--png OUT.png] [--marks] [X,Y...]
 *
 * SPEC is the panel spec the daemon was given (e.g. "mi0283qt:dry-run=/tmp/mi.wire" or
 * "repaper:model=e1144cs021,dry-run=/tmp/ep.wire"): its backend picks the decoder
 * (tests/decoders, makePanelDecoder) and its options (model=, rotation=, bgr=) tell the decoder
 * how the glass sits. LOGFILE is the WireLog the dry-run sink wrote (usually the spec's
 * dry-run= path). The whole log is replayed; then wire_decode prints
 *
 *   WxH            the decoded image's size (the panel's, in the orientation the user sees)
 *   RRGGBB         one line per point X,Y, its colour in hex (gray levels have R = G = B)
 *   mark TEXT      with --marks: one line per Mark record of the log ("flush 3", "update 1")
 *
 * --png OUT.png writes the whole decoded image as an 8-bit RGB PNG: the quickest way to look at
 * what a dry-run sink received, e.g.
 *
 *   tinydrmd --panel st7586:dry-run=/tmp/ev3.wire &   ... run a client ...
 *   wire_decode st7586:dry-run=/tmp/ev3.wire /tmp/ev3.wire --png ev3.png
 *
 * A log may be read while the daemon still writes it: a record cut off at the end is a bad
 * stream like any other (exit 1), so a caller waiting for a frame simply tries again.
 *
 * Exit: 0 decoded; 1 an unreadable or malformed log, a protocol violation (the decoder's
 * error on stderr; nothing on stdout) or no picture yet (udl before its modeset) while points or
 * a PNG were asked for; 2 bad usage (spec, point outside the image, no decoder
 * for the backend, PNG not written).
 */
#include <png.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "panel_decoder.h"
#include "panel_spec.h"
#include "wire_log.h"

namespace {

using namespace tinydrm;

constexpr int kExitBadStream = 1;
constexpr int kExitUsage = 2;

int usage(const char *why)
{
	if (why)
		std::fprintf(stderr, "wire_decode: %s\n", why);
	std::fprintf(stderr, "usage: wire_decode SPEC LOGFILE [--png OUT.png] [--marks] [X,Y...]\n");
	return kExitUsage;
}

/// Parses "X,Y" (decimals).
bool parsePoint(std::string_view text, std::pair<uint32_t, uint32_t> &point)
{
	const size_t comma = text.find(',');
	return comma != std::string_view::npos &&
	       parseDecimal(text.substr(0, comma), 0, kMaxPanelSide, point.first) &&
	       parseDecimal(text.substr(comma + 1), 0, kMaxPanelSide, point.second);
}

/// Writes @p pixels (XRGB8888, row-major) as an 8-bit RGB PNG. \return false with @p error.
bool writePng(const std::string &path, const std::vector<uint32_t> &pixels, uint32_t width,
	      uint32_t height, std::string &error)
{
	std::vector<uint8_t> rgb(size_t(width) * height * 3);
	for (size_t i = 0; i < size_t(width) * height; i++) {
		rgb[i * 3] = uint8_t(pixels[i] >> 16);
		rgb[i * 3 + 1] = uint8_t(pixels[i] >> 8);
		rgb[i * 3 + 2] = uint8_t(pixels[i]);
	}
	png_image image;
	std::memset(&image, 0, sizeof(image));
	image.version = PNG_IMAGE_VERSION;
	image.width = width;
	image.height = height;
	image.format = PNG_FORMAT_RGB;
	if (!png_image_write_to_file(&image, path.c_str(), 0, rgb.data(), 0, nullptr)) {
		error = path + ": " + image.message;
		png_image_free(&image);
		return false;
	}
	return true;
}

} // namespace

int main(int argc, char **argv)
{
	std::vector<std::string_view> positional;
	std::optional<std::string> pngPath;
	bool marks = false;
	for (int i = 1; i < argc; i++) {
		const std::string_view arg = argv[i];
		if (arg == "--png") {
			if (++i == argc)
				return usage("--png needs a file name");
			pngPath = argv[i];
		} else if (arg == "--marks") {
			marks = true;
		} else if (arg == "-h" || arg == "--help") {
			usage(nullptr);
			return 0;
		} else if (arg.starts_with("--")) {
			return usage(("unknown option " + std::string(arg)).c_str());
		} else {
			positional.push_back(arg);
		}
	}
	if (positional.size() < 2)
		return usage(nullptr);

	std::string error;
	const std::optional<PanelSpec> spec = parsePanelSpec(positional[0], error);
	if (!spec)
		return usage(("bad spec: " + error).c_str());
	std::vector<std::pair<uint32_t, uint32_t>> points(positional.size() - 2);
	for (size_t i = 0; i < points.size(); i++)
		if (!parsePoint(positional[i + 2], points[i]))
			return usage(("bad point '" + std::string(positional[i + 2]) +
				      "' (want X,Y)").c_str());
	const std::unique_ptr<PanelDecoder> decoder = makePanelDecoder(*spec);
	if (!decoder)
		return usage(("no decoder for '" + spec->str() + "'").c_str());

	// decodeWireLog()'s loop, keeping the marks on the way.
	std::vector<uint8_t> bytes;
	if (WireReader::load(std::string(positional[1]), bytes, error)) {
		std::fprintf(stderr, "wire_decode: %s\n", error.c_str());
		return kExitBadStream;
	}
	WireReader reader(std::move(bytes));
	WireRecord record;
	std::vector<std::string> markTexts;
	size_t records = 0;
	while (reader.next(record)) {
		if (!decoder->feed(record)) {
			std::fprintf(stderr, "wire_decode: record %zu: %s\n", records,
				     decoder->error().c_str());
			return kExitBadStream;
		}
		if (record.kind == WireKind::Mark)
			markTexts.emplace_back(record.payload.begin(), record.payload.end());
		records++;
	}
	if (!reader.error().empty()) {
		std::fprintf(stderr, "wire_decode: after %zu records: %s\n", records,
			     reader.error().c_str());
		return kExitBadStream;
	}

	const uint32_t width = decoder->width();
	const uint32_t height = decoder->height();
	const std::vector<uint32_t> &image = decoder->image();
	if (!width || !height || image.size() != size_t(width) * height) {
		// The udl decoder has no picture before a mode was set.
		std::fprintf(stderr, "wire_decode: no picture (%ux%u, %zu pixels)\n", width, height,
			     image.size());
		if (!points.empty() || pngPath)
			return kExitBadStream;
	}
	for (const auto &[x, y] : points)
		if (x >= width || y >= height) {
			std::fprintf(stderr, "wire_decode: point %u,%u outside the %ux%u image\n", x,
				     y, width, height);
			return kExitUsage;
		}
	if (pngPath && !writePng(*pngPath, image, width, height, error)) {
		std::fprintf(stderr, "wire_decode: %s\n", error.c_str());
		return kExitUsage;
	}
	std::printf("%ux%u\n", width, height);
	for (const auto &[x, y] : points)
		std::printf("%06x\n", image[size_t(y) * width + x] & 0x00ffffffu);
	if (marks)
		for (const std::string &text : markTexts)
			std::printf("mark %s\n", text.c_str());
	return 0;
}
