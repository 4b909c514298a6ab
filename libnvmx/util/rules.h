/* SPDX-License-Identifier: MIT */
/*
 * Architectural rules that more than one module applies, written once.
 * Pure functions of their arguments: no vCPU, no host.
 */
#ifndef NVMX_RULES_H
#define NVMX_RULES_H

#include "../deps.h"
#include <nvmx/arch.h>
#include <nvmx/vcpu.h>
#include <nvmx/reason.h>

/* A linear address is canonical when bits 63:N-1 are all equal, N = 48, or
 * 57 with 5-level paging (SDM vol. 1 3.3.7.1, vol. 3 4.5). Used by the
 * entry checks (27.2.2, 27.3.1), the instruction operands (31.3, 5.3.1)
 * and WRMSR's rules (vol. 4). */
static inline bool nvmx_canonical(uint64_t a, bool la57)
{
	unsigned bits = la57 ? 57 : 48;
	uint64_t top = a >> (bits - 1);
	return top == 0 || top == (~0ull >> (bits - 1));
}

/* The RFLAGS a VMX instruction leaves (SDM 31.2, "Conventions"): VMsucceed
 * clears CF, PF, AF, ZF, SF and OF; VMfailInvalid also sets CF;
 * VMfailValid sets ZF (and the caller stores the error number in the
 * current VMCS's VM-instruction error field). Any other outcome leaves the
 * arithmetic flags cleared as VMsucceed does. */
static inline uint64_t nvmx_vmx_outcome_rflags(uint64_t rflags, enum nvmx_outcome outcome)
{
	uint64_t fl = rflags & ~NVMX_RFLAGS_ARITH;
	if (outcome == NVMX_OUTCOME_VMFAIL_INVALID)
		fl |= NVMX_RFLAGS_CF;
	else if (outcome == NVMX_OUTCOME_VMFAIL_VALID)
		fl |= NVMX_RFLAGS_ZF;
	return fl;
}

/* Which MSR-area entry the library refuses to load, the same rule for the
 * VM-entry MSR-load area (SDM 27.4, "Loading MSRs") and the VM-exit
 * MSR-load area (SDM 28.6): reserved bits 63:32 of the index qword set;
 * IA32_FS_BASE or IA32_GS_BASE; an x2APIC MSR (bits 31:8 = 8); an MSR
 * writable only in SMM (IA32_SMM_MONITOR_CTL, IA32_SMBASE: neither entry nor
 * exit commences or ends in SMM here); the microcode-update MSRs, which the
 * library refuses as "model-specific reasons" allow. NVMX_REASON_NONE for
 * an entry the area may load; the exit treats any other value as a VMX
 * abort (SDM 28.7). */
static inline enum nvmx_reason nvmx_msr_area_load_rule(uint32_t idx, uint32_t reserved)
{
	if (reserved)
		return NVMX_REASON_ENTRY_MSR_LOAD_RESERVED;
	if (idx == NVMX_MSR_IA32_FS_BASE || idx == NVMX_MSR_IA32_GS_BASE)
		return NVMX_REASON_ENTRY_MSR_LOAD_FS_GS_BASE;
	if (NVMX_MSR_IS_X2APIC(idx))
		return NVMX_REASON_ENTRY_MSR_LOAD_X2APIC;
	if (idx == NVMX_MSR_IA32_SMM_MONITOR_CTL || idx == NVMX_MSR_IA32_SMBASE)
		return NVMX_REASON_ENTRY_MSR_LOAD_SMM;
	if (idx == NVMX_MSR_IA32_BIOS_UPDT_TRIG || idx == NVMX_MSR_IA32_BIOS_SIGN_ID)
		return NVMX_REASON_ENTRY_MSR_LOAD_MICROCODE;
	return NVMX_REASON_NONE;
}

#endif
