/* SPDX-License-Identifier: MIT */
/*
 * The capability model (SDM appendix A). Offered = hardware & library &
 * policy; a policy may only take features away.
 */
#include "caps.h"
#include "../vmcs/fields.h"

#define IDX(msr) ((msr) - NVMX_CAP_MSR_FIRST)

/* Default1 classes (SDM A.2-A.5): bits that are 1 in the non-TRUE MSRs'
 * allowed-0 settings and that the TRUE MSRs may report as 0. */
#define PIN_DEFAULT1 0x00000016u
#define PROC_DEFAULT1 0x0401e172u
#define EXIT_DEFAULT1 0x00036dffu
#define ENTRY_DEFAULT1 0x000011ffu

/* What the library implements (allowed-1 bits it can emulate for L1). */
#define LIB_PIN_A1 (PIN_DEFAULT1 | NVMX_PIN_EXT_INTR_EXITING | NVMX_PIN_NMI_EXITING | \
                    NVMX_PIN_VIRTUAL_NMIS | NVMX_PIN_PREEMPTION_TIMER | NVMX_PIN_POSTED_INTR)
/* Tertiary controls are not implemented. */
#define LIB_PROC_A1 (0xffffffffu & ~NVMX_PROC_TERTIARY_CONTROLS)
/* Not implemented: VMCS shadowing, Intel PT (conceal, guest PA), PASID
 * translation, sub-page permissions, PCONFIG. */
#define LIB_PROC2_A1 (0xffffffffu & ~(NVMX_PROC2_SHADOW_VMCS | NVMX_PROC2_PT_CONCEAL |   \
                                      NVMX_PROC2_PASID_TRANSLATION | NVMX_PROC2_SPP |    \
                                      NVMX_PROC2_PT_GUEST_PA | NVMX_PROC2_PCONFIG | (1u << 29)))
#define LIB_EXIT_A1 (EXIT_DEFAULT1 | NVMX_EXIT_CTL_SAVE_DEBUG_CONTROLS |                      \
                     NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE | NVMX_EXIT_CTL_LOAD_PERF_GLOBAL_CTRL |   \
                     NVMX_EXIT_CTL_ACK_INTR_ON_EXIT | NVMX_EXIT_CTL_SAVE_PAT | NVMX_EXIT_CTL_LOAD_PAT | \
                     NVMX_EXIT_CTL_SAVE_EFER | NVMX_EXIT_CTL_LOAD_EFER |                          \
                     NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER | NVMX_EXIT_CTL_CLEAR_BNDCFGS)
#define LIB_ENTRY_A1 (ENTRY_DEFAULT1 | NVMX_ENTRY_CTL_LOAD_DEBUG_CONTROLS |                   \
                      NVMX_ENTRY_CTL_IA32E_MODE_GUEST | NVMX_ENTRY_CTL_LOAD_PERF_GLOBAL_CTRL |    \
                      NVMX_ENTRY_CTL_LOAD_PAT | NVMX_ENTRY_CTL_LOAD_EFER | NVMX_ENTRY_CTL_LOAD_BNDCFGS)
/* MISC: timer rate, LMA store, activity states, CR3 targets, MSR list size,
 * VMWRITE to exit-information fields, zero-length injection. No SMM, no PT. */
#define LIB_MISC_KEEP (NVMX_MISC_TIMER_RATE_MASK | NVMX_MISC_STORE_LMA |                  \
                       NVMX_MISC_ACTIVITY_HLT | NVMX_MISC_ACTIVITY_SHUTDOWN |             \
                       NVMX_MISC_ACTIVITY_WAIT_SIPI | NVMX_MISC_CR3_TARGETS_MASK |        \
                       NVMX_MISC_MAX_MSR_LIST_MASK | NVMX_MISC_VMWRITE_ANY |              \
                       NVMX_MISC_ZERO_LEN_INJECT)
#define LIB_EPT_VPID (NVMX_EPT_CAP_EXECUTE_ONLY | NVMX_EPT_CAP_PWL4 | NVMX_EPT_CAP_PWL5 |  \
                      NVMX_EPT_CAP_MT_UC | NVMX_EPT_CAP_MT_WB | NVMX_EPT_CAP_2MB |          \
                      NVMX_EPT_CAP_1GB | NVMX_EPT_CAP_INVEPT | NVMX_EPT_CAP_AD |            \
                      NVMX_EPT_CAP_ADV_EXIT_INFO | NVMX_EPT_CAP_INVEPT_SINGLE |             \
                      NVMX_EPT_CAP_INVEPT_ALL | NVMX_VPID_CAP_INVVPID |                     \
                      NVMX_VPID_CAP_INVVPID_ADDR | NVMX_VPID_CAP_INVVPID_SINGLE |           \
                      NVMX_VPID_CAP_INVVPID_ALL | NVMX_VPID_CAP_INVVPID_SINGLE_NONGLOBAL)
#define LIB_VMFUNC NVMX_VMFUNC_EPTP_SWITCHING
/* BASIC bits the library keeps from the hardware: revision, region size
 * (forced to 4096 below), memory type, INS/OUTS information, TRUE controls,
 * no hardware-exception error-code consistency check. */
#define BASIC_FIXED_MASK (NVMX_BASIC_REVISION_MASK | (0x1fffull << 32) | (0xfull << 50))
#define BASIC_MAY_CLEAR (NVMX_BASIC_INOUT_INFO | NVMX_BASIC_TRUE_CTLS | \
                         NVMX_BASIC_NO_HW_ERRCODE_CHECK)

static uint64_t ctl_pair(uint64_t hw, uint32_t lib_a1, uint32_t lib_a0)
{
	uint32_t a0 = (uint32_t)hw | lib_a0;
	uint32_t a1 = (uint32_t)(hw >> 32) & lib_a1;
	return ((uint64_t)a1 << 32) | a0;
}

static bool a1_has(const uint64_t *m, uint32_t msr, uint64_t bit)
{
	return ((m[IDX(msr)] >> 32) & bit) != 0;
}

/* Recompute derived values: features and VMCS_ENUM. */
static void derive(struct nvmx_caps *c)
{
	const uint64_t *m = c->msr;
	bool sec = a1_has(m, NVMX_MSR_IA32_VMX_PROCBASED_CTLS, NVMX_PROC_SECONDARY_CONTROLS);
	bool ter = a1_has(m, NVMX_MSR_IA32_VMX_PROCBASED_CTLS, NVMX_PROC_TERTIARY_CONTROLS);
	uint32_t p2 = sec ? (uint32_t)(m[IDX(NVMX_MSR_IA32_VMX_PROCBASED_CTLS2)] >> 32) : 0;
	uint64_t p3 = ter ? m[IDX(NVMX_MSR_IA32_VMX_PROCBASED_CTLS3)] : 0;
	uint32_t pin = (uint32_t)(m[IDX(NVMX_MSR_IA32_VMX_PINBASED_CTLS)] >> 32);
	uint32_t proc = (uint32_t)(m[IDX(NVMX_MSR_IA32_VMX_PROCBASED_CTLS)] >> 32);
	uint32_t ex = (uint32_t)(m[IDX(NVMX_MSR_IA32_VMX_EXIT_CTLS)] >> 32);
	uint32_t en = (uint32_t)(m[IDX(NVMX_MSR_IA32_VMX_ENTRY_CTLS)] >> 32);
	uint64_t vmfunc = (p2 & NVMX_PROC2_VMFUNC) ? m[IDX(NVMX_MSR_IA32_VMX_VMFUNC)] : 0;
	uint64_t f = 0;
#define SETF(name, cond) f |= (uint64_t)((cond) ? 1 : 0) << NVMX_FEAT_##name
	SETF(ALWAYS, 1);
	SETF(NEVER, 0);
	SETF(VPID, p2 & NVMX_PROC2_VPID);
	SETF(POSTED_INTR, pin & NVMX_PIN_POSTED_INTR);
	SETF(EPT_VE, p2 & NVMX_PROC2_EPT_VE);
	SETF(HLAT, p3 & NVMX_PROC3_HLAT);
	SETF(IPI_VIRT, p3 & NVMX_PROC3_IPI_VIRT);
	SETF(VID, p2 & NVMX_PROC2_VIRT_INTR_DELIVERY);
	SETF(PML, p2 & NVMX_PROC2_PML);
	SETF(UINTR, (en & NVMX_ENTRY_CTL_LOAD_UINV) || (ex & NVMX_EXIT_CTL_CLEAR_UINV));
	SETF(MSR_BITMAP, proc & NVMX_PROC_USE_MSR_BITMAPS);
	SETF(TPR_SHADOW, proc & NVMX_PROC_TPR_SHADOW);
	SETF(APIC_ACCESS, p2 & NVMX_PROC2_VIRT_APIC_ACCESSES);
	SETF(VMFUNC, p2 & NVMX_PROC2_VMFUNC);
	SETF(EPT, p2 & NVMX_PROC2_EPT);
	SETF(EPTP_SWITCHING, vmfunc & NVMX_VMFUNC_EPTP_SWITCHING);
	SETF(SHADOW_VMCS, p2 & NVMX_PROC2_SHADOW_VMCS);
	SETF(XSAVES, p2 & NVMX_PROC2_XSAVES);
	SETF(ENCLS, p2 & NVMX_PROC2_ENCLS_EXITING);
	SETF(SPP, p2 & NVMX_PROC2_SPP);
	SETF(TSC_SCALING, p2 & NVMX_PROC2_TSC_SCALING);
	SETF(TERTIARY, ter);
	SETF(ENCLV, p2 & NVMX_PROC2_ENCLV_EXITING);
	SETF(PASID, p2 & NVMX_PROC2_PASID_TRANSLATION);
	SETF(PCONFIG, p2 & NVMX_PROC2_PCONFIG);
	SETF(SECONDARY_EXIT, ex & NVMX_EXIT_CTL_SECONDARY_CONTROLS);
	SETF(SPEC_CTRL, p3 & NVMX_PROC3_VIRT_SPEC_CTRL);
	SETF(PAT, (en & NVMX_ENTRY_CTL_LOAD_PAT) || (ex & NVMX_EXIT_CTL_SAVE_PAT));
	SETF(EFER, (en & NVMX_ENTRY_CTL_LOAD_EFER) || (ex & NVMX_EXIT_CTL_SAVE_EFER));
	SETF(PERF_GLOBAL_CTRL, (en & NVMX_ENTRY_CTL_LOAD_PERF_GLOBAL_CTRL) ||
	                       (ex & NVMX_EXIT_CTL_SAVE_PERF_GLOBAL_CTRL));
	SETF(BNDCFGS, (en & NVMX_ENTRY_CTL_LOAD_BNDCFGS) || (ex & NVMX_EXIT_CTL_CLEAR_BNDCFGS));
	SETF(RTIT, (en & NVMX_ENTRY_CTL_LOAD_RTIT_CTL) || (ex & NVMX_EXIT_CTL_CLEAR_RTIT_CTL));
	SETF(LBR_CTL, (en & NVMX_ENTRY_CTL_LOAD_LBR_CTL) || (ex & NVMX_EXIT_CTL_CLEAR_LBR_CTL));
	SETF(PKRS, en & NVMX_ENTRY_CTL_LOAD_PKRS);
	SETF(HOST_PAT, ex & NVMX_EXIT_CTL_LOAD_PAT);
	SETF(HOST_EFER, ex & NVMX_EXIT_CTL_LOAD_EFER);
	SETF(HOST_PERF_GLOBAL_CTRL, ex & NVMX_EXIT_CTL_LOAD_PERF_GLOBAL_CTRL);
	SETF(HOST_PKRS, ex & NVMX_EXIT_CTL_LOAD_PKRS);
	SETF(SECONDARY, sec);
	SETF(PLE, p2 & NVMX_PROC2_PAUSE_LOOP_EXITING);
	SETF(NOTIFY, p2 & NVMX_PROC2_NOTIFY_VM_EXITING);
	SETF(PREEMPTION_TIMER, pin & NVMX_PIN_PREEMPTION_TIMER);
	SETF(CET, en & NVMX_ENTRY_CTL_LOAD_CET);
	SETF(HOST_CET, ex & NVMX_EXIT_CTL_LOAD_CET);
#undef SETF
	c->features = f;

	unsigned maxidx = 0;
	for (unsigned i = 0; i < NVMX_FIELD_COUNT; i++) {
		const struct nvmx_field_info *fi = &nvmx_field_table[i];
		if (((f >> fi->feature) & 1u) && NVMX_FIELD_INDEX(fi->encoding) > maxidx)
			maxidx = NVMX_FIELD_INDEX(fi->encoding);
	}
	c->msr[IDX(NVMX_MSR_IA32_VMX_VMCS_ENUM)] = (uint64_t)maxidx << 1;
}

enum nvmx_status nvmx_caps_init(struct nvmx_caps *c, const struct nvmx_hw_caps *hw)
{
	const uint64_t *h = hw->vmx_msr;
	uint64_t *b = c->base;

	nvmx_memset(c, 0, sizeof(*c));
	uint64_t basic = h[IDX(NVMX_MSR_IA32_VMX_BASIC)];
	if ((basic & NVMX_BASIC_REVISION_MASK) == 0)
		return NVMX_STATUS_INVALID_ARGUMENT;
	/* The library's VMCS12 region is always 4 KiB; no dual-monitor treatment. */
	b[IDX(NVMX_MSR_IA32_VMX_BASIC)] = (basic & (NVMX_BASIC_REVISION_MASK | (0xfull << 50) |
	                                            NVMX_BASIC_32BIT_PHYS | BASIC_MAY_CLEAR)) |
	                                  (0x1000ull << 32);
	b[IDX(NVMX_MSR_IA32_VMX_PINBASED_CTLS)] =
		ctl_pair(h[IDX(NVMX_MSR_IA32_VMX_PINBASED_CTLS)], LIB_PIN_A1, PIN_DEFAULT1);
	b[IDX(NVMX_MSR_IA32_VMX_PROCBASED_CTLS)] =
		ctl_pair(h[IDX(NVMX_MSR_IA32_VMX_PROCBASED_CTLS)], LIB_PROC_A1, PROC_DEFAULT1);
	b[IDX(NVMX_MSR_IA32_VMX_EXIT_CTLS)] =
		ctl_pair(h[IDX(NVMX_MSR_IA32_VMX_EXIT_CTLS)], LIB_EXIT_A1, EXIT_DEFAULT1);
	b[IDX(NVMX_MSR_IA32_VMX_ENTRY_CTLS)] =
		ctl_pair(h[IDX(NVMX_MSR_IA32_VMX_ENTRY_CTLS)], LIB_ENTRY_A1, ENTRY_DEFAULT1);
	if (basic & NVMX_BASIC_TRUE_CTLS) {
		b[IDX(NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS)] =
			ctl_pair(h[IDX(NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS)], LIB_PIN_A1, 0);
		b[IDX(NVMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS)] =
			ctl_pair(h[IDX(NVMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS)], LIB_PROC_A1, 0);
		b[IDX(NVMX_MSR_IA32_VMX_TRUE_EXIT_CTLS)] =
			ctl_pair(h[IDX(NVMX_MSR_IA32_VMX_TRUE_EXIT_CTLS)], LIB_EXIT_A1, 0);
		b[IDX(NVMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS)] =
			ctl_pair(h[IDX(NVMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS)], LIB_ENTRY_A1, 0);
	}
	b[IDX(NVMX_MSR_IA32_VMX_MISC)] = h[IDX(NVMX_MSR_IA32_VMX_MISC)] & LIB_MISC_KEEP;
	b[IDX(NVMX_MSR_IA32_VMX_CR0_FIXED0)] = h[IDX(NVMX_MSR_IA32_VMX_CR0_FIXED0)];
	b[IDX(NVMX_MSR_IA32_VMX_CR0_FIXED1)] = h[IDX(NVMX_MSR_IA32_VMX_CR0_FIXED1)];
	b[IDX(NVMX_MSR_IA32_VMX_CR4_FIXED0)] = h[IDX(NVMX_MSR_IA32_VMX_CR4_FIXED0)];
	b[IDX(NVMX_MSR_IA32_VMX_CR4_FIXED1)] = h[IDX(NVMX_MSR_IA32_VMX_CR4_FIXED1)];
	b[IDX(NVMX_MSR_IA32_VMX_PROCBASED_CTLS2)] =
		ctl_pair(h[IDX(NVMX_MSR_IA32_VMX_PROCBASED_CTLS2)], LIB_PROC2_A1, 0);
	b[IDX(NVMX_MSR_IA32_VMX_EPT_VPID_CAP)] = h[IDX(NVMX_MSR_IA32_VMX_EPT_VPID_CAP)] & LIB_EPT_VPID;
	b[IDX(NVMX_MSR_IA32_VMX_VMFUNC)] = h[IDX(NVMX_MSR_IA32_VMX_VMFUNC)] & LIB_VMFUNC;
	b[IDX(NVMX_MSR_IA32_VMX_PROCBASED_CTLS3)] = 0;
	b[IDX(NVMX_MSR_IA32_VMX_EXIT_CTLS2)] = 0;

	c->hw_maxphyaddr = hw->maxphyaddr ? hw->maxphyaddr : 46;
	if (c->hw_maxphyaddr < 32 || c->hw_maxphyaddr > 52)
		return NVMX_STATUS_INVALID_ARGUMENT;
	c->maxphyaddr = c->hw_maxphyaddr;
	c->la57 = hw->la57;
	nvmx_memcpy(c->msr, c->base, sizeof(c->msr));
	derive(c);
	nvmx_memcpy(c->base, c->msr, sizeof(c->msr)); /* base VMCS_ENUM too */
	return NVMX_STATUS_OK;
}

static bool msr_exists(const struct nvmx_caps *c, uint32_t msr)
{
	const uint64_t *m = c->msr;
	switch (msr) {
	case NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS:
	case NVMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS:
	case NVMX_MSR_IA32_VMX_TRUE_EXIT_CTLS:
	case NVMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS:
		return (m[IDX(NVMX_MSR_IA32_VMX_BASIC)] & NVMX_BASIC_TRUE_CTLS) != 0;
	case NVMX_MSR_IA32_VMX_PROCBASED_CTLS2:
		return a1_has(m, NVMX_MSR_IA32_VMX_PROCBASED_CTLS, NVMX_PROC_SECONDARY_CONTROLS);
	case NVMX_MSR_IA32_VMX_EPT_VPID_CAP:
		return nvmx_caps_has(c, NVMX_FEAT_EPT) || nvmx_caps_has(c, NVMX_FEAT_VPID);
	case NVMX_MSR_IA32_VMX_VMFUNC:
		return nvmx_caps_has(c, NVMX_FEAT_VMFUNC);
	case NVMX_MSR_IA32_VMX_PROCBASED_CTLS3:
		return nvmx_caps_has(c, NVMX_FEAT_TERTIARY);
	case NVMX_MSR_IA32_VMX_EXIT_CTLS2:
		return nvmx_caps_has(c, NVMX_FEAT_SECONDARY_EXIT);
	default:
		return msr >= NVMX_CAP_MSR_FIRST && msr < NVMX_CAP_MSR_FIRST + NVMX_CAP_MSR_COUNT;
	}
}

enum nvmx_status nvmx_caps_get(const struct nvmx_caps *c, uint32_t msr, uint64_t *value)
{
	if (msr < NVMX_CAP_MSR_FIRST || msr >= NVMX_CAP_MSR_FIRST + NVMX_CAP_MSR_COUNT)
		return NVMX_STATUS_CAP_UNKNOWN_MSR;
	if (!msr_exists(c, msr))
		return NVMX_STATUS_NOT_SUPPORTED;
	*value = c->msr[IDX(msr)];
	return NVMX_STATUS_OK;
}

/* A control pair may only lose allowed-1 bits and gain allowed-0 bits. */
static enum nvmx_status check_ctl(uint64_t base, uint64_t v)
{
	uint32_t a0 = (uint32_t)v, a1 = (uint32_t)(v >> 32);
	uint32_t b0 = (uint32_t)base, b1 = (uint32_t)(base >> 32);
	if ((a1 & ~b1) != 0 || (b0 & ~a0) != 0)
		return NVMX_STATUS_CAP_ADDS_FEATURE;
	if ((a0 & ~a1) != 0)
		return NVMX_STATUS_CAP_INCONSISTENT;
	return NVMX_STATUS_OK;
}

static uint32_t default1_of(uint32_t msr)
{
	switch (msr) {
	case NVMX_MSR_IA32_VMX_PINBASED_CTLS: return PIN_DEFAULT1;
	case NVMX_MSR_IA32_VMX_PROCBASED_CTLS: return PROC_DEFAULT1;
	case NVMX_MSR_IA32_VMX_EXIT_CTLS: return EXIT_DEFAULT1;
	default: return ENTRY_DEFAULT1;
	}
}

enum nvmx_status nvmx_caps_set(struct nvmx_caps *c, uint32_t msr, uint64_t v)
{
	uint64_t cur;
	enum nvmx_status s = nvmx_caps_get(c, msr, &cur);
	if (s != NVMX_STATUS_OK)
		return s;
	const uint64_t base = c->base[IDX(msr)];
	uint64_t next[NVMX_CAP_MSR_COUNT];
	nvmx_memcpy(next, c->msr, sizeof(next));

	switch (msr) {
	case NVMX_MSR_IA32_VMX_BASIC: {
		if ((v & BASIC_FIXED_MASK) != (base & BASIC_FIXED_MASK) ||
		    (v & (1ull << 31)) != 0 || (v & NVMX_BASIC_DUAL_MONITOR) != 0)
			return NVMX_STATUS_CAP_INCONSISTENT;
		uint64_t others = ~(BASIC_FIXED_MASK | BASIC_MAY_CLEAR | NVMX_BASIC_32BIT_PHYS);
		if ((v & others) != (base & others))
			return NVMX_STATUS_CAP_INCONSISTENT;
		if ((v & BASIC_MAY_CLEAR & ~base) != 0)
			return NVMX_STATUS_CAP_ADDS_FEATURE;
		/* Setting bit 48 restricts L1 to 32-bit VMX pointers: fewer features. */
		next[IDX(msr)] = v;
		break;
	}
	case NVMX_MSR_IA32_VMX_PINBASED_CTLS:
	case NVMX_MSR_IA32_VMX_PROCBASED_CTLS:
	case NVMX_MSR_IA32_VMX_EXIT_CTLS:
	case NVMX_MSR_IA32_VMX_ENTRY_CTLS: {
		NVMX_CHECK(check_ctl(base, v));
		if (((uint32_t)v & default1_of(msr)) != default1_of(msr))
			return NVMX_STATUS_CAP_INCONSISTENT;
		next[IDX(msr)] = v;
		/* The TRUE MSR reports the same allowed-1 settings (SDM A.3.2). */
		uint32_t tmsr = msr + (NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS -
		                       NVMX_MSR_IA32_VMX_PINBASED_CTLS);
		uint64_t t = next[IDX(tmsr)];
		uint32_t t0 = ((uint32_t)t | ((uint32_t)v & ~default1_of(msr))) & (uint32_t)(v >> 32);
		next[IDX(tmsr)] = (v & 0xffffffff00000000ull) | t0;
		break;
	}
	case NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS:
	case NVMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS:
	case NVMX_MSR_IA32_VMX_TRUE_EXIT_CTLS:
	case NVMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS: {
		NVMX_CHECK(check_ctl(base, v));
		uint32_t nmsr = msr - (NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS -
		                       NVMX_MSR_IA32_VMX_PINBASED_CTLS);
		uint32_t d1 = default1_of(nmsr);
		if ((d1 & ~(uint32_t)(v >> 32)) != 0)
			return NVMX_STATUS_CAP_INCONSISTENT;
		next[IDX(msr)] = v;
		next[IDX(nmsr)] = (v & 0xffffffff00000000ull) | ((uint32_t)v | d1);
		break;
	}
	case NVMX_MSR_IA32_VMX_PROCBASED_CTLS2:
		NVMX_CHECK(check_ctl(base, v));
		next[IDX(msr)] = v;
		break;
	case NVMX_MSR_IA32_VMX_MISC: {
		const uint64_t same = NVMX_MISC_TIMER_RATE_MASK | (0xffffffffull << 32);
		const uint64_t bits = NVMX_MISC_STORE_LMA | NVMX_MISC_ACTIVITY_HLT |
		                      NVMX_MISC_ACTIVITY_SHUTDOWN | NVMX_MISC_ACTIVITY_WAIT_SIPI |
		                      NVMX_MISC_PT_IN_VMX | NVMX_MISC_SMBASE_RDMSR |
		                      NVMX_MISC_SMM_VMXOFF | NVMX_MISC_VMWRITE_ANY |
		                      NVMX_MISC_ZERO_LEN_INJECT;
		const uint64_t known = same | bits | NVMX_MISC_CR3_TARGETS_MASK |
		                       NVMX_MISC_MAX_MSR_LIST_MASK;
		if ((v & same) != (base & same) || (v & ~known) != (base & ~known))
			return NVMX_STATUS_CAP_INCONSISTENT;
		if ((v & bits & ~base) != 0 ||
		    (v & NVMX_MISC_CR3_TARGETS_MASK) > (base & NVMX_MISC_CR3_TARGETS_MASK) ||
		    (v & NVMX_MISC_MAX_MSR_LIST_MASK) > (base & NVMX_MISC_MAX_MSR_LIST_MASK))
			return NVMX_STATUS_CAP_ADDS_FEATURE;
		next[IDX(msr)] = v;
		break;
	}
	case NVMX_MSR_IA32_VMX_CR0_FIXED0:
	case NVMX_MSR_IA32_VMX_CR4_FIXED0:
		/* More bits fixed to 1 is fewer choices for L1. */
		if ((base & ~v) != 0)
			return NVMX_STATUS_CAP_ADDS_FEATURE;
		if ((v & ~next[IDX(msr + 1)]) != 0)
			return NVMX_STATUS_CAP_INCONSISTENT;
		next[IDX(msr)] = v;
		break;
	case NVMX_MSR_IA32_VMX_CR0_FIXED1:
	case NVMX_MSR_IA32_VMX_CR4_FIXED1:
		if ((v & ~base) != 0)
			return NVMX_STATUS_CAP_ADDS_FEATURE;
		if ((next[IDX(msr - 1)] & ~v) != 0)
			return NVMX_STATUS_CAP_INCONSISTENT;
		next[IDX(msr)] = v;
		break;
	case NVMX_MSR_IA32_VMX_VMCS_ENUM:
		/* Derived from the fields offered; only its own value is accepted. */
		if (v != cur)
			return NVMX_STATUS_CAP_INCONSISTENT;
		return NVMX_STATUS_OK;
	case NVMX_MSR_IA32_VMX_EPT_VPID_CAP:
	case NVMX_MSR_IA32_VMX_VMFUNC:
	case NVMX_MSR_IA32_VMX_PROCBASED_CTLS3:
	case NVMX_MSR_IA32_VMX_EXIT_CTLS2:
		if ((v & ~base) != 0)
			return NVMX_STATUS_CAP_ADDS_FEATURE;
		next[IDX(msr)] = v;
		break;
	default:
		return NVMX_STATUS_CAP_UNKNOWN_MSR;
	}
	nvmx_memcpy(c->msr, next, sizeof(next));
	derive(c);
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_caps_set_maxphyaddr(struct nvmx_caps *c, uint8_t bits)
{
	if (bits > c->hw_maxphyaddr)
		return NVMX_STATUS_CAP_ADDS_FEATURE;
	if (bits < 32)
		return NVMX_STATUS_CAP_INCONSISTENT;
	c->maxphyaddr = bits;
	return NVMX_STATUS_OK;
}

static uint32_t true_of(const struct nvmx_caps *c, uint32_t msr)
{
	if (!(nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_BASIC) & NVMX_BASIC_TRUE_CTLS))
		return msr;
	switch (msr) {
	case NVMX_MSR_IA32_VMX_PINBASED_CTLS:
	case NVMX_MSR_IA32_VMX_PROCBASED_CTLS:
	case NVMX_MSR_IA32_VMX_EXIT_CTLS:
	case NVMX_MSR_IA32_VMX_ENTRY_CTLS:
		return msr + (NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS - NVMX_MSR_IA32_VMX_PINBASED_CTLS);
	default:
		return msr;
	}
}

uint32_t nvmx_caps_allowed1(const struct nvmx_caps *c, uint32_t msr)
{
	if (msr == NVMX_MSR_IA32_VMX_PROCBASED_CTLS2 &&
	    !nvmx_caps_has(c, NVMX_FEAT_SECONDARY))
		return 0;
	return (uint32_t)(nvmx_caps_msr(c, true_of(c, msr)) >> 32);
}

uint32_t nvmx_caps_allowed0(const struct nvmx_caps *c, uint32_t msr)
{
	return (uint32_t)nvmx_caps_msr(c, true_of(c, msr));
}

unsigned nvmx_caps_vmx_addr_width(const struct nvmx_caps *c)
{
	if (nvmx_caps_msr(c, NVMX_MSR_IA32_VMX_BASIC) & NVMX_BASIC_32BIT_PHYS)
		return 32;
	return c->maxphyaddr;
}

NVMX_EXPORT void nvmx_hw_caps_example(struct nvmx_hw_caps *hw)
{
	nvmx_memset(hw, 0, sizeof(*hw));
	uint64_t *m = hw->vmx_msr;
	m[IDX(NVMX_MSR_IA32_VMX_BASIC)] = 0x4ull | (0x1000ull << 32) | (6ull << 50) |
	                                  NVMX_BASIC_INOUT_INFO | NVMX_BASIC_TRUE_CTLS |
	                                  NVMX_BASIC_NO_HW_ERRCODE_CHECK;
	m[IDX(NVMX_MSR_IA32_VMX_PINBASED_CTLS)] = (0xffull << 32) | PIN_DEFAULT1;
	m[IDX(NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS)] = (0xffull << 32) | PIN_DEFAULT1;
	m[IDX(NVMX_MSR_IA32_VMX_PROCBASED_CTLS)] = (0xfffbfffeull << 32) | PROC_DEFAULT1;
	m[IDX(NVMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS)] = (0xfffbfffeull << 32) | 0x04006172u;
	uint64_t exit_a1 = EXIT_DEFAULT1 | NVMX_EXIT_CTL_SAVE_DEBUG_CONTROLS |
	                   NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE | NVMX_EXIT_CTL_LOAD_PERF_GLOBAL_CTRL |
	                   NVMX_EXIT_CTL_ACK_INTR_ON_EXIT | NVMX_EXIT_CTL_SAVE_PAT | NVMX_EXIT_CTL_LOAD_PAT |
	                   NVMX_EXIT_CTL_SAVE_EFER | NVMX_EXIT_CTL_LOAD_EFER |
	                   NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER | NVMX_EXIT_CTL_CLEAR_BNDCFGS |
	                   NVMX_EXIT_CTL_PT_CONCEAL | NVMX_EXIT_CTL_CLEAR_RTIT_CTL;
	m[IDX(NVMX_MSR_IA32_VMX_EXIT_CTLS)] = (exit_a1 << 32) | EXIT_DEFAULT1;
	m[IDX(NVMX_MSR_IA32_VMX_TRUE_EXIT_CTLS)] = (exit_a1 << 32) | 0x00036dfbu;
	uint64_t entry_a1 = ENTRY_DEFAULT1 | NVMX_ENTRY_CTL_LOAD_DEBUG_CONTROLS |
	                    NVMX_ENTRY_CTL_IA32E_MODE_GUEST | NVMX_ENTRY_CTL_ENTRY_TO_SMM |
	                    NVMX_ENTRY_CTL_DEACT_DUAL_MONITOR | NVMX_ENTRY_CTL_LOAD_PERF_GLOBAL_CTRL |
	                    NVMX_ENTRY_CTL_LOAD_PAT | NVMX_ENTRY_CTL_LOAD_EFER | NVMX_ENTRY_CTL_LOAD_BNDCFGS |
	                    NVMX_ENTRY_CTL_PT_CONCEAL | NVMX_ENTRY_CTL_LOAD_RTIT_CTL;
	m[IDX(NVMX_MSR_IA32_VMX_ENTRY_CTLS)] = (entry_a1 << 32) | ENTRY_DEFAULT1;
	m[IDX(NVMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS)] = (entry_a1 << 32) | 0x000011fbu;
	m[IDX(NVMX_MSR_IA32_VMX_MISC)] = 0x5ull | NVMX_MISC_STORE_LMA | NVMX_MISC_ACTIVITY_HLT |
	                                 NVMX_MISC_ACTIVITY_SHUTDOWN | NVMX_MISC_ACTIVITY_WAIT_SIPI |
	                                 NVMX_MISC_PT_IN_VMX | NVMX_MISC_SMBASE_RDMSR |
	                                 (4ull << NVMX_MISC_CR3_TARGETS_SHIFT) |
	                                 NVMX_MISC_SMM_VMXOFF | NVMX_MISC_VMWRITE_ANY |
	                                 NVMX_MISC_ZERO_LEN_INJECT;
	m[IDX(NVMX_MSR_IA32_VMX_CR0_FIXED0)] = 0x80000021ull;
	m[IDX(NVMX_MSR_IA32_VMX_CR0_FIXED1)] = 0xffffffffull;
	m[IDX(NVMX_MSR_IA32_VMX_CR4_FIXED0)] = 0x2000ull;
	m[IDX(NVMX_MSR_IA32_VMX_CR4_FIXED1)] = 0x7ffull | (1ull << 13) | (1ull << 14) |
	                                       (1ull << 16) | (1ull << 17) | (1ull << 18) |
	                                       (1ull << 20) | (1ull << 21) | (1ull << 22);
	m[IDX(NVMX_MSR_IA32_VMX_VMCS_ENUM)] = 0x2eull << 1;
	uint64_t p2 = 0x1fffffull | NVMX_PROC2_MODE_BASED_EPT_EXEC | NVMX_PROC2_TSC_SCALING |
	              NVMX_PROC2_USER_WAIT_PAUSE;
	m[IDX(NVMX_MSR_IA32_VMX_PROCBASED_CTLS2)] = p2 << 32;
	m[IDX(NVMX_MSR_IA32_VMX_EPT_VPID_CAP)] =
		NVMX_EPT_CAP_EXECUTE_ONLY | NVMX_EPT_CAP_PWL4 | NVMX_EPT_CAP_PWL5 |
		NVMX_EPT_CAP_MT_UC | NVMX_EPT_CAP_MT_WB | NVMX_EPT_CAP_2MB | NVMX_EPT_CAP_1GB |
		NVMX_EPT_CAP_INVEPT | NVMX_EPT_CAP_AD | NVMX_EPT_CAP_ADV_EXIT_INFO |
		NVMX_EPT_CAP_INVEPT_SINGLE | NVMX_EPT_CAP_INVEPT_ALL | NVMX_VPID_CAP_INVVPID |
		NVMX_VPID_CAP_INVVPID_ADDR | NVMX_VPID_CAP_INVVPID_SINGLE |
		NVMX_VPID_CAP_INVVPID_ALL | NVMX_VPID_CAP_INVVPID_SINGLE_NONGLOBAL;
	m[IDX(NVMX_MSR_IA32_VMX_VMFUNC)] = NVMX_VMFUNC_EPTP_SWITCHING;
	hw->maxphyaddr = 46;
	hw->la57 = false;
}
