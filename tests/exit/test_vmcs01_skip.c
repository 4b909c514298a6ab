/* SPDX-License-Identifier: MIT */
/*
 * Fewer VMCS01 writes per reflected exit (NVMX_L1_SKIP_UNCHANGED): the
 * writes of L1's host state (SDM 28.5) the library skips are provably
 * redundant. Every test runs with NVMX_L1_VERIFY_SKIPS: the reference host
 * gets each skipped field flagged and checks that VMCS01 holds its value
 * already, i.e. that VMCS01 equals a full load field by field.
 *
 * Expected counts come from the SDM, not from the library: the fields of
 * the host-state load (28.5: 51 for a 64-bit host with "load IA32_EFER"
 * clear) minus those VMCS01 provably holds, listed per test.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "refhost.h"
#include "core.h"
#include "entry/entry.h"
#include "rt_baseline.h"

#define VMCS12_GPA 0x10000ull
#define FULL_LOAD 51u

struct sk {
	struct refhost h;
	struct nvmx_vcpu *v;
	struct nvmx_vmcs12 *s;
	struct nvmx_result res;
	uint8_t bm[4096];               /* VMCS01's MSR bitmap */
};

/* VMCS01's MSR bitmap of a KVM-like L0: every WRMSR exits except the MSRs
 * KVM passes through to its guest (FS/GS bases, KERNEL_GS_BASE, the
 * SYSENTER MSRs, SPEC_CTRL, PRED_CMD). SDM 25.6.9 layout. */
static void kvm_like_bitmap(uint8_t *bm, bool sysenter_passthrough)
{
	memset(bm, 0xff, 4096);
	static const uint32_t low[] = { 0x48, 0x49, 0x174, 0x175, 0x176 };
	for (unsigned i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
		if (!sysenter_passthrough && low[i] >= 0x174)
			continue;
		bm[2048 + low[i] / 8] &= (uint8_t)~(1u << (low[i] % 8));
	}
	for (uint32_t m = 0x100; m <= 0x102; m++)
		bm[3072 + m / 8] &= (uint8_t)~(1u << (m % 8));
}

static void sk_policy(struct sk *t, uint32_t flags, bool sysenter_passthrough)
{
	struct nvmx_l0_policy p;
	nvmx_l0_policy_default(&p);
	kvm_like_bitmap(t->bm, sysenter_passthrough);
	p.l1_flags = flags;
	/* KVM's L1 masks: CR0 all but TS, CR4 all but the bits KVM lets a
	 * guest own (TSD, PVI, DE, PGE, PCE, OSFXSR, OSXMMEXCPT, FSGSBASE). */
	p.l1_cr0_mask = ~(uint64_t)0x8u; /* TS, bit 3 (SDM 2.5) */
	p.l1_cr4_mask = ~(uint64_t)(0x2u | 0x4u | 0x8u | 0x80u | 0x100u | 0x200u | 0x400u |
	                            0x10000u);
	p.l1_msr_bitmap = t->bm;
	cr_assert_eq(nvmx_vcpu_set_l0_policy(t->v, &p), NVMX_STATUS_OK);
}

/* L1 in VMX operation with a launchable VMCS12 (rt_baseline.h), L2 entered
 * by the host (nvmx_entry_enter: no L1 instruction read L1's registers). */
static void sk_init(struct sk *t, uint32_t flags)
{
	memset(t, 0, sizeof(*t));
	cr_assert_eq(refhost_init(&t->h, 4u << 20, NULL), NVMX_STATUS_OK);
	t->v = t->h.vcpu;
	t->v->vmxon = true;
	t->v->vmxon_ptr = 0x1000;
	cr_assert_eq(nvmx_vmcs12_load(t->v, VMCS12_GPA, &t->s), NVMX_STATUS_OK);
	t->v->cur = t->s;
	t->v->current_vmptr = VMCS12_GPA;
	rt_vmcs12_baseline(t->h.vm, t->s);
	if (flags)
		sk_policy(t, flags, true);
	cr_assert_eq(nvmx_entry_enter(t->v, true, &t->res), NVMX_STATUS_OK);
	cr_assert_eq(t->res.outcome, NVMX_OUTCOME_L2_ENTERED, "reason %d", t->res.reason);
}

/* L2's CPUID reflected to L1: the VMCS01 writes it made. */
static uint64_t sk_exit(struct sk *t)
{
	struct nvmx_l2_exit e;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.exit_reason = NVMX_EXIT_REASON_CPUID;
	e.insn_len = 2;
	uint64_t w0 = t->h.l1_writes;
	cr_assert_eq(nvmx_vcpu_handle_exit(t->v, &e, &t->res), NVMX_STATUS_OK);
	cr_assert_eq(t->res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	return t->h.l1_writes - w0;
}

/* L1's VMRESUME, as the host presents the instruction. */
static void sk_vmresume(struct sk *t)
{
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMRESUME };
	cr_assert_eq(refhost_exec(&t->h, &in, &t->res), NVMX_STATUS_OK);
	cr_assert_eq(t->res.outcome, NVMX_OUTCOME_L2_ENTERED, "reason %d", t->res.reason);
}

#define L1(t, name) refhost_l1_get(&(t)->h, NVMX_F_##name)
#define HOST(t, name) ((t)->s->f[NVMX_IDX_##name])

Test(vmcs01_skip, off_by_default_every_exit_writes_the_full_load)
{
	struct sk t;
	sk_init(&t, 0);
	for (int i = 0; i < 3; i++) {
		cr_expect_eq(sk_exit(&t), FULL_LOAD);
		sk_vmresume(&t);
	}
	cr_expect_eq(t.v->stats.l1_writes_skipped, 0);
	cr_expect_eq(t.h.l1_skips_checked, 0);
	refhost_fini(&t.h);
}

/*
 * KVM-like L0 (MOV-DR exiting, MSR bitmap above, KVM's CR masks, EPT so no
 * CR3-load exiting, no descriptor-table exiting). After a VMRESUME of L1,
 * VMCS01 provably holds: CR0, EFER, RFLAGS, CS and SS access rights and
 * interruptibility (read by VMRESUME, L1 not run since), the activity
 * state (active: L1 executed VMRESUME, SDM 28.3.4), DR7 (MOV-DR exiting,
 * 26.1.3), IA32_DEBUGCTL (WRMSR exits): 9 fields. The other 42 are written.
 */
Test(vmcs01_skip, kvm_like_policy_writes_42_of_51_and_every_skip_is_redundant)
{
	struct sk t;
	sk_init(&t, NVMX_L1_SKIP_UNCHANGED | NVMX_L1_VERIFY_SKIPS | NVMX_L1_MOV_DR_EXITING);
	cr_expect_eq(sk_exit(&t), FULL_LOAD, "nothing known after a host-made entry");
	for (int i = 0; i < 4; i++) {
		sk_vmresume(&t);
		cr_expect_eq(sk_exit(&t), FULL_LOAD - 9u, "round trip %d", i);
	}
	cr_expect_eq(t.h.l1_skips_checked, 4u * 9u);
	cr_expect_eq(t.h.l1_skips_wrong, 0, "field %#x", t.h.l1_skip_wrong_field);
	cr_expect_eq(t.v->stats.l1_writes_skipped, 4u * 9u);
	refhost_fini(&t.h);
}

/*
 * Adding descriptor-table exiting keeps GDTR and IDTR (base, limit), TR
 * (4 fields) and the LDTR selector (LGDT, LIDT, LTR, LLDT exit, 26.1.3):
 * 9 more; intercepting the SYSENTER MSRs 3 more (WRMSR exits); CR3-load
 * exiting with no CR3-target value 1 more: 51 - 9 - 9 - 3 - 1 = 29.
 */
Test(vmcs01_skip, descriptor_table_cr3_and_sysenter_intercepts_keep_more)
{
	struct sk t;
	sk_init(&t, NVMX_L1_SKIP_UNCHANGED | NVMX_L1_VERIFY_SKIPS | NVMX_L1_MOV_DR_EXITING |
	                    NVMX_L1_DESC_TABLE_EXITING);
	(void)sk_exit(&t);
	sk_vmresume(&t);
	cr_expect_eq(sk_exit(&t), FULL_LOAD - 18u);
	sk_policy(&t, NVMX_L1_SKIP_UNCHANGED | NVMX_L1_VERIFY_SKIPS | NVMX_L1_MOV_DR_EXITING |
	                      NVMX_L1_DESC_TABLE_EXITING | NVMX_L1_CR3_LOAD_EXITING, false);
	sk_vmresume(&t);
	uint64_t w = sk_exit(&t);
	cr_expect_eq(w, FULL_LOAD - 7u, "a policy change forgets VMCS01 but what VMRESUME read: %llu", (unsigned long long)w);
	sk_vmresume(&t);
	cr_expect_eq(sk_exit(&t), FULL_LOAD - 22u);
	cr_expect_eq(t.h.l1_skips_wrong, 0, "field %#x", t.h.l1_skip_wrong_field);
	refhost_fini(&t.h);
}

/* What L1 changes without an exit (MOV to DS, WRGSBASE, MOV to CR3 without
 * CR3-load exiting, a guest-owned CR4 bit, WRMSR of a passed-through
 * SYSENTER MSR, a far jump to another CS, POPF, STI) is written again: the
 * next exit loads SDM 28.5's values. */
Test(vmcs01_skip, what_l1_changes_without_an_exit_is_written_again)
{
	struct sk t;
	sk_init(&t, NVMX_L1_SKIP_UNCHANGED | NVMX_L1_VERIFY_SKIPS | NVMX_L1_MOV_DR_EXITING |
	                    NVMX_L1_DESC_TABLE_EXITING);
	(void)sk_exit(&t);
	refhost_l1_set(&t.h, NVMX_F_GUEST_DS_SELECTOR, 0x2b);
	refhost_l1_set(&t.h, NVMX_F_GUEST_GS_BASE, 0x7fff00001000ull);
	refhost_l1_set(&t.h, NVMX_F_GUEST_CR3, 0x9000);
	refhost_l1_set(&t.h, NVMX_F_GUEST_CR4, L1(&t, GUEST_CR4) ^ 0x80u);
	refhost_l1_set(&t.h, NVMX_F_GUEST_SYSENTER_ESP, 0x1234);
	refhost_l1_set(&t.h, NVMX_F_GUEST_CS_SELECTOR, 0x33);
	refhost_l1_set(&t.h, NVMX_F_GUEST_RFLAGS, 0x246);
	sk_vmresume(&t);
	(void)sk_exit(&t);
	cr_expect_eq(t.h.l1_skips_wrong, 0, "field %#x", t.h.l1_skip_wrong_field);
	cr_expect_eq(L1(&t, GUEST_DS_SELECTOR), HOST(&t, HOST_DS_SELECTOR));
	cr_expect_eq(L1(&t, GUEST_GS_BASE), HOST(&t, HOST_GS_BASE));
	cr_expect_eq(L1(&t, GUEST_CR3), HOST(&t, HOST_CR3));
	cr_expect_eq(L1(&t, GUEST_SYSENTER_ESP), HOST(&t, HOST_IA32_SYSENTER_ESP));
	cr_expect_eq(L1(&t, GUEST_CS_SELECTOR), HOST(&t, HOST_CS_SELECTOR));
	cr_expect_eq(L1(&t, GUEST_RFLAGS), 2, "RFLAGS cleared but bit 1 (28.5.3)");
	refhost_fini(&t.h);
}

/* The checker works: a DR7 L0 changed behind the library's back (its MOV-DR
 * handler without nvmx_vcpu_l1_state_changed) is a wrong skip the reference
 * host sees; with the notification the field is written again. */
Test(vmcs01_skip, an_unreported_l0_write_is_caught_and_a_reported_one_rewritten)
{
	struct sk t;
	sk_init(&t, NVMX_L1_SKIP_UNCHANGED | NVMX_L1_VERIFY_SKIPS | NVMX_L1_MOV_DR_EXITING);
	(void)sk_exit(&t);
	refhost_l1_set(&t.h, NVMX_F_GUEST_DR7, 0x401);
	sk_vmresume(&t);
	(void)sk_exit(&t);
	cr_expect_eq(t.h.l1_skips_wrong, 1);
	cr_expect_eq(t.h.l1_skip_wrong_field, NVMX_F_GUEST_DR7);

	t.h.l1_skips_wrong = 0;
	refhost_l1_set(&t.h, NVMX_F_GUEST_DR7, 0x401);
	nvmx_vcpu_l1_state_changed(t.v);
	sk_vmresume(&t);
	uint64_t w = sk_exit(&t);
	/* CR0, EFER, RFLAGS, CS and SS access rights, interruptibility, activity. */
	cr_expect_eq(w, FULL_LOAD - 7u, "only what VMRESUME read stays known: %llu", (unsigned long long)w);
	cr_expect_eq(t.h.l1_skips_wrong, 0);
	cr_expect_eq(L1(&t, GUEST_DR7), 0x400, "SDM 28.5.1");
	refhost_fini(&t.h);
}

/* A VMRESUME that fails leaves L1 running: what it read is no longer known. */
Test(vmcs01_skip, vmresume_that_fails_leaves_nothing_read_known)
{
	struct sk t;
	sk_init(&t, NVMX_L1_SKIP_UNCHANGED | NVMX_L1_VERIFY_SKIPS);
	(void)sk_exit(&t);
	/* VMRESUME with blocking by MOV SS: VMfailValid (SDM 31.3), L1 runs on
	 * and may change RFLAGS before the next VMRESUME. */
	refhost_l1_set(&t.h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 2);
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMRESUME };
	cr_assert_eq(refhost_exec(&t.h, &in, &t.res), NVMX_STATUS_OK);
	cr_assert_eq(t.res.outcome, NVMX_OUTCOME_VMFAIL_VALID);
	cr_expect_eq(t.v->exit.l1k_snap, 0);
	refhost_l1_set(&t.h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 0);
	refhost_l1_set(&t.h, NVMX_F_GUEST_RFLAGS, 0x202);
	cr_assert_eq(nvmx_entry_enter(t.v, false, &t.res), NVMX_STATUS_OK);
	cr_assert_eq(t.res.outcome, NVMX_OUTCOME_L2_ENTERED);
	(void)sk_exit(&t);
	cr_expect_eq(t.h.l1_skips_wrong, 0, "field %#x", t.h.l1_skip_wrong_field);
	cr_expect_eq(L1(&t, GUEST_RFLAGS), 2);
	refhost_fini(&t.h);
}

Test(vmcs01_skip, policy_with_unknown_l1_flags_or_reserved_is_refused_and_changes_nothing)
{
	struct sk t;
	sk_init(&t, 0);
	struct nvmx_l0_policy p;
	nvmx_l0_policy_default(&p);
	p.l1_flags = 1u << 5;
	cr_expect_eq(nvmx_vcpu_set_l0_policy(t.v, &p), NVMX_STATUS_INVALID_ARGUMENT);
	p.l1_flags = NVMX_L1_SKIP_UNCHANGED;
	p.l1_reserved = 1;
	cr_expect_eq(nvmx_vcpu_set_l0_policy(t.v, &p), NVMX_STATUS_INVALID_ARGUMENT);
	cr_expect_eq(t.v->entry.pol.l1_flags, 0);
	/* A host built before the l1_* members passes the first layout's size:
	 * accepted, with nothing skipped. */
	nvmx_l0_policy_default(&p);
	p.size = (uint32_t)offsetof(struct nvmx_l0_policy, l1_flags);
	cr_expect_eq(nvmx_vcpu_set_l0_policy(t.v, &p), NVMX_STATUS_OK);
	cr_expect_eq(t.v->entry.pol.l1_flags, 0);
	cr_expect_eq(sk_exit(&t), FULL_LOAD);
	refhost_fini(&t.h);
}

/* The same L1 and L2 on two vCPUs, one under the default policy (the full
 * load at every exit), one skipping without verification: after every
 * exit their VMCS01 host-state fields are equal, field by field, while L1
 * changes what it may change without an exit in between. */
Test(vmcs01_skip, skipping_without_verification_equals_a_full_load_field_by_field)
{
	static struct sk full, skip;
	sk_init(&full, 0);
	sk_init(&skip, NVMX_L1_SKIP_UNCHANGED | NVMX_L1_MOV_DR_EXITING |
	                       NVMX_L1_DESC_TABLE_EXITING);
	static const struct { uint32_t field; uint64_t value; } l1_does[] = {
		{ NVMX_F_GUEST_DS_SELECTOR, 0x2b }, { NVMX_F_GUEST_FS_BASE, 0x7f0000001000ull },
		{ NVMX_F_GUEST_CR3, 0x8000 }, { NVMX_F_GUEST_RFLAGS, 0x246 },
		{ NVMX_F_GUEST_SYSENTER_EIP, 0x4321 }, { NVMX_F_GUEST_SS_SELECTOR, 0 },
		{ NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 1 }, { NVMX_F_GUEST_RSP, 0x1000 },
	};
	for (unsigned i = 0; i < 2 * NVMX_ARRAY_SIZE(l1_does); i++) {
		uint64_t wf = sk_exit(&full), ws = sk_exit(&skip);
		cr_expect_eq(wf, FULL_LOAD);
		cr_expect_leq(ws, wf);
		for (unsigned j = 0; j < full.v->exit.hs_n; j++) {
			uint32_t f = full.v->exit.hs[j].field;
			cr_expect_eq(refhost_l1_get(&skip.h, f), refhost_l1_get(&full.h, f),
			             "exit %u, field %#x", i, f);
		}
		/* L1 runs its exit handler: one change without an exit. */
		if (i < NVMX_ARRAY_SIZE(l1_does)) {
			refhost_l1_set(&full.h, l1_does[i].field, l1_does[i].value);
			refhost_l1_set(&skip.h, l1_does[i].field, l1_does[i].value);
		}
		/* VMRESUME with STI blocking is allowed (only MOV-SS blocking
		 * fails, SDM 31.3). */
		sk_vmresume(&full);
		sk_vmresume(&skip);
	}
	cr_expect_gt(skip.v->stats.l1_writes_skipped, 0);
	refhost_fini(&full.h);
	refhost_fini(&skip.h);
}

/* A nested-state restore: the host restored VMCS01 itself (nvmx/state.h),
 * so nothing of it is known and the next exit writes the full load, even
 * of the fields the VMRESUME before the save had read. A RESET likewise. */
#include <nvmx/state.h>
Test(vmcs01_skip, a_nested_state_restore_and_a_reset_forget_vmcs01)
{
	struct sk t;
	sk_init(&t, NVMX_L1_SKIP_UNCHANGED | NVMX_L1_VERIFY_SKIPS | NVMX_L1_MOV_DR_EXITING);
	(void)sk_exit(&t);
	sk_vmresume(&t);
	cr_assert_neq(t.v->exit.l1k_snap, 0, "VMRESUME read L1's registers");
	/* The fixture made VMCS12 current without VMPTRLD: give it the
	 * revision identifier VMPTRLD would have checked (SDM 31.3). */
	uint32_t rev = (uint32_t)nvmx_caps_msr(&t.v->vm->caps, NVMX_MSR_IA32_VMX_BASIC) & 0x7fffffffu;
	refhost_mem_w32(&t.h, VMCS12_GPA, rev);
	t.s->revision = rev;
	size_t cap = 0, len = 0;
	cr_assert_eq(nvmx_vcpu_state_size(t.v, 0, &cap), NVMX_STATUS_OK);
	void *blob = malloc(cap);
	cr_assert_eq(nvmx_vcpu_save(t.v, 0, blob, cap, &len), NVMX_STATUS_OK);
	struct nvmx_state_refusal why;
	enum nvmx_status rst = nvmx_vcpu_restore(t.v, blob, len, &why);
	cr_assert_eq(rst, NVMX_STATUS_OK, "status %d reason %#x field %#x", rst, why.reason, why.field);
	free(blob);
	cr_expect_eq(t.v->exit.l1k_known | t.v->exit.l1k_snap, 0);
	cr_expect_eq(sk_exit(&t), FULL_LOAD);
	cr_expect_eq(t.h.l1_skips_wrong, 0);
	sk_vmresume(&t);
	cr_expect_eq(sk_exit(&t), FULL_LOAD - 9u, "known again after a full load");
	nvmx_vcpu_reset(t.v);
	cr_expect_eq(t.v->exit.l1k_known | t.v->exit.l1k_snap, 0, "SDM: RESET, the host reloads L1");
	refhost_fini(&t.h);
}
