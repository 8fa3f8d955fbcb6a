// SPDX-License-Identifier: MIT
#include "repaper_cog.h"

#include <cerrno>
#include <cstring>

#include "dry_run.h"
#include "log.h"
#include "repaper_frame.h"

namespace tinydrm::repaper {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("panels");
	return logger;
}

using std::chrono::microseconds;
using std::chrono::milliseconds;

// SPI headers: the first byte of every transfer says what the rest is.
constexpr uint8_t kHeaderIndex = 0x70; ///< register index
constexpr uint8_t kHeaderId = 0x71;    ///< read the COG ID
constexpr uint8_t kHeaderWrite = 0x72; ///< data for the selected register
constexpr uint8_t kHeaderRead = 0x73;  ///< read the selected register

// Registers.
constexpr uint8_t kRegChannelSelect = 0x01;
constexpr uint8_t kRegOutput = 0x02;
constexpr uint8_t kRegDriverLatch = 0x03;
constexpr uint8_t kRegPower = 0x04;
constexpr uint8_t kRegChargePump = 0x05;
constexpr uint8_t kRegOscillator = 0x07;
constexpr uint8_t kRegPowerSetting = 0x08;
constexpr uint8_t kRegVcom = 0x09;
constexpr uint8_t kRegLineData = 0x0a;
constexpr uint8_t kRegPowerSaving = 0x0b;
constexpr uint8_t kRegStatus = 0x0f;

constexpr uint8_t kOutputDisable = 0x40;
constexpr uint8_t kOutputEnable = 0x04;
constexpr uint8_t kOutputLatchLine = 0x07;

constexpr uint8_t kStatusPanelOk = 0x80; ///< the glass is connected and not broken
constexpr uint8_t kStatusDcDcOk = 0x40;  ///< the charge pump reached its voltages

constexpr uint8_t kCogId = 0x12;

/// A spidev ioctl round trip with chip select around it, roughly: the dry-run clock adds it to
/// every transfer so that many small transfers are not free.
constexpr std::chrono::nanoseconds kTransferOverhead = microseconds(5);

constexpr int kChargePumpTries = 4;
constexpr int kBusyPolls = 100;

} // namespace

void Interrupt::raise()
{
	{
		std::lock_guard lock(mutex_);
		raised_.store(true, std::memory_order_release);
	}
	wake_.notify_all();
}

bool Interrupt::sleepUntil(std::chrono::steady_clock::time_point deadline)
{
	std::unique_lock lock(mutex_);
	return !wake_.wait_until(lock, deadline, [this] { return raised(); });
}

Cog::Cog(const Model &model, CogWiring wiring, Interrupt &interrupt, std::string name)
	: model_(model), wiring_(std::move(wiring)), interrupt_(interrupt), name_(std::move(name)),
	  tx_(1 + model.lineBytes()), rx_(2), virtualTime_(wiring_.log != nullptr),
	  anchorReal_(std::chrono::steady_clock::now()), epoch_(anchorReal_)
{
	// The dry-run delay only records: the real-time sleeping is pace()'s, which the Interrupt
	// can cut short (a Delay cannot).
	if (wiring_.log)
		delay_ = makeDryRunDelay(*wiring_.log, false);
}

Cog::~Cog() = default;

Cog::Duration Cog::now() const
{
	if (virtualTime_)
		return virtualNow_;
	return std::chrono::steady_clock::now() - epoch_;
}

void Cog::startJob()
{
	anchorReal_ = std::chrono::steady_clock::now();
	anchorVirtual_ = virtualNow_;
}

int Cog::pace()
{
	if (interrupt_.raised())
		return -ECANCELED;
	if (!virtualTime_ || !wiring_.realtime)
		return 0;
	const auto due = anchorReal_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
					       virtualNow_ - anchorVirtual_);
	return interrupt_.sleepUntil(due) ? 0 : -ECANCELED;
}

int Cog::pause(microseconds duration)
{
	if (virtualTime_) {
		delay_->sleep(duration);
		virtualNow_ += duration;
		return pace();
	}
	return interrupt_.sleepUntil(std::chrono::steady_clock::now() + duration) ? 0 : -ECANCELED;
}

void Cog::mark(const std::string &text)
{
	if (wiring_.log)
		wiring_.log->mark(text);
}

int Cog::transfer(uint8_t header, const uint8_t *data, size_t length, uint8_t *reply)
{
	// Header and payload go out under one chip select, as the COG wants them. A read clocks
	// out one byte after the header.
	if (length + 1 > tx_.size() || (reply && length != 1))
		return -EINVAL;
	tx_[0] = header;
	if (data)
		std::memcpy(tx_.data() + 1, data, length);
	else
		std::memset(tx_.data() + 1, 0, length);
	SpiTransfer t;
	t.tx = tx_.data();
	t.rx = reply ? rx_.data() : nullptr;
	t.length = 1 + length;
	const int ret = wiring_.spi->transfer(t);
	account(t.length);
	if (ret)
		return ret;
	if (reply)
		*reply = rx_[1];
	return 0;
}

int Cog::writeRegister(uint8_t reg, const uint8_t *data, size_t length)
{
	if (int ret = transfer(kHeaderIndex, &reg, 1, nullptr))
		return ret;
	return transfer(kHeaderWrite, data, length, nullptr);
}

int Cog::writeRegister(uint8_t reg, uint8_t value)
{
	return writeRegister(reg, &value, 1);
}

int Cog::readRegister(uint8_t reg)
{
	if (int ret = transfer(kHeaderIndex, &reg, 1, nullptr))
		return ret;
	uint8_t value = 0;
	if (int ret = transfer(kHeaderRead, nullptr, 1, &value))
		return ret;
	return value;
}

int Cog::readId()
{
	uint8_t id = 0;
	if (int ret = transfer(kHeaderId, nullptr, 1, &id))
		return ret;
	return id;
}

int Cog::mosiLow()
{
	// One zero byte leaves MOSI (and the clock) low before chip select drops again, which
	// the COG needs between commands and around power changes.
	static const uint8_t zero = 0;
	const int ret = wiring_.spi->write(&zero, 1);
	account(1);
	return ret;
}

void Cog::account(size_t bytes)
{
	if (virtualTime_)
		virtualNow_ += std::chrono::nanoseconds(uint64_t(bytes) * 8 * 1'000'000'000 /
							wiring_.spi->maxSpeedHz()) +
			       kTransferOverhead;
}

int Cog::setLine(GpioLine *line, bool level)
{
	return line ? line->set(level) : 0;
}

int Cog::waitReady()
{
	for (int i = 0; i < kBusyPolls; i++) {
		const int busy = wiring_.busy->get();
		if (busy < 0)
			return busy;
		if (!busy)
			return 0;
		if (int ret = pause(microseconds(50)))
			return ret;
	}
	log()->error("{}: repaper: the COG stayed busy after reset", name_);
	return -ETIMEDOUT;
}

int Cog::sendLine(const uint8_t *bytes)
{
	// Checked per line, not per frame: on a slow bus a frame can take longer than an
	// abandoned update may.
	if (interrupt_.raised())
		return -ECANCELED;
	int ret = mosiLow();
	if (!ret)
		ret = writeRegister(kRegLineData, bytes, model_.lineBytes());
	if (!ret)
		ret = writeRegister(kRegOutput, kOutputLatchLine);
	if (!ret)
		ret = mosiLow();
	return ret;
}

int Cog::powerUp()
{
	// Everything low first, so the COG sees its supply rise with reset asserted and MOSI low.
	int ret = 0;
	for (GpioLine *line : {wiring_.reset.get(), wiring_.panelOn.get(), wiring_.discharge.get(),
			       wiring_.border.get()})
		if (!ret)
			ret = setLine(line, false);
	if (!ret)
		ret = mosiLow();
	if (!ret)
		ret = pause(milliseconds(5));
	if (ret)
		return ret;

	ret = setLine(wiring_.panelOn.get(), true);
	supplyOn_ = true;
	// The supply needs 10 ms before reset is released (the reference drivers wait as long).
	if (!ret)
		ret = pause(milliseconds(10));
	if (!ret)
		ret = setLine(wiring_.reset.get(), true);
	if (!ret)
		ret = setLine(wiring_.border.get(), true);
	if (!ret)
		ret = pause(milliseconds(5));
	// A reset pulse.
	if (!ret)
		ret = setLine(wiring_.reset.get(), false);
	if (!ret)
		ret = pause(milliseconds(5));
	if (!ret)
		ret = setLine(wiring_.reset.get(), true);
	if (!ret)
		ret = pause(milliseconds(5));
	if (!ret)
		ret = waitReady();
	if (!ret)
		ret = programRegisters();
	if (!ret)
		ret = startChargePump();
	if (!ret)
		ret = writeRegister(kRegOutput, kOutputEnable);
	if (ret) {
		// A gone device cannot be powered off; an abandoned one is the destructor's.
		if (ret != -ENODEV && ret != -ECANCELED)
			powerOff();
		return ret;
	}
	powered_ = true;
	return 0;
}

int Cog::programRegisters()
{
	// The first ID read only wakes the COG's SPI interface; the second one counts.
	int id = readId();
	if (id >= 0)
		id = readId();
	if (id < 0)
		return id;
	if (id != kCogId) {
		log()->error("{}: repaper: COG ID is 0x{:02x}, not 0x{:02x} (is a G2 panel connected?)",
			     name_, id, kCogId);
		return -EIO;
	}
	if (int ret = writeRegister(kRegOutput, kOutputDisable))
		return ret;
	const int status = readRegister(kRegStatus);
	if (status < 0)
		return status;
	if (!(status & kStatusPanelOk)) {
		log()->error("{}: repaper: the COG reports the glass broken (status 0x{:02x})", name_,
			     status);
		return -EIO;
	}
	struct Write {
		uint8_t reg;
		uint8_t value;
	};
	static constexpr Write kBeforeChannels[] = {
		{kRegPowerSaving, 0x02},
	};
	static constexpr Write kAfterChannels[] = {
		{kRegOscillator, 0xd1},   // high power mode oscillator
		{kRegPowerSetting, 0x02},
		{kRegVcom, 0xc2},         // Vcom level
		{kRegPower, 0x03},
		{kRegDriverLatch, 0x01},  // driver latch on, then off
		{kRegDriverLatch, 0x00},
	};
	for (const Write &w : kBeforeChannels)
		if (int ret = writeRegister(w.reg, w.value))
			return ret;
	if (int ret = writeRegister(kRegChannelSelect, model_.channelSelect.data(),
				    model_.channelSelect.size()))
		return ret;
	for (const Write &w : kAfterChannels)
		if (int ret = writeRegister(w.reg, w.value))
			return ret;
	return pause(milliseconds(5));
}

int Cog::startChargePump()
{
	// The pump comes up in three steps (positive, negative, Vcom); it may need a few tries
	// before the COG reports its voltages in range.
	for (int attempt = 0; attempt < kChargePumpTries; attempt++) {
		int ret = writeRegister(kRegChargePump, 0x01);
		if (!ret)
			ret = pause(milliseconds(240));
		if (!ret)
			ret = writeRegister(kRegChargePump, 0x03);
		if (!ret)
			ret = pause(milliseconds(40));
		if (!ret)
			ret = writeRegister(kRegChargePump, 0x0f);
		if (!ret)
			ret = pause(milliseconds(40));
		if (ret)
			return ret;
		const int status = readRegister(kRegStatus);
		if (status < 0)
			return status;
		if (status & kStatusDcDcOk)
			return 0;
	}
	log()->error("{}: repaper: the charge pump did not come up after {} tries", name_,
		     kChargePumpTries);
	return -EIO;
}

int Cog::powerDown()
{
	if (!powered_)
		return 0;
	powered_ = false;

	// A frame of dummy lines that drive nothing, then one for the border.
	std::vector<uint8_t> line(model_.lineBytes());
	LineSource nothing;
	nothing.fixed = kFixedNothing;
	encodeLine(model_, kNoScanLine, nothing, Stage::Compensate, line.data());
	int ret = 0;
	for (uint32_t i = 0; i < model_.height && !ret; i++)
		ret = sendLine(line.data());
	if (ret)
		return ret;
	if (model_.borderGpio) {
		ret = sendLine(line.data());
		if (!ret)
			ret = pause(milliseconds(25));
		// A low pulse on the border line turns the border white.
		if (!ret)
			ret = setLine(wiring_.border.get(), false);
		if (!ret)
			ret = pause(milliseconds(200));
		if (!ret)
			ret = setLine(wiring_.border.get(), true);
	} else {
		// In the NORMAL stage the border byte (where the model has one) says white.
		encodeLine(model_, kNoScanLine, nothing, Stage::Normal, line.data());
		ret = sendLine(line.data());
		if (!ret)
			ret = pause(milliseconds(200));
	}
	if (ret)
		return ret;

	struct Step {
		uint8_t reg;
		uint8_t value;
		uint32_t waitMs;
	};
	static constexpr Step kSteps[] = {
		{kRegPowerSaving, 0x00, 0},
		{kRegDriverLatch, 0x01, 0}, // latch reset on
		{kRegChargePump, 0x03, 0},  // Vcom off
		{kRegChargePump, 0x01, 120}, // negative voltage off
		{kRegPower, 0x80, 0},       // discharge internally
		{kRegChargePump, 0x00, 0},  // all pumps off
		{kRegOscillator, 0x01, 50}, // oscillator off
	};
	for (const Step &step : kSteps) {
		ret = writeRegister(step.reg, step.value);
		if (!ret && step.waitMs)
			ret = pause(milliseconds(step.waitMs));
		if (ret)
			return ret;
	}
	return powerOff();
}

int Cog::powerOff()
{
	powered_ = false;
	int ret = 0;
	for (GpioLine *line : {wiring_.reset.get(), wiring_.panelOn.get(), wiring_.border.get()})
		if (!ret)
			ret = setLine(line, false);
	if (!ret)
		ret = mosiLow();
	// The discharge pulse drains what is left on the glass's supply.
	if (!ret)
		ret = setLine(wiring_.discharge.get(), true);
	if (!ret)
		ret = pause(milliseconds(150));
	const int low = setLine(wiring_.discharge.get(), false);
	if (!ret)
		supplyOn_ = false;
	return ret ? ret : low;
}

void Cog::powerOffNow()
{
	powered_ = false;
	if (!supplyOn_)
		return;
	supplyOn_ = false;
	// Discharge too: an abandoned power-down may have left its pulse half done.
	for (GpioLine *line : {wiring_.reset.get(), wiring_.panelOn.get(), wiring_.border.get(),
			       wiring_.discharge.get()})
		(void)setLine(line, false);
}

} // namespace tinydrm::repaper
