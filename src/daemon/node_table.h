// SPDX-License-Identifier: MIT
// NodeTable: which node numbers (tinydrm-N) are taken, and by which node.
#pragma once

#include <map>
#include <memory>
#include <vector>

namespace tinydrm {

/**
 * NodeTable - hands out the lowest free node number and keeps it taken for as long as the
 * node's CUSE session lives: an unplugged node whose files are still open keeps its number,
 * because the kernel still has /dev/tinydrm-N registered and a new device of that name would
 * be refused. Only reapEnded() frees numbers, once the session has ended.
 *
 * A number is Free → Reserved (reserve(), while its node is being created) → Installed
 * (install()) → Free (cancel() or reapEnded()).
 *
 * Thread-bound: the daemon's main thread. No lock.
 */
class NodeTable
{
public:
	/// What the table needs of a node: whether its session has ended.
	class Node
	{
	public:
		virtual ~Node() = default;
		/// True once the node's session has ended (its /dev entry is gone).
		virtual bool ended() const = 0;
	};

	explicit NodeTable(unsigned capacity);

	/// Reserves the lowest free number. \return it, or -ENOSPC when all are taken.
	int reserve();
	/// Gives back a reserved number whose node could not be created.
	void cancel(unsigned number);
	/// Installs @p node under the reserved @p number.
	void install(unsigned number, std::unique_ptr<Node> node);

	/// The node installed under @p number, or nullptr (free or only reserved).
	Node *find(unsigned number) const;
	/// Installed nodes in number order.
	std::vector<std::pair<unsigned, Node *>> nodes() const;
	/// Numbers taken (reserved or installed).
	size_t taken() const { return slots_.size(); }

	/// Removes the installed nodes whose session ended and frees their numbers.
	/// \return the removed nodes; the caller destroys them (which may join threads).
	std::vector<std::unique_ptr<Node>> reapEnded();

private:
	const unsigned capacity_;
	/// Taken numbers; a null node means reserved.
	std::map<unsigned, std::unique_ptr<Node>> slots_;
};

} // namespace tinydrm
