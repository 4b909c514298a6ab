/* SPDX-License-Identifier: MIT */
/*
 * The L0-policy section of a vCPU blob (nvmx/state.h, docs/nested-state.md,
 * "L0 policy"): the blob records the policy the vCPU ran under; a restore
 * into a vCPU whose policy differs in a checked item is refused naming the
 * item and changes nothing; L0-local items (EPTP01, VPID01, TSC offset and
 * multiplier) may differ. Offsets and digests come from the document
 * (XXH64, seed 0, of each 4 KiB bitmap), not from the library.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include "entry_fixture.h"
#include "state_util.h"
#include <nvmx/state.h>

#define BLOB_MAX (1u << 20)
#define SU_SEC_POLICY 4u
#define SU_POL_HDR 8u
#define SU_POL_REC 16u
#define SU_POL_CHECKED 1u
#define SU_POL_PRESENT 2u

static struct entry_fixture A, B;
static uint8_t blob[BLOB_MAX];
static size_t blen;

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

TestSuite(state_policy, .init = setup, .fini = teardown);

static size_t save(struct entry_fixture *f, uint8_t *out)
{
	size_t n = 0, max = 0;
	cr_assert_eq(nvmx_vcpu_state_size(f->v, 0, &max), NVMX_STATUS_OK);
	cr_assert_leq(max, BLOB_MAX);
	cr_assert_eq(nvmx_vcpu_save(f->v, 0, out, max, &n), NVMX_STATUS_OK);
	cr_assert_leq(n, max);
	return n;
}

/* A vCPU in VMX root operation with a current VMCS12 (the fixture's). */
static void saved_in_root(void)
{
	blen = save(&A, blob);
	memcpy(B.h.mem, A.h.mem, A.h.mem_size);
	memcpy(B.h.l1, A.h.l1, REFHOST_VMCS_SLOTS * sizeof(uint64_t));
}

/* Offset of the record of `item` in the policy section, 0 if none. */
static uint64_t item_at(uint32_t item)
{
	uint64_t len = 0, off = su_section(blob, SU_SEC_POLICY, &len);
	cr_assert_neq(off, 0, "the blob has no policy section");
	uint32_t n = su_get32(blob + off);
	cr_assert_eq(len, SU_POL_HDR + (uint64_t)n * SU_POL_REC);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = off + SU_POL_HDR + (uint64_t)i * SU_POL_REC;
		if (su_get32(blob + at) == item)
			return at;
	}
	return 0;
}

static void put_policy(struct entry_fixture *f)
{
	cr_assert_eq(nvmx_vcpu_set_l0_policy(f->v, &f->pol), NVMX_STATUS_OK);
}

static void restored(void)
{
	struct nvmx_state_refusal why;
	enum nvmx_status s = nvmx_vcpu_restore(B.v, blob, blen, &why);
	cr_assert_eq(s, NVMX_STATUS_OK, "refused: %s item %u", nvmx_reason_name(why.reason), why.field);
	cr_assert_eq(nvmx_vcpu_current_vmptr(B.v), FX_VMCS12);
}

/* Refused with `want`, naming `item` (0: none), and B unchanged: B saves
 * the same blob before and after. */
static void refused(enum nvmx_reason want, uint32_t item)
{
	static uint8_t before[BLOB_MAX], after[BLOB_MAX];
	size_t nb = save(&B, before);
	struct nvmx_state_refusal why;
	cr_assert_eq(nvmx_vcpu_restore(B.v, blob, blen, &why), NVMX_STATUS_CORRUPT_STATE,
	             "accepted; wanted %s", nvmx_reason_name(want));
	cr_assert_eq(why.reason, want, "refused with %s, wanted %s", nvmx_reason_name(why.reason),
	             nvmx_reason_name(want));
	if (item)
		cr_assert_eq(why.field, item);
	size_t na = save(&B, after);
	cr_assert_eq(na, nb);
	cr_assert_eq(memcmp(before, after, na), 0, "a refused restore changed the vCPU");
}

Test(state_policy, the_blob_records_every_item_of_the_policy)
{
	A.pol.proc_set |= 1u << 7; /* HLT exiting, as an L0 that wants HLT */
	A.pol.tsc_offset = 0x1234;
	static uint8_t l1_bitmap[4096];
	l1_bitmap[2048 + 0x10] = 1; /* WRMSR 0x80 exits in VMCS01 */
	A.pol.l1_cr0_mask = 0x20;
	A.pol.l1_msr_bitmap = l1_bitmap;
	put_policy(&A);
	saved_in_root();
	uint64_t len = 0, off = su_section(blob, SU_SEC_POLICY, &len);
	cr_assert_neq(off, 0);
	cr_assert_eq(su_get32(blob + off), 20);
	cr_assert_eq(su_get32(blob + off + 4), 0);
	struct { uint32_t item, flags; uint64_t value; } want[] = {
		{ 1, SU_POL_CHECKED, A.pol.flags },
		{ 2, SU_POL_CHECKED, A.pol.pin_set },
		{ 3, SU_POL_CHECKED, A.pol.proc_set },
		{ 4, SU_POL_CHECKED, A.pol.proc2_set },
		{ 5, SU_POL_CHECKED, A.pol.exit_set },
		{ 6, SU_POL_CHECKED, A.pol.entry_set },
		{ 7, SU_POL_CHECKED, 1u << 18 },          /* #MC, the default's */
		{ 8, SU_POL_CHECKED, A.pol.cr0_mask },
		{ 9, SU_POL_CHECKED, 1u << 13 },          /* CR4.VMXE */
		{ 10, SU_POL_CHECKED | SU_POL_PRESENT, XXH64(A.l0_msr, 4096, 0) },
		{ 11, SU_POL_CHECKED | SU_POL_PRESENT, XXH64(A.l0_io_a, 4096, 0) },
		{ 12, SU_POL_CHECKED | SU_POL_PRESENT, XXH64(A.l0_io_b, 4096, 0) },
		{ 13, 0, 0x1234 },
		{ 14, 0, 0 },
		{ 15, 0, FX_EPTP01 },
		{ 16, 0, 0 },
		{ 17, 0, A.pol.l1_flags },
		{ 18, 0, 0x20 },                          /* CR0.NE, as an L0 owns it */
		{ 19, 0, 0 },
		{ 20, SU_POL_PRESENT, XXH64(l1_bitmap, 4096, 0) },
	};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t at = item_at(want[i].item);
		cr_assert_neq(at, 0, "item %u missing", want[i].item);
		cr_assert_eq(su_get32(blob + at + 4), want[i].flags, "item %u flags", want[i].item);
		cr_assert_eq(su_get64(blob + at + 8), want[i].value, "item %u value", want[i].item);
	}
	cr_assert_eq(su_get64(blob + item_at(3) + 8) & (1u << 7), 1u << 7);
}

Test(state_policy, restores_under_the_same_policy)
{
	saved_in_root();
	restored();
}

Test(state_policy, a_different_control_requirement_is_refused_naming_it)
{
	saved_in_root();
	B.pol.proc_set |= 1u << 7;
	put_policy(&B);
	refused(NVMX_REASON_STATE_POLICY_MISMATCH, NVMX_STATE_POLICY_PROC_SET);
}

Test(state_policy, a_different_exception_bitmap_or_cr_mask_is_refused)
{
	saved_in_root();
	B.pol.exception_bitmap |= 1u << 14; /* #PF */
	put_policy(&B);
	refused(NVMX_REASON_STATE_POLICY_MISMATCH, NVMX_STATE_POLICY_EXCEPTION_BITMAP);
	B.pol.exception_bitmap = A.pol.exception_bitmap;
	B.pol.cr0_mask |= 1u << 0; /* CR0.PE */
	put_policy(&B);
	refused(NVMX_REASON_STATE_POLICY_MISMATCH, NVMX_STATE_POLICY_CR0_MASK);
}

Test(state_policy, one_bit_of_a_bitmap_is_a_different_policy)
{
	saved_in_root();
	B.l0_msr[2048 + 1] |= 1; /* WRMSR 0x8 */
	put_policy(&B);
	refused(NVMX_REASON_STATE_POLICY_MISMATCH, NVMX_STATE_POLICY_MSR_BITMAP);
	B.l0_msr[2048 + 1] &= (uint8_t)~1u;
	B.pol.io_bitmap_b = NULL; /* no I/O exits for ports 0x8000-0xffff */
	put_policy(&B);
	refused(NVMX_REASON_STATE_POLICY_MISMATCH, NVMX_STATE_POLICY_IO_BITMAP_B);
}

Test(state_policy, l0_local_items_may_differ)
{
	saved_in_root();
	B.pol.eptp01 = 0x7f00000000ull | 0x1eull; /* EPT01 elsewhere on this host */
	B.pol.tsc_offset = 0x99999;
	B.pol.tsc_multiplier = 1ull << 47;
	static uint8_t l1_bitmap[4096];
	B.pol.l1_cr4_mask = 1u << 13;   /* VMCS01 owns CR4.VMXE here */
	B.pol.l1_msr_bitmap = l1_bitmap;
	put_policy(&B);
	restored();
}

Test(state_policy, an_unknown_checked_item_is_refused_an_unknown_local_one_skipped)
{
	saved_in_root();
	uint64_t at = item_at(NVMX_STATE_POLICY_VPID01);
	su_put32(blob + at, 40);
	su_reseal(blob, blen);
	restored(); /* an L0-local item of a later version */
	fx_fini(&B);
	cr_assert_eq(fx_init(&B), 0);
	memcpy(B.h.mem, A.h.mem, A.h.mem_size);
	su_put32(blob + at + 4, SU_POL_CHECKED);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_POLICY_UNKNOWN, 40);
}

Test(state_policy, malformed_records_are_refused)
{
	saved_in_root();
	static uint8_t good[BLOB_MAX];
	memcpy(good, blob, blen);
	uint64_t off = su_section(blob, SU_SEC_POLICY, NULL);
	/* A checked item written as unchecked (it would escape the check). */
	su_put32(blob + item_at(NVMX_STATE_POLICY_PROC_SET) + 4, 0);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_POLICY_RECORD, 0);
	/* A presence bit on an item that is not a bitmap. */
	memcpy(blob, good, blen);
	su_put32(blob + item_at(NVMX_STATE_POLICY_FLAGS) + 4, SU_POL_CHECKED | SU_POL_PRESENT);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_POLICY_RECORD, 0);
	/* Reserved flag bits. */
	memcpy(blob, good, blen);
	su_put32(blob + item_at(NVMX_STATE_POLICY_EPTP01) + 4, 4);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_POLICY_RECORD, 0);
	/* An item twice (the EPTP01 record renamed to PIN_SET). */
	memcpy(blob, good, blen);
	su_put32(blob + item_at(NVMX_STATE_POLICY_EPTP01), NVMX_STATE_POLICY_PIN_SET);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_POLICY_RECORD, 0);
	/* A count that disagrees with the section's length. */
	memcpy(blob, good, blen);
	su_put32(blob + off, 15);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_POLICY_RECORD, 0);
	/* A checked item left out (the FLAGS record renamed to an unknown,
	 * unchecked item 50). */
	memcpy(blob, good, blen);
	uint64_t at = item_at(NVMX_STATE_POLICY_FLAGS);
	su_put32(blob + at, 50);
	su_put32(blob + at + 4, 0);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_POLICY_RECORD, NVMX_STATE_POLICY_FLAGS);
	/* The header's reserved word. */
	memcpy(blob, good, blen);
	su_put32(blob + off + 4, 1);
	su_reseal(blob, blen);
	refused(NVMX_REASON_STATE_RESERVED_NONZERO, 0);
}

Test(state_policy, a_blob_without_the_section_restores_under_any_policy)
{
	const char *path = getenv("NVMX_STATE_GOLDEN");
	cr_assert_not_null(path);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	blen = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	cr_assert_eq(su_section(blob, SU_SEC_POLICY, NULL), 0, "the v1 golden blob predates the section");
	refhost_mem_w32(&B.h, 0x51000, (uint32_t)fx_cap(&B, NVMX_MSR_IA32_VMX_BASIC));
	B.pol.proc_set |= 1u << 7;
	put_policy(&B);
	restored();
}
