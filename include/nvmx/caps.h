/* SPDX-License-Identifier: MIT */
/*
 * The capability model. The host describes its hardware (struct nvmx_hw_caps);
 * the library offers L1 the intersection of that hardware, of what the library
 * implements, and of the host's policy (nvmx_vm_set_cap), which may only take
 * features away.
 */
#ifndef NVMX_CAPS_H
#define NVMX_CAPS_H

#include <stdint.h>
#include <stdbool.h>
#include "arch.h"

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the host's processor offers, as read from its own MSRs and CPUID. */
struct nvmx_hw_caps {
	/* IA32_VMX_BASIC .. IA32_VMX_EXIT_CTLS2, indexed by msr - 0x480. An MSR
	 * the processor lacks reads as 0. */
	uint64_t vmx_msr[NVMX_CAP_MSR_COUNT];
	/* CPUID.80000008H:EAX[7:0]; 0 means 46. */
	uint8_t maxphyaddr;
	/* CPUID.(EAX=07H,ECX=0):ECX[16]: 5-level paging, 57-bit linear addresses. */
	bool la57;
	uint8_t reserved0[6];
	uint64_t reserved[4];
};

/*
 * Features on which the existence of VMCS fields depends (see vmcs_fields.h).
 * A feature is offered when the corresponding allowed-1 control bit (or EPT/
 * VPID/VM-function capability) is offered to L1.
 */
#define NVMX_FEATURES(X)                                                      \
	X(ALWAYS) X(NEVER) X(VPID) X(POSTED_INTR) X(EPT_VE) X(HLAT)           \
	X(IPI_VIRT) X(VID) X(PML) X(UINTR) X(MSR_BITMAP) X(TPR_SHADOW)        \
	X(APIC_ACCESS) X(VMFUNC) X(EPT) X(EPTP_SWITCHING) X(SHADOW_VMCS)      \
	X(XSAVES) X(ENCLS) X(SPP) X(TSC_SCALING) X(TERTIARY) X(ENCLV)         \
	X(PASID) X(PCONFIG) X(SECONDARY_EXIT) X(SPEC_CTRL) X(PAT) X(EFER)     \
	X(PERF_GLOBAL_CTRL) X(BNDCFGS) X(RTIT) X(LBR_CTL) X(PKRS) X(HOST_PAT) \
	X(HOST_EFER) X(HOST_PERF_GLOBAL_CTRL) X(HOST_PKRS) X(SECONDARY)       \
	X(PLE) X(NOTIFY) X(PREEMPTION_TIMER) X(CET) X(HOST_CET)

enum nvmx_feature {
#define NVMX_X_FEAT_(name) NVMX_FEAT_##name,
	NVMX_FEATURES(NVMX_X_FEAT_)
#undef NVMX_X_FEAT_
	NVMX_FEAT_COUNT
};

/*
 * A processor description of a recent Intel server part (revision 0x4),
 * used by the reference host, the tests and the fuzzers. Hosts fill their
 * own from the real MSRs.
 */
NVMX_API void nvmx_hw_caps_example(struct nvmx_hw_caps *hw);

#ifdef __cplusplus
}
#endif
#endif
