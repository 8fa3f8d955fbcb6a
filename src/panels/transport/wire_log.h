// SPDX-License-Identifier: MIT
// WireLog: the dry-run sink's file format. Everything a backend would put on its wires (SPI
// bytes, GPIO levels, delays, USB requests), as a stream of records a decoder can replay.
//
// File: the 8-byte magic "tdwire1\n", then records. Each record is a 16-byte little-endian
// header {u8 kind, u8 arg0, u16 arg1, u32 arg2, u32 length, u32 reserved = 0} and `length`
// payload bytes:
//   SpiTransfer  arg0 = bits per word, arg1 = 1 if rx was captured, arg2 = speed in Hz (the
//                transfer's, or the bus maximum when it asked for 0); payload = tx bytes
//                (zeros for a read-only transfer), then (if arg1) as many rx bytes.
//   Gpio         arg1 = level (0/1) set, or read; arg0 = 0 set, 1 read; payload = role name.
//   Delay        arg2 = microseconds; no payload.
//   UsbControl   payload = 8-byte setup {type, request, le16 value, le16 index, le16 length},
//                then the data stage (OUT: what was sent; IN: what the device answered, which
//                may be shorter than the setup's length); arg0 = 1 if the request failed (a
//                stall; the data stage is then empty), else 0.
//   UsbBulk      arg0 = endpoint; payload = the bytes sent.
//   Mark         arg2 = sequence number (0, 1, ... per log); payload = text (e.g. "flush 3"):
//                where a frame ends.
// A reader rejects (WireReader::error()) a bad magic, an unknown kind, a non-zero reserved
// field, a payload over kWireMaxPayload or past the end, and records of the wrong shape (SPI
// with rx and an odd length, GPIO arg0/arg1 > 1, Delay with a payload, UsbControl under 8
// bytes or arg0 > 1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tinydrm {

enum class WireKind : uint8_t {
	SpiTransfer = 1,
	Gpio = 2,
	Delay = 3,
	UsbControl = 4,
	UsbBulk = 5,
	Mark = 6,
};

inline constexpr char kWireMagic[8] = {'t', 'd', 'w', 'i', 'r', 'e', '1', '\n'};
inline constexpr size_t kWireHeaderSize = 16;
/// Largest payload a reader accepts (a whole 8192x8192 frame in one transfer would be 256 MiB;
/// no backend sends more than one frame per record).
inline constexpr uint32_t kWireMaxPayload = 256u << 20;

struct WireRecord {
	WireKind kind = WireKind::Mark;
	uint8_t arg0 = 0;
	uint16_t arg1 = 0;
	uint32_t arg2 = 0;
	std::vector<uint8_t> payload;
};

/**
 * WireLog - the writing end. Shared by one panel's dry-run transports (they borrow it by
 * reference; the panel owns it and declares it before them). Thread-safe (one mutex) because an
 * async backend writes from its own thread while the daemon's flush() marks frames.
 * Writes go to a file or a FIFO; a write error (reader gone: EPIPE) is logged once and later
 * records are dropped, so a dry-run panel never fails the client because its reader left.
 * SIGPIPE is blocked around each write on the writing thread, so a gone reader never kills the
 * daemon.
 */
class WireLog
{
public:
	/// Opens @p path for writing (created 0644, truncated; a FIFO or device is opened as is) and
	/// writes the magic. A FIFO must already have its reader: without one this fails with
	/// -ENXIO rather than hang the daemon; later writes block while the pipe is full.
	static int open(const std::string &path, std::unique_ptr<WireLog> &log, std::string &error);
	/// Writes to memory only (tests): bytes() returns them.
	static std::unique_ptr<WireLog> inMemory();
	~WireLog();

	/// One record whose payload is @p payload then @p payload2; a null pointer with a non-zero
	/// length writes that many zeros.
	void append(WireKind kind, uint8_t arg0, uint16_t arg1, uint32_t arg2, const uint8_t *payload,
		    size_t length, const uint8_t *payload2 = nullptr, size_t length2 = 0);
	void mark(const std::string &text);
	/// Writes buffered records to the file (called at each Mark, on destruction, and whenever
	/// 1 MiB has accumulated).
	void sync();
	/// The bytes written so far, magic included (in-memory logs only).
	std::vector<uint8_t> bytes() const;

private:
	WireLog() = default;
	void appendLocked(WireKind kind, uint8_t arg0, uint16_t arg1, uint32_t arg2,
			  const uint8_t *payload, size_t length, const uint8_t *payload2,
			  size_t length2);
	void syncLocked();

	mutable std::mutex mutex_;
	int fd_ = -1;
	bool failed_ = false;
	uint32_t marks_ = 0;
	std::vector<uint8_t> buffer_;
	bool memory_ = false;
};

/**
 * WireReader - the reading end, for decoders and tools. Rejects truncated or oversized records
 * (a fuzzed or cut-off file is an error, never a crash).
 */
class WireReader
{
public:
	explicit WireReader(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
	/// Reads a whole file. \return 0 or -errno with @p error.
	static int load(const std::string &path, std::vector<uint8_t> &bytes, std::string &error);
	/// \return false at a clean end; false with error() set on a bad file.
	bool next(WireRecord &record);
	const std::string &error() const { return error_; }

private:
	std::vector<uint8_t> bytes_;
	size_t offset_ = 0;
	std::string error_;
};

} // namespace tinydrm
