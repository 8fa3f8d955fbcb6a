// SPDX-License-Identifier: MIT
// Cog: the G2 chip-on-glass controller behind a repaper panel: SPI register access, the GPIO
// power sequences, line transfers, and the clock stage times are measured on.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "delay.h"
#include "gpio_line.h"
#include "repaper_model.h"
#include "spi_bus.h"
#include "wire_log.h"

namespace tinydrm::repaper {

/**
 * Interrupt - tells the worker to give up what it is doing (the panel is going away).
 * raise() is called from any thread; the worker checks raised() between lines and sleeps in
 * sleepUntil(). mutex_ only pairs the sleep with the wake-up; nothing is called under it.
 */
class Interrupt
{
public:
	void raise();
	bool raised() const { return raised_.load(std::memory_order_acquire); }
	/// Sleeps until @p deadline. \return false when raised, before or during the sleep.
	bool sleepUntil(std::chrono::steady_clock::time_point deadline);

private:
	std::mutex mutex_;
	std::condition_variable wake_;
	std::atomic<bool> raised_{false};
};

/**
 * CogWiring - what the COG is connected to. On hardware: spidev and GPIO lines. In a dry run:
 * the same interfaces writing to @log (owned here when @ownedLog is set; a test may lend its
 * own), with @realtime making waits and stage times pass for real.
 * @border is null for models without a border line.
 */
struct CogWiring {
	std::unique_ptr<WireLog> ownedLog; ///< first: the transports below borrow it
	WireLog *log = nullptr;
	std::unique_ptr<SpiBus> spi;
	std::unique_ptr<GpioLine> panelOn;
	std::unique_ptr<GpioLine> border;
	std::unique_ptr<GpioLine> discharge;
	std::unique_ptr<GpioLine> reset;
	std::unique_ptr<GpioLine> busy;
	bool realtime = false;
};

/**
 * Cog - one G2 COG. Every call returns 0 or -errno: -ENODEV when a transport says the device
 * is gone, -ECANCELED when the Interrupt was raised, -EIO when the COG answered wrong,
 * -ETIMEDOUT when it stayed busy.
 *
 * Time: on hardware now() is the steady clock. In a dry run it is virtual: the time the bytes
 * sent so far take at the SPI clock, plus every wait; so the log says how many frames a stage
 * really holds, the same on every run. With realtime, the worker sleeps until the real clock
 * has caught up with the virtual one (pace()), in steps of at most one frame.
 *
 * Threads: the panel's worker thread only (transports are single-threaded); powerOffNow() is
 * called by the panel's destructor after the worker has been joined. No locks of its own.
 */
class Cog
{
public:
	using Duration = std::chrono::nanoseconds;

	Cog(const Model &model, CogWiring wiring, Interrupt &interrupt, std::string name);
	~Cog();
	Cog(const Cog &) = delete;
	Cog &operator=(const Cog &) = delete;

	const Model &model() const { return model_; }
	bool powered() const { return powered_; }

	/// The power-up sequence: GPIOs, COG ID, channel select, charge pump, output enable. On a
	/// failure after the supply came on it powers off again.
	int powerUp();
	/// The power-down sequence: a nothing frame, the border, charge pump off, discharge.
	int powerDown();
	/// Cuts the supply, if on, without the sequence (abandoned panel): no waits, errors
	/// ignored.
	void powerOffNow();

	/// Sends one line (model().lineBytes() bytes) and latches it onto the glass.
	int sendLine(const uint8_t *bytes);

	Duration now() const;
	/// Called at the start of each job: real-time pacing counts from here, not from idle time.
	void startJob();
	/// Checks the Interrupt and, for a real-time dry run, waits for the real clock.
	int pace();
	/// Waits @p duration (logged in a dry run).
	int pause(std::chrono::microseconds duration);
	/// A WireLog mark (dry run only).
	void mark(const std::string &text);

private:
	int transfer(uint8_t header, const uint8_t *data, size_t length, uint8_t *reply);
	int writeRegister(uint8_t reg, const uint8_t *data, size_t length);
	int writeRegister(uint8_t reg, uint8_t value);
	int readRegister(uint8_t reg);
	int readId();
	int mosiLow();
	int setLine(GpioLine *line, bool level);
	int waitReady();
	int programRegisters();
	int startChargePump();
	int powerOff();
	void account(size_t bytes);

	const Model &model_;
	CogWiring wiring_;
	Interrupt &interrupt_;
	const std::string name_;
	std::unique_ptr<Delay> delay_; ///< dry run: records waits (never sleeps itself)
	std::vector<uint8_t> tx_;
	std::vector<uint8_t> rx_;
	bool powered_ = false;  ///< powered up and ready for lines
	bool supplyOn_ = false; ///< panel-on is (or may be) high

	const bool virtualTime_;
	Duration virtualNow_{0};
	Duration anchorVirtual_{0};
	std::chrono::steady_clock::time_point anchorReal_;
	const std::chrono::steady_clock::time_point epoch_;
};

} // namespace tinydrm::repaper
