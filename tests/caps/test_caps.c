/* SPDX-License-Identifier: MIT */
/*
 * The capability model (libnvmx/caps/caps.c) through the public API:
 * offered = hardware & library & policy (SDM appendix A), refusals, the
 * TRUE_* MSRs, MSRs that do not exist, IA32_VMX_VMCS_ENUM, field existence
 * and MAXPHYADDR.
 *
 * Expected values are written here from the SDM and from the example
 * hardware (restated below), never computed by the code under test.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <nvmx/nvmx.h>

/* ---- a minimal host: the capability calls use no memory callbacks ---- */

static enum nvmx_status h_gpa_read(void *h, uint64_t g, void *b, size_t l)
{ (void)h; (void)g; (void)b; (void)l; return NVMX_STATUS_NOT_MAPPED; }
static enum nvmx_status h_gpa_write(void *h, uint64_t g, const void *b, size_t l)
{ (void)h; (void)g; (void)b; (void)l; return NVMX_STATUS_NOT_MAPPED; }
static enum nvmx_status h_lin_read(void *h, uint64_t a, void *b, size_t l, struct nvmx_fault *f)
{ (void)h; (void)a; (void)b; (void)l; (void)f; return NVMX_STATUS_HOST_FAILURE; }
static enum nvmx_status h_lin_write(void *h, uint64_t a, const void *b, size_t l, struct nvmx_fault *f)
{ (void)h; (void)a; (void)b; (void)l; (void)f; return NVMX_STATUS_HOST_FAILURE; }
static uint64_t h_rd(void *h, uint32_t f) { (void)h; (void)f; return 0; }
static void h_wr(void *h, uint32_t f, uint64_t v) { (void)h; (void)f; (void)v; }
static uint64_t h_gpr(void *h, unsigned r) { (void)h; (void)r; return 0; }
static void h_set_gpr(void *h, unsigned r, uint64_t v) { (void)h; (void)r; (void)v; }
static enum nvmx_status h_msr(void *h, uint32_t m, uint64_t *v)
{ (void)h; (void)m; (void)v; return NVMX_STATUS_NOT_SUPPORTED; }
static enum nvmx_status h_to_hpa(void *h, uint64_t g, struct nvmx_l0_map *m)
{ (void)h; (void)g; (void)m; return NVMX_STATUS_NOT_MAPPED; }
static enum nvmx_status h_page_alloc(void *h, void **va, uint64_t *hpa)
{
	(void)h;
	void *p = aligned_alloc(4096, 4096);
	if (!p)
		return NVMX_STATUS_NO_MEMORY;
	memset(p, 0, 4096);
	*va = p;
	*hpa = (uint64_t)(uintptr_t)p;
	return NVMX_STATUS_OK;
}
static void h_page_free(void *h, void *va, uint64_t hpa) { (void)h; (void)hpa; free(va); }
static void *h_alloc(void *h, size_t s) { (void)h; return malloc(s ? s : 1); }
static void h_free(void *h, void *p, size_t s) { (void)h; (void)s; free(p); }
static void h_invept(void *h, uint32_t t, uint64_t e) { (void)h; (void)t; (void)e; }
static void h_invvpid(void *h, uint32_t t, uint16_t v, uint64_t a) { (void)h; (void)t; (void)v; (void)a; }

static const struct nvmx_host_ops ops = {
	.size = sizeof(struct nvmx_host_ops),
	.gpa_read = h_gpa_read, .gpa_write = h_gpa_write,
	.lin_read = h_lin_read, .lin_write = h_lin_write,
	.vmcs_read = h_rd, .vmcs_write = h_wr, .l1_read = h_rd, .l1_write = h_wr,
	.l1_gpr_read = h_gpr, .l1_gpr_write = h_set_gpr, .l1_msr_read = h_msr,
	.gpa_to_hpa = h_to_hpa, .page_alloc = h_page_alloc, .page_free = h_page_free,
	.alloc = h_alloc, .free = h_free, .hw_invept = h_invept, .hw_invvpid = h_invvpid,
};

/* ---- the example hardware (nvmx_hw_caps_example), restated ---- */

#define BASIC 0x480u
#define PIN 0x481u
#define PROC 0x482u
#define EXIT 0x483u
#define ENTRY 0x484u
#define MISC 0x485u
#define CR0F0 0x486u
#define CR0F1 0x487u
#define CR4F0 0x488u
#define CR4F1 0x489u
#define ENUM 0x48au
#define PROC2 0x48bu
#define EPTVPID 0x48cu
#define TPIN 0x48du
#define TPROC 0x48eu
#define TEXIT 0x48fu
#define TENTRY 0x490u
#define VMFUNC 0x491u
#define PROC3 0x492u
#define EXIT2 0x493u

/* IA32_VMX_PROCBASED_CTLS2 allowed-1 of the example part: bits 0-20, 22
 * (mode-based EPT execute), 25 (TSC scaling), 26 (user wait and pause). */
#define HW_PROC2_A1 0x065fffffull

static struct nvmx_vm *vm;

static void make_vm(const struct nvmx_hw_caps *hw)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	if (hw)
		cfg.hw = *hw;
	cr_assert_eq(nvmx_vm_create(&cfg, &ops, NULL, &vm), NVMX_STATUS_OK);
}

static void setup(void) { make_vm(NULL); }
static void teardown(void)
{
	if (vm)
		nvmx_vm_destroy(vm);
	vm = NULL;
}

static uint64_t cap(uint32_t msr)
{
	uint64_t v = 0xbadbadbadull;
	cr_assert_eq(nvmx_vm_get_cap(vm, msr, &v), NVMX_STATUS_OK, "MSR %#x does not read", msr);
	return v;
}

static void expect_cap(uint32_t msr, uint64_t want)
{
	uint64_t got = cap(msr);
	cr_expect_eq(got, want, "MSR %#x: got %#llx, want %#llx", msr, (unsigned long long)got,
	             (unsigned long long)want);
}

TestSuite(caps, .init = setup, .fini = teardown);
/* Other hardware: each test builds its own VM. */
TestSuite(caps_hw, .fini = teardown);

/* ---- offered = hardware & library ---- */

/* SDM A.1: revision 4, region size 4096 (bits 44:32), write-back memory
 * type 6 (bits 53:50), INS/OUTS information (54), TRUE controls (55), no
 * error-code consistency check (56). Dual-monitor (49) is never offered. */
Test(caps, basic_offers_revision_size_memtype_and_true_controls)
{
	expect_cap(BASIC, 0x01d8100000000004ull);
}

/* Pin-based: every control the part has (allowed-1 0xff); default1 bits
 * 1, 2, 4 must be 1 in the non-TRUE MSR (SDM A.3.1). */
Test(caps, pinbased_controls_are_the_hardware_ones)
{
	expect_cap(PIN, 0x000000ff00000016ull);
	expect_cap(TPIN, 0x000000ff00000016ull);
}

/* Primary controls: the part offers 0xfffbfffe; the library withholds
 * tertiary controls (bit 17). */
Test(caps, procbased_controls_lose_tertiary_controls)
{
	expect_cap(PROC, 0xfff9fffe0401e172ull);
	expect_cap(TPROC, 0xfff9fffe04006172ull);
}

/* Exit controls: the part offers bits 0-25; the library withholds Intel PT
 * (conceal, bit 24; clear IA32_RTIT_CTL, bit 25). */
Test(caps, exit_controls_lose_processor_trace)
{
	expect_cap(EXIT, 0x00ffffff00036dffull);
	expect_cap(TEXIT, 0x00ffffff00036dfbull);
}

/* Entry controls: the part offers bits 0-18; the library withholds entry to
 * SMM (10), dual-monitor deactivation (11), PT conceal (17) and load
 * IA32_RTIT_CTL (18). */
Test(caps, entry_controls_lose_smm_and_processor_trace)
{
	expect_cap(ENTRY, 0x0001f3ff000011ffull);
	expect_cap(TENTRY, 0x0001f3ff000011fbull);
}

/* MISC: timer rate 5, LMA store, HLT/shutdown/wait-for-SIPI, 4 CR3 targets,
 * VMWRITE to any field, zero-length injection kept; PT in VMX (14), SMBASE
 * RDMSR (15) and SMM VMXOFF blocking (28) withheld (SDM A.6). */
Test(caps, misc_keeps_activity_states_and_drops_smm_and_pt)
{
	expect_cap(MISC, 0x00000000600401e5ull);
}

Test(caps, cr_fixed_msrs_are_the_hardware_ones)
{
	expect_cap(CR0F0, 0x80000021ull);
	expect_cap(CR0F1, 0xffffffffull);
	expect_cap(CR4F0, 0x2000ull);
	expect_cap(CR4F1, 0x7767ffull);
}

/* Secondary controls: the part's 0x065fffff without VMCS shadowing (14) and
 * PT conceal (19); allowed-0 is all zero (SDM A.3.3). */
Test(caps, secondary_controls_lose_shadow_vmcs_and_pt)
{
	uint64_t v = cap(PROC2);
	cr_expect_eq(v, 0x0657bfff00000000ull, "got %#llx", (unsigned long long)v);
	cr_expect_eq((v >> 32) & (1u << 14), 0, "VMCS shadowing is not implemented");
	cr_expect_neq(HW_PROC2_A1 & (1u << 14), 0, "the hardware has it");
}

Test(caps, ept_vpid_and_vmfunc_are_the_hardware_ones)
{
	expect_cap(EPTVPID, 0x00000f01067341c1ull);
	expect_cap(VMFUNC, 0x1ull);
}

/* ---- MSRs that do not exist ---- */

Test(caps, tertiary_and_secondary_exit_msrs_do_not_exist)
{
	uint64_t v;
	cr_expect_eq(nvmx_vm_get_cap(vm, PROC3, &v), NVMX_STATUS_NOT_SUPPORTED);
	cr_expect_eq(nvmx_vm_get_cap(vm, EXIT2, &v), NVMX_STATUS_NOT_SUPPORTED);
}

Test(caps, other_msrs_are_unknown)
{
	uint64_t v;
	static const uint32_t msrs[] = { 0x10, 0x3a, 0x47f, 0x494, 0xc0000080u, 0xffffffffu };
	for (unsigned i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		cr_expect_eq(nvmx_vm_get_cap(vm, msrs[i], &v), NVMX_STATUS_CAP_UNKNOWN_MSR,
		             "MSR %#x", msrs[i]);
}

/* SDM A.3.3: IA32_VMX_PROCBASED_CTLS2 exists only if bit 63 of
 * IA32_VMX_PROCBASED_CTLS is 1; EPT_VPID_CAP and VMFUNC need the secondary
 * controls that enable them (A.10, A.11). */
Test(caps, taking_secondary_controls_away_removes_their_msrs)
{
	uint64_t v;
	cr_assert_eq(nvmx_vm_set_cap(vm, PROC, 0x7ff9fffe0401e172ull), NVMX_STATUS_OK);
	cr_expect_eq(nvmx_vm_get_cap(vm, PROC2, &v), NVMX_STATUS_NOT_SUPPORTED);
	cr_expect_eq(nvmx_vm_get_cap(vm, EPTVPID, &v), NVMX_STATUS_NOT_SUPPORTED);
	cr_expect_eq(nvmx_vm_get_cap(vm, VMFUNC, &v), NVMX_STATUS_NOT_SUPPORTED);
	/* The TRUE MSR follows: bit 63 is gone there too. */
	expect_cap(TPROC, 0x7ff9fffe04006172ull);
}

/* SDM A.1: without BASIC[55] the TRUE_* MSRs do not exist. */
Test(caps, clearing_basic_bit_55_removes_the_true_msrs)
{
	uint64_t v;
	cr_assert_eq(nvmx_vm_set_cap(vm, BASIC, 0x0158100000000004ull), NVMX_STATUS_OK);
	static const uint32_t t[] = { TPIN, TPROC, TEXIT, TENTRY };
	for (unsigned i = 0; i < 4; i++)
		cr_expect_eq(nvmx_vm_get_cap(vm, t[i], &v), NVMX_STATUS_NOT_SUPPORTED, "%#x", t[i]);
	expect_cap(PROC, 0xfff9fffe0401e172ull);
}

Test(caps_hw, without_true_controls_offers_no_true_msrs)
{
	struct nvmx_hw_caps hw;
	nvmx_hw_caps_example(&hw);
	hw.vmx_msr[BASIC - 0x480] &= ~(1ull << 55);
	make_vm(&hw);
	uint64_t v;
	cr_expect_eq(nvmx_vm_get_cap(vm, TPROC, &v), NVMX_STATUS_NOT_SUPPORTED);
	cr_expect_eq(nvmx_vm_get_cap(vm, BASIC, &v), NVMX_STATUS_OK);
	cr_expect_eq(v & (1ull << 55), 0);
}

/* ---- hardware limits what is offered ---- */

Test(caps_hw, lacking_a_feature_means_it_is_not_offered)
{
	struct nvmx_hw_caps hw;
	nvmx_hw_caps_example(&hw);
	hw.vmx_msr[PROC2 - 0x480] = (HW_PROC2_A1 & ~(1ull << 1)) << 32; /* no EPT */
	make_vm(&hw);
	cr_expect_eq(cap(PROC2), 0x0657bffd00000000ull);
	cr_expect_not(nvmx_vm_field_exists(vm, 0x201a), "EPT_POINTER needs EPT");
	/* Asking for EPT back adds a feature the host lacks. */
	cr_expect_eq(nvmx_vm_set_cap(vm, PROC2, 0x0657bfff00000000ull),
	             NVMX_STATUS_CAP_ADDS_FEATURE);
}

Test(caps_hw, without_a_revision_is_refused)
{
	struct nvmx_hw_caps hw;
	nvmx_hw_caps_example(&hw);
	hw.vmx_msr[0] &= ~0x7fffffffull;
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.hw = hw;
	cr_expect_neq(nvmx_vm_create(&cfg, &ops, NULL, &vm), NVMX_STATUS_OK);
	cr_expect_null(vm);
}

/* ---- policy: only taking away ---- */

Test(caps, policy_can_take_a_secondary_control_away)
{
	/* No VPID (bit 5). */
	cr_assert_eq(nvmx_vm_set_cap(vm, PROC2, 0x0657bfdf00000000ull), NVMX_STATUS_OK);
	expect_cap(PROC2, 0x0657bfdf00000000ull);
	cr_expect_not(nvmx_vm_field_exists(vm, 0x0000), "VIRTUAL_PROCESSOR_ID needs VPID");
}

struct refusal {
	uint32_t msr;
	uint64_t value;
	enum nvmx_status want;
};

static void expect_refused(const struct refusal *c)
{
	uint64_t before[20], after[20];
	bool exists[20];
	for (unsigned i = 0; i < 20; i++)
		exists[i] = nvmx_vm_get_cap(vm, 0x480 + i, &before[i]) == NVMX_STATUS_OK;
	cr_expect_eq(nvmx_vm_set_cap(vm, c->msr, c->value), c->want, "MSR %#x value %#llx",
	             c->msr, (unsigned long long)c->value);
	for (unsigned i = 0; i < 20; i++) {
		bool e = nvmx_vm_get_cap(vm, 0x480 + i, &after[i]) == NVMX_STATUS_OK;
		cr_expect_eq(e, exists[i], "existence of %#x changed", 0x480 + i);
		if (e && exists[i])
			cr_expect_eq(after[i], before[i], "MSR %#x changed after a refusal", 0x480 + i);
	}
}

Test(caps, adding_a_feature_is_refused_and_changes_nothing)
{
	static const struct refusal cases[] = {
		/* VMCS shadowing (bit 14): the hardware has it, the library not. */
		{ PROC2, 0x0657ffff00000000ull, NVMX_STATUS_CAP_ADDS_FEATURE },
		/* Tertiary controls (bit 49 of PROCBASED_CTLS). */
		{ PROC, 0xfffbfffe0401e172ull, NVMX_STATUS_CAP_ADDS_FEATURE },
		/* Fewer must-be-1 bits: bit 1 is default1 in the pin-based MSR. */
		{ PIN, 0x000000ff00000014ull, NVMX_STATUS_CAP_ADDS_FEATURE },
		/* Load IA32_RTIT_CTL on entry (bit 18): withheld by the library. */
		{ ENTRY, 0x0005f3ff000011ffull, NVMX_STATUS_CAP_ADDS_FEATURE },
		/* More CR3-target values (5 > 4) and PT in VMX operation (bit 14). */
		{ MISC, 0x00000000600501e5ull, NVMX_STATUS_CAP_ADDS_FEATURE },
		{ MISC, 0x00000000600441e5ull, NVMX_STATUS_CAP_ADDS_FEATURE },
		/* EPT supervisor shadow stacks (bit 23 of EPT_VPID_CAP). */
		{ EPTVPID, 0x00000f0106b341c1ull, NVMX_STATUS_CAP_ADDS_FEATURE },
		/* A VM function the library lacks. */
		{ VMFUNC, 0x3ull, NVMX_STATUS_CAP_ADDS_FEATURE },
		/* CR0.PE allowed to be 0, and CR4 bit 23 allowed to be 1. */
		{ CR0F0, 0x80000020ull, NVMX_STATUS_CAP_ADDS_FEATURE },
		{ CR4F1, 0xf767ffull, NVMX_STATUS_CAP_ADDS_FEATURE },
		/* Dual-monitor treatment would be a new feature, refused as a
		 * contradiction of the fixed BASIC bits. */
		{ BASIC, 0x01da100000000004ull, NVMX_STATUS_CAP_INCONSISTENT },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_refused(&cases[i]);
}

Test(caps, inconsistent_values_are_refused_and_change_nothing)
{
	static const struct refusal cases[] = {
		/* Another revision identifier (SDM A.1: bits 30:0). */
		{ BASIC, 0x01d8100000000005ull, NVMX_STATUS_CAP_INCONSISTENT },
		/* Bit 31 of BASIC is always 0. */
		{ BASIC, 0x01d8100080000004ull, NVMX_STATUS_CAP_INCONSISTENT },
		/* Another VMCS region size. */
		{ BASIC, 0x01d8200000000004ull, NVMX_STATUS_CAP_INCONSISTENT },
		/* A bit required to be 1 (allowed-0) but not allowed to be 1:
		 * bit 2 of the pin-based controls, default1, taken from allowed-1. */
		{ PIN, 0x000000fb00000016ull, NVMX_STATUS_CAP_INCONSISTENT },
		/* Must-be-1 bit 0 of PROCBASED_CTLS (not allowed-1 on this part). */
		{ PROC, 0xfff9fffe0401e173ull, NVMX_STATUS_CAP_INCONSISTENT },
		/* A TRUE MSR may report default1 bits as allowed-0 = 0 (CR3-load
		 * exiting, bit 15, on this part), but taking them from allowed-1
		 * contradicts the non-TRUE MSR, where they must be 1 (SDM A.2). */
		{ TPROC, 0xfff97ffe04006172ull, NVMX_STATUS_CAP_INCONSISTENT },
		/* Same bit removed while the TRUE MSR still requires it. */
		{ TPIN, 0x000000fd00000016ull, NVMX_STATUS_CAP_INCONSISTENT },
		/* VMCS_ENUM is derived: only its own value is accepted. */
		{ ENUM, 0x30ull, NVMX_STATUS_CAP_INCONSISTENT },
		/* The preemption-timer rate is a fact of the part (MISC[4:0]). */
		{ MISC, 0x00000000600401e4ull, NVMX_STATUS_CAP_INCONSISTENT },
		/* FIXED0 with a bit FIXED1 does not allow (bit 32). */
		{ CR0F0, 0x180000021ull, NVMX_STATUS_CAP_INCONSISTENT },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_refused(&cases[i]);
}

Test(caps, fixed0_outside_fixed1_is_inconsistent)
{
	/* First take CR0.MP (bit 1) away from FIXED1, then ask FIXED0 to force it. */
	cr_assert_eq(nvmx_vm_set_cap(vm, CR0F1, 0xfffffffdull), NVMX_STATUS_OK);
	struct refusal c = { CR0F0, 0x80000023ull, NVMX_STATUS_CAP_INCONSISTENT };
	expect_refused(&c);
	/* Forcing a bit FIXED1 allows is taking a choice away: accepted. */
	cr_expect_eq(nvmx_vm_set_cap(vm, CR0F0, 0x80000031ull), NVMX_STATUS_OK);
	expect_cap(CR0F0, 0x80000031ull);
}

Test(caps, vmcs_enum_accepts_its_own_value)
{
	cr_expect_eq(nvmx_vm_set_cap(vm, ENUM, 0x32), NVMX_STATUS_OK);
}

/* ---- TRUE_* MSRs follow the non-TRUE ones (SDM A.3.1, A.3.2) ---- */

Test(caps, true_msr_loses_the_allowed1_bits_the_policy_takes)
{
	/* No HLT exiting (bit 7) allowed. */
	cr_assert_eq(nvmx_vm_set_cap(vm, PROC, 0xfff9ff7e0401e172ull), NVMX_STATUS_OK);
	expect_cap(PROC, 0xfff9ff7e0401e172ull);
	expect_cap(TPROC, 0xfff9ff7e04006172ull);
}

Test(caps, true_msr_gains_the_must_be_1_bits_the_policy_adds)
{
	/* External-interrupt exiting (bit 0) made mandatory. */
	cr_assert_eq(nvmx_vm_set_cap(vm, PIN, 0x000000ff00000017ull), NVMX_STATUS_OK);
	expect_cap(TPIN, 0x000000ff00000017ull);
}

Test(caps, non_true_msr_follows_a_true_policy_and_keeps_default1)
{
	/* Interrupt-window exiting (bit 2) made mandatory in the TRUE MSR. */
	cr_assert_eq(nvmx_vm_set_cap(vm, TPROC, 0xfff9fffe04006176ull), NVMX_STATUS_OK);
	expect_cap(TPROC, 0xfff9fffe04006176ull);
	expect_cap(PROC, 0xfff9fffe0401e176ull);
}

/* ---- VMCS_ENUM: highest index offered (SDM A.9, appendix B) ---- */

/* TSC_MULTIPLIER, encoding 00002032H (B.2.1), has index 25 = 0x19; no
 * offered field has a higher index. */
Test(caps, vmcs_enum_is_the_tsc_multiplier_index)
{
	expect_cap(ENUM, 0x19ull << 1);
}

/* Without TSC scaling, VMX_PREEMPTION_TIMER_VALUE (0000482EH, B.3.3) and
 * ENCLS_EXITING_BITMAP (0000202EH) have the highest index, 23 = 0x17. */
Test(caps, vmcs_enum_drops_with_tsc_scaling)
{
	cr_assert_eq(nvmx_vm_set_cap(vm, PROC2, 0x0457bfff00000000ull), NVMX_STATUS_OK);
	expect_cap(ENUM, 0x17ull << 1);
}

/* Without secondary controls and the preemption timer, GUEST_SYSENTER_CS
 * (0000482AH, index 21 = 0x15) is the highest. */
Test(caps, vmcs_enum_without_secondary_and_timer_is_sysenter_cs)
{
	cr_assert_eq(nvmx_vm_set_cap(vm, PROC, 0x7ff9fffe0401e172ull), NVMX_STATUS_OK);
	expect_cap(ENUM, 0x17ull << 1);
	cr_assert_eq(nvmx_vm_set_cap(vm, PIN, 0x000000bf00000016ull), NVMX_STATUS_OK);
	expect_cap(ENUM, 0x15ull << 1);
}

/* ---- field existence follows features ---- */

Test(caps, fields_exist_with_their_features)
{
	cr_expect(nvmx_vm_field_exists(vm, 0x681e), "GUEST_RIP always exists");
	cr_expect(nvmx_vm_field_exists(vm, 0x201a), "EPT_POINTER with EPT");
	cr_expect(nvmx_vm_field_exists(vm, 0x201b), "EPT_POINTER high half");
	cr_expect(nvmx_vm_field_exists(vm, 0x2032), "TSC_MULTIPLIER with TSC scaling");
	cr_expect(nvmx_vm_field_exists(vm, 0x482e), "preemption timer value");
	cr_expect(nvmx_vm_field_exists(vm, 0x0000), "VPID");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x2026), "VMREAD_BITMAP: no VMCS shadowing");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x2030), "SPP_TABLE_POINTER: no SPP");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x2034), "tertiary controls withheld");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x203c), "SHARED_EPT_POINTER never");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x2814), "GUEST_IA32_RTIT_CTL: no PT");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x682a), "GUEST_SSP: no CET on this part");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x4003), "high access of a 32-bit field");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x1000), "reserved bit 12");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x100004000ull), "bits 63:32 set");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x4026), "no field with that index");
}

Test(caps, fields_vanish_when_policy_takes_their_feature)
{
	/* EPT (bit 1) and TSC scaling (bit 25) taken from the secondary controls. */
	cr_assert_eq(nvmx_vm_set_cap(vm, PROC2, 0x0457bffd00000000ull), NVMX_STATUS_OK);
	cr_expect_not(nvmx_vm_field_exists(vm, 0x201a), "EPT_POINTER");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x2400), "GUEST_PHYSICAL_ADDRESS");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x280a), "GUEST_PDPTR0");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x2032), "TSC_MULTIPLIER");
	cr_expect(nvmx_vm_field_exists(vm, 0x0000), "VPID stays");
	/* Secondary controls gone: the secondary control field itself goes. */
	cr_assert_eq(nvmx_vm_set_cap(vm, PROC, 0x7ff9fffe0401e172ull), NVMX_STATUS_OK);
	cr_expect_not(nvmx_vm_field_exists(vm, 0x401e), "SECONDARY_VM_EXEC_CONTROL");
	cr_expect_not(nvmx_vm_field_exists(vm, 0x0000), "VPID needs secondary controls");
	/* And the preemption timer with its pin-based control. */
	cr_assert_eq(nvmx_vm_set_cap(vm, PIN, 0x000000bf00000016ull), NVMX_STATUS_OK);
	cr_expect_not(nvmx_vm_field_exists(vm, 0x482e), "VMX_PREEMPTION_TIMER_VALUE");
}

/* ---- MAXPHYADDR only shrinks ---- */

Test(caps, maxphyaddr_is_the_hardware_width)
{
	cr_expect_eq(nvmx_vm_maxphyaddr(vm), 46);
}

Test(caps, maxphyaddr_may_shrink)
{
	cr_expect_eq(nvmx_vm_set_maxphyaddr(vm, 39), NVMX_STATUS_OK);
	cr_expect_eq(nvmx_vm_maxphyaddr(vm), 39);
	cr_expect_eq(nvmx_vm_set_maxphyaddr(vm, 36), NVMX_STATUS_OK);
	cr_expect_eq(nvmx_vm_maxphyaddr(vm), 36);
}

Test(caps, maxphyaddr_may_not_grow_beyond_the_hardware)
{
	cr_expect_eq(nvmx_vm_set_maxphyaddr(vm, 47), NVMX_STATUS_CAP_ADDS_FEATURE);
	cr_expect_eq(nvmx_vm_set_maxphyaddr(vm, 52), NVMX_STATUS_CAP_ADDS_FEATURE);
	cr_expect_eq(nvmx_vm_maxphyaddr(vm), 46);
}

Test(caps, maxphyaddr_below_32_is_refused)
{
	cr_expect_neq(nvmx_vm_set_maxphyaddr(vm, 0), NVMX_STATUS_OK);
	cr_expect_neq(nvmx_vm_set_maxphyaddr(vm, 31), NVMX_STATUS_OK);
	cr_expect_eq(nvmx_vm_maxphyaddr(vm), 46);
}

Test(caps_hw, maxphyaddr_zero_means_46)
{
	struct nvmx_hw_caps hw;
	nvmx_hw_caps_example(&hw);
	hw.maxphyaddr = 0;
	make_vm(&hw);
	cr_expect_eq(nvmx_vm_maxphyaddr(vm), 46);
}

Test(caps_hw, maxphyaddr_39_is_the_limit_for_l1)
{
	struct nvmx_hw_caps hw;
	nvmx_hw_caps_example(&hw);
	hw.maxphyaddr = 39;
	make_vm(&hw);
	cr_expect_eq(nvmx_vm_maxphyaddr(vm), 39);
	cr_expect_eq(nvmx_vm_set_maxphyaddr(vm, 40), NVMX_STATUS_CAP_ADDS_FEATURE);
}
