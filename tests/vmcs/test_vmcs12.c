/* SPDX-License-Identifier: MIT */
/*
 * The VMCS12 cache (libnvmx/vmcs/vmcs12.h): the region layout in L1 memory,
 * launch-state persistence, bounded slots with LRU eviction and write-back,
 * and VMCLEAR's write-back, driven through L1's VMX instructions.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "refhost.h"
#include "core.h"

#define REV 0x4u
#define VMXON_PA 0x1000ull
#define VMCS_A 0x2000ull
#define VMCS_B 0x3000ull
#define VMCS_C 0x4000ull
#define OPND 0x8000ull
#define MAGIC 0x584d564eu /* "NVMX" */
#define SLOT_OFF(idx) (16ull + 8ull * (idx))

static struct refhost h;
static struct nvmx_result r;

static void start(uint32_t slots)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.vmcs12_cache_slots = slots;
	cr_assert_eq(refhost_init(&h, 1ull << 20, &cfg), NVMX_STATUS_OK);
	refhost_mem_w32(&h, VMXON_PA, REV);
	refhost_mem_w32(&h, VMCS_A, REV);
	refhost_mem_w32(&h, VMCS_B, REV);
	refhost_mem_w32(&h, VMCS_C, REV);
	refhost_mem_w64(&h, OPND, VMXON_PA);
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMXON, .mem = true, .la = OPND };
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
}

static void start8(void) { start(8); }
static void start2(void) { start(2); }
static void start1(void) { start(1); }
static void stop(void) { refhost_fini(&h); }

static void ptr_insn(uint32_t reason, uint64_t pa)
{
	refhost_mem_w64(&h, OPND, pa);
	struct refhost_insn in = { .exit_reason = reason, .mem = true, .la = OPND };
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED, "reason %d", r.reason);
}

static void vmwrite(uint32_t enc, uint64_t val)
{
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMWRITE, .reg1 = 1, .reg2 = 2 };
	h.gpr[2] = enc;
	h.gpr[1] = val;
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
}

static uint64_t vmread(uint32_t enc)
{
	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMREAD, .reg1 = 0, .reg2 = 2 };
	h.gpr[2] = enc;
	cr_assert_eq(refhost_exec(&h, &in, &r), NVMX_STATUS_OK);
	cr_assert_eq(r.outcome, NVMX_OUTCOME_SUCCEED);
	return h.gpr[0];
}

static struct nvmx_vcpu_stats stats(void)
{
	struct nvmx_vcpu_stats st;
	nvmx_vcpu_get_stats(h.vcpu, &st);
	return st;
}

TestSuite(vmcs12_layout, .init = start8, .fini = stop);
TestSuite(vmcs12_cache, .init = start2, .fini = stop);
TestSuite(vmcs12_one_slot, .init = start1, .fini = stop);

Test(vmcs12_layout, vmclear_writes_revision_abort_magic_version_launch_and_fields)
{
	refhost_mem_w32(&h, VMCS_A + 4, 0x77);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	vmwrite(NVMX_F_GUEST_RIP, 0xfeedface);
	vmwrite(NVMX_F_GUEST_CS_SELECTOR, 0x23);
	ptr_insn(NVMX_EXIT_REASON_VMCLEAR, VMCS_A);
	uint8_t b[16];
	refhost_mem_read(&h, VMCS_A, b, 16);
	cr_assert_eq(refhost_mem_r32(&h, VMCS_A), REV);
	cr_assert_eq(refhost_mem_r32(&h, VMCS_A + 4), 0x77);
	cr_assert_eq(refhost_mem_r32(&h, VMCS_A + 8), MAGIC);
	cr_assert_eq(b[12] | b[13] << 8, 1);
	cr_assert_eq(b[14], 0);
	cr_assert_eq(refhost_mem_r64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RIP)), 0xfeedface);
	cr_assert_eq(refhost_mem_r64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_CS_SELECTOR)), 0x23);
}

Test(vmcs12_layout, field_slots_follow_the_compact_index)
{
	/* Slot 0 is the first field of the list, VIRTUAL_PROCESSOR_ID (0x0000). */
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	vmwrite(0x0000, 0x1234);
	ptr_insn(NVMX_EXIT_REASON_VMCLEAR, VMCS_A);
	cr_assert_eq(refhost_mem_r64(&h, VMCS_A + 16), 0x1234);
}

Test(vmcs12_layout, loads_field_values_from_a_region_in_its_layout)
{
	refhost_mem_w32(&h, VMCS_A + 8, MAGIC);
	uint8_t ver[2] = { 1, 0 };
	refhost_mem_write(&h, VMCS_A + 12, ver, 2);
	refhost_mem_w64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RSP), 0xabcdef);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	cr_assert_eq(vmread(NVMX_F_GUEST_RSP), 0xabcdef);
}

Test(vmcs12_layout, a_region_without_the_magic_loads_as_zero_and_clear)
{
	refhost_mem_w64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RSP), 0xabcdef);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	cr_assert_eq(vmread(NVMX_F_GUEST_RSP), 0);
	cr_assert_not(h.vcpu->cur->launched);
}

Test(vmcs12_layout, a_region_of_another_layout_version_loads_as_zero)
{
	refhost_mem_w32(&h, VMCS_A + 8, MAGIC);
	uint8_t ver[3] = { 2, 0, 1 };
	refhost_mem_write(&h, VMCS_A + 12, ver, 3);
	refhost_mem_w64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RSP), 0xabcdef);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	cr_assert_eq(vmread(NVMX_F_GUEST_RSP), 0);
	cr_assert_not(h.vcpu->cur->launched);
}

Test(vmcs12_layout, masks_stored_values_wider_than_their_field)
{
	refhost_mem_w32(&h, VMCS_A + 8, MAGIC);
	uint8_t ver[2] = { 1, 0 };
	refhost_mem_write(&h, VMCS_A + 12, ver, 2);
	refhost_mem_w64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_CS_SELECTOR), 0xffff0000ffff1234ull);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	cr_assert_eq(vmread(NVMX_F_GUEST_CS_SELECTOR), 0x1234);
}

Test(vmcs12_layout, launch_state_persists_through_write_back_and_reload)
{
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	/* As a successful VMLAUNCH leaves it: launched, and the copy in
	 * memory out of date. */
	h.vcpu->cur->launched = true;
	h.vcpu->cur->mem_dirty = true;
	cr_assert_eq(nvmx_vmcs12_flush_all(h.vcpu), NVMX_STATUS_OK);
	uint8_t b[16];
	refhost_mem_read(&h, VMCS_A, b, 16);
	cr_assert_eq(b[14], 1);
	struct nvmx_vmcs12 *s = NULL;
	cr_assert_eq(nvmx_vmcs12_load(h.vcpu, VMCS_A, &s), NVMX_STATUS_OK);
	cr_assert(s->launched);
}

Test(vmcs12_layout, vmclear_of_an_uncached_region_in_its_layout_keeps_fields)
{
	refhost_mem_w32(&h, VMCS_A + 8, MAGIC);
	uint8_t hdr[3] = { 1, 0, 1 };
	refhost_mem_write(&h, VMCS_A + 12, hdr, 3);
	refhost_mem_w64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RSP), 0x99);
	ptr_insn(NVMX_EXIT_REASON_VMCLEAR, VMCS_A);
	uint8_t b[16];
	refhost_mem_read(&h, VMCS_A, b, 16);
	cr_assert_eq(b[14], 0);
	cr_assert_eq(refhost_mem_r64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RSP)), 0x99);
}

Test(vmcs12_layout, vmclear_of_a_foreign_region_initializes_it)
{
	refhost_mem_w32(&h, VMCS_A + 4, 0x5);
	refhost_mem_w64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RSP), 0x99);
	ptr_insn(NVMX_EXIT_REASON_VMCLEAR, VMCS_A);
	cr_assert_eq(refhost_mem_r32(&h, VMCS_A), REV);
	cr_assert_eq(refhost_mem_r32(&h, VMCS_A + 4), 0x5);
	cr_assert_eq(refhost_mem_r32(&h, VMCS_A + 8), MAGIC);
	cr_assert_eq(refhost_mem_r64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RSP)), 0);
}

Test(vmcs12_layout, vmclear_writes_back_the_cached_copy_and_drops_it)
{
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	vmwrite(NVMX_F_GUEST_RSP, 0x31337);
	cr_assert_eq(refhost_mem_r64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RSP)), 0);
	uint64_t wb = stats().vmcs12_writebacks;
	ptr_insn(NVMX_EXIT_REASON_VMCLEAR, VMCS_A);
	cr_assert_eq(stats().vmcs12_writebacks, wb + 1);
	cr_assert_eq(refhost_mem_r64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RSP)), 0x31337);
	cr_assert_null(nvmx_vmcs12_find(h.vcpu, VMCS_A));
}

Test(vmcs12_layout, vmwrite_stays_in_the_cache_until_write_back)
{
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	vmwrite(NVMX_F_GUEST_RSP, 0x31337);
	cr_assert_eq(refhost_mem_r64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RSP)), 0);
	cr_assert(h.vcpu->cur->mem_dirty);
}

Test(vmcs12_cache, evicts_the_least_recently_used_slot_with_write_back)
{
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	vmwrite(NVMX_F_GUEST_RSP, 0xa);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_B);
	vmwrite(NVMX_F_GUEST_RSP, 0xb);
	uint64_t loads = stats().vmcs12_loads, wb = stats().vmcs12_writebacks;
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_C);
	cr_assert_eq(stats().vmcs12_loads, loads + 1);
	cr_assert_eq(stats().vmcs12_writebacks, wb + 1);
	cr_assert_null(nvmx_vmcs12_find(h.vcpu, VMCS_A));
	cr_assert_not_null(nvmx_vmcs12_find(h.vcpu, VMCS_B));
	cr_assert_eq(refhost_mem_r64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RSP)), 0xa);
	/* Reloading A brings its value back from memory. */
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	cr_assert_eq(vmread(NVMX_F_GUEST_RSP), 0xa);
}

Test(vmcs12_cache, a_reload_refreshes_recency)
{
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_B);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_C);
	cr_assert_not_null(nvmx_vmcs12_find(h.vcpu, VMCS_A));
	cr_assert_null(nvmx_vmcs12_find(h.vcpu, VMCS_B));
}

Test(vmcs12_cache, a_clean_slot_is_evicted_without_write_back)
{
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_B);
	uint64_t wb = stats().vmcs12_writebacks;
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_C);
	cr_assert_eq(stats().vmcs12_writebacks, wb);
}

Test(vmcs12_cache, a_cached_vmptrld_does_not_read_memory)
{
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	uint64_t loads = stats().vmcs12_loads;
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	cr_assert_eq(stats().vmcs12_loads, loads);
}

Test(vmcs12_one_slot, switching_evicts_the_current_vmcs12_with_write_back)
{
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	vmwrite(NVMX_F_GUEST_RSP, 0xa);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_B);
	cr_assert_eq(nvmx_vcpu_current_vmptr(h.vcpu), VMCS_B);
	cr_assert_eq(refhost_mem_r64(&h, VMCS_A + SLOT_OFF(NVMX_IDX_GUEST_RSP)), 0xa);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	cr_assert_eq(vmread(NVMX_F_GUEST_RSP), 0xa);
}

/* ---- nvmx_vcpu_vmcs12_peek: what the current VMCS12 holds, without an exit ---- */

TestSuite(vmcs12_peek, .init = start8, .fini = stop);

Test(vmcs12_peek, no_current_vmcs_is_wrong_state)
{
	uint64_t x = 7;
	cr_assert_eq(nvmx_vcpu_vmcs12_peek(h.vcpu, NVMX_F_EPT_POINTER, &x), NVMX_STATUS_WRONG_STATE);
	cr_assert_eq(x, 7, "a refused peek wrote its output");
}

Test(vmcs12_peek, control_and_host_fields_as_l1_wrote_them)
{
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	vmwrite(NVMX_F_EPT_POINTER, 0x123456789001eull);
	vmwrite(NVMX_F_HOST_RIP, 0xffffffff81000000ull);
	uint64_t x = 0;
	cr_assert_eq(nvmx_vcpu_vmcs12_peek(h.vcpu, NVMX_F_EPT_POINTER, &x), NVMX_STATUS_OK);
	cr_assert_eq(x, 0x123456789001eull);
	/* SDM 25.11.2: the high access type (bit 0) of a 64-bit field reads
	 * its bits 63:32. */
	cr_assert_eq(nvmx_vcpu_vmcs12_peek(h.vcpu, NVMX_F_EPT_POINTER | 1u, &x), NVMX_STATUS_OK);
	cr_assert_eq(x, 0x12345);
	cr_assert_eq(nvmx_vcpu_vmcs12_peek(h.vcpu, NVMX_F_HOST_RIP, &x), NVMX_STATUS_OK);
	cr_assert_eq(x, 0xffffffff81000000ull);
}

Test(vmcs12_peek, guest_state_exit_information_and_unknown_fields_are_refused)
{
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	uint64_t x = 7;
	/* Encoding bits 11:10: 2 is guest state (GUEST_RIP 0x681e), 1 exit
	 * information (VM_EXIT_REASON 0x4402). */
	cr_assert_eq(nvmx_vcpu_vmcs12_peek(h.vcpu, 0x681e, &x), NVMX_STATUS_INVALID_ARGUMENT);
	cr_assert_eq(nvmx_vcpu_vmcs12_peek(h.vcpu, 0x4402, &x), NVMX_STATUS_INVALID_ARGUMENT);
	/* No field: index 0x1ff of the 32-bit control type; the high access
	 * type of a 32-bit field; bits above 14. */
	cr_assert_eq(nvmx_vcpu_vmcs12_peek(h.vcpu, 0x43fe, &x), NVMX_STATUS_INVALID_ARGUMENT);
	cr_assert_eq(nvmx_vcpu_vmcs12_peek(h.vcpu, 0x4001, &x), NVMX_STATUS_INVALID_ARGUMENT);
	cr_assert_eq(nvmx_vcpu_vmcs12_peek(h.vcpu, 1ull << 32, &x), NVMX_STATUS_INVALID_ARGUMENT);
	cr_assert_eq(x, 7);
}

Test(vmcs12_peek, a_field_l1_is_not_offered_is_refused)
{
	/* Without "enable EPT" in the secondary controls' allowed-1 bits
	 * (IA32_VMX_PROCBASED_CTLS2 bit 33), EPT_POINTER is no field for L1. */
	uint64_t c2;
	cr_assert_eq(nvmx_vm_get_cap(h.vm, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, &c2), NVMX_STATUS_OK);
	cr_assert_eq(nvmx_vm_set_cap(h.vm, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, c2 & ~(1ull << 33)),
	             NVMX_STATUS_OK);
	ptr_insn(NVMX_EXIT_REASON_VMPTRLD, VMCS_A);
	uint64_t x;
	cr_assert_eq(nvmx_vcpu_vmcs12_peek(h.vcpu, NVMX_F_EPT_POINTER, &x), NVMX_STATUS_INVALID_ARGUMENT);
}
