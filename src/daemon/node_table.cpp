// SPDX-License-Identifier: MIT
#include "node_table.h"

#include <cassert>
#include <cerrno>

namespace tinydrm {

NodeTable::NodeTable(unsigned capacity) : capacity_(capacity)
{
}

int NodeTable::reserve()
{
	// slots_ is ordered: the first gap in 0, 1, 2, ... is the lowest free number.
	unsigned n = 0;
	for (const auto &[number, node] : slots_) {
		if (number != n)
			break;
		n++;
	}
	if (n >= capacity_)
		return -ENOSPC;
	slots_.emplace(n, nullptr);
	return static_cast<int>(n);
}

void NodeTable::cancel(unsigned number)
{
	auto it = slots_.find(number);
	assert(it != slots_.end() && !it->second);
	if (it != slots_.end() && !it->second)
		slots_.erase(it);
}

void NodeTable::install(unsigned number, std::unique_ptr<Node> node)
{
	auto it = slots_.find(number);
	assert(it != slots_.end() && !it->second);
	if (it != slots_.end())
		it->second = std::move(node);
}

NodeTable::Node *NodeTable::find(unsigned number) const
{
	auto it = slots_.find(number);
	return it == slots_.end() ? nullptr : it->second.get();
}

std::vector<std::pair<unsigned, NodeTable::Node *>> NodeTable::nodes() const
{
	std::vector<std::pair<unsigned, Node *>> out;
	for (const auto &[number, node] : slots_)
		if (node)
			out.emplace_back(number, node.get());
	return out;
}

std::vector<std::unique_ptr<NodeTable::Node>> NodeTable::reapEnded()
{
	std::vector<std::unique_ptr<Node>> out;
	for (auto it = slots_.begin(); it != slots_.end();) {
		if (it->second && it->second->ended()) {
			out.push_back(std::move(it->second));
			it = slots_.erase(it);
		} else {
			++it;
		}
	}
	return out;
}

} // namespace tinydrm
