/* SPDX-License-Identifier: MIT */
/*
 * A compact, independent model of the hardware's VM-entry checks (SDM 27.2,
 * 27.3) applied to the reference host's VMCS02 against the HOST's capability
 * MSRs. Tests and fuzzers use it for docs/architecture.md invariant 2: whatever VMCS12
 * the library accepts yields a VMCS02 the hardware accepts. It shares no code
 * with the library's own checks on purpose.
 */
#ifndef NVMX_HWCHECK_H
#define NVMX_HWCHECK_H

#include "refhost.h"

/* NULL when VMCS02 passes every modelled check, else a short name of the
 * first check that fails ("ctl.pin", "guest.cr0", ...). */
const char *hwcheck_vmcs02(const struct refhost *h, const struct nvmx_hw_caps *hw);

/* Write the host-state area of VMCS02 as an L0 on a 64-bit host would (the
 * library never writes it). */
void hwcheck_set_l0_host_state(struct refhost *h);

#endif
