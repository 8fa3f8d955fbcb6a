// SPDX-License-Identifier: MIT
// libFuzzer target: random ioctl commands, struct bytes and pointers against a fresh device,
// through the same retry protocol as CUSE (the loopback), with files opening, reading,
// polling, closing and the device unplugging at random points.
//
// Input layout: a stream of operations. Each takes one opcode byte; an ioctl then takes a
// command selector byte and up to 128 bytes of argument struct. Any 8-byte field of the struct
// whose value is below kPointers is turned into a pointer into a scratch arena, so the handlers'
// arrays are reached; every other non-zero value becomes a non-canonical address, which must
// give EFAULT.
//
// Why the arena is larger than any transfer and wild values are never kept: the loopback writes
// replies with process_vm_writev, which the kernel performs and ASan cannot see. In real CUSE
// those pointers live in the client's address space; here they live in ours, so a reply must
// never be able to land outside the arena.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include <libdrm/drm.h>
#include <libdrm/drm_mode.h>

#include <spdlog/spdlog.h>

#include "drm_device.h"
#include "loopback.h"
#include "virtual_panel.h"

using namespace tinydrm;

namespace {

constexpr unsigned long kCommands[] = {
	DRM_IOCTL_VERSION, DRM_IOCTL_GET_UNIQUE, DRM_IOCTL_GET_MAGIC, DRM_IOCTL_AUTH_MAGIC,
	DRM_IOCTL_GET_CAP, DRM_IOCTL_SET_CLIENT_CAP, DRM_IOCTL_SET_MASTER, DRM_IOCTL_DROP_MASTER,
	DRM_IOCTL_GEM_CLOSE, DRM_IOCTL_WAIT_VBLANK, DRM_IOCTL_CRTC_GET_SEQUENCE,
	DRM_IOCTL_CRTC_QUEUE_SEQUENCE, DRM_IOCTL_MODE_GETRESOURCES, DRM_IOCTL_MODE_GETCRTC,
	DRM_IOCTL_MODE_SETCRTC, DRM_IOCTL_MODE_GETENCODER, DRM_IOCTL_MODE_GETCONNECTOR,
	DRM_IOCTL_MODE_GETPROPERTY, DRM_IOCTL_MODE_GETPROPBLOB, DRM_IOCTL_MODE_GETFB,
	DRM_IOCTL_MODE_ADDFB, DRM_IOCTL_MODE_RMFB, DRM_IOCTL_MODE_PAGE_FLIP, DRM_IOCTL_MODE_DIRTYFB,
	DRM_IOCTL_MODE_CREATE_DUMB, DRM_IOCTL_MODE_MAP_DUMB, DRM_IOCTL_MODE_DESTROY_DUMB,
	DRM_IOCTL_MODE_GETPLANERESOURCES, DRM_IOCTL_MODE_GETPLANE, DRM_IOCTL_MODE_ADDFB2,
	DRM_IOCTL_MODE_OBJ_GETPROPERTIES, DRM_IOCTL_MODE_CURSOR, DRM_IOCTL_MODE_ATOMIC,
};
constexpr size_t kNumCommands = sizeof(kCommands) / sizeof(kCommands[0]);
constexpr size_t kPointers = 4096;
constexpr size_t kArena = kPointers + kMaxIoctlTransfer;
/// Above the 47-bit user address space: every access faults.
constexpr uint64_t kWild = 1ull << 47;

struct Reader {
	const uint8_t *data;
	size_t size;
	uint8_t byte() { return size ? (size--, *data++) : 0; }
	size_t take(void *out, size_t n)
	{
		n = std::min(n, size);
		std::memcpy(out, data, n);
		data += n, size -= n;
		return n;
	}
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	spdlog::set_level(spdlog::level::off);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	// Small panel: dumb buffers and flushes stay cheap.
	auto device = DrmDevice::create("tinydrm-fuzz", makeVirtualPanel(64, 48, 1000));
	device->publish();
	std::vector<test::Loopback> clients;
	Reader in{data, size};
	alignas(8) static uint8_t arena[kArena];
	alignas(8) uint8_t argument[256];

	while (in.size) {
		const uint8_t op = in.byte();
		if (op < 8 || clients.empty()) {
			std::shared_ptr<DrmFile> file;
			if (device->openFile(op & 1 ? 1000 : 0, file) == 0)
				clients.emplace_back(std::move(file));
			continue;
		}
		test::Loopback &c = clients[op % clients.size()];
		if (op < 16) {
			std::vector<uint8_t> out;
			c.file().read(in.byte() * 4, out);
			c.file().poll();
			continue;
		}
		if (op < 20) {
			c.file().release();
			clients.erase(clients.begin() + long(op % clients.size()));
			continue;
		}
		if (op == 20) {
			device->unplug();
			continue;
		}

		const uint8_t selector = in.byte();
		unsigned long cmd = kCommands[selector % kNumCommands];
		if (selector >= 250) // now and then a raw, possibly foreign, command word
			in.take(&cmd, 4);
		std::memset(argument, 0, sizeof(argument));
		in.take(argument, std::min<size_t>(in.byte(), 128));
		for (size_t off = 0; off + 8 <= 128; off += 8) {
			uint64_t value;
			std::memcpy(&value, argument + off, 8);
			if (!value)
				continue;
			value = value < kPointers ? uint64_t(uintptr_t(arena + (value & ~uint64_t(7))))
						  : kWild | (value & 0xffff);
			std::memcpy(argument + off, &value, 8);
		}
		// Never block the fuzzer for up to 3 s in a vblank wait: ask for an event instead.
		if (_IOC_NR(cmd) == _IOC_NR(DRM_IOCTL_WAIT_VBLANK)) {
			// The type field as raw bits: any value may be there (it is an enum in the uAPI).
			uint32_t type;
			std::memcpy(&type, argument + offsetof(drm_wait_vblank_request, type), sizeof(type));
			type |= _DRM_VBLANK_EVENT;
			std::memcpy(argument + offsetof(drm_wait_vblank_request, type), &type, sizeof(type));
		}
		c.ioctl(cmd, argument);
	}
	for (auto &c : clients)
		c.file().release();
	clients.clear();
	device->unplug();
	return 0;
}
