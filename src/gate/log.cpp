// SPDX-License-Identifier: MIT
#include "log.h"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace tinydrm {

std::shared_ptr<spdlog::logger> subsystemLogger(const std::string &subsystem)
{
	// get-then-create is not atomic in spdlog; two threads asking for the same new name
	// would make one of them throw.
	static std::mutex mutex;
	std::lock_guard lock(mutex);
	if (auto logger = spdlog::get(subsystem))
		return logger;
	return spdlog::stderr_color_mt(subsystem);
}

} // namespace tinydrm
