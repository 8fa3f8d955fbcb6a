// SPDX-License-Identifier: MIT
// Daemon: tinydrmd's main loop.
//
// DOC: model
//
// The daemon owns a NodeTable of DaemonNodes. A DaemonNode is one DrmDevice (over its Panel)
// plus the CuseNode that serves it as /dev/tinydrm-N. Plugging reserves the lowest free N,
// creates and publishes the device, then starts the CUSE session: the /dev entry appears
// last, when everything behind it is ready. Unplugging calls DrmDevice::unplug() (the gate's
// unplug: the next call of every client fails with ENODEV); the CuseNode keeps serving the
// files still open and ends its session after the last close, and only then is the node
// reaped and its number freed.
//
// DOC: threads
//
// One thread, the one in run(), does everything here: it polls a signalfd (SIGINT, SIGTERM),
// an eventfd that CuseNodes write when their session ended (Options::onEnded runs on a CUSE
// worker and only writes it), the control socket's listener and its clients. Unplugging
// sleeps in the device's gate until in-flight calls have left it, which is short and bounded
// (no entry point sleeps inside a section without a bound). CUSE workers, vblank threads and
// the like belong to the CuseNodes and devices; this thread never runs their callbacks.
// A panel that finds its hardware gone (PanelContext::hardwareGone, on a CUSE worker or the
// panel's own thread, possibly inside a gate section) only sets its node's flag and writes
// goneFd; this thread then unplugs the node, outside every section.
//
// DOC: hotplug
//
// Devices that come and go (src/hotplug, overview in usb_hotplug.cpp) reach this thread as
// HotplugEvents: libusb's event thread queues them and writes the queue's eventfd; the spidev
// udev monitor's socket is polled here directly. HotplugRouter says what each means, and this
// thread does it with the same plug() and unplug() as the control verbs: an arrival plugs
// "udl:usb=BUS:ADDR" (plus --usb-options) or a --spi-panel spec, a departure unplugs the node
// made for that device. Probing a USB device blocks this thread for its control requests
// (bounded, 1 s each) - never a CUSE worker. When a node is reaped the router forgets it, so a
// departure can never unplug a later node that reuses the number.
//
// DOC: control socket
//
// AF_UNIX SOCK_STREAM at Config::controlPath, mode 0660, owned root:root when run as root
// (chgrp it to delegate: the group is looked up at every accept). The directory is created
// 0750 when missing; an existing one is left as it is. A peer is admitted if SO_PEERCRED says
// it is uid 0 or its primary gid is the socket's group. The protocol is in control_protocol.h;
// bad input gets an "error ..." line back and never more than that connection is affected.
//
// A snapshot is encoded here, on this thread (the panel's pixels are copied under the gate
// and the modeset lock, then encoded outside both), into a sealed memfd that goes to the client
// with the answer (SCM_RIGHTS). The client copies it at its own pace: the daemon never writes
// image data into the socket, so a client that reads slowly cannot stall it, and nothing
// of the snapshot stays here once the answer is sent.
//
// DOC: shutdown
//
// On SIGINT/SIGTERM: stop listening, unplug every device, wait up to Config::shutdownGrace for
// the sessions to end (clients close their files), force the rest to end (CuseNode::stop()),
// join everything, remove the socket, exit 0. A second signal during the wait skips the rest
// of the grace period.
#include "daemon.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/fmt/fmt.h>

#include "buffer_directory.h"
#include "control_protocol.h"
#include "cuse_node.h"
#include "drm_device.h"
#include "hotplug_queue.h"
#include "hotplug_router.h"
#include "log.h"
#include "unique_fd.h"
#include "node_table.h"
#include "panel_registry.h"
#include "png_snapshot.h"
#include "udev_monitor.h"
#include "usb_hotplug.h"

namespace tinydrm {

namespace {

using Fd = UniqueFd;

/// One node: the device and the CUSE session serving it. Owned by the NodeTable, used on the
/// daemon's thread only. Members are destroyed bottom-up, so the session (and its workers)
/// goes before the device reference.
struct DaemonNode final : NodeTable::Node {
	unsigned number = 0;
	PanelSpec spec;
	/// Set by the panel's hardwareGone callback; the daemon thread then unplugs the node.
	std::shared_ptr<std::atomic<bool>> hardwareGone;
	std::shared_ptr<DrmDevice> device;
	std::unique_ptr<CuseNode> cuse;

	bool ended() const override { return cuse->ended(); }
};

/// The CRTC's current mode as "WxH@HZ", "off", or "-" once the device is gone.
std::string currentMode(DrmDevice &device)
{
	if (device.state() == Device::State::Unplugged)
		return "-";
	std::lock_guard lock(device.modesetMutex());
	const PipeState &pipe = device.pipe();
	if (!pipe.active || !pipe.mode)
		return "off";
	return fmt::format("{}x{}@{}", pipe.mode->hdisplay, pipe.mode->vdisplay, pipe.mode->vrefresh);
}

constexpr size_t kMaxClients = 16;

} // namespace

struct Daemon::Impl {
	struct Client {
		Fd fd;
		LineBuffer in;
		/// After an oversized line: the error is sent and our side shut down; what the client
		/// still sends is read and dropped, so that closing does not reset the connection
		/// (a reset can discard the error line before the client reads it).
		bool draining = false;
		size_t drained = 0;
	};

	explicit Impl(Config c)
		: config(std::move(c)), log(subsystemLogger("daemon")), router(config.hotplug),
		  table(kMaxNodes)
	{
	}

	Config config;
	std::shared_ptr<spdlog::logger> log;
	Fd signalFd;
	Fd reapFd; ///< eventfd written by CuseNode::Options::onEnded
	Fd goneFd; ///< eventfd written by PanelContext::hardwareGone
	Fd listenFd;
	bool socketCreated = false;
	std::vector<std::unique_ptr<Client>> clients;
	HotplugRouter router;
	/// Declared before usbHotplug, which pushes to it until it is stopped (destroyed).
	HotplugQueue hotplugQueue;
	std::unique_ptr<UsbHotplug> usbHotplug;
	std::unique_ptr<UdevMonitor> spidevMonitor;
	/// Declared last so that it is destroyed first: a node still running when the daemon is
	/// torn down must be joined while reapFd, which its onEnded writes, is still open.
	NodeTable table;

	int setUp();
	int openControlSocket();
	void closeControlSocket();
	/// \return the new node's number, or -errno with a reason in @p error.
	int plug(const PanelSpec &spec, std::string &name, std::string &error);
	int unplug(unsigned number, std::string &error);
	std::vector<std::string> list();
	/// The snapshot answer's data line and its PNG memfd in @p png.
	int snapshot(unsigned number, std::string &line, Fd &png, std::string &error);
	void reap();
	void unplugGone();
	void startHotplug();
	void stopHotplug();
	/// Does what @p event means (HotplugRouter); logs, never fails.
	void onHotplug(const HotplugEvent &event);
	void accept();
	/// \return false when the client must be dropped.
	bool serve(Client &client);
	/// The answer to one request line; @p fd: a descriptor to send with it (snapshot).
	std::string answer(std::string_view line, Fd &fd);
	void shutdown();
};

Daemon::Daemon(Config config) : impl_(std::make_unique<Impl>(std::move(config)))
{
}

Daemon::~Daemon() = default;

// --- nodes -----------------------------------------------------------------------------------

int Daemon::Impl::plug(const PanelSpec &spec, std::string &name, std::string &error)
{
	const int number = table.reserve();
	if (number < 0) {
		error = fmt::format("no free node number (at most {} nodes)", kMaxNodes);
		return number;
	}
	name = nodeName(unsigned(number));

	auto gone = std::make_shared<std::atomic<bool>>(false);
	PanelContext context;
	context.name = name;
	context.hardwareGone = [gone, fd = goneFd.get(), log = log, name](const std::string &why) {
		if (gone->exchange(true))
			return;
		// Info: the panel already said what happened; a vanished device is news, not an
		// error, and its flush errors are not logged once per frame either.
		log->info("{}: hardware gone: {}", name, why);
		const uint64_t one = 1;
		[[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof(one));
	};
	std::unique_ptr<Panel> panel;
	if (int rc = createPanel(spec, context, panel, error); rc < 0) {
		table.cancel(unsigned(number));
		error = "cannot create panel " + spec.str() + ": " + error;
		return rc;
	}
	std::shared_ptr<DrmDevice> device = DrmDevice::create(name, std::move(panel));
	if (device)
		device->setUnplugMappings(config.unplugMappings);
	if (!device) {
		table.cancel(unsigned(number));
		error = "cannot create a device for panel " + spec.str();
		return -EINVAL;
	}
	if (int rc = device->publish(); rc < 0) {
		table.cancel(unsigned(number));
		error = fmt::format("cannot publish {}: {}", name, std::strerror(-rc));
		return rc;
	}

	CuseNode::Options options;
	options.name = name;
	options.workers = config.workersPerNode;
	options.cuseDevice = config.cuseDevice;
	options.onEnded = [fd = reapFd.get()] {
		const uint64_t one = 1;
		[[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof(one));
	};
	std::unique_ptr<CuseNode> cuse;
	if (int rc = CuseNode::create(device, std::move(options), cuse); rc < 0) {
		device->unplug();
		table.cancel(unsigned(number));
		error = fmt::format("cannot create /dev/{}: {}", name, std::strerror(-rc));
		return rc;
	}

	auto node = std::make_unique<DaemonNode>();
	node->number = unsigned(number);
	node->spec = spec;
	node->hardwareGone = std::move(gone);
	node->device = std::move(device);
	node->cuse = std::move(cuse);
	table.install(unsigned(number), std::move(node));
	log->info("plugged {} ({})", name, spec.str());
	return number;
}

int Daemon::Impl::unplug(unsigned number, std::string &error)
{
	auto *node = static_cast<DaemonNode *>(table.find(number));
	if (!node) {
		error = "no such node: " + nodeName(number);
		return -ENOENT;
	}
	if (node->device->state() == Device::State::Unplugged || node->cuse->unplugged()) {
		error = nodeName(number) + " is already unplugged";
		return -EALREADY;
	}
	if (int rc = node->device->unplug(); rc < 0) {
		error = fmt::format("unplug {}: {}", nodeName(number), std::strerror(-rc));
		return rc;
	}
	log->info("unplugged {} ({} file(s) still open)", nodeName(number), node->cuse->openFiles());
	return 0;
}

std::vector<std::string> Daemon::Impl::list()
{
	std::vector<std::string> lines;
	for (auto [number, base] : table.nodes()) {
		auto *node = static_cast<DaemonNode *>(base);
		const char *state = node->cuse->ended()                                   ? "ended"
				    : node->device->state() == Device::State::Unplugged ? "unplugged"
											 : "published";
		lines.push_back(fmt::format("{} panel={} mode={} files={} state={}", nodeName(number),
					    node->spec.str(), currentMode(*node->device),
					    node->cuse->openFiles(), state));
	}
	return lines;
}

int Daemon::Impl::snapshot(unsigned number, std::string &line, Fd &png, std::string &error)
{
	auto *node = static_cast<DaemonNode *>(table.find(number));
	if (!node) {
		error = "no such node: " + nodeName(number);
		return -ENOENT;
	}
	const std::string name = nodeName(number);
	std::vector<uint32_t> pixels;
	uint32_t width = 0, height = 0;
	if (int rc = node->device->snapshot(pixels, width, height); rc < 0) {
		error = snapshotErrorReason(number, node->spec.str(), rc);
		log->info("snapshot refused: {}", error);
		return rc;
	}
	size_t bytes = 0;
	std::string why;
	const std::string memfdName = name + ".png";
	if (int rc = encodePngMemfd(pixels, width, height, memfdName.c_str(), png, bytes, why);
	    rc < 0) {
		error = name + ": cannot encode the snapshot: " + why;
		log->warn("{}", error);
		return rc;
	}
	line = snapshotLine({number, width, height, bytes});
	log->info("snapshot of {}: {}x{}, {} bytes of PNG", name, width, height, bytes);
	return 0;
}

void Daemon::Impl::reap()
{
	uint64_t count;
	[[maybe_unused]] ssize_t n = ::read(reapFd.get(), &count, sizeof(count));
	for (auto &node : table.reapEnded()) {
		auto *dn = static_cast<DaemonNode *>(node.get());
		log->info("{} is gone", dn->cuse->name());
		router.forgetNode(dn->number);
		node.reset(); // joins the node's workers (they are already on their way out)
	}
}

void Daemon::Impl::unplugGone()
{
	uint64_t count;
	[[maybe_unused]] ssize_t n = ::read(goneFd.get(), &count, sizeof(count));
	for (auto [number, base] : table.nodes()) {
		auto *node = static_cast<DaemonNode *>(base);
		if (!*node->hardwareGone || node->device->state() == Device::State::Unplugged)
			continue;
		std::string error;
		if (unplug(number, error) < 0)
			log->warn("{}", error);
	}
}

// --- hotplug -----------------------------------------------------------------------------------

void Daemon::Impl::startHotplug()
{
	const HotplugOptions &options = config.hotplug;
	std::string error;
	if (options.usb) {
		std::string rules;
		for (const UsbMatchRule &rule : options.usbMatches)
			rules += (rules.empty() ? "" : ", ") + rule.str();
		if (!hotplugQueue.valid()) {
			log->warn("USB hotplug off: eventfd: {}", std::strerror(errno));
		} else if (UsbHotplug::start(options.usbMatches, hotplugQueue, usbHotplug, error) < 0) {
			// Machines without USB (CI, containers) are normal: one line, and carry on.
			log->info("USB hotplug off: {}", error);
		} else {
			log->info("USB hotplug on for {}", rules);
			if (!udevRunning())
				log->info("no udevd running: USB devices present now are seen, "
					  "devices plugged in later are not");
		}
	}
	if (!options.spiPanels.empty()) {
		if (UdevMonitor::open("spidev", spidevMonitor, error) < 0) {
			log->warn("spidev hotplug off: {}", error);
			return;
		}
		log->info("spidev hotplug on for {} panel(s)", options.spiPanels.size());
		if (!udevRunning())
			log->info("no udevd running: spidev devices present now are seen, "
				  "devices added later are not");
		for (const HotplugEvent &event : spidevMonitor->present())
			onHotplug(event);
	}
}

void Daemon::Impl::stopHotplug()
{
	usbHotplug.reset(); // deregisters, joins libusb's event thread
	spidevMonitor.reset();
}

void Daemon::Impl::onHotplug(const HotplugEvent &event)
{
	HotplugRouter::Action action = router.route(event);
	switch (action.kind) {
	case HotplugRouter::Action::Kind::None:
		log->debug("hotplug: ignored: {}", action.why);
		return;
	case HotplugRouter::Action::Kind::Plug: {
		log->info("hotplug: {} arrived", event.describe());
		std::string name, error;
		const int number = plug(action.spec, name, error);
		if (number >= 0)
			router.plugged(action.key, unsigned(number));
		else if (number == -ENODEV)
			// Gone again before (or while) it was probed: nothing was created, and its
			// departure, when it comes, finds no node.
			log->info("hotplug: {} left before it could be used: {}", event.describe(), error);
		else
			log->warn("hotplug: {}", error);
		return;
	}
	case HotplugRouter::Action::Kind::Unplug: {
		auto *node = static_cast<DaemonNode *>(table.find(action.node));
		if (!node || node->device->state() == Device::State::Unplugged ||
		    node->cuse->unplugged()) {
			// Unplugged already: by hardwareGone, which saw the device vanish first, or
			// by the control verb.
			log->debug("hotplug: {} left; {} was unplugged already", event.describe(),
				   nodeName(action.node));
			return;
		}
		log->info("hotplug: {} left", event.describe());
		std::string error;
		if (unplug(action.node, error) < 0)
			log->warn("hotplug: {}", error);
		return;
	}
	}
}

// --- control socket ----------------------------------------------------------------------------

int Daemon::Impl::openControlSocket()
{
	const std::string &path = config.controlPath;
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
		log->error("control socket path '{}' is empty or too long", path);
		return -ENAMETOOLONG;
	}
	std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);

	// The directory: created private (0750) when missing, never re-moded when it exists
	// (it may be /tmp).
	if (const size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
		const std::string dir = path.substr(0, slash);
		if (::mkdir(dir.c_str(), 0750) == 0)
			::chmod(dir.c_str(), 0750); // the umask may have cut it
		else if (errno != EEXIST) {
			const int err = errno;
			log->error("cannot create {}: {}", dir, std::strerror(err));
			return -err;
		}
	}

	// A socket left behind by a dead daemon is removed; a live daemon is not displaced, and a
	// path that is not a socket is not ours to delete.
	struct stat st {};
	if (::lstat(path.c_str(), &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log->error("{} exists and is not a socket", path);
			return -EEXIST;
		}
		Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
		if (probe && ::connect(probe.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0) {
			log->error("another tinydrmd is listening on {}", path);
			return -EADDRINUSE;
		}
		::unlink(path.c_str());
	}

	listenFd = Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (!listenFd)
		return -errno;
	// The umask makes the socket 0660 from birth, with no window in which it is wider. Set-up
	// runs before any thread exists, so changing the process-wide umask is safe here.
	const mode_t old = ::umask(0117);
	const int rc = ::bind(listenFd.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr));
	const int err = errno;
	::umask(old);
	if (rc < 0) {
		log->error("cannot bind {}: {}", path, std::strerror(err));
		return -err;
	}
	socketCreated = true;
	::chmod(path.c_str(), 0660);
	if (::geteuid() == 0 && ::chown(path.c_str(), 0, 0) < 0)
		log->warn("cannot chown {} to root:root: {}", path, std::strerror(errno));
	if (::listen(listenFd.get(), 8) < 0) {
		const int lerr = errno;
		log->error("cannot listen on {}: {}", path, std::strerror(lerr));
		return -lerr;
	}
	log->info("control socket {}", path);
	return 0;
}

void Daemon::Impl::closeControlSocket()
{
	clients.clear();
	listenFd.reset();
	if (socketCreated) {
		::unlink(config.controlPath.c_str());
		socketCreated = false;
	}
}

namespace {

/// Sends all of @p text without ever blocking the daemon: a client that does not read its
/// answers is dropped. @p passFd (>= 0) goes with the first byte (SCM_RIGHTS).
/// \return false when the client must be dropped.
bool sendAll(int fd, const std::string &text, int passFd = -1)
{
	size_t done = 0;
	if (passFd >= 0) {
		const ssize_t n = sendWithFd(fd, text, passFd);
		if (n <= 0)
			return false;
		done = size_t(n);
	}
	while (done < text.size()) {
		const ssize_t n = ::send(fd, text.data() + done, text.size() - done,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += size_t(n);
	}
	return true;
}

} // namespace

void Daemon::Impl::accept()
{
	Fd fd(::accept4(listenFd.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
	if (!fd) {
		if (errno != EAGAIN && errno != EINTR)
			log->warn("accept: {}", std::strerror(errno));
		return;
	}
	ucred cred{};
	socklen_t len = sizeof(cred);
	if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log->warn("SO_PEERCRED: {}", std::strerror(errno));
		return;
	}
	struct stat st {};
	const bool statOk = ::stat(config.controlPath.c_str(), &st) == 0;
	if (cred.uid != 0 && !(statOk && cred.gid == st.st_gid)) {
		log->warn("control: refused pid {} uid {} gid {}", cred.pid, cred.uid, cred.gid);
		sendAll(fd.get(), errorLine("permission denied") + "\n");
		return;
	}
	if (clients.size() >= kMaxClients) {
		sendAll(fd.get(), errorLine("too many control connections") + "\n");
		return;
	}
	log->debug("control: connection from pid {} uid {}", cred.pid, cred.uid);
	auto client = std::make_unique<Client>();
	client->fd = std::move(fd);
	clients.push_back(std::move(client));
}

std::string Daemon::Impl::answer(std::string_view line, Fd &fd)
{
	std::string error;
	std::optional<ControlRequest> request = parseControlLine(line, error);
	if (!request)
		return errorLine(error) + "\n";

	std::string out;
	switch (request->verb) {
	case ControlRequest::Verb::List:
		for (const std::string &l : list())
			out += l + "\n";
		break;
	case ControlRequest::Verb::Plug: {
		std::string name;
		if (plug(request->panel, name, error) < 0)
			return errorLine(error) + "\n";
		out += name + "\n";
		break;
	}
	case ControlRequest::Verb::Unplug:
		if (unplug(request->node, error) < 0)
			return errorLine(error) + "\n";
		break;
	case ControlRequest::Verb::Snapshot: {
		std::string data;
		if (snapshot(request->node, data, fd, error) < 0)
			return errorLine(error) + "\n";
		out += data + "\n";
		break;
	}
	}
	return out + okLine() + "\n";
}

bool Daemon::Impl::serve(Client &client)
{
	char buffer[4096];
	const ssize_t n = ::recv(client.fd.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false; // the client is done
	if (client.draining) {
		client.drained += size_t(n);
		return client.drained < 64 * 1024; // bounded: a client that never stops is cut off
	}
	client.in.append(std::string_view(buffer, size_t(n)));
	std::string line;
	while (client.in.next(line)) {
		log->debug("control: '{}'", line);
		Fd pass;
		const std::string text = answer(line, pass);
		// The daemon's copy of a passed descriptor closes here, sent or not.
		if (!sendAll(client.fd.get(), text, pass.get()))
			return false;
	}
	if (client.in.overflow()) {
		if (!sendAll(client.fd.get(), errorLine("line too long") + "\n"))
			return false;
		::shutdown(client.fd.get(), SHUT_WR);
		client.draining = true;
	}
	return true;
}

// --- set-up, main loop, shutdown ------------------------------------------------------------

int Daemon::Impl::setUp()
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	signalFd = Fd(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
	reapFd = Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	goneFd = Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (!signalFd || !reapFd || !goneFd) {
		log->error("signalfd/eventfd: {}", std::strerror(errno));
		return -errno;
	}
	// Before any node exists: nodes start threads, and the socket set-up touches the umask.
	if (int rc = openControlSocket(); rc < 0)
		return rc;
	// The dumb buffers' directory, now rather than at the first client's buffer: a bad
	// directory is reported at start, and the daemon's fd count is the same from here on
	// (the e2e tests compare it across client storms).
	(void)BufferDirectory::instance();
	for (const PanelSpec &spec : config.panels) {
		std::string name, error;
		if (int rc = plug(spec, name, error); rc < 0) {
			log->error("{}", error);
			return rc;
		}
	}
	// After the configured panels, which keep the numbers they always had. USB devices
	// present now arrive through the queue (libusb's enumeration), spidev ones right here.
	startHotplug();
	return 0;
}

void Daemon::Impl::shutdown()
{
	closeControlSocket();
	stopHotplug(); // no node is plugged from here on
	for (auto [number, node] : table.nodes()) {
		auto *dn = static_cast<DaemonNode *>(node);
		if (dn->device->state() != Device::State::Unplugged)
			dn->device->unplug();
	}
	reap();

	const auto deadline = std::chrono::steady_clock::now() + config.shutdownGrace;
	while (table.taken() > 0) {
		const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - std::chrono::steady_clock::now());
		if (left.count() <= 0)
			break;
		log->info("waiting up to {} ms for {} node session(s) to end", left.count(), table.taken());
		pollfd fds[2] = {{reapFd.get(), POLLIN, 0}, {signalFd.get(), POLLIN, 0}};
		if (::poll(fds, 2, int(left.count())) < 0 && errno != EINTR)
			break;
		if (fds[1].revents & POLLIN) {
			log->warn("second signal: not waiting any longer");
			break;
		}
		if (fds[0].revents & POLLIN)
			reap();
	}
	for (auto [number, node] : table.nodes()) {
		auto *dn = static_cast<DaemonNode *>(node);
		log->warn("{}: {} file(s) still open after the grace period, closing the node",
			  dn->cuse->name(), dn->cuse->openFiles());
		dn->cuse->stop();
	}
	for (auto [number, node] : table.nodes())
		static_cast<DaemonNode *>(node)->cuse->waitEnded(std::chrono::seconds(10));
	reap();
}

int Daemon::run()
{
	Impl &d = *impl_;
	if (d.setUp() < 0) {
		d.shutdown();
		return 1;
	}
	d.log->info("tinydrmd running with {} node(s)", d.table.taken());

	for (;;) {
		std::vector<pollfd> fds = {{d.signalFd.get(), POLLIN, 0},
					   {d.reapFd.get(), POLLIN, 0},
					   {d.listenFd.get(), POLLIN, 0},
					   {d.goneFd.get(), POLLIN, 0},
					   {d.hotplugQueue.fd(), POLLIN, 0},
					   // poll() skips a negative fd: no spidev panels, no monitor.
					   {d.spidevMonitor ? d.spidevMonitor->fd() : -1, POLLIN, 0}};
		for (auto &client : d.clients)
			fds.push_back({client->fd.get(), POLLIN, 0});
		if (::poll(fds.data(), fds.size(), -1) < 0) {
			if (errno == EINTR)
				continue;
			d.log->error("poll: {}", std::strerror(errno));
			break;
		}
		if (fds[0].revents & POLLIN) {
			signalfd_siginfo info{};
			[[maybe_unused]] ssize_t n = ::read(d.signalFd.get(), &info, sizeof(info));
			d.log->info("{}: shutting down", strsignal(int(info.ssi_signo)));
			break;
		}
		if (fds[1].revents & POLLIN)
			d.reap();
		if (fds[2].revents & POLLIN)
			d.accept();
		if (fds[3].revents & POLLIN)
			d.unplugGone();
		if (fds[4].revents & POLLIN)
			for (const HotplugEvent &event : d.hotplugQueue.drain())
				d.onHotplug(event);
		if (fds[5].revents & POLLIN)
			for (const HotplugEvent &event : d.spidevMonitor->receive())
				d.onHotplug(event);
		// Serve the clients polled this round; new ones (accepted above) come next round.
		std::vector<Impl::Client *> drop;
		constexpr size_t kFirstClient = 6;
		for (size_t i = kFirstClient; i < fds.size(); i++) {
			if (!fds[i].revents)
				continue;
			Impl::Client &client = *d.clients[i - kFirstClient];
			if ((fds[i].revents & (POLLERR | POLLNVAL)) || !d.serve(client))
				drop.push_back(&client);
		}
		std::erase_if(d.clients, [&](const auto &c) {
			return std::find(drop.begin(), drop.end(), c.get()) != drop.end();
		});
		// A node created by plug may end before its onEnded found the table: reap anyway.
		d.reap();
	}
	d.shutdown();
	d.log->info("tinydrmd stopped");
	return 0;
}

} // namespace tinydrm
