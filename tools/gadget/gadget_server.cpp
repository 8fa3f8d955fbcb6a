// SPDX-License-Identifier: MIT
// The serve loop: one thread polls the signalfd, the control socket and its clients, and ep0
// (FunctionFS events and SETUP requests, answered at once); the BulkReader thread feeds the
// bulk endpoint into the UdlDevice. Everything is torn down in reverse order of creation.
#include "gadget_server.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include <poll.h>
#include <spdlog/fmt/fmt.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bulk_reader.h"
#include "configfs_gadget.h"
#include "ffs_function.h"
#include "log.h"
#include "png_writer.h"
#include "udl/udl_protocol.h"
#include "udl_device.h"
#include "unique_fd.h"

namespace tinydrm::gadget {

namespace {

std::shared_ptr<spdlog::logger> log()
{
	static const auto logger = subsystemLogger("gadget");
	return logger;
}

/// A request line longer than this is refused (and the client dropped).
constexpr size_t kMaxLine = 4096;

std::string errnoAnswer(int ret, const std::string &why)
{
	const char *name = strerrorname_np(-ret);
	return fmt::format("error {}: {}", name ? name : std::to_string(-ret).c_str(), why);
}

struct Client {
	UniqueFd fd;
	std::string buffer;
};

/**
 * Server - owns the gadget parts; everything runs on the thread calling run() except the
 * BulkReader's thread, which only touches device_ (it has its own lock) and its own fd.
 * Members are declared in creation order and destroyed in reverse: the reader stops before
 * the device it feeds and the FunctionFS mount it reads from; the mount goes before the
 * configfs function directory.
 */
class Server final : public FfsListener
{
public:
	explicit Server(const ServeOptions &options) : options_(options) {}
	~Server() override;

	int setUp();
	int run();

	void event(usb_functionfs_event_type type) override;
	ControlAnswer setup(const usb_ctrlrequest &request) override { return device_.setup(request); }
	void received(const usb_ctrlrequest &request, std::span<const uint8_t> data) override
	{
		device_.received(request, data);
	}

private:
	int listen();
	void accept();
	/// \return false when the client is to be dropped.
	bool readClient(Client &client);
	std::string command(const std::string &line);
	std::string stats() const;
	std::string png(const std::string &path);

	const ServeOptions options_;
	std::unique_ptr<ConfigfsGadget> gadget_;
	std::unique_ptr<FfsFunction> ffs_;
	UdlDevice device_;
	std::unique_ptr<BulkReader> reader_;
	UniqueFd signals_;
	UniqueFd listen_;
	bool socketCreated_ = false;
	std::vector<Client> clients_;
	bool enabled_ = false;
	bool quit_ = false;
};

Server::~Server()
{
	std::string error;
	if (gadget_ && gadget_->unbind(error))
		log()->warn("{}", error);
	clients_.clear();
	listen_.reset();
	if (socketCreated_)
		::unlink(options_.control.c_str());
	reader_.reset();
	ffs_.reset();
	if (gadget_) {
		gadget_.reset();
		log()->info("gadget removed");
	}
}

int Server::listen()
{
	sockaddr_un address{};
	address.sun_family = AF_UNIX;
	if (options_.control.empty() || options_.control.size() >= sizeof(address.sun_path)) {
		log()->error("bad control socket path '{}'", options_.control);
		return -EINVAL;
	}
	std::memcpy(address.sun_path, options_.control.c_str(), options_.control.size() + 1);
	struct stat st {};
	if (::lstat(options_.control.c_str(), &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log()->error("{} exists and is not a socket", options_.control);
			return -EEXIST;
		}
		// A socket nobody answers on is left over from a killed server.
		UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
		if (probe && ::connect(probe.get(), reinterpret_cast<sockaddr *>(&address),
				       sizeof(address)) == 0) {
			log()->error("{}: another server is listening there", options_.control);
			return -EADDRINUSE;
		}
		::unlink(options_.control.c_str());
	}
	listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (!listen_ || ::bind(listen_.get(), reinterpret_cast<sockaddr *>(&address), sizeof(address)) ||
	    ::listen(listen_.get(), 16)) {
		const int err = errno;
		log()->error("control socket {}: {}", options_.control, std::strerror(err));
		return -err;
	}
	socketCreated_ = true;
	return 0;
}

int Server::setUp()
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	::pthread_sigmask(SIG_BLOCK, &mask, nullptr);
	::signal(SIGPIPE, SIG_IGN);
	signals_.reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
	if (!signals_) {
		log()->error("signalfd: {}", std::strerror(errno));
		return -errno;
	}

	ConfigfsGadget::Options gadgetOptions;
	gadgetOptions.name = options_.name;
	gadgetOptions.product = options_.product;
	std::string error;
	if (int ret = ConfigfsGadget::create(gadgetOptions, gadget_, error)) {
		log()->error("{}", error);
		return ret;
	}
	if (int ret = FfsFunction::open(gadget_->instance(), ffs_, error)) {
		log()->error("{}", error);
		return ret;
	}
	reader_ = std::make_unique<BulkReader>(
		ffs_->bulkFd(), udl::kMaxTransfer,
		[this](std::span<const uint8_t> data, bool end) { device_.bulk(data, end); });
	return listen();
}

void Server::event(usb_functionfs_event_type type)
{
	log()->info("functionfs event {}", eventName(type));
	switch (type) {
	case FUNCTIONFS_ENABLE:
		enabled_ = true;
		reader_->enabled();
		break;
	case FUNCTIONFS_DISABLE:
	case FUNCTIONFS_UNBIND:
		enabled_ = false;
		break;
	default:
		break;
	}
}

void Server::accept()
{
	for (;;) {
		UniqueFd fd(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
		if (!fd) {
			if (errno != EAGAIN && errno != EINTR)
				log()->warn("accept: {}", std::strerror(errno));
			return;
		}
		clients_.push_back({std::move(fd), {}});
	}
}

bool Server::readClient(Client &client)
{
	char chunk[512];
	const ssize_t n = ::read(client.fd.get(), chunk, sizeof(chunk));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;
	client.buffer.append(chunk, size_t(n));
	size_t newline;
	while ((newline = client.buffer.find('\n')) != std::string::npos) {
		const std::string line = client.buffer.substr(0, newline);
		client.buffer.erase(0, newline + 1);
		const std::string answer = command(line) + "\n";
		// Answers are one short line: the socket buffer takes it unless the client is
		// broken, and then it is dropped.
		if (::send(client.fd.get(), answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT) !=
		    ssize_t(answer.size()))
			return false;
	}
	if (client.buffer.size() > kMaxLine) {
		log()->warn("control client sent a line over {} bytes; dropped", kMaxLine);
		return false;
	}
	return true;
}

std::string Server::stats() const
{
	const DeviceStats s = device_.stats();
	const std::string mode = s.mode ? fmt::format("{}x{}", s.mode->hdisplay, s.mode->vdisplay)
					: std::string("none");
	return fmt::format("ok bound={} enabled={} bulk_bytes={} commands={} mode={} channel={} "
			   "edid_reads={} stalls={} ignored_bytes={} stream={}",
			   int(gadget_->bound()), int(enabled_), s.bulkBytes, s.commands, mode,
			   int(s.channelSelected), s.edidReads, s.stalls, s.ignoredBytes,
			   s.streamError.empty() ? "ok" : "error");
}

std::string Server::png(const std::string &path)
{
	if (path.empty() || path[0] != '/')
		return errnoAnswer(-EINVAL, "png wants an absolute path");
	std::vector<uint32_t> pixels;
	uint32_t width = 0, height = 0;
	if (!device_.render(pixels, width, height))
		return errnoAnswer(-ENODATA, "no mode set yet: nothing on the screen");
	std::string error;
	if (int ret = writePng(path, pixels, width, height, error)) {
		log()->warn("png: {}", error);
		return errnoAnswer(ret, error);
	}
	return fmt::format("ok wrote {} ({}x{})", path, width, height);
}

std::string Server::command(const std::string &line)
{
	std::string error;
	if (line == "plug") {
		if (gadget_->bound())
			return "ok already plugged into " + gadget_->udc();
		device_.powerOn();
		if (int ret = gadget_->bind(options_.udc, error)) {
			log()->warn("plug: {}", error);
			return errnoAnswer(ret, error);
		}
		return "ok plugged into " + gadget_->udc();
	}
	if (line == "unplug") {
		if (!gadget_->bound())
			return "ok not plugged";
		if (int ret = gadget_->unbind(error)) {
			log()->warn("unplug: {}", error);
			return errnoAnswer(ret, error);
		}
		return "ok unplugged";
	}
	if (line == "stats")
		return stats();
	if (line.starts_with("png "))
		return png(line.substr(4));
	if (line == "quit") {
		quit_ = true;
		return "ok quitting";
	}
	log()->warn("unknown control command '{}'", line.substr(0, 80));
	return errnoAnswer(-EINVAL, "unknown command (plug, unplug, stats, png PATH, quit)");
}

int Server::run()
{
	std::printf("ready\n");
	std::fflush(stdout);
	log()->info("serving {} (gadget {}, {:04x}:{:04x})", options_.control, options_.name,
		    udl::kVendorId, options_.product);
	bool ep0Usable = true;
	while (!quit_) {
		std::vector<pollfd> fds = {
			{signals_.get(), POLLIN, 0},
			{listen_.get(), POLLIN, 0},
			{ep0Usable ? ffs_->ep0Fd() : -1, POLLIN, 0},
		};
		for (const Client &c : clients_)
			fds.push_back({c.fd.get(), POLLIN, 0});
		if (::poll(fds.data(), fds.size(), -1) < 0) {
			if (errno == EINTR)
				continue;
			log()->error("poll: {}", std::strerror(errno));
			return 1;
		}
		if (fds[0].revents) {
			signalfd_siginfo info{};
			if (::read(signals_.get(), &info, sizeof(info)) == sizeof(info)) {
				log()->info("{}: shutting down", strsignal(int(info.ssi_signo)));
				break;
			}
		}
		if (fds[2].revents & (POLLERR | POLLNVAL)) {
			log()->error("ep0 failed; control requests are no longer answered");
			ep0Usable = false;
		} else if (fds[2].revents & POLLIN) {
			if (ffs_->dispatch(*this) < 0)
				ep0Usable = false;
		}
		// Clients first (their indices match fds), new connections after.
		std::vector<Client> kept;
		for (size_t i = 0; i < clients_.size(); i++) {
			const short revents = fds[3 + i].revents;
			if (!revents || (readClient(clients_[i]) && !(revents & (POLLERR | POLLNVAL))))
				kept.push_back(std::move(clients_[i]));
		}
		clients_ = std::move(kept);
		if (fds[1].revents)
			accept();
	}
	return 0;
}

} // namespace

int serve(const ServeOptions &options)
{
	auto server = std::make_unique<Server>(options);
	if (server->setUp())
		return 1;
	return server->run();
}

} // namespace tinydrm::gadget
