// SPDX-License-Identifier: MIT
// PLACEHOLDER while a helper writes this backend: it only refuses to create.
#include "mipi_dbi_backends.h"

namespace tinydrm {

namespace {
bool checkStub(const PanelSpec &, std::string &) { return true; }
int createStub(const PanelSpec &spec, const PanelContext &, std::unique_ptr<Panel> &, std::string &error)
{
	error = spec.backend + ": not implemented yet";
	return -ENOSYS;
}
} // namespace

const PanelBackend kMi0283qtBackend = {"mi0283qt", "(not implemented yet)", checkStub, createStub};
const PanelBackend kIli9341Backend = {"ili9341", "(not implemented yet)", checkStub, createStub};

} // namespace tinydrm
