// SPDX-License-Identifier: MIT
// Dry-run transports: each call checks its arguments as the real transport would (so a backend
// bug shows up in a dry run too), answers reads through the backend's responder, and writes one
// WireLog record. The record shapes are documented in wire_log.h.
#include "dry_run.h"

#include <algorithm>
#include <cerrno>
#include <limits>

#include "log.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("panels");
	return logger;
}

/**
 * DryRunSpi - called by its one panel; no locking inside (the WireLog locks itself).
 */
class DryRunSpi final : public SpiBus
{
public:
	DryRunSpi(WireLog &wire, uint32_t maxSpeedHz, SpiResponder responder)
		: wire_(wire), maxSpeedHz_(maxSpeedHz), responder_(std::move(responder))
	{
	}

	int transfer(const SpiTransfer &t) override
	{
		if (t.bitsPerWord != 8 && t.bitsPerWord != 16) {
			log()->error("spi dry-run: {} bits per word is not supported", t.bitsPerWord);
			return -EINVAL;
		}
		// spidev rejects a length that is not a whole number of words.
		if (t.bitsPerWord == 16 && t.length % 2) {
			log()->error("spi dry-run: odd length {} with 16-bit words", t.length);
			return -EINVAL;
		}
		if (t.length == 0)
			return 0;
		if (t.length > kWireMaxPayload / 2) {
			log()->error("spi dry-run: {}-byte transfer is larger than a wire record", t.length);
			return -EMSGSIZE;
		}
		const uint32_t speed = t.speedHz ? std::min(t.speedHz, maxSpeedHz_) : maxSpeedHz_;
		if (t.rx) {
			std::fill_n(t.rx, t.length, uint8_t(0));
			if (responder_)
				responder_(t.tx, t.rx, t.length);
		}
		wire_.append(WireKind::SpiTransfer, t.bitsPerWord, t.rx ? 1 : 0, speed, t.tx, t.length,
			     t.rx, t.rx ? t.length : 0);
		return 0;
	}

	uint32_t maxSpeedHz() const override { return maxSpeedHz_; }

private:
	WireLog &wire_;
	const uint32_t maxSpeedHz_;
	const SpiResponder responder_;
};

/**
 * DryRunGpio - called by its one panel; no locking inside.
 */
class DryRunGpio final : public GpioLine
{
public:
	DryRunGpio(WireLog &wire, std::string role, std::function<int()> inputLevel)
		: wire_(wire), role_(std::move(role)), inputLevel_(std::move(inputLevel))
	{
	}

	int set(bool active) override
	{
		record(0, active);
		return 0;
	}

	int get() override
	{
		const int level = inputLevel_ ? inputLevel_() : 0;
		if (level < 0)
			return level; // the backend's test wants a failing line
		record(1, level != 0);
		return level != 0;
	}

	const std::string &role() const override { return role_; }

private:
	void record(uint8_t read, bool level)
	{
		wire_.append(WireKind::Gpio, read, level ? 1 : 0, 0,
			     reinterpret_cast<const uint8_t *>(role_.data()), role_.size());
	}

	WireLog &wire_;
	const std::string role_;
	const std::function<int()> inputLevel_;
};

/**
 * DryRunDelay - called by its one panel; no locking inside.
 */
class DryRunDelay final : public Delay
{
public:
	DryRunDelay(WireLog &wire, bool realtime)
		: wire_(wire), real_(realtime ? makeRealDelay() : nullptr)
	{
	}

	void sleep(std::chrono::microseconds duration) override
	{
		const auto us = std::clamp<long long>(duration.count(), 0,
						      std::numeric_limits<uint32_t>::max());
		wire_.append(WireKind::Delay, 0, 0, uint32_t(us), nullptr, 0);
		if (real_)
			real_->sleep(duration);
	}

private:
	WireLog &wire_;
	const std::unique_ptr<Delay> real_;
};

/**
 * DryRunUsb - called by its one panel (and its thread) under the panel's serialisation; no
 * locking inside.
 */
class DryRunUsb final : public UsbLink
{
public:
	DryRunUsb(WireLog &wire, UsbResponder responder)
		: wire_(wire), responder_(std::move(responder))
	{
	}

	int control(const UsbSetup &setup, uint8_t *data, uint16_t length,
		    std::chrono::milliseconds) override
	{
		if (length && !data) {
			log()->error("usb dry-run: control request {:#04x} without a data buffer",
				     setup.request);
			return -EINVAL;
		}
		uint8_t packet[8] = {setup.requestType, setup.request};
		putLe16(packet + 2, setup.value);
		putLe16(packet + 4, setup.index);
		putLe16(packet + 6, length);

		if (!(setup.requestType & 0x80)) {
			wire_.append(WireKind::UsbControl, 0, 0, 0, packet, sizeof(packet), data, length);
			return length;
		}
		int answered = responder_ ? responder_(setup, data, length) : -EPIPE;
		if (answered < 0) {
			wire_.append(WireKind::UsbControl, 1, 0, 0, packet, sizeof(packet));
			return answered;
		}
		// A device never answers more than wLength; a responder that claims to is clamped.
		answered = std::min<int>(answered, length);
		wire_.append(WireKind::UsbControl, 0, 0, 0, packet, sizeof(packet), data,
			     size_t(answered));
		return answered;
	}

	int bulkOut(uint8_t endpoint, const uint8_t *data, size_t length,
		    std::chrono::milliseconds) override
	{
		if (endpoint & 0x80) {
			log()->error("usb dry-run: bulk OUT on IN endpoint {:#04x}", endpoint);
			return -EINVAL;
		}
		if (length && !data)
			return -EINVAL;
		if (length > kWireMaxPayload) {
			log()->error("usb dry-run: {}-byte bulk transfer is larger than a wire record",
				     length);
			return -EMSGSIZE;
		}
		wire_.append(WireKind::UsbBulk, endpoint, 0, 0, data, length);
		return 0;
	}

private:
	static void putLe16(uint8_t *p, uint16_t v)
	{
		p[0] = uint8_t(v);
		p[1] = uint8_t(v >> 8);
	}

	WireLog &wire_;
	const UsbResponder responder_;
};

} // namespace

std::unique_ptr<SpiBus> makeDryRunSpi(WireLog &log, uint32_t maxSpeedHz, SpiResponder responder)
{
	return std::make_unique<DryRunSpi>(log, maxSpeedHz, std::move(responder));
}

std::unique_ptr<GpioLine> makeDryRunGpio(WireLog &log, const std::string &role,
					 std::function<int()> inputLevel)
{
	return std::make_unique<DryRunGpio>(log, role, std::move(inputLevel));
}

std::unique_ptr<Delay> makeDryRunDelay(WireLog &log, bool realtime)
{
	return std::make_unique<DryRunDelay>(log, realtime);
}

std::unique_ptr<UsbLink> makeDryRunUsb(WireLog &log, UsbResponder responder)
{
	return std::make_unique<DryRunUsb>(log, std::move(responder));
}

} // namespace tinydrm
