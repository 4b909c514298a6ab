/* SPDX-License-Identifier: MIT */
/*
 * The decoder of the freestanding build (meson -Dfreestanding=true), which
 * leaves Zydis out. Real VMX hardware always reports the VM-exit
 * instruction-information field for the VMX instructions (SDM 28.2.5), so a
 * kernel L0 never needs to decode L1's VMX instructions from their bytes.
 * What it costs (docs/freestanding.md): an nvmx_insn_exit without
 * NVMX_INSN_INFO_VALID is refused with reason INSN_NO_DECODER, and an L2
 * exit flagged NVMX_L2_EXIT_EMULATED stays with L0 with reason
 * EXIT_NO_DECODER; neither changes any state.
 */
#include "decode.h"

enum nvmx_status nvmx_decode(const uint8_t *bytes, size_t n, unsigned cpu_bits,
                             struct nvmx_decoded *out)
{
	NVMX_UNUSED(bytes);
	NVMX_UNUSED(n);
	NVMX_UNUSED(cpu_bits);
	NVMX_UNUSED(out);
	return NVMX_STATUS_NOT_SUPPORTED;
}
