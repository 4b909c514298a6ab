/* SPDX-License-Identifier: MIT */
/*
 * enum nvmx_reason: every decision and refusal of the library has a named
 * reason, visible in struct nvmx_result and in trace events. Each module
 * owns a numeric block of 0x1000 values (insn 0x100, entry 0x1000, exit
 * 0x2000, ept 0x3000, state 0x4000, msr 0x5000, vcpu 0x6000, apic 0x7000); every row of a block's
 * X-macro list carries its
 * number explicitly. The numbers are ABI: a row is never renumbered or
 * reused, and a new row takes the next free number at the end of its block.
 * A later module gets the next free block (0x8000, ...).
 */
#ifndef NVMX_REASON_H
#define NVMX_REASON_H

#include "reasons_insn.h"
#include "reasons_entry.h"
#include "reasons_exit.h"
#include "reasons_ept.h"
#include "reasons_state.h"
#include "reasons_msr.h"
#include "reasons_vcpu.h"
#include "reasons_apic.h"

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

enum nvmx_reason {
	NVMX_REASON_NONE = 0,
#define NVMX_X_REASON_(name, num, text) NVMX_REASON_##name = num,
	NVMX_REASON_INSN_BLOCK_ = 0x100,
	NVMX_REASONS_INSN(NVMX_X_REASON_)
	NVMX_REASON_ENTRY_BLOCK_ = 0x1000,
	NVMX_REASONS_ENTRY(NVMX_X_REASON_)
	NVMX_REASON_EXIT_BLOCK_ = 0x2000,
	NVMX_REASONS_EXIT(NVMX_X_REASON_)
	NVMX_REASON_EPT_BLOCK_ = 0x3000,
	NVMX_REASONS_EPT(NVMX_X_REASON_)
	NVMX_REASON_STATE_BLOCK_ = 0x4000,
	NVMX_REASONS_STATE(NVMX_X_REASON_)
	NVMX_REASON_MSR_BLOCK_ = 0x5000,
	NVMX_REASONS_MSR(NVMX_X_REASON_)
	NVMX_REASON_VCPU_BLOCK_ = 0x6000,
	NVMX_REASONS_VCPU(NVMX_X_REASON_)
	NVMX_REASON_APIC_BLOCK_ = 0x7000,
	NVMX_REASONS_APIC(NVMX_X_REASON_)
#undef NVMX_X_REASON_
};

/* Stable name without the NVMX_REASON_ prefix ("INSN_GP_CPL"), or "UNKNOWN". */
NVMX_API const char *nvmx_reason_name(enum nvmx_reason r);
/* One-line English description. Never NULL. */
NVMX_API const char *nvmx_reason_describe(enum nvmx_reason r);

#ifdef __cplusplus
}
#endif
#endif
