// SPDX-License-Identifier: MIT
#include "ioctl_table.h"

#include <array>

#include <libdrm/drm.h>
#include <tinydrm/tinydrm_drm.h>

#include "handlers.h"

namespace tinydrm {

namespace {

using namespace handlers;

// Flags follow the kernel's drm_ioctls[]: DRM_MASTER where it has it. Entries with a null
// handler are DRM ioctls tinydrm does not provide; they answer EINVAL as drm_ioctl() does
// for a missing function. Legacy (DRI1) numbers are absent, also like today's kernel.
constexpr IoctlDesc kIoctls[] = {
	{DRM_IOCTL_VERSION, "VERSION", version, 0},
	{DRM_IOCTL_GET_UNIQUE, "GET_UNIQUE", getUnique, 0},
	{DRM_IOCTL_GET_MAGIC, "GET_MAGIC", getMagic, 0},
	{DRM_IOCTL_GET_CLIENT, "GET_CLIENT", nullptr, 0},
	{DRM_IOCTL_GET_STATS, "GET_STATS", nullptr, 0},
	{DRM_IOCTL_SET_VERSION, "SET_VERSION", setVersion, kIoctlMaster},
	{DRM_IOCTL_GEM_CLOSE, "GEM_CLOSE", gemClose, 0},
	{DRM_IOCTL_GEM_FLINK, "GEM_FLINK", nullptr, 0},
	{DRM_IOCTL_GET_CAP, "GET_CAP", getCap, 0},
	{DRM_IOCTL_SET_CLIENT_CAP, "SET_CLIENT_CAP", setClientCap, 0},
	{DRM_IOCTL_AUTH_MAGIC, "AUTH_MAGIC", authMagic, kIoctlMaster},
	{DRM_IOCTL_SET_MASTER, "SET_MASTER", setMaster, 0},
	{DRM_IOCTL_DROP_MASTER, "DROP_MASTER", dropMaster, 0},
	{DRM_IOCTL_PRIME_HANDLE_TO_FD, "PRIME_HANDLE_TO_FD", nullptr, 0},
	{DRM_IOCTL_PRIME_FD_TO_HANDLE, "PRIME_FD_TO_HANDLE", nullptr, 0},
	{DRM_IOCTL_WAIT_VBLANK, "WAIT_VBLANK", waitVblank, kIoctlUnlocked},
	{DRM_IOCTL_CRTC_GET_SEQUENCE, "CRTC_GET_SEQUENCE", crtcGetSequence, 0},
	{DRM_IOCTL_CRTC_QUEUE_SEQUENCE, "CRTC_QUEUE_SEQUENCE", crtcQueueSequence, 0},
	{DRM_IOCTL_MODE_GETRESOURCES, "MODE_GETRESOURCES", modeGetResources, 0},
	{DRM_IOCTL_MODE_GETCRTC, "MODE_GETCRTC", modeGetCrtc, 0},
	{DRM_IOCTL_MODE_SETCRTC, "MODE_SETCRTC", modeSetCrtc, kIoctlMaster},
	{DRM_IOCTL_MODE_CURSOR, "MODE_CURSOR", nullptr, kIoctlMaster},
	{DRM_IOCTL_MODE_GETGAMMA, "MODE_GETGAMMA", modeGetGamma, 0},
	{DRM_IOCTL_MODE_SETGAMMA, "MODE_SETGAMMA", modeSetGamma, kIoctlMaster},
	{DRM_IOCTL_MODE_GETENCODER, "MODE_GETENCODER", modeGetEncoder, 0},
	{DRM_IOCTL_MODE_GETCONNECTOR, "MODE_GETCONNECTOR", modeGetConnector, 0},
	{DRM_IOCTL_MODE_GETPROPERTY, "MODE_GETPROPERTY", modeGetProperty, 0},
	{DRM_IOCTL_MODE_SETPROPERTY, "MODE_SETPROPERTY", nullptr, kIoctlMaster},
	{DRM_IOCTL_MODE_GETPROPBLOB, "MODE_GETPROPBLOB", modeGetPropBlob, 0},
	{DRM_IOCTL_MODE_GETFB, "MODE_GETFB", modeGetFb, 0},
	{DRM_IOCTL_MODE_ADDFB, "MODE_ADDFB", modeAddFb, 0},
	{DRM_IOCTL_MODE_RMFB, "MODE_RMFB", modeRmFb, 0},
	{DRM_IOCTL_MODE_PAGE_FLIP, "MODE_PAGE_FLIP", modePageFlip, kIoctlMaster},
	{DRM_IOCTL_MODE_DIRTYFB, "MODE_DIRTYFB", modeDirtyFb, kIoctlMaster},
	{DRM_IOCTL_MODE_CREATE_DUMB, "MODE_CREATE_DUMB", modeCreateDumb, 0},
	{DRM_IOCTL_MODE_MAP_DUMB, "MODE_MAP_DUMB", modeMapDumb, 0},
	{DRM_IOCTL_MODE_DESTROY_DUMB, "MODE_DESTROY_DUMB", modeDestroyDumb, 0},
	{DRM_IOCTL_MODE_GETPLANERESOURCES, "MODE_GETPLANERESOURCES", modeGetPlaneResources, 0},
	{DRM_IOCTL_MODE_GETPLANE, "MODE_GETPLANE", modeGetPlane, 0},
	{DRM_IOCTL_MODE_SETPLANE, "MODE_SETPLANE", nullptr, kIoctlMaster},
	{DRM_IOCTL_MODE_ADDFB2, "MODE_ADDFB2", modeAddFb2, 0},
	{DRM_IOCTL_MODE_OBJ_GETPROPERTIES, "MODE_OBJ_GETPROPERTIES", modeObjGetProperties, 0},
	{DRM_IOCTL_MODE_OBJ_SETPROPERTY, "MODE_OBJ_SETPROPERTY", nullptr, kIoctlMaster},
	{DRM_IOCTL_MODE_CURSOR2, "MODE_CURSOR2", nullptr, kIoctlMaster},
	{DRM_IOCTL_MODE_ATOMIC, "MODE_ATOMIC", nullptr, kIoctlMaster},
	{DRM_IOCTL_MODE_CREATEPROPBLOB, "MODE_CREATEPROPBLOB", nullptr, 0},
	{DRM_IOCTL_MODE_DESTROYPROPBLOB, "MODE_DESTROYPROPBLOB", nullptr, 0},
	// Driver-private (DRM_COMMAND_BASE), include/tinydrm/tinydrm_drm.h.
	{DRM_IOCTL_TINYDRM_MAP, "TINYDRM_MAP", tinydrmMap, 0},
};

constexpr std::array<const IoctlDesc *, 256> byNumber()
{
	std::array<const IoctlDesc *, 256> table{};
	for (const IoctlDesc &desc : kIoctls)
		table[_IOC_NR(desc.cmd)] = &desc;
	return table;
}

constexpr auto kByNumber = byNumber();

} // namespace

const IoctlDesc *findIoctl(uint32_t nr)
{
	return nr < kByNumber.size() ? kByNumber[nr] : nullptr;
}

} // namespace tinydrm
