// SPDX-License-Identifier: MIT
// The one Catch2 main shared by every test executable.
//
// Logs at warn and above by default so that expected info lines (hundreds of "unplugged" in the
// stress rounds) do not bury failures; TINYDRM_LOG_LEVEL=debug (or info, ...) overrides.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

#include <spdlog/spdlog.h>

int main(int argc, char *argv[])
{
	const char *level = std::getenv("TINYDRM_LOG_LEVEL");
	spdlog::set_level(level ? spdlog::level::from_str(level) : spdlog::level::warn);
	return Catch::Session().run(argc, argv);
}
