/* SPDX-License-Identifier: MIT */
/*
 * Nested state (nvmx/state.h): every vCPU state survives save -> restore
 * into a fresh VM and saves again byte for byte; flush writes VMCS12s back;
 * every refusal has its named reason and changes nothing. Blob offsets come
 * from docs/nested-state.md (state_util.h).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include "entry_fixture.h"
#include "exit/exit.h"
#include "ept/ept.h"
#include "state_util.h"
#include <nvmx/state.h>

#define BLOB_MAX (1u << 20)

static struct entry_fixture A, B;
static uint8_t blob[BLOB_MAX], blob2[BLOB_MAX];
static size_t blen, blen2;

static void setup(void)
{
	cr_assert_eq(fx_init(&A), 0);
	cr_assert_eq(fx_init(&B), 0);
}

static void teardown(void)
{
	fx_fini(&A);
	fx_fini(&B);
}

TestSuite(state, .init = setup, .fini = teardown);

/* What the host restores itself: L1 memory and L1's registers (VMCS01). */
static void host_copy(struct entry_fixture *dst, const struct entry_fixture *src)
{
	memcpy(dst->h.mem, src->h.mem, src->h.mem_size);
	memcpy(dst->h.l1, src->h.l1, REFHOST_VMCS_SLOTS * sizeof(uint64_t));
	memcpy(dst->h.gpr, src->h.gpr, sizeof(src->h.gpr));
}

static size_t save(struct entry_fixture *f, uint32_t flags, uint8_t *out)
{
	size_t n = 0, max = 0;
	cr_assert_eq(nvmx_vcpu_state_size(f->v, flags, &max), NVMX_STATUS_OK);
	cr_assert_leq(max, BLOB_MAX);
	cr_assert_eq(nvmx_vcpu_save(f->v, flags, out, max, &n), NVMX_STATUS_OK);
	cr_assert_leq(n, max);
	return n;
}

static void restore_ok(struct entry_fixture *f, const uint8_t *b, size_t n)
{
	struct nvmx_state_refusal why;
	enum nvmx_status s = nvmx_vcpu_restore(f->v, b, n, &why);
	cr_assert_eq(s, NVMX_STATUS_OK, "refused: %s (msr %#x field %#x at %llu)", nvmx_reason_name(why.reason),
	             why.msr, why.field, (unsigned long long)why.offset);
	cr_assert_eq(why.reason, NVMX_REASON_STATE_OK);
}

/* Save A, restore into B (after the host copied L1), save B: identical. */
static void roundtrip(uint32_t flags)
{
	blen = save(&A, flags, blob);
	host_copy(&B, &A);
	restore_ok(&B, blob, blen);
	blen2 = save(&B, flags, blob2);
	cr_assert_eq(blen2, blen);
	cr_assert_eq(memcmp(blob, blob2, blen), 0, "save(restore(x)) differs from x");
}

static void enter(struct entry_fixture *f)
{
	struct nvmx_result res;
	cr_assert_eq(fx_enter(f, true, &res), NVMX_STATUS_OK);
	cr_assert_eq(res.action, NVMX_ACTION_RUN_L2, "entry: %s", nvmx_reason_name(res.reason));
}

/* L2 has run: an exit L0 keeps (an interrupt window L1 did not ask for). */
static void l2_ran(struct entry_fixture *f)
{
	struct nvmx_synth_exit x;
	memset(&x, 0, sizeof(x));
	x.size = sizeof(x);
	x.kind = NVMX_SYNTH_INTR_WINDOW;
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_inject_exit(f->v, &x, &res), NVMX_STATUS_OK);
	cr_assert_eq(res.action, NVMX_ACTION_L0_EXIT);
}

static struct nvmx_result cpuid_exit(struct entry_fixture *f)
{
	struct nvmx_l2_exit e;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.exit_reason = NVMX_EXIT_REASON_CPUID;
	e.insn_len = 2;
	struct nvmx_result res;
	cr_assert_eq(nvmx_vcpu_handle_exit(f->v, &e, &res), NVMX_STATUS_OK);
	return res;
}

/* ---- every state ---- */

Test(state, size_bounds_every_save_and_header_is_as_documented)
{
	size_t max;
	cr_assert_eq(nvmx_vcpu_state_size(A.v, 0, &max), NVMX_STATUS_OK);
	enter(&A);
	l2_ran(&A);
	blen = save(&A, 0, blob);
	cr_assert_leq(blen, max);
	cr_assert_eq(su_get32(blob), SU_MAGIC);
	cr_assert_eq(blob[SU_OFF_VERSION], 1);
	cr_assert_eq(su_get64(blob + SU_OFF_TOTAL), blen);
	cr_assert_eq(su_get32(blob + SU_OFF_NCAPS), 20);
	cr_assert_eq(su_hdr_size(blob), 64 + 20 * 16);
	/* The capability records: IA32_VMX_BASIC (0x480) first, as offered. */
	cr_assert_eq(su_get32(blob + SU_HDR), 0x480);
	cr_assert_eq(su_get64(blob + SU_HDR + 8), fx_cap(&A, NVMX_MSR_IA32_VMX_BASIC));
	size_t small = 0;
	cr_assert_eq(nvmx_vcpu_save(A.v, 0, blob2, blen - 1, &small), NVMX_STATUS_INVALID_ARGUMENT);
}

Test(state, outside_vmx_operation_roundtrips)
{
	A.v->vmxon = false;
	A.v->cur = NULL;
	A.v->current_vmptr = NVMX_NO_VMPTR;
	cr_assert_eq(nvmx_vmcs12_flush_all(A.v), NVMX_STATUS_OK);
	roundtrip(0);
	cr_assert(!nvmx_vcpu_in_vmx_operation(B.v));
	cr_assert_eq(nvmx_vcpu_current_vmptr(B.v), NVMX_NO_VMPTR);
}

Test(state, vmx_root_without_current_vmcs_roundtrips)
{
	A.v->cur = NULL;
	A.v->current_vmptr = NVMX_NO_VMPTR;
	roundtrip(0);
	cr_assert(nvmx_vcpu_in_vmx_operation(B.v));
	cr_assert(!nvmx_vcpu_in_l2(B.v));
	cr_assert_eq(nvmx_vcpu_current_vmptr(B.v), NVMX_NO_VMPTR);
	cr_assert_eq(B.v->vmxon_ptr, FX_VMXON);
	/* The VMCS12 stays cached (it was loaded), not current. */
	cr_assert_not_null(nvmx_vmcs12_find(B.v, FX_VMCS12));
}

Test(state, vmx_root_with_current_vmcs_keeps_fields_and_launch_state)
{
	A.s->launched = true;
	fx_set(&A, NVMX_IDX_GUEST_RIP, 0x401234);
	roundtrip(0);
	cr_assert_eq(nvmx_vcpu_current_vmptr(B.v), FX_VMCS12);
	struct nvmx_vmcs12 *s = nvmx_vmcs12_find(B.v, FX_VMCS12);
	cr_assert_not_null(s);
	cr_assert(s->launched);
	cr_assert_eq(s->f[NVMX_IDX_GUEST_RIP], 0x401234);
	cr_assert_eq(s->f[NVMX_IDX_HOST_RIP], 0xffffffff81000000ull);
	/* The blob holds the field by its SDM encoding (GUEST_RIP = 0x681e). */
	cr_assert_eq(su_field(blob, 0, 0x681e, NULL), 0x401234);
	/* A restored VMCS12 meets the full entry checks at the next entry. */
	cr_assert_eq(B.v->entry.ctl_ok, false);
	struct nvmx_result res;
	cr_assert_eq(nvmx_entry_enter(B.v, false, &res), NVMX_STATUS_OK);
	cr_assert_eq(res.action, NVMX_ACTION_RUN_L2);
}

Test(state, several_cached_vmcs12s_keep_lru_order_and_launch_states)
{
	for (unsigned i = 1; i < 4; i++) {
		uint64_t gpa = FX_VMCS12 + 0x40000 + i * 0x1000;
		refhost_mem_w32(&A.h, gpa, (uint32_t)fx_cap(&A, NVMX_MSR_IA32_VMX_BASIC));
		struct nvmx_vmcs12 *s;
		cr_assert_eq(nvmx_vmcs12_load(A.v, gpa, &s), NVMX_STATUS_OK);
		s->launched = i & 1;
		nvmx_vmcs12_set(s, NVMX_IDX_GUEST_RSP, 0x1000 * i);
	}
	roundtrip(0);
	cr_assert_eq(su_get32(blob + su_section(blob, SU_SEC_VMCS12, NULL)), 4);
	for (unsigned i = 1; i < 4; i++) {
		struct nvmx_vmcs12 *s = nvmx_vmcs12_find(B.v, FX_VMCS12 + 0x40000 + i * 0x1000);
		cr_assert_not_null(s);
		cr_assert_eq(s->launched, (bool)(i & 1));
		cr_assert_eq(s->f[NVMX_IDX_GUEST_RSP], 0x1000u * i);
	}
}

Test(state, in_l2_after_it_ran_resumes_l2_where_it_was)
{
	enter(&A);
	l2_ran(&A);
	/* L2 went on: the processor changed its RIP and RSP in VMCS02. */
	refhost_vmcs02_set(&A.h, NVMX_F_GUEST_RIP, 0x400abc);
	refhost_vmcs02_set(&A.h, NVMX_F_GUEST_RSP, 0x7fe000);
	roundtrip(0);
	cr_assert(nvmx_vcpu_in_l2(B.v));
	cr_assert_eq(refhost_vmcs02_get(&B.h, NVMX_F_GUEST_RIP), 0x400abc);
	cr_assert_eq(refhost_vmcs02_get(&B.h, NVMX_F_GUEST_RSP), 0x7fe000);
	cr_assert_neq(su_section(blob, SU_SEC_L2, NULL), 0);
	/* An exit after the restore gives L1 L2's RIP and L1's host RIP. */
	struct nvmx_result res = cpuid_exit(&B);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_assert_eq(B.v->cur->f[NVMX_IDX_GUEST_RIP], 0x400abc);
	cr_assert_eq(refhost_l1_get(&B.h, NVMX_F_GUEST_RIP), 0xffffffff81000000ull);
}

Test(state, in_l2_saving_does_not_change_what_l1_sees_later)
{
	enter(&A);
	l2_ran(&A);
	refhost_vmcs02_set(&A.h, NVMX_F_GUEST_RIP, 0x400abc);
	blen = save(&A, 0, blob);
	struct nvmx_result res = cpuid_exit(&A);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_assert_eq(A.v->cur->f[NVMX_IDX_GUEST_RIP], 0x400abc);
	cr_assert_eq(A.v->cur->f[NVMX_IDX_VM_EXIT_REASON], NVMX_EXIT_REASON_CPUID);
}

Test(state, pending_run_keeps_injected_event_and_timer_value)
{
	/* SDM 27.6: an external interrupt (type 0) vector 0x30 to inject, and a
	 * preemption timer L1 set to 5000 (both from VMCS12 at the entry). */
	fx_set(&A, NVMX_IDX_VM_ENTRY_INTR_INFO_FIELD, 0x80000030u);
	fx_set(&A, NVMX_IDX_PIN_BASED_VM_EXEC_CONTROL,
	       fx_get(&A, NVMX_IDX_PIN_BASED_VM_EXEC_CONTROL) | NVMX_PIN_PREEMPTION_TIMER);
	fx_set(&A, NVMX_IDX_VMX_PREEMPTION_TIMER_VALUE, 5000);
	fx_set(&A, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL,
	       fx_get(&A, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_MONITOR_TRAP_FLAG);
	enter(&A);
	roundtrip(0);
	cr_assert_eq(su_section(blob, SU_SEC_L2, NULL), 0, "a pending run needs no L2 section");
	cr_assert(nvmx_vcpu_in_l2(B.v));
	cr_assert(nvmx_sync_as_built(&B.v->sync));
	cr_assert_eq(refhost_vmcs02_get(&B.h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD), 0x80000030u);
	cr_assert_eq(refhost_vmcs02_get(&B.h, NVMX_F_VMX_PREEMPTION_TIMER_VALUE), 5000);
	cr_assert(refhost_vmcs02_get(&B.h, NVMX_F_CPU_BASED_VM_EXEC_CONTROL) &
	          NVMX_PROC_MONITOR_TRAP_FLAG);
}

Test(state, in_l2_keeps_l0_reinjection_and_remaining_timer)
{
	fx_set(&A, NVMX_IDX_PIN_BASED_VM_EXEC_CONTROL,
	       fx_get(&A, NVMX_IDX_PIN_BASED_VM_EXEC_CONTROL) | NVMX_PIN_PREEMPTION_TIMER);
	fx_set(&A, NVMX_IDX_VMX_PREEMPTION_TIMER_VALUE, 5000);
	enter(&A);
	l2_ran(&A);
	/* L0 armed a #PF (vector 14, type 3, error code) for re-injection, and
	 * 1234 timer ticks remain. */
	refhost_vmcs02_set(&A.h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD, 0x80000b0eu);
	refhost_vmcs02_set(&A.h, NVMX_F_VM_ENTRY_EXCEPTION_ERROR_CODE, 2);
	refhost_vmcs02_set(&A.h, NVMX_F_VMX_PREEMPTION_TIMER_VALUE, 1234);
	roundtrip(0);
	cr_assert_eq(refhost_vmcs02_get(&B.h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD), 0x80000b0eu);
	cr_assert_eq(refhost_vmcs02_get(&B.h, NVMX_F_VM_ENTRY_EXCEPTION_ERROR_CODE), 2);
	cr_assert_eq(refhost_vmcs02_get(&B.h, NVMX_F_VMX_PREEMPTION_TIMER_VALUE), 1234);
	/* VMCS12 still holds what L1 wrote: 5000 for the next entry. */
	cr_assert_eq(B.v->cur->f[NVMX_IDX_VMX_PREEMPTION_TIMER_VALUE], 5000);
}

Test(state, vmx_abort_pending_roundtrips)
{
	A.v->abort_pending = 4;
	A.s->abort = 4;
	roundtrip(0);
	cr_assert_eq(B.v->abort_pending, 4);
	cr_assert_eq(nvmx_vmcs12_find(B.v, FX_VMCS12)->abort, 4);
}

Test(state, restore_gives_l2_a_flushed_vpid02)
{
	fx_set(&A, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL,
	       fx_get(&A, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_SECONDARY_CONTROLS);
	fx_set(&A, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_VPID);
	fx_set(&A, NVMX_IDX_VIRTUAL_PROCESSOR_ID, 7);
	enter(&A);
	l2_ran(&A);
	blen = save(&A, 0, blob);
	host_copy(&B, &A);
	uint64_t before = B.h.invvpid_calls;
	restore_ok(&B, blob, blen);
	cr_assert_gt(B.h.invvpid_calls, before);
	uint16_t vpid02 = (uint16_t)refhost_vmcs02_get(&B.h, NVMX_F_VIRTUAL_PROCESSOR_ID);
	cr_assert_neq(vpid02, 0);
	cr_assert_eq(vpid02, nvmx_vpid_lookup(B.h.vm, 7));
}

/* ---- flush ---- */

Test(state, flush_writes_cached_vmcs12s_back_and_keeps_them_cached)
{
	fx_set(&A, NVMX_IDX_GUEST_RIP, 0x405555);
	cr_assert(A.s->mem_dirty);
	cr_assert_eq(nvmx_vcpu_flush(A.v), NVMX_STATUS_OK);
	cr_assert(!A.s->mem_dirty);
	cr_assert_eq(nvmx_vmcs12_find(A.v, FX_VMCS12), A.s);
	/* Layout (vmcs12.h): fields from offset 16, 8 bytes per compact index. */
	cr_assert_eq(refhost_mem_r64(&A.h, FX_VMCS12 + 16 + 8 * NVMX_IDX_GUEST_RIP), 0x405555);
}

Test(state, flush_mode_blob_restores_from_l1_memory)
{
	A.s->launched = true;
	fx_set(&A, NVMX_IDX_GUEST_RIP, 0x406666);
	roundtrip(NVMX_STATE_FLUSH_VMCS12);
	cr_assert_eq(su_get32(blob + SU_OFF_FLAGS), 1);
	/* Only the record header travels: no fields. */
	cr_assert_eq(su_get32(blob + su_record(blob, 0) + 20), 0);
	struct nvmx_vmcs12 *s = nvmx_vmcs12_find(B.v, FX_VMCS12);
	cr_assert_eq(s->f[NVMX_IDX_GUEST_RIP], 0x406666);
	cr_assert(s->launched);
}

Test(state, flush_mode_in_l2_carries_l2_state_through_memory)
{
	enter(&A);
	l2_ran(&A);
	refhost_vmcs02_set(&A.h, NVMX_F_GUEST_RIP, 0x400def);
	roundtrip(NVMX_STATE_FLUSH_VMCS12);
	cr_assert_eq(refhost_vmcs02_get(&B.h, NVMX_F_GUEST_RIP), 0x400def);
}

/* ---- the golden blob ---- */

static size_t read_file(const char *path, uint8_t *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	size_t n = fread(out, 1, cap, f);
	fclose(f);
	return n;
}

/*
 * tests/state/golden-v1.bin was saved by format version 1 (library 0.1.0)
 * from this fixture in L2 after it ran, GUEST_RIP 0x400abc in VMCS02 and a
 * second VMCS12 at 0x51000 (GUEST_RSP 0x1000, launched). Every later
 * version must restore it.
 */
Test(state, golden_v1_blob_restores)
{
	const char *dir = getenv("NVMX_STATE_GOLDEN");
	cr_assert_not_null(dir, "NVMX_STATE_GOLDEN names the golden blob");
	blen = read_file(dir, blob, sizeof(blob));
	refhost_mem_w32(&B.h, 0x51000, (uint32_t)fx_cap(&B, NVMX_MSR_IA32_VMX_BASIC));
	restore_ok(&B, blob, blen);
	cr_assert(nvmx_vcpu_in_l2(B.v));
	cr_assert_eq(nvmx_vcpu_current_vmptr(B.v), FX_VMCS12);
	cr_assert_eq(B.v->vmxon_ptr, FX_VMXON);
	cr_assert_eq(refhost_vmcs02_get(&B.h, NVMX_F_GUEST_RIP), 0x400abc);
	struct nvmx_vmcs12 *s = nvmx_vmcs12_find(B.v, 0x51000);
	cr_assert_not_null(s);
	cr_assert(s->launched);
	cr_assert_eq(s->f[NVMX_IDX_GUEST_RSP], 0x1000);
	cr_assert_eq(B.v->cur->f[NVMX_IDX_HOST_RIP], 0xffffffff81000000ull);
}

/* Writes the golden blob (run by hand: NVMX_STATE_WRITE_GOLDEN=path). */
Test(state, golden_writer)
{
	const char *path = getenv("NVMX_STATE_WRITE_GOLDEN");
	if (!path)
		return;
	refhost_mem_w32(&A.h, 0x51000, (uint32_t)fx_cap(&A, NVMX_MSR_IA32_VMX_BASIC));
	struct nvmx_vmcs12 *s;
	cr_assert_eq(nvmx_vmcs12_load(A.v, 0x51000, &s), NVMX_STATUS_OK);
	s->launched = true;
	nvmx_vmcs12_set(s, NVMX_IDX_GUEST_RSP, 0x1000);
	enter(&A);
	l2_ran(&A);
	refhost_vmcs02_set(&A.h, NVMX_F_GUEST_RIP, 0x400abc);
	blen = save(&A, 0, blob);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	fwrite(blob, 1, blen, f);
	fclose(f);
}

/* ---- refusals: each has its reason and changes nothing ---- */

static void refused(enum nvmx_reason want)
{
	static uint8_t before[BLOB_MAX];
	size_t nb = save(&B, 0, before);
	uint64_t caps_before[NVMX_CAP_MSR_COUNT];
	memcpy(caps_before, B.h.vm->caps.msr, sizeof(caps_before));
	struct nvmx_state_refusal why;
	enum nvmx_status s = nvmx_vcpu_restore(B.v, blob, blen, &why);
	cr_assert_eq(s, NVMX_STATUS_CORRUPT_STATE, "accepted; wanted %s", nvmx_reason_name(want));
	cr_assert_eq(why.reason, want, "refused with %s, wanted %s", nvmx_reason_name(why.reason),
	             nvmx_reason_name(want));
	static uint8_t after[BLOB_MAX];
	size_t na = save(&B, 0, after);
	cr_assert_eq(na, nb);
	cr_assert_eq(memcmp(before, after, nb), 0, "a refused restore changed the vCPU");
	cr_assert_eq(memcmp(caps_before, B.h.vm->caps.msr, sizeof(caps_before)), 0);
}

/* A valid blob of A in L2 (after it ran), with B holding A's L1 memory. */
static void valid_l2_blob(void)
{
	enter(&A);
	l2_ran(&A);
	blen = save(&A, 0, blob);
	host_copy(&B, &A);
}

static void valid_root_blob(void)
{
	blen = save(&A, 0, blob);
	host_copy(&B, &A);
}

static uint8_t *vcpu_sec(void)
{
	return blob + su_section(blob, SU_SEC_VCPU, NULL);
}

Test(state, refuses_truncated_blob)
{
	valid_root_blob();
	blen -= 1;
	refused(NVMX_REASON_STATE_TRUNCATED);
	blen = 10;
	refused(NVMX_REASON_STATE_TRUNCATED);
}

Test(state, refuses_bad_magic)
{
	valid_root_blob();
	blob[0] ^= 1;
	refused(NVMX_REASON_STATE_BAD_MAGIC);
}

Test(state, refuses_unknown_format_version)
{
	valid_root_blob();
	blob[SU_OFF_VERSION] = 2;
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_VERSION);
}

Test(state, refuses_wrong_checksum)
{
	valid_root_blob();
	blob[blen - 1] ^= 0x80;
	refused(NVMX_REASON_STATE_CHECKSUM);
}

Test(state, refuses_wrong_sizes)
{
	valid_root_blob();
	/* A header size that does not match the number of capability records. */
	blob[SU_OFF_HDR_SIZE] += 16;
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_SIZES);
}

Test(state, refuses_blob_longer_than_it_says)
{
	valid_root_blob();
	blen += 8;
	refused(NVMX_REASON_STATE_SIZES);
}

Test(state, refuses_section_length_wrong_for_its_type)
{
	valid_root_blob();
	su_put64(su_dir(blob, 0) + 16, 56); /* the vCPU section is 64 bytes */
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_SIZES);
}

Test(state, refuses_section_outside_blob)
{
	valid_root_blob();
	su_put64(su_dir(blob, 1) + 8, blen - 4);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_SECTION_BOUNDS);
}

Test(state, refuses_overlapping_sections)
{
	valid_root_blob();
	/* The VMCS12 section starts inside the vCPU section. */
	su_put64(su_dir(blob, 1) + 8, su_get64(su_dir(blob, 0) + 8) + 8);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_SECTION_OVERLAP);
}

Test(state, refuses_repeated_section)
{
	valid_root_blob();
	su_put32(su_dir(blob, 1), SU_SEC_VCPU);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_SECTION_REPEATED);
}

Test(state, refuses_unknown_mandatory_section_and_skips_unknown_optional)
{
	valid_root_blob();
	su_put32(su_dir(blob, 1), 0x77);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_SECTION_UNKNOWN);
	/* Optional: skipped, but then the VMCS12 section is missing. */
	su_put32(su_dir(blob, 1) + 4, 0);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_SECTION_MISSING);
}

Test(state, skips_unknown_optional_section)
{
	/* Add a third, optional section of type 0x99 after the others. */
	valid_root_blob();
	uint32_t hdr = su_hdr_size(blob);
	uint8_t tmp[BLOB_MAX];
	size_t n = 0;
	memcpy(tmp, blob, hdr + 2 * SU_DIR_REC);
	n = hdr + 3 * SU_DIR_REC;
	memset(tmp + hdr + 2 * SU_DIR_REC, 0, SU_DIR_REC);
	memcpy(tmp + n, blob + hdr + 2 * SU_DIR_REC, blen - hdr - 2 * SU_DIR_REC);
	n += blen - hdr - 2 * SU_DIR_REC;
	for (unsigned i = 0; i < 2; i++)
		su_put64(tmp + hdr + i * SU_DIR_REC + 8, su_get64(tmp + hdr + i * SU_DIR_REC + 8) + SU_DIR_REC);
	uint8_t *d = tmp + hdr + 2 * SU_DIR_REC;
	su_put32(d, 0x99);
	su_put64(d + 8, n);
	su_put64(d + 16, 16);
	memset(tmp + n, 0xab, 16);
	n += 16;
	su_put32(tmp + SU_OFF_NSEC, 3);
	su_put64(tmp + SU_OFF_TOTAL, n);
	su_reseal(tmp, n);
	restore_ok(&B, tmp, n);
	cr_assert_eq(nvmx_vcpu_current_vmptr(B.v), FX_VMCS12);
}

Test(state, refuses_missing_vcpu_section)
{
	valid_root_blob();
	su_put32(su_dir(blob, 0), 0x98);
	su_put32(su_dir(blob, 0) + 4, 0);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_SECTION_MISSING);
}

Test(state, refuses_l2_state_without_its_l2_section)
{
	valid_l2_blob();
	su_put32(su_dir(blob, 2), 0x98);
	su_put32(su_dir(blob, 2) + 4, 0);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_SECTION_MISSING);
}

Test(state, refuses_reserved_bits)
{
	valid_root_blob();
	vcpu_sec()[63] = 1;
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_RESERVED_NONZERO);
}

Test(state, refuses_unknown_capability_msr)
{
	valid_root_blob();
	su_put32(blob + SU_HDR + 3 * SU_CAP_REC, 0x3a); /* IA32_FEATURE_CONTROL */
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_CAP_UNKNOWN_MSR);
}

Test(state, refuses_capability_the_vm_lacks_naming_it)
{
	valid_root_blob();
	/* B's VM stops offering EPT (IA32_VMX_PROCBASED_CTLS2 bit 33). */
	uint64_t c2 = fx_cap(&B, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2);
	cr_assert(c2 & (1ull << 33));
	cr_assert_eq(nvmx_vm_set_cap(B.h.vm, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, c2 & ~(1ull << 33)),
	             NVMX_STATUS_OK);
	refused(NVMX_REASON_STATE_CAP_LACKING);
	struct nvmx_state_refusal why;
	nvmx_vcpu_restore(B.v, blob, blen, &why);
	cr_assert_eq(why.msr, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2);
}

Test(state, narrower_saved_capabilities_narrow_the_vm)
{
	uint64_t c2 = fx_cap(&A, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2);
	cr_assert_eq(nvmx_vm_set_cap(A.h.vm, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, c2 & ~(1ull << 33)),
	             NVMX_STATUS_OK);
	roundtrip(0);
	cr_assert_eq(fx_cap(&B, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2), c2 & ~(1ull << 33));
}

Test(state, refuses_wider_maxphyaddr)
{
	valid_root_blob();
	cr_assert_eq(nvmx_vm_set_maxphyaddr(B.h.vm, 36), NVMX_STATUS_OK);
	refused(NVMX_REASON_STATE_MAXPHYADDR);
}

Test(state, refuses_contradicting_flags)
{
	valid_root_blob();
	vcpu_sec()[0] = 0; /* not in VMX operation, yet a VMXON pointer */
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_BAD_FLAGS);
}

Test(state, refuses_l2_without_current_vmcs)
{
	valid_l2_blob();
	su_put64(vcpu_sec() + 16, ~0ull);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_L2_WITHOUT_VMCS);
}

Test(state, refuses_bad_vmxon_pointer)
{
	valid_root_blob();
	su_put64(vcpu_sec() + 8, FX_VMXON + 8);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_VMXON_PTR);
}

Test(state, refuses_vmcs_pointer_equal_to_vmxon_pointer)
{
	valid_root_blob();
	su_put64(vcpu_sec() + 16, FX_VMXON);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_VMCS_PTR);
}

Test(state, refuses_vmcs_pointer_outside_l1_memory)
{
	valid_root_blob();
	/* Record 0 and the current pointer move beyond B's 1 MiB of L1 memory. */
	su_put64(blob + su_record(blob, 0), 0x200000);
	su_put64(vcpu_sec() + 16, 0x200000);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_PTR_NOT_BACKED);
}

Test(state, refuses_repeated_vmcs12_record)
{
	struct nvmx_vmcs12 *s;
	refhost_mem_w32(&A.h, 0x51000, (uint32_t)fx_cap(&A, NVMX_MSR_IA32_VMX_BASIC));
	cr_assert_eq(nvmx_vmcs12_load(A.v, 0x51000, &s), NVMX_STATUS_OK);
	valid_root_blob();
	su_put64(blob + su_record(blob, 1), su_get64(blob + su_record(blob, 0)));
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_VMCS12_REPEATED);
}

Test(state, refuses_more_vmcs12s_than_cache_slots)
{
	valid_root_blob();
	su_put32(blob + su_section(blob, SU_SEC_VMCS12, NULL), 9); /* 8 slots */
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_TOO_MANY_VMCS12);
}

Test(state, refuses_current_vmcs_without_record)
{
	valid_root_blob();
	su_put64(vcpu_sec() + 16, 0x30000);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_CURRENT_NOT_SAVED);
}

Test(state, refuses_wrong_revision)
{
	valid_root_blob();
	su_put32(blob + su_record(blob, 0) + 8, 0x12345);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_VMCS12_REVISION);
}

Test(state, refuses_unknown_field_encoding)
{
	valid_root_blob();
	uint64_t at = 0;
	cr_assert_neq(su_field(blob, 0, 0x681e, &at), ~0ull);
	su_put32(blob + at - 4, 0x7ffe);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_VMCS12_FIELD_UNKNOWN);
}

Test(state, refuses_value_wider_than_its_field)
{
	valid_root_blob();
	uint64_t at = 0; /* GUEST_CS_SELECTOR (0x802) is 16 bits wide */
	cr_assert_neq(su_field(blob, 0, 0x802, &at), ~0ull);
	su_put64(blob + at, 0x10008);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_VMCS12_FIELD_WIDTH);
}

Test(state, refuses_field_listed_twice)
{
	valid_root_blob();
	uint64_t a1, a2;
	cr_assert_neq(su_field(blob, 0, 0x681e, &a1), ~0ull);
	cr_assert_neq(su_field(blob, 0, 0x802, &a2), ~0ull);
	su_put32(blob + a2 - 4, 0x681e);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_VMCS12_FIELD_REPEATED);
}

Test(state, refuses_l2_under_clear_launch_state)
{
	valid_l2_blob();
	blob[su_record(blob, 0) + 16] = 0;
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_L2_NOT_LAUNCHED);
}

Test(state, refuses_l2_under_vmcs12_failing_entry_checks)
{
	valid_l2_blob();
	/* SDM 27.3.1.1: with "IA-32e mode guest", CR0.PG must be 1. */
	uint64_t at = 0;
	uint64_t cr0 = su_field(blob, 0, 0x6800, &at);
	cr_assert_neq(cr0, ~0ull);
	su_put64(blob + at, cr0 & ~(uint64_t)NVMX_CR0_PG);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_ENTRY_CHECKS);
	struct nvmx_state_refusal why;
	nvmx_vcpu_restore(B.v, blob, blen, &why);
	cr_assert_neq(why.entry_reason, NVMX_REASON_NONE);
}

Test(state, refuses_pending_event_failing_injection_checks)
{
	valid_l2_blob();
	/* SDM 27.2.1.3: type 1 is reserved. */
	uint64_t l2 = su_section(blob, SU_SEC_L2, NULL);
	su_put64(blob + l2, 0x80000100u | 0x30);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_EVENT);
}

Test(state, refuses_l1_efer_with_reserved_bits)
{
	valid_l2_blob();
	su_put64(vcpu_sec() + 24, 1ull << 20);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_L1_STATE);
}

Test(state, refuses_flag_byte_out_of_range)
{
	valid_root_blob();
	vcpu_sec()[0] = 2;
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_BAD_VALUE);
}

Test(state, refused_restore_leaves_l2_running_as_it_was)
{
	/* B runs L2 itself; a corrupt blob leaves its VMCS02 and state alone. */
	enter(&B);
	l2_ran(&B);
	refhost_vmcs02_set(&B.h, NVMX_F_GUEST_RIP, 0x400777);
	valid_root_blob();
	blob[blen - 1] ^= 1;
	struct nvmx_state_refusal why;
	cr_assert_eq(nvmx_vcpu_restore(B.v, blob, blen, &why), NVMX_STATUS_CORRUPT_STATE);
	cr_assert(nvmx_vcpu_in_l2(B.v));
	cr_assert_eq(refhost_vmcs02_get(&B.h, NVMX_F_GUEST_RIP), 0x400777);
	struct nvmx_result res = cpuid_exit(&B);
	cr_assert_eq(res.outcome, NVMX_OUTCOME_EXIT_TO_L1);
	cr_assert_eq(B.v->cur->f[NVMX_IDX_GUEST_RIP], 0x400777);
}

Test(state, reason_names_are_stable)
{
	cr_assert_eq(NVMX_REASON_STATE_OK, 0x4001);
	cr_assert_str_eq(nvmx_reason_name(NVMX_REASON_STATE_CHECKSUM), "STATE_CHECKSUM");
	cr_assert_str_eq(nvmx_status_name(NVMX_STATUS_CORRUPT_STATE), "CORRUPT_STATE");
}

/* ---- the VM blob (docs/nested-state.md, "VM blob") ---- */

#define VM_MAGIC 0x56584d4eu            /* "NMXV" */
#define VM_SEC_VPID 1u

TestSuite(state_vm, .init = setup, .fini = teardown);

static size_t vm_save(struct entry_fixture *f, uint8_t *out)
{
	size_t n = 0, max = 0;
	cr_assert_eq(nvmx_vm_state_size(f->h.vm, &max), NVMX_STATUS_OK);
	cr_assert_leq(max, BLOB_MAX);
	cr_assert_eq(nvmx_vm_save(f->h.vm, out, max, &n), NVMX_STATUS_OK);
	cr_assert_leq(n, max);
	return n;
}

/* L2s of A's L1 used VPID12 7, 3, 9 and 7 again: LRU order 3, 9, 7. */
static void use_vpids(struct entry_fixture *f)
{
	static const uint16_t seq[] = { 7, 3, 9, 7 };
	bool flush;
	for (unsigned i = 0; i < 4; i++)
		cr_assert_neq(nvmx_vpid_for_entry(f->v, true, seq[i], &flush), 0);
}

static void vm_refused(enum nvmx_reason want)
{
	static uint8_t before[BLOB_MAX], after[BLOB_MAX];
	size_t nb = vm_save(&B, before);
	struct nvmx_state_refusal why;
	enum nvmx_status s = nvmx_vm_restore(B.h.vm, blob, blen, &why);
	cr_assert_eq(s, NVMX_STATUS_CORRUPT_STATE, "accepted; wanted %s", nvmx_reason_name(want));
	cr_assert_eq(why.reason, want, "refused with %s, wanted %s", nvmx_reason_name(why.reason),
	             nvmx_reason_name(want));
	size_t na = vm_save(&B, after);
	cr_assert_eq(na, nb);
	cr_assert_eq(memcmp(before, after, nb), 0, "a refused VM restore changed the VM");
}

static uint8_t *vm_vpid_sec(void)
{
	uint64_t len;
	uint64_t off = su_section(blob, VM_SEC_VPID, &len);
	cr_assert_neq(off, 0);
	return blob + off;
}

Test(state_vm, blob_holds_caps_and_vpid12s_oldest_first)
{
	use_vpids(&A);
	blen = vm_save(&A, blob);
	cr_assert_eq(su_get32(blob), VM_MAGIC);
	cr_assert_eq(su_get32(blob + SU_OFF_NSEC), 1);
	cr_assert_eq(su_get32(blob + SU_OFF_NCAPS), 20);
	cr_assert_eq(blob[SU_OFF_MAXPHY], nvmx_vm_maxphyaddr(A.h.vm));
	/* Record 0x0b is IA32_VMX_PROCBASED_CTLS2 (0x48b). */
	cr_assert_eq(su_get32(blob + SU_HDR + 0x0b * SU_CAP_REC), 0x48b);
	cr_assert_eq(su_get64(blob + SU_HDR + 0x0b * SU_CAP_REC + 8),
	             fx_cap(&A, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2));
	uint8_t *p = vm_vpid_sec();
	cr_assert_eq(su_get32(p), 3);
	cr_assert_eq(su_get32(p + 8), 3);
	cr_assert_eq(su_get32(p + 12), 9);
	cr_assert_eq(su_get32(p + 16), 7);
	uint64_t len;
	su_section(blob, VM_SEC_VPID, &len);
	cr_assert_eq(len, 8 + 3 * 4);
	cr_assert_eq(blen, SU_HDR + 20 * SU_CAP_REC + SU_DIR_REC + len);
}

Test(state_vm, roundtrips_bit_exact_into_a_fresh_vm)
{
	use_vpids(&A);
	uint64_t c2 = fx_cap(&A, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2);
	cr_assert_eq(nvmx_vm_set_cap(A.h.vm, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, c2 & ~(1ull << 33)),
	             NVMX_STATUS_OK);
	cr_assert_eq(nvmx_vm_set_maxphyaddr(A.h.vm, 39), NVMX_STATUS_OK);
	blen = vm_save(&A, blob);
	struct nvmx_state_refusal why;
	cr_assert_eq(nvmx_vm_restore(B.h.vm, blob, blen, &why), NVMX_STATUS_OK, "%s",
	             nvmx_reason_name(why.reason));
	cr_assert_eq(why.reason, NVMX_REASON_STATE_OK);
	blen2 = vm_save(&B, blob2);
	cr_assert_eq(blen2, blen);
	cr_assert_eq(memcmp(blob, blob2, blen), 0, "vm save(restore(x)) differs from x");
	cr_assert_eq(fx_cap(&B, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2), c2 & ~(1ull << 33));
	cr_assert_eq(nvmx_vm_maxphyaddr(B.h.vm), 39);
	/* Then the vCPU blob restores against the capabilities in place. */
	blen = save(&A, 0, blob);
	host_copy(&B, &A);
	restore_ok(&B, blob, blen);
}

Test(state_vm, restored_vpid12s_get_vpid02s_flushed_before_first_use)
{
	use_vpids(&A);
	blen = vm_save(&A, blob);
	/* B's L2s used VPID12 3 before: its VPID02 was flushed already. */
	bool flush;
	uint16_t old3 = nvmx_vpid_for_entry(B.v, true, 3, &flush);
	cr_assert_eq(nvmx_vm_restore(B.h.vm, blob, blen, NULL), NVMX_STATUS_OK);
	static const uint16_t vpid12[] = { 3, 9, 7 };
	uint16_t v02[3];
	for (unsigned i = 0; i < 3; i++) {
		v02[i] = nvmx_vpid_lookup(B.h.vm, vpid12[i]);
		/* The pool is 0xff00..0xfffe, 0xff00 serving L1s without VPID. */
		cr_assert(v02[i] >= 0xff01 && v02[i] <= 0xfffe, "VPID02 %#x", v02[i]);
		for (unsigned j = 0; j < i; j++)
			cr_assert_neq(v02[i], v02[j]);
	}
	cr_assert_eq(nvmx_vpid_lookup(B.h.vm, 5), 0, "an unsaved VPID12 is not mapped");
	(void)old3;
	/* SDM 29.4.3.3: a VPID02 that may hold another owner's mappings is
	 * flushed before L2 runs under it; once, not at every entry. */
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_eq(nvmx_vpid_for_entry(B.v, true, vpid12[i], &flush), v02[i]);
		cr_assert(flush, "VPID12 %u: no flush at its first entry", vpid12[i]);
		cr_assert_eq(nvmx_vpid_for_entry(B.v, true, vpid12[i], &flush), v02[i]);
		cr_assert_not(flush);
	}
}

Test(state_vm, empty_map_roundtrips)
{
	blen = vm_save(&A, blob);
	cr_assert_eq(su_get32(vm_vpid_sec()), 0);
	cr_assert_eq(nvmx_vm_restore(B.h.vm, blob, blen, NULL), NVMX_STATUS_OK);
	blen2 = vm_save(&B, blob2);
	cr_assert_eq(blen2, blen);
	cr_assert_eq(memcmp(blob, blob2, blen), 0);
}

Test(state_vm, refuses_narrower_vm_naming_the_msr)
{
	use_vpids(&A);
	blen = vm_save(&A, blob);
	uint64_t c2 = fx_cap(&B, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2);
	cr_assert_eq(nvmx_vm_set_cap(B.h.vm, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, c2 & ~(1ull << 37)),
	             NVMX_STATUS_OK);
	vm_refused(NVMX_REASON_STATE_CAP_LACKING);
	struct nvmx_state_refusal why;
	nvmx_vm_restore(B.h.vm, blob, blen, &why);
	cr_assert_eq(why.msr, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2);
	cr_assert_eq(fx_cap(&B, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2), c2 & ~(1ull << 37));
}

Test(state_vm, refuses_wider_maxphyaddr)
{
	blen = vm_save(&A, blob);
	cr_assert_eq(nvmx_vm_set_maxphyaddr(B.h.vm, 36), NVMX_STATUS_OK);
	vm_refused(NVMX_REASON_STATE_MAXPHYADDR);
}

Test(state_vm, refuses_vcpu_blob_and_vcpu_restore_refuses_vm_blob)
{
	blen = save(&A, 0, blob);
	vm_refused(NVMX_REASON_STATE_BLOB_KIND);
	blen = vm_save(&A, blob);
	host_copy(&B, &A);
	refused(NVMX_REASON_STATE_BLOB_KIND);
}

Test(state_vm, refuses_bad_magic_and_checksum)
{
	blen = vm_save(&A, blob);
	blob[SU_OFF_SUM] ^= 1;
	vm_refused(NVMX_REASON_STATE_CHECKSUM);
	blob[0] ^= 0x20;
	su_reseal(blob, blen);
	vm_refused(NVMX_REASON_STATE_BAD_MAGIC);
}

Test(state_vm, refuses_truncated)
{
	blen = vm_save(&A, blob);
	blen -= 4;
	vm_refused(NVMX_REASON_STATE_TRUNCATED);
}

Test(state_vm, refuses_vpid12_zero)
{
	use_vpids(&A);
	blen = vm_save(&A, blob);
	su_put32(vm_vpid_sec() + 12, 0);
	su_reseal(blob, blen);
	vm_refused(NVMX_REASON_STATE_VPID_ZERO);
}

Test(state_vm, refuses_repeated_vpid12)
{
	use_vpids(&A);
	blen = vm_save(&A, blob);
	su_put32(vm_vpid_sec() + 16, 3);
	su_reseal(blob, blen);
	vm_refused(NVMX_REASON_STATE_VPID_REPEATED);
}

Test(state_vm, refuses_count_that_disagrees_with_the_section_length)
{
	use_vpids(&A);
	blen = vm_save(&A, blob);
	su_put32(vm_vpid_sec(), 4);
	su_reseal(blob, blen);
	vm_refused(NVMX_REASON_STATE_SIZES);
}

Test(state_vm, refuses_nonzero_reserved_bits)
{
	use_vpids(&A);
	blen = vm_save(&A, blob);
	su_put32(vm_vpid_sec() + 8, 3 | 1u << 16);
	su_reseal(blob, blen);
	vm_refused(NVMX_REASON_STATE_RESERVED_NONZERO);
	blen = vm_save(&A, blob);
	su_put32(blob + SU_OFF_FLAGS, 1);  /* a VM blob has no flags */
	su_reseal(blob, blen);
	vm_refused(NVMX_REASON_STATE_RESERVED_NONZERO);
}

Test(state_vm, refuses_missing_vpid_section)
{
	blen = vm_save(&A, blob);
	su_put32(su_dir(blob, 0), 0x99);   /* an optional unknown section instead */
	su_put32(su_dir(blob, 0) + 4, 0);
	su_reseal(blob, blen);
	vm_refused(NVMX_REASON_STATE_SECTION_MISSING);
	su_put32(su_dir(blob, 0) + 4, 1);  /* the same, mandatory */
	su_reseal(blob, blen);
	vm_refused(NVMX_REASON_STATE_SECTION_UNKNOWN);
}

Test(state_vm, refuses_section_outside_the_blob)
{
	blen = vm_save(&A, blob);
	su_put64(su_dir(blob, 0) + 8, blen);
	su_reseal(blob, blen);
	vm_refused(NVMX_REASON_STATE_SECTION_BOUNDS);
}


Test(state_vm, smaller_pool_keeps_the_most_recent_vpid12s)
{
	use_vpids(&A);  /* LRU order 3, 9, 7 */
	blen = vm_save(&A, blob);
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.vpid02_first = 0x100;
	cfg.vpid02_count = 3;   /* 0x100 serves L1s without VPID: two to map */
	static struct refhost h;
	cr_assert_eq(refhost_init(&h, 4ull << 20, &cfg), NVMX_STATUS_OK);
	cr_assert_eq(nvmx_vm_restore(h.vm, blob, blen, NULL), NVMX_STATUS_OK);
	cr_assert_eq(nvmx_vpid_lookup(h.vm, 3), 0, "the least recently used VPID12 is dropped");
	uint16_t v9 = nvmx_vpid_lookup(h.vm, 9), v7 = nvmx_vpid_lookup(h.vm, 7);
	cr_assert(v9 >= 0x101 && v9 <= 0x102 && v7 >= 0x101 && v7 <= 0x102 && v9 != v7);
	/* Its next use takes the least recently used slot (9's) with a flush. */
	bool flush;
	cr_assert_eq(nvmx_vpid_for_entry(h.vcpu, true, 3, &flush), v9);
	cr_assert(flush);
	refhost_fini(&h);
}

Test(state_vm, refuses_unknown_format_version)
{
	blen = vm_save(&A, blob);
	blob[SU_OFF_VERSION] = 2;
	su_reseal(blob, blen);
	vm_refused(NVMX_REASON_STATE_VERSION);
}

Test(state_vm, refuses_unknown_capability_msr_naming_it)
{
	blen = vm_save(&A, blob);
	su_put32(blob + SU_HDR + 5 * SU_CAP_REC, 0x3a); /* IA32_FEATURE_CONTROL */
	su_reseal(blob, blen);
	vm_refused(NVMX_REASON_STATE_CAP_UNKNOWN_MSR);
	struct nvmx_state_refusal why;
	nvmx_vm_restore(B.h.vm, blob, blen, &why);
	cr_assert_eq(why.msr, 0x3a);
}

Test(state_vm, check_answers_as_restore_and_changes_nothing)
{
	use_vpids(&A);
	blen = vm_save(&A, blob);
	static uint8_t before[BLOB_MAX];
	size_t nb = vm_save(&B, before);
	struct nvmx_state_refusal why;
	cr_assert_eq(nvmx_vm_restore_check(B.h.vm, blob, blen, &why), NVMX_STATUS_OK);
	cr_assert_eq(why.reason, NVMX_REASON_STATE_OK);
	blen2 = vm_save(&B, blob2);
	cr_assert_eq(blen2, nb);
	cr_assert_eq(memcmp(before, blob2, nb), 0);
	su_put32(vm_vpid_sec() + 12, 0);
	su_reseal(blob, blen);
	cr_assert_eq(nvmx_vm_restore_check(B.h.vm, blob, blen, &why), NVMX_STATUS_CORRUPT_STATE);
	cr_assert_eq(why.reason, NVMX_REASON_STATE_VPID_ZERO);
	cr_assert_eq(why.offset, su_section(blob, VM_SEC_VPID, NULL) + 12);
}
