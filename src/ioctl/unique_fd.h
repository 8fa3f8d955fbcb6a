// SPDX-License-Identifier: MIT
// RAII owners for a file descriptor and a memory mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include <sys/mman.h>
#include <unistd.h>

namespace tinydrm {

class UniqueFd
{
public:
	UniqueFd() = default;
	explicit UniqueFd(int fd) : fd_(fd) {}
	UniqueFd(UniqueFd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
	UniqueFd &operator=(UniqueFd &&other) noexcept
	{
		reset(std::exchange(other.fd_, -1));
		return *this;
	}
	~UniqueFd() { reset(); }

	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }
	/// Hands the descriptor over: the caller closes it now.
	int release() { return std::exchange(fd_, -1); }
	void reset(int fd = -1)
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = fd;
	}

private:
	int fd_ = -1;
};

class Mapping
{
public:
	Mapping() = default;
	Mapping(void *addr, size_t size) : addr_(addr), size_(size) {}
	Mapping(Mapping &&other) noexcept
		: addr_(std::exchange(other.addr_, nullptr)), size_(std::exchange(other.size_, 0))
	{
	}
	Mapping &operator=(Mapping &&other) noexcept
	{
		reset();
		addr_ = std::exchange(other.addr_, nullptr);
		size_ = std::exchange(other.size_, 0);
		return *this;
	}
	~Mapping() { reset(); }

	uint8_t *data() const { return static_cast<uint8_t *>(addr_); }
	size_t size() const { return size_; }
	explicit operator bool() const { return addr_ != nullptr; }
	void reset()
	{
		if (addr_)
			::munmap(addr_, size_);
		addr_ = nullptr;
		size_ = 0;
	}

private:
	void *addr_ = nullptr;
	size_t size_ = 0;
};

} // namespace tinydrm
