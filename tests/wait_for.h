// SPDX-License-Identifier: MIT
// Waiting on a condition with a generous bound: tests wait for states, never for fixed times.
#pragma once

#include <chrono>
#include <thread>

namespace tinydrm::test {

/// Polls @p condition until it holds or @p limit passes. \return whether it held.
template<typename Condition>
bool waitFor(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(30))
{
	const auto deadline = std::chrono::steady_clock::now() + limit;
	while (!condition()) {
		if (std::chrono::steady_clock::now() > deadline)
			return false;
		std::this_thread::sleep_for(std::chrono::microseconds(200));
	}
	return true;
}

} // namespace tinydrm::test
