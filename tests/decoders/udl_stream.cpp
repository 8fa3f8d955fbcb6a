// SPDX-License-Identifier: MIT
#include "udl_stream.h"

#include <algorithm>
#include <cstring>

#include <spdlog/fmt/fmt.h>

#include "udl/udl_protocol.h"

namespace tinydrm {

using namespace udl;

namespace {

/// A count byte of pixel commands and spans: 0 means 256.
inline size_t count(uint8_t byte)
{
	return byte ? byte : kMaxCmdPixels;
}

inline uint32_t address24(const uint8_t *p)
{
	return uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2];
}

bool isTimingRegister(uint8_t index)
{
	return (index >= kRegXDisplayStart && index <= kRegVPixels + 1) ||
	       index == kRegPixelClock5k || index == kRegPixelClock5k + 1;
}

/// Widens a 5/6-bit channel to 8 bits as display hardware does: replicate the high bits.
inline uint32_t widen(uint32_t value, int bits)
{
	return (value << (8 - bits)) | (value >> (2 * bits - 8));
}

} // namespace

int32_t udlLfsrDecode(uint16_t value)
{
	// Built by stepping the LFSR itself rather than inverting the host's encoder, so a wrong
	// seed or tap in either shows up as a mismatch.
	static const std::vector<int32_t> inverse = [] {
		std::vector<int32_t> table(65536, -1);
		uint16_t state = kLfsrSeed;
		for (int32_t n = 0; table[state] < 0; n++) {
			table[state] = n;
			state = lfsrStep(state);
		}
		return table;
	}();
	return inverse[value];
}

bool UdlStream::fail(std::string message)
{
	if (error_.empty())
		error_ = std::move(message);
	return false;
}

ptrdiff_t UdlStream::malformed(std::string message)
{
	fail(std::move(message));
	return -1;
}

uint32_t UdlStream::base16() const
{
	return address24(&applied_[kRegBase16]);
}

bool UdlStream::blanked() const
{
	return !mode_ || applied_[kRegBlankMode] != kBlankOn;
}

uint16_t UdlStream::pixel(uint32_t address) const
{
	if (size_t(address) + 2 > memory_.size())
		return 0;
	return uint16_t(memory_[address] << 8 | memory_[address + 1]);
}

void UdlStream::render(std::vector<uint32_t> &pixels) const
{
	pixels.clear();
	if (!mode_)
		return;
	const uint32_t width = mode_->hdisplay;
	const uint32_t height = mode_->vdisplay;
	pixels.assign(size_t(width) * height, 0);
	if (blanked())
		return;
	uint32_t address = base16();
	for (uint32_t &out : pixels) {
		const uint32_t p = pixel(address);
		out = widen(p >> 11, 5) << 16 | widen((p >> 5) & 0x3f, 6) << 8 | widen(p & 0x1f, 5);
		address += 2;
	}
}

bool UdlStream::consume(const uint8_t *data, size_t length)
{
	if (!error_.empty())
		return false;
	if (!pending_.empty()) {
		pending_.insert(pending_.end(), data, data + length);
		const size_t used = parse(pending_.data(), pending_.size());
		pending_.erase(pending_.begin(), pending_.begin() + ptrdiff_t(used));
	} else {
		const size_t used = parse(data, length);
		pending_.assign(data + used, data + length);
	}
	return error_.empty();
}

bool UdlStream::endTransfer()
{
	if (!error_.empty())
		return false;
	if (pending_.size() == 1 && pending_[0] == kCmdStart)
		counts_.noops++;
	else if (!pending_.empty())
		return fail(fmt::format("command {:02x} {:02x}... cut by the end of a transfer "
					"({} bytes of it)",
					pending_[0], pending_.size() > 1 ? pending_[1] : 0,
					pending_.size()));
	pending_.clear();
	return true;
}

size_t UdlStream::parse(const uint8_t *data, size_t length)
{
	size_t offset = 0;
	while (offset < length && error_.empty()) {
		const uint8_t *p = data + offset;
		if (p[0] != kCmdStart) {
			fail(fmt::format("byte {:02x} where a command (af) should start", p[0]));
			break;
		}
		if (length - offset < 2)
			break;
		if (p[1] == kCmdStart) {
			counts_.noops++;
			offset++;
			continue;
		}
		const ptrdiff_t size = measure(p, length - offset);
		if (size <= 0)
			break;
		execute(p);
		offset += size_t(size);
	}
	return offset;
}

bool UdlStream::checkSpan(uint32_t address, size_t pixels, const char *what)
{
	if (address & 1)
		return fail(fmt::format("{} at odd address {:#08x} in the 16-bpp plane", what, address));
	if (address + 2 * pixels > kAddressSpace)
		return fail(fmt::format("{} of {} pixels at {:#08x} runs past 16 MiB", what, pixels,
					address));
	return true;
}

ptrdiff_t UdlStream::measure(const uint8_t *p, size_t length)
{
	const uint8_t command = p[1];
	switch (command) {
	case kCmdWriteRegister:
		return length < 4 ? 0 : 4;
	case kCmdRaw16: {
		if (length < kCmdHeader)
			return 0;
		const size_t total = count(p[5]);
		if (!checkSpan(address24(p + 2), total, "RAW16"))
			return -1;
		const size_t size = kCmdHeader + 2 * total;
		return length < size ? 0 : ptrdiff_t(size);
	}
	case kCmdCopy16: {
		if (length < kCmdHeader + 3)
			return 0;
		const size_t total = count(p[5]);
		if (!checkSpan(address24(p + 2), total, "COPY16 destination") ||
		    !checkSpan(address24(p + 6), total, "COPY16 source"))
			return -1;
		return kCmdHeader + 3;
	}
	case kCmdRl16:
	case kCmdRlx16: {
		if (length < kCmdHeader)
			return 0;
		const bool rlx = command == kCmdRlx16;
		const char *name = rlx ? "RLX16" : "RL16";
		const size_t total = count(p[5]);
		if (!checkSpan(address24(p + 2), total, name))
			return -1;
		// RL16: {count, pixel} runs. RLX16: {count, pixels..., repeat} spans, the last one
		// ending after its pixels or its repeat, wherever the total is reached.
		size_t offset = kCmdHeader;
		size_t done = 0;
		while (done < total) {
			if (offset >= length)
				return 0;
			const size_t run = count(p[offset++]);
			if (done + run > total)
				return malformed(fmt::format("{} span of {} pixels after {} of {}",
							     name, run, done, total));
			const size_t bytes = rlx ? 2 * run : 2;
			if (length - offset < bytes)
				return 0;
			offset += bytes;
			done += run;
			if (!rlx || done == total)
				continue;
			if (offset >= length)
				return 0;
			const size_t repeat = p[offset++];
			if (done + repeat > total)
				return malformed(fmt::format("RLX16 repeat of {} after {} of {} "
							     "pixels",
							     repeat, done, total));
			done += repeat;
		}
		return ptrdiff_t(offset);
	}
	case kCmdRaw8:
	case kCmdRl8:
	case kCmdCopy8:
	case kCmdRlx8:
		return malformed(fmt::format("8-bpp command af {:02x}: a 16-bpp host never sends "
					     "one",
					     command));
	default:
		return malformed(fmt::format("unknown command af {:02x}", command));
	}
}

void UdlStream::store(uint32_t address, uint8_t high, uint8_t low)
{
	if (memory_.size() < size_t(address) + 2) {
		// Grow geometrically from 64 KiB, never past the 16 MiB the addresses reach.
		const size_t want = std::max({size_t(address) + 2, 2 * memory_.size(),
					      size_t(64) << 10});
		memory_.resize(std::min<size_t>(want, kAddressSpace), 0);
	}
	memory_[address] = high;
	memory_[address + 1] = low;
	counts_.pixels++;
}

void UdlStream::execute(const uint8_t *p)
{
	if (p[1] == kCmdWriteRegister) { // 4 bytes: no address or count to read
		counts_.registers++;
		writeRegister(p[2], p[3]);
		return;
	}
	uint32_t address = address24(p + 2);
	const size_t total = count(p[5]);
	switch (p[1]) {
	case kCmdRaw16:
		counts_.raw16++;
		for (size_t i = 0; i < total; i++, address += 2)
			store(address, p[kCmdHeader + 2 * i], p[kCmdHeader + 2 * i + 1]);
		return;
	case kCmdCopy16: {
		counts_.copy16++;
		// Pixel by pixel, front to back: what a simple copy engine does with an overlap.
		uint32_t source = address24(p + 6);
		for (size_t i = 0; i < total; i++, address += 2, source += 2) {
			const uint16_t value = pixel(source);
			store(address, uint8_t(value >> 8), uint8_t(value));
		}
		return;
	}
	case kCmdRl16: {
		counts_.rl16++;
		const uint8_t *q = p + kCmdHeader;
		for (size_t done = 0; done < total; q += 3) {
			const size_t run = count(q[0]);
			for (size_t i = 0; i < run; i++, address += 2)
				store(address, q[1], q[2]);
			done += run;
		}
		return;
	}
	case kCmdRlx16: {
		counts_.rlx16++;
		const uint8_t *q = p + kCmdHeader;
		size_t done = 0;
		while (done < total) {
			const size_t raw = count(*q++);
			for (size_t i = 0; i < raw; i++, q += 2, address += 2)
				store(address, q[0], q[1]);
			done += raw;
			if (done == total)
				break;
			const size_t repeat = *q++;
			for (size_t i = 0; i < repeat; i++, address += 2)
				store(address, q[-3], q[-2]);
			done += repeat;
		}
		return;
	}
	default:
		return; // measure() let nothing else through
	}
}

void UdlStream::writeRegister(uint8_t index, uint8_t value)
{
	if (index == kRegVideoLock) {
		if (value == kVideoLock) {
			locked_ = true;
		} else if (value == kVideoUnlock) {
			if (locked_)
				unlock();
		} else {
			fail(fmt::format("video lock register written with {:02x}", value));
		}
		return;
	}
	if (index == kRegColorDepth && value != kColorDepth16 && value != kColorDepth24) {
		fail(fmt::format("colour depth {:02x} (0 = 16 bpp, 1 = 24 bpp)", value));
		return;
	}
	if (index == kRegBlankMode && value != kBlankOn && value != kBlankBlanked &&
	    value != kBlankVSyncOff && value != kBlankHSyncOff && value != kBlankPowerDown) {
		fail(fmt::format("blank mode {:02x}", value));
		return;
	}
	written_[index] = value;
	if (locked_) {
		timingWritten_ = timingWritten_ || isTimingRegister(index);
		return;
	}
	if (isTimingRegister(index)) {
		fail(fmt::format("timing register {:02x} written outside lock/unlock", index));
		return;
	}
	applied_[index] = value;
}

void UdlStream::unlock()
{
	locked_ = false;
	applied_ = written_;
	if (!timingWritten_)
		return;
	timingWritten_ = false;

	const auto plain = [this](uint8_t r) { return uint32_t(applied_[r] << 8 | applied_[r + 1]); };
	int32_t counts[0x18] = {};
	for (uint8_t r : {kRegXDisplayStart, kRegXDisplayEnd, kRegYDisplayStart, kRegYDisplayEnd,
			  kRegXEndCount, kRegHSyncStart, kRegHSyncEnd, kRegYEndCount, kRegVSyncStart,
			  kRegVSyncEnd}) {
		counts[r] = udlLfsrDecode(uint16_t(plain(r)));
		if (counts[r] < 0) {
			fail(fmt::format("timing register {:02x} holds 0000, which no LFSR count "
					 "reaches",
					 r));
			return;
		}
	}
	if (counts[kRegHSyncStart] != 1 || counts[kRegVSyncStart] != 0) {
		fail(fmt::format("sync starts {}/{} (hosts always write 1/0)",
				 counts[kRegHSyncStart], counts[kRegVSyncStart]));
		return;
	}
	const int32_t xStart = counts[kRegXDisplayStart];
	const int32_t yStart = counts[kRegYDisplayStart];
	const int32_t width = counts[kRegXDisplayEnd] - xStart;
	const int32_t height = counts[kRegYDisplayEnd] - yStart;
	const int32_t htotal = counts[kRegXEndCount] + 1;
	const int32_t vtotal = counts[kRegYEndCount];
	if (width <= 0 || height <= 0 || uint32_t(width) != plain(kRegHPixels) ||
	    uint32_t(height) != plain(kRegVPixels)) {
		fail(fmt::format("display window {}x{} disagrees with hpixels/vpixels {}x{}", width,
				 height, plain(kRegHPixels), plain(kRegVPixels)));
		return;
	}
	udl::Timing t;
	t.clockKhz = uint32_t(applied_[kRegPixelClock5k + 1] << 8 | applied_[kRegPixelClock5k]) * 5;
	t.hdisplay = uint16_t(width);
	t.hsyncStart = uint16_t(htotal - xStart);
	t.hsyncEnd = uint16_t(t.hsyncStart + counts[kRegHSyncEnd] - 1);
	t.htotal = uint16_t(htotal);
	t.vdisplay = uint16_t(height);
	t.vsyncStart = uint16_t(vtotal - yStart);
	t.vsyncEnd = uint16_t(t.vsyncStart + counts[kRegVSyncEnd]);
	t.vtotal = uint16_t(vtotal);
	const bool ordered = xStart <= htotal && yStart <= vtotal && t.hdisplay <= t.hsyncStart &&
			     t.hsyncStart < t.hsyncEnd && t.hsyncEnd <= t.htotal &&
			     t.vdisplay <= t.vsyncStart && t.vsyncStart < t.vsyncEnd &&
			     t.vsyncEnd <= t.vtotal;
	if (!ordered || !t.clockKhz) {
		fail(fmt::format("timings {} {} {} {} / {} {} {} {} at {} kHz are not a mode",
				 t.hdisplay, t.hsyncStart, t.hsyncEnd, t.htotal, t.vdisplay,
				 t.vsyncStart, t.vsyncEnd, t.vtotal, t.clockKhz));
		return;
	}
	if (uint64_t(base16()) + uint64_t(width) * uint32_t(height) * 2 > kAddressSpace) {
		fail(fmt::format("a {}x{} plane at {:#08x} does not fit 16 MiB", width, height,
				 base16()));
		return;
	}
	mode_ = t;
}

namespace {

/**
 * UdlPanelDecoder - a WireLog's USB records against one UdlStream: control requests must be
 * ones the host sends (channel select with the right key before any bulk data; EDID and
 * descriptor reads), bulk data goes to endpoint 1 in transfers of at most kMaxTransfer bytes.
 */
class UdlPanelDecoder final : public PanelDecoder
{
public:
	bool feed(const WireRecord &record) override
	{
		if (!error_.empty())
			return false;
		switch (record.kind) {
		case WireKind::Mark:
			return true;
		case WireKind::UsbControl:
			return control(record);
		case WireKind::UsbBulk:
			return bulk(record);
		default:
			return fail(fmt::format("record kind {} on a USB device", int(record.kind)));
		}
	}

	const std::string &error() const override { return error_; }
	uint32_t width() const override { return stream_.mode() ? stream_.mode()->hdisplay : 0; }
	uint32_t height() const override { return stream_.mode() ? stream_.mode()->vdisplay : 0; }
	const std::vector<uint32_t> &image() const override
	{
		stream_.render(image_);
		return image_;
	}

private:
	bool fail(std::string message)
	{
		if (error_.empty())
			error_ = std::move(message);
		return false;
	}

	bool control(const WireRecord &record)
	{
		const std::vector<uint8_t> &p = record.payload;
		if (p.size() < 8)
			return fail("USB control record without a setup packet");
		if (record.arg0) // stalled: the device did nothing
			return true;
		const uint8_t type = p[0];
		const uint8_t request = p[1];
		const uint16_t value = uint16_t(p[2] | p[3] << 8);
		const uint16_t index = uint16_t(p[4] | p[5] << 8);
		if ((type & 0x60) != 0x40) // standard and class requests (descriptors) change nothing
			return true;
		if (type == kRequestTypeVendorOut && request == kRequestSelectChannel) {
			if (value || index || p.size() != 8 + kChannelKey.size() ||
			    !std::equal(kChannelKey.begin(), kChannelKey.end(), p.begin() + 8))
				return fail("channel select with the wrong key");
			channelSelected_ = true;
			return true;
		}
		if (type == kRequestTypeVendorIn && request == kRequestReadEdid && index == kEdidIndex)
			return true;
		return fail(fmt::format("unknown vendor request type {:02x} request {:02x}", type,
					request));
	}

	bool bulk(const WireRecord &record)
	{
		if (record.arg0 != kBulkEndpoint)
			return fail(fmt::format("bulk data to endpoint {:02x}", record.arg0));
		if (!channelSelected_)
			return fail("bulk data before channel select");
		if (record.payload.size() > kMaxTransfer)
			return fail(fmt::format("bulk transfer of {} bytes (at most {})",
						record.payload.size(), kMaxTransfer));
		if (!stream_.consume(record.payload.data(), record.payload.size()) ||
		    !stream_.endTransfer())
			return fail(stream_.error());
		return true;
	}

	UdlStream stream_;
	bool channelSelected_ = false;
	std::string error_;
	mutable std::vector<uint32_t> image_;
};

} // namespace

std::unique_ptr<PanelDecoder> makeUdlStreamDecoder(const PanelSpec &)
{
	return std::make_unique<UdlPanelDecoder>();
}

} // namespace tinydrm
