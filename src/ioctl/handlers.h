// SPDX-License-Identifier: MIT
// Ioctl handlers, named after the uAPI requests. Each is a plain function of (context, struct)
// with the kernel's semantics; ioctl_table.cpp lists them with their flags.
#pragma once

#include "ioctl_table.h"

namespace tinydrm::handlers {

// core_handlers.cpp: identity, capabilities, master and authentication.
int version(IoctlContext &, void *);
int getUnique(IoctlContext &, void *);
int setVersion(IoctlContext &, void *);
int getMagic(IoctlContext &, void *);
int authMagic(IoctlContext &, void *);
int getCap(IoctlContext &, void *);
int setClientCap(IoctlContext &, void *);
int setMaster(IoctlContext &, void *);
int dropMaster(IoctlContext &, void *);

// mode_handlers.cpp: KMS objects and properties.
int modeGetResources(IoctlContext &, void *);
int modeGetConnector(IoctlContext &, void *);
int modeGetEncoder(IoctlContext &, void *);
int modeGetCrtc(IoctlContext &, void *);
int modeSetCrtc(IoctlContext &, void *);
int modeGetGamma(IoctlContext &, void *);
int modeSetGamma(IoctlContext &, void *);
int modeGetPlaneResources(IoctlContext &, void *);
int modeGetPlane(IoctlContext &, void *);
int modeObjGetProperties(IoctlContext &, void *);
int modeGetProperty(IoctlContext &, void *);
int modeGetPropBlob(IoctlContext &, void *);

// buffer_handlers.cpp: dumb buffers, GEM handles, framebuffers.
int modeCreateDumb(IoctlContext &, void *);
int modeMapDumb(IoctlContext &, void *);
int modeDestroyDumb(IoctlContext &, void *);
int tinydrmMap(IoctlContext &, void *);
int gemClose(IoctlContext &, void *);
int modeAddFb(IoctlContext &, void *);
int modeAddFb2(IoctlContext &, void *);
int modeRmFb(IoctlContext &, void *);
int modeGetFb(IoctlContext &, void *);
int modeDirtyFb(IoctlContext &, void *);

// vblank_handlers.cpp: page flips, vblank waits and sequences.
int modePageFlip(IoctlContext &, void *);
int waitVblank(IoctlContext &, void *);
int crtcGetSequence(IoctlContext &, void *);
int crtcQueueSequence(IoctlContext &, void *);

} // namespace tinydrm::handlers
