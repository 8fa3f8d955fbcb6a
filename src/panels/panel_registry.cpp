// SPDX-License-Identifier: MIT
#include "panel_registry.h"

#include <array>

#include "mipi_dbi/mipi_dbi_backends.h"
#include "repaper/repaper_backend.h"
#include "st7586/st7586_backend.h"
#include "udl/udl_backend.h"
#include "virtual/virtual_panel.h"

namespace tinydrm {

namespace {

const std::array kBackends = {
	kVirtualBackend,
	kMi0283qtBackend,
	kIli9341Backend,
	kSt7586Backend,
	kRepaperBackend,
	kUdlBackend,
};

} // namespace

std::span<const PanelBackend> panelBackends()
{
	return kBackends;
}

const PanelBackend *findPanelBackend(std::string_view name)
{
	for (const PanelBackend &backend : kBackends)
		if (backend.name == name)
			return &backend;
	return nullptr;
}

int createPanel(const PanelSpec &spec, const PanelContext &context, std::unique_ptr<Panel> &panel,
		std::string &error)
{
	const PanelBackend *backend = findPanelBackend(spec.backend);
	if (!backend) {
		error = "unknown panel kind '" + spec.backend + "'";
		return -EINVAL;
	}
	if (!backend->check(spec, error))
		return -EINVAL;
	int rc = backend->create(spec, context, panel, error);
	if (rc == 0 && !panel) {
		error = "backend " + spec.backend + " returned no panel";
		rc = -EINVAL;
	}
	return rc;
}

bool checkOptionKeys(const PanelSpec &spec, std::span<const std::string_view> keys,
		     std::string &error)
{
	for (const auto &[key, value] : spec.options) {
		bool known = false;
		for (std::string_view k : keys)
			known = known || k == key;
		if (!known) {
			error = "panel " + spec.backend + " has no option '" + key + "' (it takes:";
			for (std::string_view k : keys)
				error += " " + std::string(k);
			error += ")";
			return false;
		}
	}
	return true;
}

} // namespace tinydrm
