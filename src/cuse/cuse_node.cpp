// SPDX-License-Identifier: MIT
// CuseNode: the CUSE frontend of one tinydrm device node.
//
// DOC: model
//
// One CuseNode serves one DrmDevice as /dev/<name> (tinydrm-N). It owns one CUSE session,
// i.e. one open file of /dev/cuse (the "channel"): the kernel creates the character device when
// we answer its CUSE_INIT request and removes it when the channel is closed. Every open(2),
// read(2), ioctl(2), poll(2) and close(2) on the node arrives as a request on the channel and is
// answered by libfuse's reply functions. The CUSE entry points map onto the device as follows:
//
//   open     DrmDevice::openFile(uid of the caller) → an OpenFile in files_ and in fi->fh.
//   ioctl    one attempt of DrmFile::ioctl() per request (ioctl_protocol.h): the first arrives
//            with no bytes; a Retry is answered with fuse_reply_ioctl_retry() (the kernel then
//            sends the same ioctl again with the named memory), a Reply with fuse_reply_ioctl()
//            or fuse_reply_err(). The node runs in CUSE_UNRESTRICTED_IOCTL mode, which is what
//            makes retries legal. A retry that names no in range is padded with one byte to
//            dodge a kernel quirk (see kRetryPad). FUSE_IOCTL_COMPAT (a 32-bit caller on a
//            64-bit kernel) is refused with ENOSYS: several DRM structs differ in layout for
//            32-bit callers and we do not translate them; ENOSYS says "not implemented for this
//            ABI" rather than EINVAL's "bad argument", and newer kernels (fuse_send_ioctl())
//            turn it into ENOTTY, DRM's own "no such ioctl".
//   read     DrmFile::read(). -EAGAIN becomes EAGAIN for O_NONBLOCK callers; for blocking
//            callers the request is *deferred*: parked in the file's read queue, answered later
//            from the file's wakeup (an event was queued, or the device was unplugged) or with
//            EINTR when the caller is interrupted. No worker ever sleeps in a read.
//   poll     DrmFile::poll(). The poll handle is kept (one per file) and fired with
//            fuse_lowlevel_notify_poll() from the wakeup, then destroyed.
//   release  DrmFile::release(); answers what is still parked; drops the file.
//   write    EINVAL, like a DRM node (it has no write). flush: 0.
//
// DOC: threads
//
//   - Workers (Options::workers, default 4) poll the channel and a stop eventfd; each reads a
//     request with fuse_session_receive_buf() and handles it with fuse_session_process_buf(),
//     which calls the op*() functions below. We run our own loop rather than
//     fuse_session_loop_mt() because libfuse's loop cannot be stopped from another thread:
//     fuse_session_exit() only sets a flag that workers blocked in read(2) never see (libfuse
//     relies on a process signal plus pthread_cancel() of its workers), and a request read
//     after the flag is set is silently dropped. Polling a stop eventfd next to the
//     O_NONBLOCK channel stops every worker promptly and loses nothing. Workers block all
//     signals: the daemon receives its signals through a signalfd on its main thread.
//   - Wakeup threads: whoever queues an event or unplugs the device calls the file's wakeup
//     (DrmFile::setWakeup): a CUSE worker (page flip), the vblank thread, the daemon thread
//     (unplug). It answers parked reads and fires the poll handle, under mutex_.
//   - The revoke action that the node registers on the device's gate runs on the unplugging
//     thread after the drain: it marks the node unplugged and ends the session if no file is
//     open.
//   - The owner's thread (the daemon's) calls create(), stop(), the inquiries, ~CuseNode().
//
// DOC: locks
//
//   Core::mutex guards the node's bookkeeping (open files, parked reads, poll handles, state)
//   and the right to talk to the session from a non-worker thread: closing the session happens
//   under it, so a wakeup that finds !closed may reply and notify. Lock order:
//   libfuse's per-request lock → Core::mutex → libfuse's session lock. DrmFile::read() is
//   called under Core::mutex (it never sleeps and never calls the wakeup); DrmFile::ioctl(),
//   poll(), release() and DrmDevice::openFile() are called without it.
//
// DOC: lifetimes
//
//   - CuseNode (owned by the daemon's node table) owns the Core through a shared_ptr and the
//     worker threads; its destructor stops and joins them. It also holds the DrmDevice
//     reference; the Core only borrows the device (a raw pointer), so the last reference to a
//     device can never be dropped on a thread the device itself owns (the vblank thread).
//   - Core is the session's userdata; libfuse only calls into it from workers, which it
//     outlives. Wakeups and the revoke action hold it by weak_ptr and check `closed`.
//   - OpenFile: owned by files_; fi->fh carries its address, which is only ever used as a key
//     into files_ (so a stale or reused address is harmless). Its DrmFile reference is
//     dropped by release() (or when the session ends with the file still open).
//   - Parked reads (fuse_req_t) are always answered exactly once: by a wakeup, by the
//     interrupt callback, by release(), or when the session ends. Whoever removes the request
//     from its queue under mutex_ answers it.
//   - Session end: the last worker to leave closes the session (fuse_session_destroy closes
//     the channel, and the kernel removes /dev/<name>), releases files still open, then calls
//     Options::onEnded.

#define FUSE_USE_VERSION 312 // libfuse 3.12 API level, the newest Debian 12's libfuse 3.14 offers
#include "cuse_node.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <span>
#include <system_error>
#include <thread>
#include <vector>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cuse_lowlevel.h>
#include <fuse_lowlevel.h>

#include "drm_device.h"
#include "drm_file.h"
#include "gate.h"
#include "ioctl_protocol.h"
#include "log.h"
#include "unique_fd.h"

namespace tinydrm {

namespace {

using Fd = UniqueFd;

/**
 * A kernel quirk (seen on Linux 6.1, the code is unchanged upstream): when a retry names no in
 * range after an attempt that carried in bytes, fuse_do_ioctl() keeps the previous attempt's
 * "in data lives in pages" flag while sending only the ioctl header, so the header itself is
 * read from the stale pages (the previous reply's iovec array) and the daemon receives garbage
 * (we saw fh == the ioctl's arg). Such a retry is therefore padded with a one-byte in range at
 * the ioctl's argument (which the previous attempt read, so it is readable), and the pad is
 * stripped from the next attempt before DrmFile sees it.
 */
constexpr size_t kRetryPad = 1;
/// Most requests answered after the last worker left its loop (see drainChannel()).
constexpr unsigned kMaxDrainedRequests = 4096;
/// The drain ends after the channel was quiet this long (see drainChannel())...
constexpr std::chrono::milliseconds kDrainQuiet{200};
/// ...or after this long in all.
constexpr std::chrono::milliseconds kDrainBudget{2000};

struct PaddedRetry {
	uint32_t cmd;
	size_t pad;
};

/// A blocking read parked until the file has something to say.
struct PendingRead {
	fuse_req_t req;
	size_t size;
};

} // namespace

/// One open file of the node. Members guarded by Core::mutex, except `file`, which is set
/// before the OpenFile is published and never changed.
struct OpenFile {
	std::shared_ptr<DrmFile> file;
	std::deque<PendingRead> reads;
	fuse_pollhandle *poll = nullptr;
	/// Retries we padded with an extra in range (see kRetryPad), by calling thread.
	std::map<uint32_t, PaddedRetry> padded;
};

/**
 * CuseNode::Core - the state shared by the workers, the wakeups and the owner.
 * Thread-safe through `mutex` (see "DOC: locks" above).
 */
struct CuseNode::Core : std::enable_shared_from_this<CuseNode::Core> {
	Core(DrmDevice *dev, Options opts)
		: device(dev), options(std::move(opts)), log(subsystemLogger("cuse"))
	{
	}

	// --- set up by create(), then constant -------------------------------------------------
	DrmDevice *const device; ///< borrowed: the CuseNode holds the reference (see lifetimes)
	const Options options;
	const std::shared_ptr<spdlog::logger> log;
	Fd stopFd;                     ///< eventfd; readable once a stop was requested
	fuse_session *session = nullptr; ///< destroyed (and nulled) by the last worker, under mutex
	int channelFd = -1;            ///< the session's /dev/cuse fd (owned by the session)
	Gate::RevokeId revokeId = 0;

	// --- guarded by mutex -------------------------------------------------------------------
	mutable std::mutex mutex;
	mutable std::condition_variable changed; ///< initDone or ended changed
	bool initDone = false;       ///< the kernel created /dev/<name>
	bool closed = false;         ///< the session is closed or closing: nobody may talk to it
	bool unplugged = false;      ///< the device's revoke step ran
	bool notifyEnded = false;    ///< create() succeeded: onEnded is due when the session ends
	size_t openFiles = 0;        ///< files open or being opened
	unsigned runningWorkers = 0;
	std::map<OpenFile *, std::shared_ptr<OpenFile>> files;

	std::atomic<bool> ended = false;

	void requestStop() noexcept;
	void workerMain() noexcept;
	void workerExit(fuse_buf &buf) noexcept;
	void drainChannel(fuse_buf &buf) noexcept;
	void teardown() noexcept;
	void onUnplugged() noexcept;
	void wake(OpenFile *key) noexcept;
	void serviceLocked(OpenFile &of);
	void fileGone() noexcept;
	void releaseFile(OpenFile *key);
	std::shared_ptr<OpenFile> find(const fuse_file_info *fi);
};

namespace {

CuseNode::Core &coreOf(fuse_req_t req)
{
	return *static_cast<CuseNode::Core *>(fuse_req_userdata(req));
}

/// Routes libfuse's own messages into the "cuse" logger instead of bare stderr.
void fuseLog(enum fuse_log_level level, const char *fmt, va_list ap)
{
	char buffer[1024];
	std::vsnprintf(buffer, sizeof(buffer), fmt, ap);
	size_t len = std::strlen(buffer);
	while (len > 0 && buffer[len - 1] == '\n')
		buffer[--len] = '\0';
	spdlog::level::level_enum mapped = spdlog::level::debug;
	if (level <= FUSE_LOG_ERR)
		mapped = spdlog::level::err;
	else if (level == FUSE_LOG_WARNING)
		mapped = spdlog::level::warn;
	else if (level <= FUSE_LOG_INFO)
		mapped = spdlog::level::info;
	subsystemLogger("cuse")->log(mapped, "libfuse: {}", buffer);
}

} // namespace

// --- stopping and ending ---------------------------------------------------------------------

/// Makes every worker leave its loop. Any thread; async-signal-safe apart from the flag.
void CuseNode::Core::requestStop() noexcept
{
	const uint64_t one = 1;
	// The eventfd counter cannot overflow from a handful of writes; a failed write would mean
	// the fd is gone, which cannot happen while the Core lives.
	[[maybe_unused]] ssize_t n = ::write(stopFd.get(), &one, sizeof(one));
}

void CuseNode::Core::workerMain() noexcept
{
	// Signals go to the daemon's signalfd, never into a worker in the middle of a reply.
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, nullptr);

	fuse_buf buf{};
	pollfd fds[2] = {{channelFd, POLLIN, 0}, {stopFd.get(), POLLIN, 0}};
	for (;;) {
		if (::poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log->error("{}: poll: {}", options.name, std::strerror(errno));
			requestStop();
			break;
		}
		if (fds[1].revents)
			break; // the stop eventfd stays readable, so every worker sees it
		if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			log->warn("{}: the kernel closed the CUSE channel", options.name);
			requestStop();
			break;
		}
		if (!(fds[0].revents & POLLIN))
			continue;
		// All workers wake for one request; the losers get -EAGAIN (the channel is
		// O_NONBLOCK). A handful of threads per node makes that cheaper than coordinating.
		const int n = fuse_session_receive_buf(session, &buf);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n <= 0) {
			// 0: the connection was aborted (ENODEV); < 0: a read error.
			if (n < 0)
				log->error("{}: reading the CUSE channel: {}", options.name, std::strerror(-n));
			else
				log->warn("{}: the CUSE connection was aborted", options.name);
			requestStop();
			break;
		}
		fuse_session_process_buf(session, &buf);
	}
	workerExit(buf);
	std::free(buf.mem);
}

void CuseNode::Core::workerExit(fuse_buf &buf) noexcept
{
	bool last;
	{
		std::lock_guard lock(mutex);
		last = --runningWorkers == 0;
	}
	if (last) {
		drainChannel(buf);
		teardown();
	}
}

/**
 * Answers what is still queued on the channel before it is closed. Closing aborts queued
 * requests (an open() racing the end of the node would fail with ECONNABORTED, which no DRM
 * client expects); processed here, they get the device's own answers (ENODEV after unplug).
 * Runs on the last worker, so libfuse callbacks still run one at a time as usual.
 *
 * An open() that found the node just before the unlink below is still on its way through the
 * kernel (cuse_open() has looked the connection up but not yet queued its request). Stopping at
 * the first empty read let such opens reach a closing channel: 8 in 500 storm cycles under
 * emulation on a loaded host. So the drain ends only after the channel has been quiet for
 * kDrainQuiet. An open stalled longer than that between its lookup and its request would still
 * see ECONNABORTED (or ENOTCONN), as it would if a CUSE server exited; no userspace server can
 * close that window, since cuse_channel_release() drops the lookup entry only at the close.
 * Bounded in requests and in time (kDrainBudget): a client opening in a loop cannot keep the
 * node alive. This runs after the last file closed, so nobody waits for it but the reaping.
 */
void CuseNode::Core::drainChannel(fuse_buf &buf) noexcept
{
	if (!session || channelFd < 0)
		return;
	// New opens by path find nothing from here on (ENOENT, which clients expect of a vanished
	// node), so only opens already past the lookup can still queue up; the drain answers them.
	// The kernel deletes the devtmpfs node itself when the channel closes; removing it first
	// only shrinks the window in which an open reaches a channel about to close.
	if (::unlink(("/dev/" + options.name).c_str()) < 0 && errno != ENOENT)
		log->debug("{}: unlink /dev/{}: {}", options.name, options.name, std::strerror(errno));
	unsigned answered = 0;
	const auto deadline = std::chrono::steady_clock::now() + kDrainBudget;
	while (answered < kMaxDrainedRequests) {
		const int n = fuse_session_receive_buf(session, &buf);
		if (n == -EINTR)
			continue;
		if (n == -EAGAIN) {
			// Nothing queued: wait for the channel to stay quiet.
			const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
				deadline - std::chrono::steady_clock::now());
			if (left.count() <= 0)
				break;
			pollfd pfd{channelFd, POLLIN, 0};
			const int wait = int(std::min(left, kDrainQuiet).count());
			const int ready = ::poll(&pfd, 1, wait);
			if (ready < 0 && errno == EINTR)
				continue;
			if (ready <= 0)
				break; // quiet for kDrainQuiet (or poll failed): done
			continue;
		}
		if (n <= 0)
			break; // 0 or another error: the channel is gone
		fuse_session_process_buf(session, &buf);
		answered++;
	}
	if (answered)
		log->debug("{}: answered {} request(s) queued at the end of the session",
			   options.name, answered);
}

/// Ends the session. Runs on the last worker to leave, so no libfuse callback can be running.
void CuseNode::Core::teardown() noexcept
{
	std::vector<std::shared_ptr<OpenFile>> leftovers;
	std::function<void()> onEnded;
	{
		std::lock_guard lock(mutex);
		closed = true;
		for (auto &[key, of] : files) {
			for (const PendingRead &pending : of->reads)
				fuse_reply_err(pending.req, ENODEV);
			of->reads.clear();
			if (of->poll)
				fuse_pollhandle_destroy(std::exchange(of->poll, nullptr));
			leftovers.push_back(of);
		}
		files.clear();
		openFiles = 0;
		if (session) {
			// Closes the channel: the kernel unregisters /dev/<name> and fails what the
			// remaining holders do next.
			fuse_session_destroy(std::exchange(session, nullptr));
			channelFd = -1;
		}
		ended = true;
		if (notifyEnded)
			onEnded = options.onEnded;
	}
	changed.notify_all();

	for (auto &of : leftovers) {
		of->file->setWakeup({});
		of->file->release();
	}
	if (!leftovers.empty())
		log->warn("{}: session forced to end with {} file(s) still open", options.name,
			  leftovers.size());
	log->info("{}: session ended, node removed", options.name);
	leftovers.clear();

	if (onEnded) {
		try {
			onEnded();
		} catch (const std::exception &e) {
			log->error("{}: onEnded: {}", options.name, e.what());
		}
	}
}

/// The revoke action: runs on the unplugging thread after the device's gate drained.
void CuseNode::Core::onUnplugged() noexcept
{
	bool stop;
	{
		std::lock_guard lock(mutex);
		unplugged = true;
		stop = openFiles == 0;
		// Parked reads and pollers learn about the unplug here too, so that they do not
		// depend on the device waking every file itself.
		if (!closed) {
			for (auto &[key, of] : files) {
				try {
					serviceLocked(*of);
				} catch (const std::exception &e) {
					log->error("{}: unplug wakeup: {}", options.name, e.what());
				}
			}
		}
	}
	log->info("{}: unplugged, {}", options.name,
		  stop ? "no file open: ending the session" : "serving open files until closed");
	if (stop)
		requestStop();
}

/// One open file went away (released, or its open failed). Ends an unplugged node's session
/// with its last file.
void CuseNode::Core::fileGone() noexcept
{
	bool stop;
	{
		std::lock_guard lock(mutex);
		--openFiles;
		stop = unplugged && openFiles == 0;
	}
	if (stop) {
		log->info("{}: last file of the unplugged device closed: ending the session",
			  options.name);
		requestStop();
	}
}

// --- waking parked reads and pollers -------------------------------------------------------

/// Answers the parked reads that can be answered now and fires the poll handle.
/// Requires mutex held and !closed.
void CuseNode::Core::serviceLocked(OpenFile &of)
{
	while (!of.reads.empty()) {
		const PendingRead pending = of.reads.front();
		std::vector<uint8_t> out;
		const int r = of.file->read(pending.size, out);
		if (r == -EAGAIN)
			break;
		of.reads.pop_front();
		if (r < 0)
			fuse_reply_err(pending.req, -r);
		else
			fuse_reply_buf(pending.req, reinterpret_cast<const char *>(out.data()),
				       std::min<size_t>(size_t(r), out.size()));
	}
	if (of.poll) {
		fuse_lowlevel_notify_poll(of.poll);
		// The kernel polls again (with a new handle) if the caller still waits.
		fuse_pollhandle_destroy(std::exchange(of.poll, nullptr));
	}
}

void CuseNode::Core::wake(OpenFile *key) noexcept
{
	try {
		std::lock_guard lock(mutex);
		if (closed)
			return;
		auto it = files.find(key);
		if (it != files.end())
			serviceLocked(*it->second);
	} catch (const std::exception &e) {
		log->error("{}: wakeup: {}", options.name, e.what());
	}
}

namespace {

/// The interrupt callback of a parked read: libfuse calls it on a worker, with the request's
/// own lock held and the request kept alive, possibly after we answered it (then it is no
/// longer queued and this does nothing).
void onReadInterrupted(fuse_req_t req, void *data)
{
	auto *core = static_cast<CuseNode::Core *>(data);
	std::lock_guard lock(core->mutex);
	for (auto &[key, of] : core->files) {
		auto it = std::find_if(of->reads.begin(), of->reads.end(),
				       [req](const PendingRead &p) { return p.req == req; });
		if (it != of->reads.end()) {
			of->reads.erase(it);
			fuse_reply_err(req, EINTR);
			return;
		}
	}
}

} // namespace

// --- file bookkeeping ------------------------------------------------------------------------

std::shared_ptr<OpenFile> CuseNode::Core::find(const fuse_file_info *fi)
{
	auto *key = reinterpret_cast<OpenFile *>(static_cast<uintptr_t>(fi->fh));
	std::lock_guard lock(mutex);
	auto it = files.find(key);
	return it == files.end() ? nullptr : it->second;
}

void CuseNode::Core::releaseFile(OpenFile *key)
{
	std::shared_ptr<OpenFile> of;
	{
		std::lock_guard lock(mutex);
		auto it = files.find(key);
		if (it == files.end())
			return;
		of = std::move(it->second);
		files.erase(it);
		// The kernel sends release only once no read is in flight, so this is a safety net.
		for (const PendingRead &pending : of->reads)
			fuse_reply_err(pending.req, EBADF);
		of->reads.clear();
		if (of->poll)
			fuse_pollhandle_destroy(std::exchange(of->poll, nullptr));
	}
	of->file->setWakeup({});
	of->file->release();
	of.reset();
	fileGone();
}

// --- the CUSE entry points ---------------------------------------------------------------------
// Each runs on a worker. Each answers its request exactly once, as its last action, so an
// exception (caught by the guard) can only come before the answer.

namespace {

void replyGuardFailure(fuse_req_t req, const char *op, const char *what)
{
	coreOf(req).log->error("{}: {}: {}", coreOf(req).options.name, op, what);
	fuse_reply_err(req, EIO);
}

/// Runs @p body; an exception escaping it is logged and answered with EIO, so none crosses
/// into libfuse (which is C and would be unwound through).
template<typename Body>
void guarded(const char *op, fuse_req_t req, Body &&body) noexcept
{
	try {
		body();
	} catch (const std::exception &e) {
		replyGuardFailure(req, op, e.what());
	} catch (...) {
		replyGuardFailure(req, op, "unknown exception");
	}
}

void initDone(void *userdata)
{
	auto *core = static_cast<CuseNode::Core *>(userdata);
	{
		std::lock_guard lock(core->mutex);
		core->initDone = true;
	}
	core->changed.notify_all();
}

void doOpen(fuse_req_t req, fuse_file_info *fi)
{
	CuseNode::Core &c = coreOf(req);
	{
		std::lock_guard lock(c.mutex);
		// Counted before the device is asked, so that an unplug racing with this open cannot
		// see zero files and end the session under the file about to exist.
		++c.openFiles;
	}
	std::shared_ptr<DrmFile> file;
	int rc;
	try {
		rc = c.device->openFile(fuse_req_ctx(req)->uid, file);
	} catch (...) {
		c.fileGone();
		throw;
	}
	if (rc < 0) {
		c.fileGone();
		fuse_reply_err(req, -rc);
		return;
	}
	auto of = std::make_shared<OpenFile>();
	of->file = file;
	OpenFile *key = of.get();
	{
		std::lock_guard lock(c.mutex);
		c.files.emplace(key, std::move(of));
	}
	std::weak_ptr<CuseNode::Core> weak = c.weak_from_this();
	file->setWakeup([weak, key]() {
		if (auto core = weak.lock())
			core->wake(key);
	});
	fi->fh = reinterpret_cast<uintptr_t>(key);
	fi->nonseekable = 1;
	c.log->debug("{}: open by uid {} pid {}", c.options.name, fuse_req_ctx(req)->uid,
		     fuse_req_ctx(req)->pid);
	if (fuse_reply_open(req, fi) != 0) {
		// The opener was interrupted or killed before it got the file: the kernel will
		// never send a release for it, so release it here.
		c.releaseFile(key);
	}
}

void doRead(fuse_req_t req, size_t size, fuse_file_info *fi)
{
	CuseNode::Core &c = coreOf(req);
	std::shared_ptr<OpenFile> of = c.find(fi);
	if (!of) {
		fuse_reply_err(req, EBADF);
		return;
	}
	std::vector<uint8_t> out;
	int r = -EAGAIN;
	{
		std::lock_guard lock(c.mutex);
		// Readers already parked go first: answering this one now would reorder events.
		if (of->reads.empty())
			r = of->file->read(size, out);
	}
	if (r != -EAGAIN) {
		if (r < 0)
			fuse_reply_err(req, -r);
		else
			fuse_reply_buf(req, reinterpret_cast<const char *>(out.data()),
				       std::min<size_t>(size_t(r), out.size()));
		return;
	}
	if (fi->flags & O_NONBLOCK) {
		fuse_reply_err(req, EAGAIN);
		return;
	}
	// Park it. The interrupt callback is registered before the request becomes visible to
	// wakeups (after that it may be answered and freed at any time); an interrupt that came
	// earlier is caught by fuse_req_interrupted() under the lock.
	fuse_req_interrupt_func(req, onReadInterrupted, &c);
	std::lock_guard lock(c.mutex);
	if (fuse_req_interrupted(req)) {
		fuse_reply_err(req, EINTR);
		return;
	}
	of->reads.push_back({req, size});
	// An event may have arrived between the read above and now, with nobody parked to see it.
	c.serviceLocked(*of);
}

void doIoctl(fuse_req_t req, int cmd, void *arg, fuse_file_info *fi, unsigned flags,
	     const void *inBuf, size_t inSize, size_t outSize)
{
	CuseNode::Core &c = coreOf(req);
	if (flags & FUSE_IOCTL_COMPAT) {
		// Why ENOSYS and not EINVAL: see "DOC: model" at the top of this file.
		fuse_reply_err(req, ENOSYS);
		return;
	}
	std::shared_ptr<OpenFile> of = c.find(fi);
	if (!of) {
		c.log->warn("{}: ioctl on an unknown file handle {:#x}", c.options.name, fi->fh);
		fuse_reply_err(req, EBADF);
		return;
	}
	IoctlRequest request;
	request.cmd = static_cast<uint32_t>(cmd);
	request.arg = reinterpret_cast<uintptr_t>(arg);
	request.in = std::span<const uint8_t>(static_cast<const uint8_t *>(inBuf), inSize);
	request.outSize = outSize;
	// FUSE's pid is the kernel's task id, i.e. the calling thread: what keys the retry state.
	request.caller = static_cast<uint32_t>(fuse_req_ctx(req)->pid);
	{
		std::lock_guard lock(c.mutex);
		if (auto it = of->padded.find(request.caller); it != of->padded.end()) {
			// Strip our pad; an entry that does not match is stale (its caller was killed
			// between attempts) and only dropped.
			if (it->second.cmd == request.cmd && inSize == it->second.pad && outSize > 0)
				request.in = {};
			of->padded.erase(it);
		}
	}

	IoctlReply reply = of->file->ioctl(request);
	c.log->trace("{}: ioctl {:#x} by {}: in {} out {}: {} {}", c.options.name, request.cmd,
		     request.caller, request.in.size(), outSize, reply.retry ? "retry, ranges" : "result",
		     reply.retry ? int(reply.in.size() + reply.out.size()) : reply.result);

	if (reply.retry) {
		const size_t ranges = reply.in.size() + reply.out.size();
		if (ranges == 0 || ranges > kMaxIoctlRanges) {
			// An empty retry would loop forever; too many ranges the kernel refuses.
			c.log->error("{}: ioctl {:#x}: bad retry with {} ranges", c.options.name,
				     request.cmd, ranges);
			fuse_reply_err(req, EIO);
			return;
		}
		auto toIovecs = [](const std::vector<UserRange> &from) {
			std::vector<iovec> iovs(from.size());
			for (size_t i = 0; i < from.size(); i++) {
				iovs[i].iov_base = reinterpret_cast<void *>(static_cast<uintptr_t>(from[i].addr));
				iovs[i].iov_len = static_cast<size_t>(from[i].len);
			}
			return iovs;
		};
		if (reply.in.empty() && inSize > 0 && request.arg != 0 && ranges < kMaxIoctlRanges) {
			reply.in.push_back({request.arg, kRetryPad});
			std::lock_guard lock(c.mutex);
			of->padded[request.caller] = {request.cmd, kRetryPad};
		}
		const std::vector<iovec> in = toIovecs(reply.in);
		const std::vector<iovec> out = toIovecs(reply.out);
		fuse_reply_ioctl_retry(req, in.data(), in.size(), out.data(), out.size());
		return;
	}
	if (reply.result < 0) {
		fuse_reply_err(req, -reply.result);
		return;
	}
	if (reply.outData.size() > outSize) {
		// The kernel would fail it with EIO anyway; say why here.
		c.log->error("{}: ioctl {:#x}: {} bytes for an out area of {}", c.options.name,
			     request.cmd, reply.outData.size(), outSize);
		fuse_reply_err(req, EIO);
		return;
	}
	fuse_reply_ioctl(req, reply.result, reply.outData.empty() ? nullptr : reply.outData.data(),
			 reply.outData.size());
}

void doPoll(fuse_req_t req, fuse_file_info *fi, fuse_pollhandle *ph)
{
	CuseNode::Core &c = coreOf(req);
	std::shared_ptr<OpenFile> of = c.find(fi);
	if (!of) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_err(req, EBADF);
		return;
	}
	if (ph) {
		// Stored before the mask is computed: a wakeup in between either fires this handle
		// or is already reflected in the mask.
		std::lock_guard lock(c.mutex);
		if (of->poll)
			fuse_pollhandle_destroy(of->poll);
		of->poll = ph;
	}
	fuse_reply_poll(req, of->file->poll());
}

// Free-function adaptors with the exact libfuse signatures, each guarded against exceptions.

void opOpen(fuse_req_t req, fuse_file_info *fi)
{
	guarded("open", req, [&] { doOpen(req, fi); });
}

void opRead(fuse_req_t req, size_t size, off_t off, fuse_file_info *fi)
{
	(void)off; // DRM nodes are not seekable; events have no offset
	guarded("read", req, [&] { doRead(req, size, fi); });
}

void opWrite(fuse_req_t req, const char *buf, size_t size, off_t off, fuse_file_info *fi)
{
	(void)buf, (void)size, (void)off, (void)fi;
	fuse_reply_err(req, EINVAL); // a DRM node has no write
}

void opFlush(fuse_req_t req, fuse_file_info *fi)
{
	(void)fi;
	fuse_reply_err(req, 0);
}

void opRelease(fuse_req_t req, fuse_file_info *fi)
{
	CuseNode::Core &c = coreOf(req);
	guarded("release", req, [&] {
		c.releaseFile(reinterpret_cast<OpenFile *>(static_cast<uintptr_t>(fi->fh)));
		c.log->debug("{}: release", c.options.name);
		fuse_reply_err(req, 0);
	});
}

void opIoctl(fuse_req_t req, int cmd, void *arg, fuse_file_info *fi, unsigned flags,
	     const void *inBuf, size_t inSize, size_t outSize)
{
	guarded("ioctl", req, [&] { doIoctl(req, cmd, arg, fi, flags, inBuf, inSize, outSize); });
}

void opPoll(fuse_req_t req, fuse_file_info *fi, fuse_pollhandle *ph)
{
	guarded("poll", req, [&] { doPoll(req, fi, ph); });
}

const cuse_lowlevel_ops kOps = {
	.init = nullptr,
	.init_done = initDone,
	.destroy = nullptr,
	.open = opOpen,
	.read = opRead,
	.write = opWrite,
	.flush = opFlush,
	.release = opRelease,
	.fsync = nullptr,
	.ioctl = opIoctl,
	.poll = opPoll,
};

} // namespace

// --- CuseNode ----------------------------------------------------------------------------------

CuseNode::CuseNode(std::shared_ptr<Core> core, std::shared_ptr<DrmDevice> device,
		   std::vector<std::thread> workers)
	: core_(std::move(core)), device_(std::move(device)), workers_(std::move(workers))
{
}

int CuseNode::create(std::shared_ptr<DrmDevice> device, Options options,
		     std::unique_ptr<CuseNode> &node)
{
	static std::once_flag logOnce;
	std::call_once(logOnce, [] { fuse_set_log_func(fuseLog); });

	if (!device || options.name.empty() || options.workers == 0)
		return -EINVAL;

	auto core = std::make_shared<Core>(device.get(), std::move(options));
	const Options &opts = core->options;
	auto &log = core->log;

	core->stopFd = Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (core->stopFd.get() < 0)
		return -errno;

	// O_NONBLOCK: workers poll the channel together with the stop eventfd (see DOC: threads).
	Fd channel(::open(opts.cuseDevice.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK));
	if (channel.get() < 0) {
		const int err = errno;
		log->error("{}: cannot open {}: {}{}", opts.name, opts.cuseDevice, std::strerror(err),
			   err == ENOENT || err == ENODEV ? " (is the cuse module loaded?)" : "");
		return -err;
	}

	const std::string devname = "DEVNAME=" + opts.name;
	const char *devInfo[] = {devname.c_str()};
	cuse_info info{};
	info.dev_major = opts.major;
	info.dev_minor = opts.minor;
	info.dev_info_argc = 1;
	info.dev_info_argv = devInfo;
	info.flags = CUSE_UNRESTRICTED_IOCTL;

	char arg0[] = "tinydrmd";
	char *argv[] = {arg0, nullptr};
	fuse_args args = FUSE_ARGS_INIT(1, argv);
	fuse_session *se = cuse_lowlevel_new(&args, &info, &kOps, core.get());
	fuse_opt_free_args(&args);
	if (!se) {
		log->error("{}: cuse_lowlevel_new failed", opts.name);
		return -ENOMEM;
	}
	// libfuse takes an already open channel as the mount point "/dev/fd/N"; from here on the
	// session owns the fd and fuse_session_destroy() closes it.
	const std::string mountpoint = "/dev/fd/" + std::to_string(channel.get());
	if (fuse_session_mount(se, mountpoint.c_str()) != 0) {
		log->error("{}: fuse_session_mount({}) failed", opts.name, mountpoint);
		fuse_session_destroy(se);
		return -EIO;
	}
	core->channelFd = channel.release();
	core->session = se;

	// The revoke action holds the Core weakly: it may run after the node is gone.
	std::weak_ptr<Core> weak = core;
	core->revokeId = device->gate().addRevokeAction([weak] {
		if (auto c = weak.lock())
			c->onUnplugged();
	});
	if (core->revokeId == 0) {
		fuse_session_destroy(std::exchange(core->session, nullptr));
		return -ENODEV; // already being unplugged
	}
	auto dropRevoke = [&] { device->gate().removeRevokeAction(core->revokeId); };

	std::vector<std::thread> workers;
	for (unsigned i = 0; i < opts.workers; i++) {
		{
			std::lock_guard lock(core->mutex);
			++core->runningWorkers;
		}
		try {
			workers.emplace_back([raw = core.get()] { raw->workerMain(); });
		} catch (const std::system_error &e) {
			log->error("{}: cannot start a worker: {}", opts.name, e.what());
			bool none;
			{
				std::lock_guard lock(core->mutex);
				none = --core->runningWorkers == 0;
			}
			if (none) {
				core->teardown();
				dropRevoke();
				return -EAGAIN;
			}
			break; // serve with fewer workers
		}
	}

	bool ok;
	{
		std::unique_lock lock(core->mutex);
		core->changed.wait_for(lock, opts.initTimeout,
				       [&] { return core->initDone || core->ended.load(); });
		ok = core->initDone && !core->ended;
		if (ok)
			core->notifyEnded = true;
	}
	if (!ok) {
		const bool refused = core->ended.load();
		core->requestStop();
		for (auto &w : workers)
			w.join();
		dropRevoke();
		log->error("{}: {}", opts.name,
			   refused ? "the session ended before the kernel created the device "
				     "(name taken? not a CUSE channel?)"
				   : "timed out waiting for the kernel to create the device");
		return refused ? -EIO : -ETIMEDOUT;
	}
	log->info("{}: /dev/{} created ({} workers)", opts.name, opts.name, workers.size());

	// From here on the session's end is reported through onEnded (notifyEnded was set
	// together with the check that it had not ended), possibly before the caller sees the node.
	node.reset(new CuseNode(std::move(core), std::move(device), std::move(workers)));
	return 0;
}

CuseNode::~CuseNode()
{
	if (!core_->ended)
		core_->log->info("{}: stopping the session", core_->options.name);
	core_->requestStop();
	for (auto &w : workers_)
		w.join();
	device_->gate().removeRevokeAction(core_->revokeId);
}

const std::string &CuseNode::name() const
{
	return core_->options.name;
}

const std::shared_ptr<DrmDevice> &CuseNode::device() const
{
	return device_;
}

bool CuseNode::ended() const
{
	return core_->ended.load();
}

size_t CuseNode::openFiles() const
{
	std::lock_guard lock(core_->mutex);
	return core_->openFiles;
}

bool CuseNode::unplugged() const
{
	std::lock_guard lock(core_->mutex);
	return core_->unplugged;
}

void CuseNode::stop()
{
	core_->requestStop();
}

bool CuseNode::waitEnded(std::chrono::milliseconds limit) const
{
	std::unique_lock lock(core_->mutex);
	return core_->changed.wait_for(lock, limit, [&] { return core_->ended.load(); });
}

} // namespace tinydrm
