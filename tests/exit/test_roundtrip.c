/* SPDX-License-Identifier: MIT */
/*
 * Full nested round trips (L2 exit reflected to L1, L1's VMX instructions,
 * VMRESUME) on the reference host: the lazily synced guest state that stays
 * in VMCS02 across VMRESUME (exit.h, nvmx_exit_rare_trusted), and the TLB
 * duties of entries and exits (SDM 29.4.3).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "refhost.h"
#include "core.h"
#include "entry/entry.h"
#include "rt_baseline.h"

#define VMCS12_GPA 0x10000ull
#define OPND 0x8000ull
#define RCX 1u
#define RDX 2u
#define VPID01 0x21u

struct rt {
	struct refhost h;
	struct nvmx_vcpu *v;
	struct nvmx_vmcs12 *s;
	struct nvmx_result res;
};

#define S(name, val) (t->s->f[NVMX_IDX_##name] = (val))

/* A 64-bit L2 under a 64-bit L1 host, valid for VM entry (SDM 27.2-27.3). */
static void rt_init(struct rt *t, bool l1_vpid, uint16_t vpid01)
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
	if (l1_vpid) {
		S(CPU_BASED_VM_EXEC_CONTROL, V12(t->s, CPU_BASED_VM_EXEC_CONTROL) |
		                                 NVMX_PROC_SECONDARY_CONTROLS);
		S(SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_VPID);
		S(VIRTUAL_PROCESSOR_ID, 7);
	}
	if (vpid01) {
		struct nvmx_l0_policy p;
		nvmx_l0_policy_default(&p);
		p.vpid01 = vpid01;
		cr_assert_eq(nvmx_vcpu_set_l0_policy(t->v, &p), NVMX_STATUS_OK);
	}
	/* L1's VMLAUNCH. */
	cr_assert_eq(nvmx_entry_enter(t->v, true, &t->res), NVMX_STATUS_OK);
	cr_assert_eq(t->res.outcome, NVMX_OUTCOME_L2_ENTERED, "reason %d", t->res.reason);
}

static void rt_fini(struct rt *t)
{
	refhost_fini(&t->h);
}

/* L1 executes a VMX instruction (as the host presents it). */
static struct nvmx_result *l1_insn(struct rt *t, uint32_t reason, uint64_t rcx, uint64_t rdx)
{
	struct refhost_insn in = { .exit_reason = reason, .reg1 = RCX, .reg2 = RDX };
	if (reason == NVMX_EXIT_VMCLEAR || reason == NVMX_EXIT_VMPTRLD) {
		in.mem = true;
		in.la = OPND;
		refhost_mem_w64(&t->h, OPND, rcx);
	}
	t->h.gpr[RCX] = rcx;
	t->h.gpr[RDX] = rdx;
	cr_assert_eq(refhost_exec(&t->h, &in, &t->res), NVMX_STATUS_OK);
	return &t->res;
}

static void vmwrite(struct rt *t, uint32_t enc, uint64_t val)
{
	cr_assert_eq(l1_insn(t, NVMX_EXIT_VMWRITE, val, enc)->outcome, NVMX_OUTCOME_SUCCEED);
}

static uint64_t vmread(struct rt *t, uint32_t enc)
{
	struct nvmx_result *r = l1_insn(t, NVMX_EXIT_VMREAD, 0, enc);
	cr_assert_eq(r->outcome, NVMX_OUTCOME_SUCCEED);
	return t->h.gpr[RCX];
}

static struct nvmx_result *vmresume(struct rt *t)
{
	return l1_insn(t, NVMX_EXIT_VMRESUME, 0, 0);
}

/* L2 executes CPUID: the exit reaches L1 (SDM 26.1.2, always). */
static void l2_cpuid_exit(struct rt *t)
{
	struct nvmx_l2_exit e;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.exit_reason = NVMX_EXIT_CPUID;
	e.insn_len = 2;
	enum nvmx_status st = nvmx_vcpu_handle_exit(t->v, &e, &t->res);
	cr_assert_eq(st, NVMX_STATUS_OK, "status %d in_l2 %d", st, t->v->in_l2);
	cr_assert_eq(t->res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
}

/* One full round trip: exit to L1, L1 resumes L2 at once. */
static void round_trip(struct rt *t)
{
	l2_cpuid_exit(t);
	cr_assert_eq(vmresume(t)->outcome, NVMX_OUTCOME_L2_ENTERED, "reason %d", t->res.reason);
}

/* ---- lazily synced guest state across VMRESUME ---- */

Test(roundtrip, vmresume_after_exit_reads_no_segment_from_vmcs02)
{
	struct rt t;
	rt_init(&t, false, 0);
	round_trip(&t);
	l2_cpuid_exit(&t);
	uint64_t r0 = t.v->stats.vmcs_reads, w0 = t.v->stats.vmcs_writes;
	cr_assert_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED);
	cr_expect_eq(t.v->stats.vmcs_reads - r0, 0, "VMRESUME read %llu VMCS02 fields",
	             (unsigned long long)(t.v->stats.vmcs_reads - r0));
	cr_expect_eq(t.v->stats.vmcs_writes - w0, 0);
	rt_fini(&t);
}

Test(roundtrip, l1_vmread_after_exit_returns_what_l2_left_in_vmcs02)
{
	struct rt t;
	rt_init(&t, false, 0);
	round_trip(&t);
	/* While L2 runs, it reloads FS and moves its GDT (values the processor
	 * keeps in VMCS02 and saves at the exit, SDM 28.3.2). */
	refhost_vmcs02_set(&t.h, NVMX_F_GUEST_FS_SELECTOR, 0x2b);
	refhost_vmcs02_set(&t.h, NVMX_F_GUEST_FS_BASE, 0x7f0000001000ull);
	refhost_vmcs02_set(&t.h, NVMX_F_GUEST_GDTR_BASE, 0xffff800000020000ull);
	l2_cpuid_exit(&t);
	cr_expect_eq(vmread(&t, NVMX_F_GUEST_FS_SELECTOR), 0x2b);
	cr_expect_eq(vmread(&t, NVMX_F_GUEST_FS_BASE), 0x7f0000001000ull);
	cr_expect_eq(vmread(&t, NVMX_F_GUEST_GDTR_BASE), 0xffff800000020000ull);
	/* And after further round trips without any VMREAD in between. */
	cr_assert_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED);
	round_trip(&t);
	refhost_vmcs02_set(&t.h, NVMX_F_GUEST_GS_BASE, 0x1234000ull);
	round_trip(&t);
	l2_cpuid_exit(&t);
	cr_expect_eq(vmread(&t, NVMX_F_GUEST_GS_BASE), 0x1234000ull);
	cr_expect_eq(vmread(&t, NVMX_F_GUEST_FS_SELECTOR), 0x2b);
	rt_fini(&t);
}

Test(roundtrip, vmwrite_of_a_lazy_field_before_vmresume_is_checked_and_merged)
{
	struct rt t;
	rt_init(&t, false, 0);
	round_trip(&t);
	l2_cpuid_exit(&t);
	vmwrite(&t, NVMX_F_GUEST_GS_BASE, 0xffff888000000000ull);
	uint64_t w0 = t.v->stats.vmcs_writes;
	cr_assert_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED);
	cr_expect_eq(refhost_vmcs02_get(&t.h, NVMX_F_GUEST_GS_BASE), 0xffff888000000000ull);
	cr_expect_eq(t.v->stats.vmcs_writes - w0, 1, "only the written field goes to VMCS02");
	/* L2's other lazy fields kept their VMCS02 values. */
	cr_expect_eq(refhost_vmcs02_get(&t.h, NVMX_F_GUEST_TR_SELECTOR), 0x40);
	rt_fini(&t);
}

Test(roundtrip, l1_corrupting_a_lazy_field_is_refused_with_its_reason)
{
	struct rt t;
	rt_init(&t, false, 0);
	round_trip(&t);
	l2_cpuid_exit(&t);
	/* TR must be a busy TSS (type 11) in IA-32e mode (SDM 27.3.1.2). */
	vmwrite(&t, NVMX_F_GUEST_TR_AR_BYTES, 0x89);
	struct nvmx_result *r = vmresume(&t);
	cr_expect_eq(r->outcome, NVMX_OUTCOME_ENTRY_FAILED);
	cr_expect_eq(r->exit_reason, 0x80000021u);
	cr_expect_eq(r->reason, NVMX_REASON_ENTRY_GUEST_TR_TYPE);
	rt_fini(&t);
}

Test(roundtrip, l1_making_sysenter_eip_noncanonical_is_refused)
{
	struct rt t;
	rt_init(&t, false, 0);
	round_trip(&t);
	l2_cpuid_exit(&t);
	vmwrite(&t, NVMX_F_GUEST_SYSENTER_EIP, 0x0000800000000000ull);
	struct nvmx_result *r = vmresume(&t);
	cr_expect_eq(r->outcome, NVMX_OUTCOME_ENTRY_FAILED);
	cr_expect_eq(r->reason, NVMX_REASON_ENTRY_GUEST_SYSENTER_CANONICAL);
	rt_fini(&t);
}

Test(roundtrip, l1_changing_a_mode_bit_rechecks_the_segments)
{
	struct rt t;
	rt_init(&t, false, 0);
	round_trip(&t);
	l2_cpuid_exit(&t);
	/* RFLAGS.VM set, no segment written: virtual-8086 rules now apply to
	 * the 64-bit segments L2 left (CS base 0 != selector 0x10 << 4). */
	vmwrite(&t, NVMX_F_GUEST_RFLAGS, 0x20002);
	struct nvmx_result *r = vmresume(&t);
	cr_expect_eq(r->outcome, NVMX_OUTCOME_ENTRY_FAILED);
	cr_expect_eq(r->reason, NVMX_REASON_ENTRY_GUEST_V86_BASE);
	rt_fini(&t);
}

Test(roundtrip, rip_above_4g_reads_cs_from_vmcs02_once)
{
	struct rt t;
	rt_init(&t, false, 0);
	round_trip(&t);
	l2_cpuid_exit(&t);
	vmwrite(&t, NVMX_F_GUEST_RIP, 0xffffffff81000000ull);
	uint64_t r0 = t.v->stats.vmcs_reads;
	cr_assert_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED);
	cr_expect_eq(t.v->stats.vmcs_reads - r0, 1, "CS access rights for the RIP check");
	l2_cpuid_exit(&t);
	/* Non-canonical with CS.L = 1 (SDM 27.3.1.4). */
	vmwrite(&t, NVMX_F_GUEST_RIP, 0x0000800000000000ull);
	cr_expect_eq(vmresume(&t)->reason, NVMX_REASON_ENTRY_GUEST_RIP);
	rt_fini(&t);
}

Test(roundtrip, vmclear_writes_the_values_l2_left_to_the_region)
{
	struct rt t;
	rt_init(&t, false, 0);
	round_trip(&t);
	refhost_vmcs02_set(&t.h, NVMX_F_GUEST_FS_BASE, 0x7f0000002000ull);
	refhost_vmcs02_set(&t.h, NVMX_F_GUEST_SYSENTER_ESP, 0xffffc90000004000ull);
	round_trip(&t);
	l2_cpuid_exit(&t);
	cr_assert_eq(l1_insn(&t, NVMX_EXIT_VMCLEAR, VMCS12_GPA, 0)->outcome, NVMX_OUTCOME_SUCCEED);
	/* Region layout (libnvmx/vmcs/vmcs12.h): field slot i at 16 + 8 i. */
	cr_expect_eq(refhost_mem_r64(&t.h, VMCS12_GPA + 16 + 8 * NVMX_IDX_GUEST_FS_BASE),
	             0x7f0000002000ull);
	cr_expect_eq(refhost_mem_r64(&t.h, VMCS12_GPA + 16 + 8 * NVMX_IDX_GUEST_SYSENTER_ESP),
	             0xffffc90000004000ull);
	cr_expect_eq(refhost_mem_r64(&t.h, VMCS12_GPA + 16 + 8 * NVMX_IDX_GUEST_TR_SELECTOR), 0x40);
	rt_fini(&t);
}

Test(roundtrip, a_new_l0_policy_brings_the_lazy_state_into_vmcs12_first)
{
	struct rt t;
	rt_init(&t, false, 0);
	round_trip(&t);
	refhost_vmcs02_set(&t.h, NVMX_F_GUEST_FS_BASE, 0x7f0000003000ull);
	l2_cpuid_exit(&t);
	struct nvmx_l0_policy p;
	nvmx_l0_policy_default(&p);
	cr_assert_eq(nvmx_vcpu_set_l0_policy(t.v, &p), NVMX_STATUS_OK);
	/* The VMCS02 rebuild writes every guest field from VMCS12. */
	cr_assert_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED);
	cr_expect_eq(refhost_vmcs02_get(&t.h, NVMX_F_GUEST_FS_BASE), 0x7f0000003000ull);
	cr_expect_eq(t.s->f[NVMX_IDX_GUEST_FS_BASE], 0x7f0000003000ull);
	rt_fini(&t);
}

Test(roundtrip, exit_after_entry_reads_ten_fields_and_no_control)
{
	struct rt t;
	rt_init(&t, false, 0);
	uint64_t r0 = t.v->stats.vmcs_reads;
	l2_cpuid_exit(&t);
	/* RIP, RSP, RFLAGS, CR3, interruptibility, activity, pending debug
	 * exceptions, CR0, CR4, EFER (for the IA-32e mode guest control, SDM
	 * 28.2): the CR masks and read shadows are controls the merge wrote. */
	cr_expect_eq(t.v->stats.vmcs_reads - r0, 10);
	/* CR4 as L1 sees it: VMXE is L0's alone, so L2's read shadow (L1's
	 * GUEST_CR4 value at entry) supplies it. */
	cr_expect_eq(t.s->f[NVMX_IDX_GUEST_CR4], NVMX_CR4_VMXE | NVMX_CR4_PAE);
	rt_fini(&t);
}

/* ---- TLB duties (SDM 29.4.3.3) ---- */

Test(roundtrip, l1_without_vpid_flushes_vpid01_at_exit_and_vpid02_at_entry)
{
	struct rt t;
	rt_init(&t, false, VPID01);
	uint64_t n0 = t.h.invvpid_calls;
	l2_cpuid_exit(&t);
	/* The exit invalidates VPID 0 of L1's view: L1's own VPID01. */
	cr_expect_eq(t.h.invvpid_calls - n0, 1);
	cr_expect_eq(t.h.last_invvpid_type, 1);
	cr_expect_eq(t.h.last_invvpid_vpid, VPID01);
	cr_assert_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED);
	/* The entry: L2's VPID02, the first value of the default pool. */
	cr_expect_eq(t.h.invvpid_calls - n0, 2);
	cr_expect_eq(t.h.last_invvpid_type, 1);
	cr_expect_eq(t.h.last_invvpid_vpid, 0xff00);
	cr_expect_eq(refhost_vmcs02_get(&t.h, NVMX_F_VIRTUAL_PROCESSOR_ID), 0xff00);
	rt_fini(&t);
}

Test(roundtrip, l1_without_vpid_under_an_l0_without_vpid_flushes_only_at_entry)
{
	struct rt t;
	rt_init(&t, false, 0);
	uint64_t n0 = t.h.invvpid_calls;
	l2_cpuid_exit(&t);
	cr_expect_eq(t.h.invvpid_calls - n0, 0);
	cr_assert_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED);
	cr_expect_eq(t.h.invvpid_calls - n0, 1);
	cr_expect_eq(t.h.last_invvpid_vpid, 0xff00);
	rt_fini(&t);
}

Test(roundtrip, l1_with_vpid_flushes_only_when_its_vpid02_is_new)
{
	struct rt t;
	uint64_t n0 = 0;
	rt_init(&t, true, VPID01);
	/* rt_init's VMLAUNCH gave VPID12 7 a fresh VPID02, flushed once. */
	cr_expect_eq(t.h.invvpid_calls, 1);
	uint16_t vpid02 = (uint16_t)refhost_vmcs02_get(&t.h, NVMX_F_VIRTUAL_PROCESSOR_ID);
	cr_expect_neq(vpid02, 0);
	cr_expect_neq(vpid02, VPID01);
	cr_expect_eq(t.h.last_invvpid_vpid, vpid02);
	n0 = t.h.invvpid_calls;
	for (int i = 0; i < 3; i++)
		round_trip(&t);
	cr_expect_eq(t.h.invvpid_calls - n0, 0, "entries and exits with VPID 7 keep the TLB");
	rt_fini(&t);
}

Test(roundtrip, entry_flush_falls_back_to_all_context_without_single_context_invvpid)
{
	struct rt t;
	rt_init(&t, false, 0);
	t.h.vm->cfg.hw.vmx_msr[NVMX_MSR_IA32_VMX_EPT_VPID_CAP - NVMX_CAP_MSR_FIRST] &=
	        ~NVMX_VPID_CAP_INVVPID_SINGLE;
	round_trip(&t);
	cr_expect_eq(t.h.last_invvpid_type, 2);
	rt_fini(&t);
}

Test(roundtrip, destroy_returns_the_merged_bitmap_pages)
{
	struct rt t;
	rt_init(&t, false, 0);
	/* L1 uses MSR and I/O bitmaps: VMCS02 gets merged library pages. */
	t.s->f[NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL] |= NVMX_PROC_USE_MSR_BITMAPS | NVMX_PROC_USE_IO_BITMAPS;
	t.s->f[NVMX_IDX_MSR_BITMAP] = 0x20000;
	t.s->f[NVMX_IDX_IO_BITMAP_A] = 0x21000;
	t.s->f[NVMX_IDX_IO_BITMAP_B] = 0x22000;
	nvmx_vmcs12_mark_all_dirty(t.s);
	round_trip(&t);
	cr_assert_gt(t.h.npages, 0);
	nvmx_vcpu_destroy(t.v);
	t.h.vcpu = NULL;
	nvmx_vm_destroy(t.h.vm);
	t.h.vm = NULL;
	cr_expect_eq(t.h.npages, 0, "%u pages still allocated", t.h.npages);
	rt_fini(&t);
}

Test(roundtrip, vmcs02_reset_brings_the_lazy_state_into_vmcs12_first)
{
	struct rt t;
	rt_init(&t, false, 0);
	round_trip(&t);
	refhost_vmcs02_set(&t.h, NVMX_F_GUEST_LDTR_BASE, 0x5000ull);
	l2_cpuid_exit(&t);
	nvmx_vcpu_vmcs02_reset(t.v);
	refhost_vmcs02_set(&t.h, NVMX_F_GUEST_LDTR_BASE, 0);   /* the host's new VMCS02 */
	cr_expect_eq(vmread(&t, NVMX_F_GUEST_LDTR_BASE), 0x5000ull);
	cr_assert_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED);
	cr_expect_eq(refhost_vmcs02_get(&t.h, NVMX_F_GUEST_LDTR_BASE), 0x5000ull,
	             "the rebuild writes it back");
	rt_fini(&t);
}
