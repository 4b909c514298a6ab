/* SPDX-License-Identifier: MIT */
/*
 * Full nested round trips (L2 exit reflected to L1, L1's VMX instructions,
 * VMRESUME) on the reference host: the lazily synced guest state that stays
 * in VMCS02 across VMRESUME (vmcs/sync.h, nvmx_sync_lazy_trusted), and the TLB
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
	if (reason == NVMX_EXIT_REASON_VMCLEAR || reason == NVMX_EXIT_REASON_VMPTRLD) {
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
	cr_assert_eq(l1_insn(t, NVMX_EXIT_REASON_VMWRITE, val, enc)->outcome, NVMX_OUTCOME_SUCCEED);
}

static uint64_t vmread(struct rt *t, uint32_t enc)
{
	struct nvmx_result *r = l1_insn(t, NVMX_EXIT_REASON_VMREAD, 0, enc);
	cr_assert_eq(r->outcome, NVMX_OUTCOME_SUCCEED);
	return t->h.gpr[RCX];
}

static struct nvmx_result *vmresume(struct rt *t)
{
	return l1_insn(t, NVMX_EXIT_REASON_VMRESUME, 0, 0);
}

/* L2 executes CPUID: the exit reaches L1 (SDM 26.1.2, always). */
static void l2_cpuid_exit(struct rt *t)
{
	struct nvmx_l2_exit e;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.exit_reason = NVMX_EXIT_REASON_CPUID;
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
	cr_assert_eq(l1_insn(&t, NVMX_EXIT_REASON_VMCLEAR, VMCS12_GPA, 0)->outcome, NVMX_OUTCOME_SUCCEED);
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

/* ---- batched host reads (vmcs_read_n, l1_read_n) ---- */

/* Counting wrappers around the reference host's callbacks. */
static struct {
	struct nvmx_host_ops orig;
	unsigned vmcs_read, vmcs_read_n, l1_read, l1_read_n;
	uint32_t l1_fields[32];
	unsigned l1_nfields;
	unsigned vmcs_nfields;
	unsigned traces;
	struct nvmx_trace last_trace;
} cnt;

static uint64_t cnt_vmcs_read(void *h, uint32_t f)
{
	cnt.vmcs_read++;
	return cnt.orig.vmcs_read(h, f);
}
static void cnt_vmcs_read_n(void *h, const uint32_t *f, uint64_t *val, unsigned n)
{
	cnt.vmcs_read_n++;
	cnt.vmcs_nfields = n;
	cnt.orig.vmcs_read_n(h, f, val, n);
}
static uint64_t cnt_l1_read(void *h, uint32_t f)
{
	cnt.l1_read++;
	return cnt.orig.l1_read(h, f);
}
static void cnt_l1_read_n(void *h, const uint32_t *f, uint64_t *val, unsigned n)
{
	cnt.l1_read_n++;
	cnt.l1_nfields = n < 32 ? n : 32;
	memcpy(cnt.l1_fields, f, cnt.l1_nfields * sizeof(*f));
	cnt.orig.l1_read_n(h, f, val, n);
}
static void cnt_trace(void *h, const struct nvmx_trace *ev)
{
	cnt.traces++;
	cnt.last_trace = *ev;
	if (cnt.orig.trace)
		cnt.orig.trace(h, ev);
}

static void count_calls(struct rt *t)
{
	memset(&cnt, 0, sizeof(cnt));
	cnt.orig = t->h.vm->ops;
	t->h.vm->ops.vmcs_read = cnt_vmcs_read;
	t->h.vm->ops.vmcs_read_n = cnt_vmcs_read_n;
	t->h.vm->ops.l1_read = cnt_l1_read;
	t->h.vm->ops.l1_read_n = cnt_l1_read_n;
	t->h.vm->ops.trace = cnt_trace;
}

static void reset_counts(void)
{
	cnt.vmcs_read = cnt.vmcs_read_n = cnt.l1_read = cnt.l1_read_n = cnt.traces = 0;
}

Test(roundtrip, a_reflected_exit_reads_vmcs02_in_one_call)
{
	struct rt t;
	rt_init(&t, false, 0);
	round_trip(&t);         /* L2 entered by L1's VMRESUME */
	count_calls(&t);
	l2_cpuid_exit(&t);
	cr_expect_eq(cnt.vmcs_read_n, 1);
	cr_expect_eq(cnt.vmcs_nfields, 10, "the ten fields of exit_after_entry_reads_ten_fields...");
	cr_expect_eq(cnt.vmcs_read, 0);
	cr_expect_eq(cnt.l1_read + cnt.l1_read_n, 0, "CR0 and EFER come from the VMRESUME");
	rt_fini(&t);
}

Test(roundtrip, vmresume_reads_l1s_mode_registers_in_one_call)
{
	struct rt t;
	rt_init(&t, false, 0);
	l2_cpuid_exit(&t);
	count_calls(&t);
	cr_assert_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED);
	cr_expect_eq(cnt.l1_read_n, 1);
	cr_expect_eq(cnt.l1_read, 0);
	/* CPL, mode and RFLAGS (SDM 31.3 VMRESUME operation), MOV-SS blocking,
	 * and IA32_PAT, which L2 inherits without "load IA32_PAT" (SDM
	 * 27.3.2.1). */
	static const uint32_t want[] = {
		NVMX_F_GUEST_CR0, NVMX_F_GUEST_IA32_EFER, NVMX_F_GUEST_RFLAGS,
		NVMX_F_GUEST_CS_AR_BYTES, NVMX_F_GUEST_SS_AR_BYTES,
		NVMX_F_GUEST_INTERRUPTIBILITY_INFO, NVMX_F_GUEST_IA32_PAT,
	};
	cr_assert_eq(cnt.l1_nfields, 7);
	for (unsigned i = 0; i < 7; i++)
		cr_expect_eq(cnt.l1_fields[i], want[i], "field %u: %#x", i, cnt.l1_fields[i]);

	/* With "load IA32_PAT", L2's PAT is VMCS12's: L1's is not read. */
	l2_cpuid_exit(&t);
	vmwrite(&t, NVMX_F_VM_ENTRY_CONTROLS,
	        V12(t.s, VM_ENTRY_CONTROLS) | NVMX_ENTRY_CTL_LOAD_PAT);
	vmwrite(&t, NVMX_F_GUEST_IA32_PAT, 0x0006060606060606ull);
	reset_counts();
	cr_assert_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED, "reason %d", t.res.reason);
	cr_expect_eq(cnt.l1_read_n, 1);
	cr_expect_eq(cnt.l1_nfields, 6);
	cr_expect_eq(cnt.l1_read, 0);
	cr_expect_eq(refhost_vmcs02_get(&t.h, NVMX_F_GUEST_IA32_PAT), 0x0006060606060606ull);
	rt_fini(&t);
}

Test(roundtrip, l2_inherits_the_pat_l1_has_at_each_vmresume)
{
	struct rt t;
	rt_init(&t, false, 0);
	static const uint64_t pat[] = { 0x0007040600070406ull, 0x0606060606060606ull,
	                                0x0001050400010504ull };
	for (unsigned i = 0; i < 3; i++) {
		l2_cpuid_exit(&t);
		refhost_l1_set(&t.h, NVMX_F_GUEST_IA32_PAT, pat[i]);  /* L1's WRMSR */
		cr_assert_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED);
		cr_expect_eq(refhost_vmcs02_get(&t.h, NVMX_F_GUEST_IA32_PAT), pat[i], "VMRESUME %u", i);
	}
	rt_fini(&t);
}

Test(roundtrip, vmresume_with_mov_ss_blocking_fails_from_the_batched_read)
{
	struct rt t;
	rt_init(&t, false, 0);
	l2_cpuid_exit(&t);
	refhost_l1_set(&t.h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 2);  /* blocking by MOV SS */
	struct nvmx_result *r = vmresume(&t);
	/* SDM 31.3 VMRESUME: VMfailValid(26), L2 not entered. */
	cr_expect_eq(r->outcome, NVMX_OUTCOME_VMFAIL_VALID);
	cr_expect_eq(r->vm_insn_error, 26);
	cr_expect_not(nvmx_vcpu_in_l2(t.v));
	refhost_l1_set(&t.h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 1);  /* STI blocking only */
	cr_expect_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED);
	rt_fini(&t);
}

Test(roundtrip, a_vmresume_that_enters_l2_is_traced_once)
{
	struct rt t;
	rt_init(&t, false, 0);
	l2_cpuid_exit(&t);
	count_calls(&t);
	cr_assert_eq(vmresume(&t)->outcome, NVMX_OUTCOME_L2_ENTERED);
	cr_expect_eq(cnt.traces, 1);
	cr_expect_eq(cnt.last_trace.kind, NVMX_TRACE_INSN);
	cr_expect_eq(cnt.last_trace.reason, NVMX_REASON_ENTRY_OK);
	cr_expect_eq(cnt.last_trace.a, NVMX_EXIT_REASON_VMRESUME);
	cr_expect_eq(cnt.last_trace.b, NVMX_OUTCOME_L2_ENTERED);
	/* An entry made through nvmx_entry_enter has no instruction trace:
	 * the entry module traces it. */
	l2_cpuid_exit(&t);
	reset_counts();
	cr_assert_eq(nvmx_entry_enter(t.v, false, &t.res), NVMX_STATUS_OK);
	cr_assert_eq(t.res.outcome, NVMX_OUTCOME_L2_ENTERED);
	cr_expect_eq(cnt.traces, 1);
	cr_expect_eq(cnt.last_trace.kind, NVMX_TRACE_ENTRY);
	cr_expect_eq(cnt.last_trace.reason, NVMX_REASON_ENTRY_OK);
	rt_fini(&t);
}

/* L2 changes what a reflected exit saves (SDM 28.3.1, 28.3.4). */
static void l2_runs(struct rt *t, unsigned i)
{
	refhost_vmcs02_set(&t->h, NVMX_F_GUEST_RIP, 0x2000 + 0x10 * i);
	refhost_vmcs02_set(&t->h, NVMX_F_GUEST_RSP, 0x9000 - 0x8 * i);
	refhost_vmcs02_set(&t->h, NVMX_F_GUEST_RFLAGS, 0x2 | (i & 1 ? NVMX_RFLAGS_CF | NVMX_RFLAGS_IF : 0));
	refhost_vmcs02_set(&t->h, NVMX_F_GUEST_DR7, 0x400 | i);
	refhost_vmcs02_set(&t->h, NVMX_F_GUEST_IA32_DEBUGCTL, i & 1);
	refhost_vmcs02_set(&t->h, NVMX_F_GUEST_IA32_PAT, 0x0007040600070406ull + i);
	refhost_vmcs02_set(&t->h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, i & 1);
}

/* The same round trips through a host without the batched reads leave the
 * same VMCS12, VMCS02 and L1 state, with the same VMCS read count. */
Test(roundtrip, hosts_without_read_n_get_the_same_state)
{
	struct rt a, b;
	rt_init(&a, false, 0);
	rt_init(&b, false, 0);
	b.h.vm->ops.vmcs_read_n = NULL; /* white box: as an older host's table */
	b.h.vm->ops.l1_read_n = NULL;
	for (unsigned i = 0; i < 4; i++) {
		if (i == 2) {
			/* Exits now save debug controls, PAT and EFER. */
			uint64_t exitc = NVMX_EXIT_CTL_SAVE_DEBUG_CONTROLS | NVMX_EXIT_CTL_SAVE_PAT |
			                 NVMX_EXIT_CTL_SAVE_EFER;
			vmwrite(&a, NVMX_F_VM_EXIT_CONTROLS, V12(a.s, VM_EXIT_CONTROLS) | exitc);
			vmwrite(&b, NVMX_F_VM_EXIT_CONTROLS, V12(b.s, VM_EXIT_CONTROLS) | exitc);
			cr_assert_eq(vmresume(&a)->outcome, NVMX_OUTCOME_L2_ENTERED, "%s",
			             nvmx_reason_name(a.res.reason));
			cr_assert_eq(vmresume(&b)->outcome, NVMX_OUTCOME_L2_ENTERED);
		}
		l2_runs(&a, i);
		l2_runs(&b, i);
		uint64_t ra = a.v->stats.vmcs_reads, rb = b.v->stats.vmcs_reads;
		l2_cpuid_exit(&a);
		l2_cpuid_exit(&b);
		cr_expect_eq(a.v->stats.vmcs_reads - ra, b.v->stats.vmcs_reads - rb, "exit %u", i);
		cr_expect_eq(a.v->stats.vmcs_reads - ra, i < 2 ? 10 : 13, "exit %u", i);
		cr_assert_eq(memcmp(a.s->f, b.s->f, sizeof(a.s->f)), 0, "VMCS12 after exit %u", i);
		cr_assert_eq(memcmp(a.h.l1, b.h.l1, REFHOST_VMCS_SLOTS * sizeof(uint64_t)), 0,
		             "L1 after exit %u", i);
		cr_expect_eq(V12(a.s, GUEST_RIP), 0x2000 + 0x10 * i);
		cr_expect_eq(V12(a.s, GUEST_RSP), 0x9000 - 0x8 * i);
		if (i >= 2) {
			cr_expect_eq(V12(a.s, GUEST_DR7), 0x400 | i);
			cr_expect_eq(V12(a.s, GUEST_IA32_PAT), 0x0007040600070406ull + i);
		}
		if (i != 1) { /* exit 1 is followed by L1's VMWRITEs of exit 2 */
			cr_assert_eq(vmresume(&a)->outcome, NVMX_OUTCOME_L2_ENTERED, "reason %d", a.res.reason);
			cr_assert_eq(vmresume(&b)->outcome, NVMX_OUTCOME_L2_ENTERED);
			cr_assert_eq(memcmp(a.h.vmcs02, b.h.vmcs02, REFHOST_VMCS_SLOTS * sizeof(uint64_t)), 0,
			             "VMCS02 after VMRESUME %u", i);
		}
	}
	rt_fini(&a);
	rt_fini(&b);
}

Test(roundtrip, an_older_ops_table_has_no_batched_reads)
{
	struct rt t;
	rt_init(&t, false, 0);
	struct nvmx_host_ops ops = t.h.ops;
	ops.size = offsetof(struct nvmx_host_ops, vmcs_read_n);
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	struct nvmx_vm *vm = NULL;
	cr_assert_eq(nvmx_vm_create(&cfg, &ops, &t.h, &vm), NVMX_STATUS_OK);
	cr_expect_null(vm->ops.vmcs_read_n, "members beyond size count as NULL");
	cr_expect_null(vm->ops.l1_read_n);
	cr_expect_not_null(vm->ops.l1_write_n);
	cr_expect_eq(nvmx_vm_destroy(vm), NVMX_STATUS_OK);
	rt_fini(&t);
}
