// SPDX-License-Identifier: MIT
// WireLog and WireReader: the record format is documented at the top of wire_log.h.
#include "wire_log.h"

#include <algorithm>
#include <cstring>
#include <ctime>

#include <csignal>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

namespace tinydrm {

namespace {

auto &log()
{
	static auto logger = subsystemLogger("panels");
	return logger;
}

/// A file log writes its buffer out at least this often, so one long e-paper update or a burst
/// of frames without marks cannot grow the buffer without bound.
constexpr size_t kSyncThreshold = 1u << 20;

void put16(uint8_t *p, uint16_t v)
{
	p[0] = uint8_t(v);
	p[1] = uint8_t(v >> 8);
}

void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = uint8_t(v >> (8 * i));
}

uint16_t get16(const uint8_t *p)
{
	return uint16_t(p[0] | p[1] << 8);
}

uint32_t get32(const uint8_t *p)
{
	return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

/*
 * writeAll - writes all of @p data to @p fd. \return 0 or -errno.
 *
 * A FIFO whose reader went away answers write() with EPIPE *and* SIGPIPE, whose default action
 * kills the daemon (and every other panel with it). The daemon does not ignore SIGPIPE
 * process-wide, so this thread blocks it around the write and swallows the one it caused.
 */
int writeAll(int fd, const uint8_t *data, size_t length)
{
	sigset_t pipeSet, oldSet, pending;
	sigemptyset(&pipeSet);
	sigaddset(&pipeSet, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	const bool wasPending = sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &pipeSet, &oldSet);

	int ret = 0;
	while (length) {
		const ssize_t n = ::write(fd, data, length);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		data += n;
		length -= size_t(n);
	}

	if (ret == -EPIPE && !wasPending) {
		const timespec zero{};
		while (sigtimedwait(&pipeSet, nullptr, &zero) < 0 && errno == EINTR) {
		}
	}
	pthread_sigmask(SIG_SETMASK, &oldSet, nullptr);
	return ret;
}

bool validKind(uint8_t kind)
{
	return kind >= uint8_t(WireKind::SpiTransfer) && kind <= uint8_t(WireKind::Mark);
}

} // namespace

int WireLog::open(const std::string &path, std::unique_ptr<WireLog> &log, std::string &error)
{
	struct stat st{};
	const bool exists = ::stat(path.c_str(), &st) == 0;
	int fd;
	if (exists && S_ISFIFO(st.st_mode)) {
		// Non-blocking, so a FIFO without a reader fails the plug (ENXIO) instead of hanging
		// the daemon in open(); the writes after it block, as a slow bus would.
		fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && ::fcntl(fd, F_SETFL, 0) < 0) {
			const int err = errno;
			::close(fd);
			errno = err;
			fd = -1;
		}
	} else if (exists && !S_ISREG(st.st_mode)) {
		fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC); // a device such as /dev/null
	} else {
		fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	}
	if (fd < 0) {
		const int err = errno;
		error = "wire log " + path + ": " + std::strerror(err);
		if (err == ENXIO)
			error += " (a FIFO needs its reader started first)";
		return -err;
	}

	auto created = std::unique_ptr<WireLog>(new WireLog);
	created->fd_ = fd;
	const int ret = writeAll(fd, reinterpret_cast<const uint8_t *>(kWireMagic),
				 sizeof(kWireMagic));
	if (ret < 0) {
		error = "wire log " + path + ": writing the header: " + std::strerror(-ret);
		return ret; // ~WireLog closes fd
	}
	log = std::move(created);
	return 0;
}

std::unique_ptr<WireLog> WireLog::inMemory()
{
	auto log = std::unique_ptr<WireLog>(new WireLog);
	log->memory_ = true;
	log->buffer_.assign(kWireMagic, kWireMagic + sizeof(kWireMagic));
	return log;
}

WireLog::~WireLog()
{
	sync();
	if (fd_ >= 0)
		::close(fd_);
}

void WireLog::append(WireKind kind, uint8_t arg0, uint16_t arg1, uint32_t arg2,
		     const uint8_t *payload, size_t length, const uint8_t *payload2, size_t length2)
{
	std::lock_guard lock(mutex_);
	appendLocked(kind, arg0, arg1, arg2, payload, length, payload2, length2);
	if (!memory_ && buffer_.size() >= kSyncThreshold)
		syncLocked();
}

void WireLog::appendLocked(WireKind kind, uint8_t arg0, uint16_t arg1, uint32_t arg2,
			   const uint8_t *payload, size_t length, const uint8_t *payload2,
			   size_t length2)
{
	if (failed_)
		return;
	const size_t total = length + length2;
	if (total > kWireMaxPayload) {
		// A reader would reject the whole file at this record; losing one record is better.
		log()->error("wire log: dropping a {}-byte record (limit {})", total, kWireMaxPayload);
		return;
	}

	const size_t at = buffer_.size();
	buffer_.resize(at + kWireHeaderSize + total);
	uint8_t *p = buffer_.data() + at;
	p[0] = uint8_t(kind);
	p[1] = arg0;
	put16(p + 2, arg1);
	put32(p + 4, arg2);
	put32(p + 8, uint32_t(total));
	put32(p + 12, 0);
	p += kWireHeaderSize;
	// resize() zero-filled, which is what a null payload means (read-only SPI sends zeros).
	if (payload && length)
		std::memcpy(p, payload, length);
	if (payload2 && length2)
		std::memcpy(p + length, payload2, length2);
}

void WireLog::mark(const std::string &text)
{
	// One critical section, so concurrent marks land in the file in sequence order.
	std::lock_guard lock(mutex_);
	const size_t length = std::min(text.size(), size_t(kWireMaxPayload));
	appendLocked(WireKind::Mark, 0, 0, marks_++, reinterpret_cast<const uint8_t *>(text.data()),
		     length, nullptr, 0);
	syncLocked();
}

void WireLog::sync()
{
	std::lock_guard lock(mutex_);
	syncLocked();
}

void WireLog::syncLocked()
{
	if (memory_)
		return;
	if (failed_ || fd_ < 0) {
		buffer_.clear();
		return;
	}
	const int ret = writeAll(fd_, buffer_.data(), buffer_.size());
	buffer_.clear();
	if (ret < 0) {
		// Once: the reader is gone (EPIPE) or the disk is full; the panel carries on.
		log()->error("wire log: write failed ({}); dropping later records",
			     std::strerror(-ret));
		failed_ = true;
		buffer_.shrink_to_fit();
	}
}

std::vector<uint8_t> WireLog::bytes() const
{
	std::lock_guard lock(mutex_);
	if (!memory_)
		return {};
	return buffer_;
}

int WireReader::load(const std::string &path, std::vector<uint8_t> &bytes, std::string &error)
{
	const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		const int err = errno;
		error = "wire log " + path + ": " + std::strerror(err);
		return -err;
	}
	bytes.clear();
	uint8_t chunk[65536];
	for (;;) {
		const ssize_t n = ::read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			const int err = errno;
			::close(fd);
			error = "wire log " + path + ": " + std::strerror(err);
			return -err;
		}
		if (n == 0)
			break;
		bytes.insert(bytes.end(), chunk, chunk + n);
	}
	::close(fd);
	return 0;
}

bool WireReader::next(WireRecord &record)
{
	if (!error_.empty())
		return false; // sticky: nothing after a bad record is trusted
	auto fail = [&](const std::string &why) {
		error_ = "wire log: " + why + " at offset " + std::to_string(offset_);
		return false;
	};

	if (offset_ == 0) {
		if (bytes_.size() < sizeof(kWireMagic))
			return fail("truncated magic");
		if (std::memcmp(bytes_.data(), kWireMagic, sizeof(kWireMagic)) != 0)
			return fail("bad magic (not a tdwire1 file)");
		offset_ = sizeof(kWireMagic);
	}
	const size_t left = bytes_.size() - offset_;
	if (left == 0)
		return false;
	if (left < kWireHeaderSize)
		return fail("truncated record header");

	const uint8_t *p = bytes_.data() + offset_;
	const uint8_t kind = p[0];
	const uint8_t arg0 = p[1];
	const uint16_t arg1 = get16(p + 2);
	const uint32_t arg2 = get32(p + 4);
	const uint32_t length = get32(p + 8);
	if (!validKind(kind))
		return fail("unknown record kind " + std::to_string(kind));
	if (get32(p + 12) != 0)
		return fail("non-zero reserved field");
	if (length > kWireMaxPayload)
		return fail("oversized record (" + std::to_string(length) + " bytes)");
	if (length > left - kWireHeaderSize)
		return fail("truncated record payload");

	// Shape rules every writer keeps, so decoders can index payloads without checking again.
	switch (WireKind(kind)) {
	case WireKind::SpiTransfer:
		if (arg1 > 1 || (arg1 == 1 && length % 2))
			return fail("malformed SPI record");
		break;
	case WireKind::Gpio:
		if (arg0 > 1 || arg1 > 1)
			return fail("malformed GPIO record");
		break;
	case WireKind::Delay:
		if (length)
			return fail("delay record with a payload");
		break;
	case WireKind::UsbControl:
		if (length < 8 || arg0 > 1)
			return fail("malformed USB control record");
		break;
	case WireKind::UsbBulk:
	case WireKind::Mark:
		break;
	}

	record.kind = WireKind(kind);
	record.arg0 = arg0;
	record.arg1 = arg1;
	record.arg2 = arg2;
	record.payload.assign(p + kWireHeaderSize, p + kWireHeaderSize + length);
	offset_ += kWireHeaderSize + length;
	return true;
}

} // namespace tinydrm
