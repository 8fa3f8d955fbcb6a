// SPDX-License-Identifier: MIT
// FfsFunction: one FunctionFS instance (configfs function "ffs.NAME") with a vendor-specific
// interface and one bulk OUT endpoint, mounted on a private directory.
#pragma once

#include <memory>
#include <span>
#include <string>

#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>

#include "control_answer.h"
#include "unique_fd.h"

namespace tinydrm::gadget {

/// What FfsFunction::dispatch() reports; called on the thread that calls dispatch().
class FfsListener
{
public:
	virtual ~FfsListener() = default;
	/// BIND, UNBIND, ENABLE, DISABLE, SUSPEND, RESUME.
	virtual void event(usb_functionfs_event_type type) = 0;
	/// A SETUP the function must answer now.
	virtual ControlAnswer setup(const usb_ctrlrequest &request) = 0;
	/// The data stage of an OUT request setup() answered with Receive.
	virtual void received(const usb_ctrlrequest &request, std::span<const uint8_t> data) = 0;
};

/**
 * FfsFunction - mounts functionfs for instance NAME on a fresh directory under /tmp, writes the
 * descriptors (full and high speed: interface 0xFF/0/0, one bulk OUT endpoint) and strings to
 * ep0, and opens the endpoint file. From then on the function is "ready" and the gadget may be
 * bound to a UDC.
 *
 * Descriptors ask for FUNCTIONFS_ALL_CTRL_RECIP: DisplayLink's vendor requests are addressed to
 * the device, not the interface, and FunctionFS only forwards those with this flag. (Standard
 * GET_DESCRIPTOR requests never reach a function: the composite layer answers or stalls them,
 * so the 0x5F vendor descriptor cannot be served from here.)
 *
 * Threads: dispatch() on one thread (the server's event loop); bulkFd() is read by the bulk
 * reader thread. No lock: the fds do not change after open().
 *
 * Lifetime (RAII): the destructor closes the endpoint, then ep0 (the function stops being
 * ready; a bound gadget is unbound by the kernel), unmounts and removes the directory. Readers
 * of bulkFd() must be gone by then.
 */
class FfsFunction
{
public:
	/// \return 0 and @p function, or -errno with a one-line reason in @p error.
	static int open(const std::string &instance, std::unique_ptr<FfsFunction> &function,
			std::string &error);
	~FfsFunction();
	FfsFunction(const FfsFunction &) = delete;
	FfsFunction &operator=(const FfsFunction &) = delete;

	/// Poll it for POLLIN: events are waiting.
	int ep0Fd() const { return ep0_.get(); }
	int bulkFd() const { return bulk_.get(); }
	const std::string &mountDir() const { return mountDir_; }

	/**
	 * dispatch - reads the pending ep0 events and reports them to @p listener, carrying out
	 * the answer to a SETUP (reply, receive the data stage, or stall) before returning.
	 * \return 0, or -errno when ep0 itself failed (logged).
	 */
	int dispatch(FfsListener &listener);

private:
	FfsFunction() = default;
	void answer(FfsListener &listener, const usb_ctrlrequest &request);

	std::string mountDir_;
	bool mounted_ = false;
	UniqueFd ep0_;
	UniqueFd bulk_;
};

/// "BIND", "ENABLE", ... for log lines.
const char *eventName(usb_functionfs_event_type type);

} // namespace tinydrm::gadget
