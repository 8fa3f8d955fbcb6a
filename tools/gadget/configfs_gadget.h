// SPDX-License-Identifier: MIT
// ConfigfsGadget: a composite USB gadget described in configfs (usb_gadget/NAME) with one
// configuration holding one FunctionFS function, ffs.NAME, and its binding to a UDC.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tinydrm::gadget {

/**
 * ConfigfsGadget - creates /sys/kernel/config/usb_gadget/NAME: ids, strings, configuration
 * c.1, function ffs.NAME linked into it. bind() writes a UDC name (plugging the device into
 * that controller's host side), unbind() writes "" (unplugging it).
 *
 * Threads: one (the server's event loop); no lock.
 *
 * Lifetime (RAII): the destructor unbinds, then removes what create() made, in reverse order
 * (link, config strings, config, function, gadget strings, gadget). The FunctionFS mount of
 * ffs.NAME must be gone before: the kernel keeps a mounted function's directory busy.
 */
class ConfigfsGadget
{
public:
	struct Options {
		std::string name = "udl";
		uint16_t vendor = 0x17e9;
		uint16_t product = 0x02a9;
		std::string manufacturer = "tinydrm";
		std::string product_name = "udl-gadget (DisplayLink-like)";
		std::string serial = "0001";
	};

	/// \return 0 and @p gadget, or -errno with a one-line reason in @p error (-EEXIST when a
	/// gadget of that name is left over from another run, -ENOENT without configfs/libcomposite).
	static int create(const Options &options, std::unique_ptr<ConfigfsGadget> &gadget,
			  std::string &error);
	~ConfigfsGadget();
	ConfigfsGadget(const ConfigfsGadget &) = delete;
	ConfigfsGadget &operator=(const ConfigfsGadget &) = delete;

	/// The FunctionFS instance name to mount (NAME).
	const std::string &instance() const { return name_; }

	/// Binds to @p udc, or to the first controller in /sys/class/udc when empty.
	/// \return 0, -EBUSY when already bound, -ENODEV without a controller, or the write's -errno.
	int bind(const std::string &udc, std::string &error);
	/// \return 0 (also when not bound) or the write's -errno.
	int unbind(std::string &error);
	bool bound() const { return !udc_.empty(); }
	const std::string &udc() const { return udc_; }

private:
	explicit ConfigfsGadget(std::string name) : name_(std::move(name)) {}
	int make(const std::filesystem::path &dir, std::string &error);
	int write(const std::filesystem::path &file, const std::string &value, std::string &error);

	std::string name_;
	std::filesystem::path root_;
	std::vector<std::filesystem::path> created_; ///< in creation order
	std::string udc_;
};

/// The first UDC in /sys/class/udc (alphabetically), or "" if there is none.
std::string firstUdc();

} // namespace tinydrm::gadget
