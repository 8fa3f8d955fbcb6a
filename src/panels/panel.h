// SPDX-License-Identifier: MIT
// Panel: what a display backend provides to a tinydrm device (in the spirit of the kernel's
// drm_simple_display_pipe_funcs): its modes and formats, enable/disable, and flush of damage.
#pragma once

#include <cerrno>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tinydrm {

/// One display mode. Tiny panels have exactly one; the virtual panel may offer several.
struct PanelMode {
	uint32_t width = 0;
	uint32_t height = 0;
	uint32_t refreshHz = 60;
};

/// Static facts about a panel, fixed for its lifetime.
struct PanelInfo {
	std::string name;              ///< backend name, e.g. "virtual"
	uint32_t connectorType = 0;    ///< DRM_MODE_CONNECTOR_* (drm_mode.h)
	uint32_t widthMm = 0;
	uint32_t heightMm = 0;
	std::vector<PanelMode> modes;  ///< first is preferred
	std::vector<uint32_t> formats; ///< DRM_FORMAT_* fourccs accepted for scanout
	/// false: flush() has sent the pixels when it returns. true: flush() only copies (converts)
	/// the damage into the backend's own buffer and returns; the backend's own thread sends it
	/// later (e-paper updates take seconds and must not hold a CUSE worker or the modeset lock).
	bool asyncFlush = false;
};

/// A damage rectangle in framebuffer pixels, half-open: [x1, x2) x [y1, y2).
struct Rect {
	int32_t x1 = 0;
	int32_t y1 = 0;
	int32_t x2 = 0;
	int32_t y2 = 0;

	bool empty() const { return x2 <= x1 || y2 <= y1; }
};

/// A read-only view of the pixels to show. Borrowed for the duration of flush() only.
struct FrameView {
	const uint8_t *data = nullptr;
	uint32_t width = 0;
	uint32_t height = 0;
	uint32_t pitch = 0;  ///< bytes per line
	uint32_t format = 0; ///< DRM_FORMAT_*
};

/**
 * Panel - one display backend instance.
 *
 * Threads: enable(), disable() and flush() are called by the owning DrmDevice, inside one of its
 * gate sections and under its modeset lock, so a panel never sees two calls at once and never
 * sees one after unplug() has drained. The destructor runs in the device's revoke step (unplug)
 * or at device release, never during a call; an async backend stops and joins its own thread
 * there, abandoning a half-sent update promptly (within ~100 ms), not finishing it.
 *
 * Pixels: @p frame in flush() is borrowed; it may be a client's buffer that changes right after
 * flush() returns, so a backend never keeps the pointer.
 *
 * Hardware gone: a backend that finds its hardware gone (spidev/gpio ENODEV, USB NO_DEVICE)
 * returns -ENODEV from the call that found out and calls PanelContext::hardwareGone once (from
 * any thread, including its own); the daemon then unplugs the device from its own thread.
 */
class Panel
{
public:
	virtual ~Panel() = default;

	virtual const PanelInfo &info() const = 0;

	/// Powers up and programs @p mode. \return 0 or -errno (the modeset fails with it).
	virtual int enable(const PanelMode &mode) = 0;
	/// Powers down. Optional.
	virtual void disable() {}
	/// Shows @p damage of @p frame. \return 0, or -ENODEV when the hardware is gone (which
	/// makes the device unplug itself), or another -errno.
	virtual int flush(const FrameView &frame, const Rect &damage) = 0;
	/// What the panel shows now, as XRGB8888, row-major. Optional.
	/// \return 0, -EOPNOTSUPP (default: the backend cannot read back), or -ENODATA (nothing
	/// shown yet).
	virtual int snapshot(std::vector<uint32_t> &pixels, uint32_t &width, uint32_t &height)
	{
		(void)pixels, (void)width, (void)height;
		return -EOPNOTSUPP;
	}
};

/// What the daemon gives a backend when it creates it.
struct PanelContext {
	/// Says the hardware is gone (why: one line for the log). Callable from any thread, any
	/// number of times; it only schedules the unplug and never blocks. May be empty (tests).
	std::function<void(const std::string &why)> hardwareGone;
	/// Node name ("tinydrm-0"), for log lines.
	std::string name;
};

} // namespace tinydrm
