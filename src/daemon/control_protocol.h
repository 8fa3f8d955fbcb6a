// SPDX-License-Identifier: MIT
// The control socket's line protocol, shared by tinydrmd and tinydrmctl.
//
// A client sends one request per line (LF-terminated, at most kMaxLineLength bytes, printable
// ASCII). The daemon answers each with zero or more data lines followed by exactly one status
// line: "ok" or "error <reason>". Data lines start with a node name, never with "ok"/"error".
//
//   list                   one line per node:
//                          "<name> panel=<spec> mode=<WxH@HZ|off|-> files=<n> state=<state>"
//                          state: published | unplugged (files still open) | ended
//   plug <panel-spec>      creates a node; one data line: its name
//   unplug <node-name>     unplugs the node's device; the node goes away after its last close
//   snapshot <node-name>   what the node's panel shows now, as a PNG passed by descriptor:
//                          one data line "<name> size=<W>x<H> png=<bytes>" and the "ok" line,
//                          both in one sendmsg() whose SCM_RIGHTS message carries exactly one
//                          descriptor (so it arrives with the first byte of the data line; read
//                          the answer with recvmsg(): recv() silently drops descriptors).
//
// The snapshot descriptor is a memfd holding exactly <bytes> bytes: an 8-bit RGB PNG (colour
// type 2, no alpha) of <W>x<H> pixels. It is sealed (F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|
// F_SEAL_WRITE), so the client may trust its size and contents while it copies them, and the
// daemon keeps no reference to it. Its file offset is shared and not meaningful: read it with
// pread() from 0. Only an "ok" answer to snapshot carries a descriptor; "error" answers never
// do. The errors a client sees (each on one "error" line, see snapshotErrorReason()):
//   error no such node: tinydrm-N
//   error tinydrm-N is unplugged (ENODEV)
//   error tinydrm-N has shown nothing yet (ENODATA): no frame was flushed to its panel
//   error tinydrm-N: panel <spec> cannot read back what it shows (EOPNOTSUPP)
//   error tinydrm-N: cannot encode the snapshot: <reason>
//
// Example (C: client, D: daemon, [fd] the SCM_RIGHTS descriptor):
//   C: snapshot tinydrm-0
//   D: tinydrm-0 size=320x240 png=1873 [fd]
//   D: ok
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panel_spec.h"
#include "unique_fd.h"

namespace tinydrm {

inline constexpr size_t kMaxLineLength = 1024;
inline constexpr std::string_view kNodePrefix = "tinydrm-";
/// Node numbers go up to this (exclusive): more nodes than that is a runaway client.
inline constexpr unsigned kMaxNodes = 64;

struct ControlRequest {
	enum class Verb { List, Plug, Unplug, Snapshot };
	Verb verb = Verb::List;
	PanelSpec panel;     ///< Plug
	unsigned node = 0;   ///< Unplug, Snapshot
};

/**
 * parseControlLine - parses one request line (without its LF; a trailing CR is tolerated).
 * \return the request, or nullopt with a one-line reason in @p error.
 * \context any thread; pure.
 */
std::optional<ControlRequest> parseControlLine(std::string_view line, std::string &error);

/// "tinydrm-<n>".
std::string nodeName(unsigned number);
/// Parses "tinydrm-<n>" with n < kMaxNodes, no leading zeros. \return n, or nullopt.
std::optional<unsigned> parseNodeName(std::string_view name);

/// The status lines.
std::string okLine();
std::string errorLine(std::string_view reason);
/// True for a status line ("ok" / "error ..."), i.e. the end of an answer.
bool isStatusLine(std::string_view line);

/// The data line of a snapshot answer: "<name> size=<W>x<H> png=<bytes>".
struct SnapshotInfo {
	unsigned node = 0;
	uint32_t width = 0;
	uint32_t height = 0;
	uint64_t bytes = 0; ///< the PNG's size, i.e. the memfd's size

	bool operator==(const SnapshotInfo &) const = default;
};

std::string snapshotLine(const SnapshotInfo &info);
/// Parses a snapshot data line (strictly: the form snapshotLine() writes). \return nullopt
/// for anything else.
std::optional<SnapshotInfo> parseSnapshotLine(std::string_view line);

/**
 * snapshotErrorReason - the reason for the "error" line when DrmDevice::snapshot() on node
 * @p node (panel @p panelSpec) failed with @p rc (-ENODEV, -ENODATA, -EOPNOTSUPP, other).
 * \context any thread; pure.
 */
std::string snapshotErrorReason(unsigned node, std::string_view panelSpec, int rc);

/// The most descriptors recvWithFds() takes from one message. The daemon sends one per answer.
inline constexpr size_t kMaxFdsPerRecv = 4;

/**
 * sendWithFd - sends @p text on the stream socket @p socket with @p fd (when >= 0) attached as
 * SCM_RIGHTS, in one sendmsg(). Never blocks (MSG_DONTWAIT) and never raises SIGPIPE.
 * The descriptor travels with the first byte: when the send is short, the caller sends the
 * rest with plain send()s. @p fd stays the caller's (the kernel passes a duplicate).
 * \return bytes sent (> 0 when @p text is not empty), or -errno when nothing was sent
 * (-EAGAIN: the peer does not read its answers).
 * \context any thread.
 */
ssize_t sendWithFd(int socket, std::string_view text, int fd);

/**
 * recvWithFds - recv() that also takes the descriptors sent with the bytes (SCM_RIGHTS): they
 * are appended to @p fds, close-on-exec. Other ancillary messages are ignored.
 * \return bytes received, 0 at end of stream, or -errno (-EINTR is returned, not retried);
 * -EBADMSG when the message carried more than kMaxFdsPerRecv descriptors (the kernel dropped
 * the rest; the received ones are closed and the bytes are lost: the peer is broken).
 * \context any thread.
 */
ssize_t recvWithFds(int socket, char *buffer, size_t size, std::vector<UniqueFd> &fds,
		    int flags = 0);

/**
 * LineBuffer - splits a byte stream into lines of at most kMaxLineLength bytes.
 * Thread-bound (one connection).
 */
class LineBuffer
{
public:
	/// Appends received bytes.
	void append(std::string_view bytes) { buffer_.append(bytes); }
	/// Takes the next complete line (without LF) into @p line. \return false when none is
	/// complete yet. Sets overflow() when the pending line exceeds the limit.
	bool next(std::string &line);
	bool overflow() const { return overflow_; }

private:
	std::string buffer_;
	bool overflow_ = false;
};

} // namespace tinydrm
