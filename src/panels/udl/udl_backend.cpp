// SPDX-License-Identifier: MIT
// PLACEHOLDER while a helper writes this backend: it only refuses to create.
#include "udl_backend.h"

namespace tinydrm {

namespace {
bool checkStub(const PanelSpec &, std::string &) { return true; }
int createStub(const PanelSpec &spec, const PanelContext &, std::unique_ptr<Panel> &, std::string &error)
{
	error = spec.backend + ": not implemented yet";
	return -ENOSYS;
}
} // namespace

const PanelBackend kUdlBackend = {"udl", "(not implemented yet)", checkStub, createStub};

} // namespace tinydrm
