// SPDX-License-Identifier: MIT
#include "configfs_gadget.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <spdlog/fmt/fmt.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "unique_fd.h"

namespace tinydrm::gadget {

namespace fs = std::filesystem;

namespace {

std::shared_ptr<spdlog::logger> log()
{
	static const auto logger = subsystemLogger("configfs");
	return logger;
}

const fs::path kGadgetRoot = "/sys/kernel/config/usb_gadget";
const fs::path kUdcClass = "/sys/class/udc";

} // namespace

std::string firstUdc()
{
	std::vector<std::string> names;
	std::error_code ec;
	for (const auto &entry : fs::directory_iterator(kUdcClass, ec))
		names.push_back(entry.path().filename());
	std::sort(names.begin(), names.end());
	return names.empty() ? std::string() : names.front();
}

int ConfigfsGadget::make(const fs::path &dir, std::string &error)
{
	if (::mkdir(dir.c_str(), 0755)) {
		const int err = errno;
		error = fmt::format("mkdir {}: {}", dir.string(), std::strerror(err));
		if (err == EEXIST)
			error += " (left over from another run? remove it, or pick another --name)";
		else if (err == ENOENT && dir.filename().string().starts_with("ffs."))
			error += " (usb_f_fs not loaded?)";
		return -err;
	}
	created_.push_back(dir);
	return 0;
}

int ConfigfsGadget::write(const fs::path &file, const std::string &value, std::string &error)
{
	// configfs takes an attribute in one write.
	UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
	int err = fd ? 0 : errno;
	if (fd) {
		const ssize_t n = ::write(fd.get(), value.data(), value.size());
		err = n < 0 ? errno : n != ssize_t(value.size()) ? EIO : 0;
	}
	if (err) {
		error = fmt::format("writing '{}' to {}: {}", value, file.string(), std::strerror(err));
		return -err;
	}
	return 0;
}

int ConfigfsGadget::create(const Options &options, std::unique_ptr<ConfigfsGadget> &gadget,
			   std::string &error)
{
	if (options.name.empty() || options.name.find('/') != std::string::npos ||
	    options.name.find('.') != std::string::npos) {
		error = "bad gadget name '" + options.name + "' (want letters, digits, - or _)";
		return -EINVAL;
	}
	std::error_code ec;
	if (!fs::is_directory(kGadgetRoot, ec)) {
		error = kGadgetRoot.string() +
			" does not exist (configfs not mounted, or libcomposite not loaded)";
		return -ENOENT;
	}
	std::unique_ptr<ConfigfsGadget> g(new ConfigfsGadget(options.name));
	g->root_ = kGadgetRoot / options.name;
	const fs::path &r = g->root_;
	const fs::path config = r / "configs/c.1";
	const fs::path function = r / ("functions/ffs." + options.name);
	int ret;
	if ((ret = g->make(r, error)) ||
	    (ret = g->write(r / "idVendor", fmt::format("{:#06x}", options.vendor), error)) ||
	    (ret = g->write(r / "idProduct", fmt::format("{:#06x}", options.product), error)) ||
	    (ret = g->write(r / "bcdDevice", "0x0100", error)) ||
	    (ret = g->write(r / "bcdUSB", "0x0200", error)) ||
	    (ret = g->make(r / "strings/0x409", error)) ||
	    (ret = g->write(r / "strings/0x409/manufacturer", options.manufacturer, error)) ||
	    (ret = g->write(r / "strings/0x409/product", options.product_name, error)) ||
	    (ret = g->write(r / "strings/0x409/serialnumber", options.serial, error)) ||
	    (ret = g->make(config, error)) ||
	    (ret = g->write(config / "MaxPower", "500", error)) ||
	    (ret = g->make(config / "strings/0x409", error)) ||
	    (ret = g->write(config / "strings/0x409/configuration", "udl", error)) ||
	    (ret = g->make(function, error)))
		return ret; // the destructor removes what was made
	const fs::path link = config / function.filename();
	if (::symlink(function.c_str(), link.c_str())) {
		error = fmt::format("linking {} into {}: {}", function.string(), config.string(),
				    std::strerror(errno));
		return -errno;
	}
	g->created_.push_back(link);
	log()->info("gadget {} created ({:04x}:{:04x})", r.string(), options.vendor, options.product);
	gadget = std::move(g);
	return 0;
}

int ConfigfsGadget::bind(const std::string &udc, std::string &error)
{
	if (bound()) {
		error = "already plugged into " + udc_;
		return -EBUSY;
	}
	const std::string name = udc.empty() ? firstUdc() : udc;
	if (name.empty()) {
		error = "no USB device controller in " + kUdcClass.string() + " (dummy_hcd not loaded?)";
		return -ENODEV;
	}
	if (int ret = write(root_ / "UDC", name, error))
		return ret;
	udc_ = name;
	log()->info("gadget {} bound to {}", name_, udc_);
	return 0;
}

int ConfigfsGadget::unbind(std::string &error)
{
	if (!bound())
		return 0;
	// configfs treats "\n" as "unbind"; an empty write is refused by some kernels.
	if (int ret = write(root_ / "UDC", "\n", error))
		return ret;
	log()->info("gadget {} unbound from {}", name_, udc_);
	udc_.clear();
	return 0;
}

ConfigfsGadget::~ConfigfsGadget()
{
	std::string error;
	if (unbind(error))
		log()->warn("{}", error);
	for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
		const bool link = fs::is_symlink(*it);
		if (link ? ::unlink(it->c_str()) : ::rmdir(it->c_str()))
			log()->warn("removing {}: {}", it->string(), std::strerror(errno));
	}
}

} // namespace tinydrm::gadget
