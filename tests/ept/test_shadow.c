/* SPDX-License-Identifier: MIT */
/* EPT02 composition, the shadow cache, invalidation, budget, EPTP lists. */
#include <criterion/criterion.h>
#include "ept_helpers.h"

static struct refhost h;
static struct ept12 t;

static void setup(void)
{
	cr_assert_eq(refhost_init(&h, 16ull << 20, NULL), NVMX_STATUS_OK);
	vmcs12_current(&h, false);
	ept12_init(&t, &h, TABLES, 4, false);
}

static void teardown(void)
{
	refhost_fini(&h);
}

TestSuite(ept_compose, .init = setup, .fini = teardown);
TestSuite(ept_invalidate, .init = setup, .fini = teardown);

static struct nvmx_ept_outcome fault(uint64_t l2, uint64_t qual)
{
	struct nvmx_ept_outcome o;
	cr_assert_eq(nvmx_ept_fault(h.vcpu, l2, qual, 0x7000, &o), NVMX_STATUS_OK);
	return o;
}

#define LIN ((1u << 7) | (1u << 8))

Test(ept_compose, maps_a_4k_page_at_the_ept01_address)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	cr_assert_eq(enter_l2(&h, t.eptp), NVMX_STATUS_OK);
	uint64_t hpa;
	struct nvmx_ept_outcome o;
	cr_assert_eq(l2_access(&h, 0x5abc, REFHOST_L2_READ, &hpa, &o), -1);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x300abc);
	cr_assert_eq(o.kind, NVMX_EPT_MAPPED);
	cr_assert_eq(o.page_size, 4096);
	cr_assert_eq(o.rights, 7);
}

Test(ept_compose, keeps_a_2m_page_when_both_map_2m)
{
	ept12_map(&t, 0x40000000, 0x800000, 2, WB_RWX);
	enter_l2(&h, t.eptp);
	struct nvmx_ept_outcome o = fault(0x40012345, 1 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_MAPPED);
	cr_assert_eq(o.page_size, 2u << 20);
	cr_assert_eq(o.hpa, REFHOST_HPA_BASE + 0x812345);
	uint64_t hpa;
	cr_assert_eq(l2_access(&h, 0x401fff00, REFHOST_L2_WRITE, &hpa, NULL), -1);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x9fff00, "the whole 2M page is mapped");
}

Test(ept_compose, uses_the_smaller_page_when_ept01_maps_4k)
{
	ept12_map(&t, 0x40000000, 0x800000, 2, WB_RWX);
	refhost_range_add(&h, REFHOST_RANGE_MAP, 0x812000, 0x1000, 0x5555000, 7);
	enter_l2(&h, t.eptp);
	struct nvmx_ept_outcome o = fault(0x40012345, 1 | LIN);
	cr_assert_eq(o.page_size, 4096);
	cr_assert_eq(o.hpa, 0x5555345);
	o = fault(0x40013000, 1 | LIN);
	cr_assert_eq(o.page_size, 4096);
	cr_assert_eq(o.hpa, REFHOST_HPA_BASE + 0x813000);
}

Test(ept_compose, uses_the_smaller_page_when_ept12_maps_4k)
{
	ept12_map(&t, 0x5000, 0x800000, 1, WB_RWX);
	enter_l2(&h, t.eptp);
	cr_assert_eq(fault(0x5000, 1 | LIN).page_size, 4096);
}

Test(ept_compose, caps_a_1g_ept12_page_by_the_2m_ept01_page)
{
	ept12_map(&t, 0x80000000ull, 0, 3, WB_RWX);
	enter_l2(&h, t.eptp);
	struct nvmx_ept_outcome o = fault(0x80612345ull, 1 | LIN);
	cr_assert_eq(o.page_size, 2u << 20);
	cr_assert_eq(o.hpa, REFHOST_HPA_BASE + 0x612345);
}

Test(ept_compose, intersects_ept12_and_ept01_rights)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	refhost_range_add(&h, REFHOST_RANGE_MAP, 0x300000, 0x1000, REFHOST_HPA_BASE + 0x300000, 5);
	enter_l2(&h, t.eptp);
	struct nvmx_ept_outcome o = fault(0x5000, 1 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_MAPPED);
	cr_assert_eq(o.rights, NVMX_ACCESS_READ | NVMX_ACCESS_EXEC);
	o = fault(0x5000, 2 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_L0, "EPT12 allows the write, EPT01 does not");
	cr_assert_eq(o.reason, NVMX_REASON_EPT01_RIGHTS);
	cr_assert_eq(o.l1_gpa, 0x300000);
}

Test(ept_compose, grants_no_more_than_ept12)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_R);
	enter_l2(&h, t.eptp);
	cr_assert_eq(fault(0x5000, 1 | LIN).rights, NVMX_ACCESS_READ);
	uint64_t hpa;
	struct nvmx_ept_outcome o;
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_WRITE, &hpa, &o), NVMX_EPT_REFLECT_VIOLATION);
}

Test(ept_compose, takes_uc_from_ept12_over_l0_wb)
{
	ept12_map(&t, 0x5000, 0x300000, 1, 7u | (0u << 3) | (1u << 6));
	enter_l2(&h, t.eptp);
	struct nvmx_ept_outcome o = fault(0x5000, 1 | LIN);
	cr_assert_eq(o.memtype, 0);
	uint64_t *pt = refhost_page_va(&h, refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER));
	cr_assert_not_null(pt);
	/* Walk EPT02 down to the PTE by hand: bits 5:3 UC, ignore-PAT kept. */
	for (int l = 4; l > 1; l--)
		pt = refhost_page_va(&h, pt[(0x5000ull >> (12 + 9 * (l - 1))) & 511]);
	cr_assert_eq(pt[5] & 0x78, 0x40, "memtype 0 and IPAT");
}

Test(ept_compose, hands_unbacked_l1_memory_to_l0)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	refhost_range_add(&h, REFHOST_RANGE_UNMAP, 0x300000, 0x1000, 0, 0);
	enter_l2(&h, t.eptp);
	struct nvmx_ept_outcome o = fault(0x5000, 1 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_L0);
	cr_assert_eq(o.reason, NVMX_REASON_EPT01_NOT_MAPPED);
	cr_assert_eq(o.l1_gpa, 0x300000);
}

Test(ept_compose, reflects_violation_with_the_sdm_qualification)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_R);
	enter_l2(&h, t.eptp);
	uint64_t qual = 2 | (1u << 7) | (1u << 8) | (1u << 12);
	struct nvmx_ept_outcome o = fault(0x5010, qual);
	cr_assert_eq(o.kind, NVMX_EPT_REFLECT_VIOLATION);
	cr_assert_eq(o.exit_reason, 48);
	/* write access, readable, linear valid + translation, NMI unblocking */
	cr_assert_eq(o.qualification, 0x2 | 0x8 | 0x80 | 0x100 | 0x1000);
	cr_assert_eq(o.l2_gpa, 0x5010);
	cr_assert_eq(o.guest_linear, 0x7000);
}

Test(ept_compose, reports_user_execute_in_bit_6_with_mbec)
{
	vmcs12_current(&h, true);
	ept12_map_nl(&t, 0x5000, 0x300000, 1, 1u | (6u << 3) | (1u << 10), 7u | (1u << 10));
	enter_l2(&h, t.eptp);
	struct nvmx_ept_outcome o = fault(0x5000, 4 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_REFLECT_VIOLATION, "supervisor fetch needs bit 2");
	cr_assert_eq(o.qualification, 0x4 | 0x8 | 0x40 | LIN);
	o = fault(0x5000, 4 | LIN | (1u << 9));
	cr_assert_eq(o.kind, NVMX_EPT_MAPPED, "user fetch allowed by bit 10");
}

Test(ept_compose, reflects_misconfiguration_as_exit_49)
{
	ept12_map(&t, 0x5000, 0x300000, 1, 7u | (7u << 3));
	enter_l2(&h, t.eptp);
	struct nvmx_ept_outcome o = fault(0x5000, 1 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_REFLECT_MISCONFIG);
	cr_assert_eq(o.exit_reason, 49);
	cr_assert_eq(o.qualification, 0);
}

Test(ept_compose, withholds_write_until_the_ept12_leaf_is_dirty)
{
	struct ept12 a;
	ept12_init(&a, &h, 0x600000, 4, true);
	uint64_t leaf = ept12_map(&a, 0x5000, 0x300000, 1, WB_RWX);
	enter_l2(&h, a.eptp);
	struct nvmx_ept_outcome o = fault(0x5000, 1 | LIN);
	cr_assert_eq(o.rights, NVMX_ACCESS_READ | NVMX_ACCESS_EXEC);
	cr_assert_not(refhost_mem_r64(&h, leaf) & (1u << 9));
	uint64_t hpa;
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_WRITE, &hpa, &o), -1);
	cr_assert_eq(o.rights, 7);
	cr_assert(refhost_mem_r64(&h, leaf) & (1u << 9), "dirty set in EPT12");
}

Test(ept_compose, hands_tables_in_mmio_to_l0)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	uint64_t pdpt = refhost_mem_r64(&h, t.root) & ~0xfffull;
	refhost_range_add(&h, REFHOST_RANGE_MMIO, pdpt, 4096, 0, 0);
	enter_l2(&h, t.eptp);
	struct nvmx_ept_outcome o = fault(0x5000, 1 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_L0);
	cr_assert_eq(o.reason, NVMX_REASON_EPT12_TABLE_UNBACKED);
	cr_assert_eq(o.l1_gpa, pdpt);
}

Test(ept_compose, refuses_fault_without_a_root)
{
	struct nvmx_ept_outcome o;
	cr_assert_eq(nvmx_ept_fault(h.vcpu, 0, 1, 0, &o), NVMX_STATUS_WRONG_STATE);
	cr_assert_eq(nvmx_ept_root(h.vcpu, 0x200000 | 1, &(uint64_t){ 0 }),
	             NVMX_STATUS_INVALID_ARGUMENT);
}

Test(ept_compose, reuses_shadow_roots_when_l1_switches_eptps)
{
	struct ept12 b;
	ept12_init(&b, &h, 0x600000, 4, false);
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	ept12_map(&b, 0x5000, 0x301000, 1, WB_RWX);
	uint64_t hpa;
	enter_l2(&h, t.eptp);
	uint64_t ra = refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER);
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	enter_l2(&h, b.eptp);
	cr_assert_neq(refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER), ra);
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x301000);
	struct nvmx_ept_stats st0, st1;
	nvmx_vm_get_ept_stats(h.vm, &st0);
	enter_l2(&h, t.eptp);
	cr_assert_eq(refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER), ra);
	struct refhost_l2_exit ex;
	cr_assert_eq(refhost_l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, &ex), REFHOST_L2_OK,
	             "still mapped: no fault after switching back");
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x300000);
	nvmx_vm_get_ept_stats(h.vm, &st1);
	cr_assert_eq(st1.pages, st0.pages);
}

Test(ept_compose, shares_one_shadow_for_an_ept12_table_reached_twice)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	/* PML4E[1] names the same PDPT as PML4E[0]. */
	refhost_mem_w64(&h, t.root + 8, refhost_mem_r64(&h, t.root));
	enter_l2(&h, t.eptp);
	uint64_t hpa;
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	struct nvmx_ept_stats st;
	nvmx_vm_get_ept_stats(h.vm, &st);
	cr_assert_eq(st.pages, 4);
	cr_assert_eq(l2_access(&h, (1ull << 39) | 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x300000);
	nvmx_vm_get_ept_stats(h.vm, &st);
	cr_assert_eq(st.pages, 4, "the PDPT, PD and PT shadows are shared");
}

Test(ept_compose, builds_an_eptp_list_of_shadow_roots)
{
	struct ept12 b;
	ept12_init(&b, &h, 0x600000, 4, false);
	uint64_t list = 0x700000;
	refhost_mem_w64(&h, list + 0, t.eptp);
	refhost_mem_w64(&h, list + 8, 0x12345001ull);   /* memtype 1: invalid */
	refhost_mem_w64(&h, list + 16, b.eptp);
	enter_l2(&h, t.eptp);
	uint64_t hpa02 = 0;
	cr_assert_eq(nvmx_ept_eptp_list(h.vcpu, list, &hpa02), NVMX_STATUS_OK);
	uint64_t *l02 = refhost_page_va(&h, hpa02);
	cr_assert_not_null(l02);
	cr_assert_eq(l02[0], refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER));
	cr_assert_eq(l02[1], 0);
	cr_assert_not_null(refhost_page_va(&h, l02[2]));
	cr_assert_neq(l02[2], l02[0]);
	cr_assert_eq(l02[3], 0);
	/* L2 switches to entry 2 (VMFUNC) and faults under that root. */
	ept12_map(&b, 0x5000, 0x302000, 1, WB_RWX);
	refhost_vmcs02_set(&h, NVMX_F_EPT_POINTER, l02[2]);
	uint64_t hpa;
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x302000);
}

Test(ept_compose, refuses_write_protect_mode_without_the_host_op)
{
	struct refhost h2;
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.flags = NVMX_VM_WRITE_PROTECT_EPT12;
	cr_assert_eq(refhost_init(&h2, 1 << 20, &cfg), NVMX_STATUS_OK);
	refhost_fini(&h2);
	struct nvmx_host_ops ops = h.ops;
	ops.l0_write_protect = NULL;
	struct nvmx_vm *vm = NULL;
	cr_assert_eq(nvmx_vm_create(&cfg, &ops, &h, &vm), NVMX_STATUS_BAD_OPS);
	ops.size = offsetof(struct nvmx_host_ops, l0_write_protect);
	ops.l0_write_protect = h.ops.l0_write_protect;
	cr_assert_eq(nvmx_vm_create(&cfg, &ops, &h, &vm), NVMX_STATUS_BAD_OPS,
	             "an older, shorter ops table has no such op");
}

/* ---- invalidation ---- */

Test(ept_invalidate, invept_single_context_makes_the_next_entry_see_l1s_edit)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	enter_l2(&h, t.eptp);
	uint64_t eptp02 = refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER), hpa;
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	/* L1 remaps without telling: the stale translation is still allowed. */
	ept12_map(&t, 0x5000, 0x301000, 1, WB_RWX);
	struct refhost_l2_exit ex;
	cr_assert_eq(refhost_l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, &ex), REFHOST_L2_OK);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x300000);
	/* SDM 29.4.3.1: after INVEPT of this EPTRTA, no translation derived
	 * from the old EPT12 is used. L1 then resumes L2 (a VM entry). */
	cr_assert_eq(nvmx_ept_invept(h.vcpu, 1, t.eptp), NVMX_STATUS_OK);
	enter_l2(&h, t.eptp);
	cr_assert_neq(refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER), eptp02, "a fresh root");
	cr_assert_eq(refhost_l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, &ex),
	             REFHOST_L2_EPT_VIOLATION);
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x301000);
	/* The old root went back to the host only after a hardware
	 * single-context INVEPT of its EPTP02. */
	cr_assert_null(refhost_page_va(&h, eptp02));
	cr_assert_eq(h.last_invept_type, 1);
	cr_assert_eq(h.last_invept_eptp, eptp02);
}

Test(ept_invalidate, invept_single_context_spares_other_roots)
{
	struct ept12 b;
	ept12_init(&b, &h, 0x600000, 4, false);
	ept12_map(&b, 0x5000, 0x301000, 1, WB_RWX);
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	uint64_t hpa;
	enter_l2(&h, b.eptp);
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	enter_l2(&h, t.eptp);
	nvmx_ept_invept(h.vcpu, 1, t.eptp);
	enter_l2(&h, b.eptp);
	struct refhost_l2_exit ex;
	cr_assert_eq(refhost_l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, &ex), REFHOST_L2_OK);
}

Test(ept_invalidate, invept_all_context_retires_everything)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	enter_l2(&h, t.eptp);
	uint64_t eptp02 = refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER), hpa;
	l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL);
	cr_assert_eq(nvmx_ept_invept(h.vcpu, 2, 0), NVMX_STATUS_OK);
	struct nvmx_ept_stats st;
	nvmx_vm_get_ept_stats(h.vm, &st);
	cr_assert_eq(st.trees_retired, 1);
	enter_l2(&h, t.eptp);
	cr_assert_neq(refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER), eptp02);
	/* The retired tree goes back a little per fault: after 16 faults, all
	 * four of its pages. */
	for (uint64_t i = 0; i < 16; i++) {
		ept12_map(&t, 0x5000 + 4096 * i, 0x300000 + 4096 * i, 1, WB_RWX);
		cr_assert_eq(l2_access(&h, 0x5000 + 4096 * i, REFHOST_L2_READ, &hpa, NULL), -1);
	}
	nvmx_vm_get_ept_stats(h.vm, &st);
	cr_assert_eq(st.pages_reclaimed, 4, "root, PDPT, PD, PT of the retired tree");
	cr_assert_eq(st.pages, 4, "only the new tree's path");
	cr_assert_eq(st.rmap_entries, 16);
	cr_assert_eq(nvmx_ept_invept(h.vcpu, 3, 0), NVMX_STATUS_INVALID_ARGUMENT);
}

Test(ept_invalidate, l1_unmap_drops_exactly_the_entries_built_from_it)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	ept12_map(&t, 0x6000, 0x301000, 1, WB_RWX);
	enter_l2(&h, t.eptp);
	uint64_t hpa;
	l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL);
	l2_access(&h, 0x6000, REFHOST_L2_READ, &hpa, NULL);
	uint64_t calls = h.invept_calls;
	refhost_range_add(&h, REFHOST_RANGE_UNMAP, 0x300000, 0x1000, 0, 0);
	cr_assert_eq(nvmx_vm_notify_l1_mem_changed(h.vm, 0x300000, 0x1000, NVMX_MEM_BALLOONED),
	             NVMX_STATUS_OK);
	cr_assert_eq(h.invept_calls, calls + 1);
	struct refhost_l2_exit ex;
	cr_assert_eq(refhost_l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, &ex),
	             REFHOST_L2_EPT_VIOLATION);
	cr_assert_eq(refhost_l2_access(&h, 0x6000, REFHOST_L2_READ, &hpa, &ex), REFHOST_L2_OK);
	struct nvmx_ept_outcome o;
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, &o), NVMX_EPT_L0);
}

Test(ept_invalidate, l1_remap_moves_the_mapping)
{
	ept12_map(&t, 0x40000000, 0x800000, 2, WB_RWX);
	enter_l2(&h, t.eptp);
	uint64_t hpa;
	l2_access(&h, 0x40003000, REFHOST_L2_READ, &hpa, NULL);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x803000);
	refhost_range_add(&h, REFHOST_RANGE_MAP, 0x803000, 0x1000, 0x4440000, 7);
	nvmx_vm_notify_l1_mem_changed(h.vm, 0x803000, 0x1000, NVMX_MEM_REMAPPED);
	cr_assert_eq(l2_access(&h, 0x40003000, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert_eq(hpa, 0x4440000);
	cr_assert_eq(l2_access(&h, 0x40004000, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x804000);
}

Test(ept_invalidate, l1_read_only_takes_write_away)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	enter_l2(&h, t.eptp);
	uint64_t hpa;
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_WRITE, &hpa, NULL), -1);
	refhost_range_add(&h, REFHOST_RANGE_MAP, 0x300000, 0x1000, REFHOST_HPA_BASE + 0x300000, 5);
	nvmx_vm_notify_l1_mem_changed(h.vm, 0x300000, 0x1000, NVMX_MEM_READ_ONLY);
	struct nvmx_ept_outcome o;
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_WRITE, &hpa, &o), NVMX_EPT_L0);
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, &o), -1);
}

Test(ept_invalidate, l1_change_of_an_ept12_table_page_drops_its_shadow)
{
	uint64_t leaf = ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	enter_l2(&h, t.eptp);
	uint64_t hpa;
	l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL);
	struct nvmx_ept_stats st0, st1;
	nvmx_vm_get_ept_stats(h.vm, &st0);
	nvmx_vm_notify_l1_mem_changed(h.vm, leaf & ~0xfffull, 0x1000, NVMX_MEM_REMAPPED);
	nvmx_vm_get_ept_stats(h.vm, &st1);
	cr_assert_eq(st1.pages, st0.pages - 1, "the PT shadow is gone");
	cr_assert_eq(nvmx_vm_notify_l1_mem_changed(h.vm, 0, 0, NVMX_MEM_UNMAPPED),
	             NVMX_STATUS_INVALID_ARGUMENT);
	cr_assert_eq(nvmx_vm_notify_l1_mem_changed(h.vm, ~0ull, 2, NVMX_MEM_UNMAPPED),
	             NVMX_STATUS_INVALID_ARGUMENT);
}

Test(ept_invalidate, write_protect_mode_catches_l1_edits_without_invept)
{
	refhost_fini(&h);
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.flags = NVMX_VM_WRITE_PROTECT_EPT12;
	cr_assert_eq(refhost_init(&h, 16ull << 20, &cfg), NVMX_STATUS_OK);
	vmcs12_current(&h, false);
	ept12_init(&t, &h, TABLES, 4, false);
	uint64_t leaf = ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	enter_l2(&h, t.eptp);
	uint64_t hpa;
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert(refhost_wp_test(&h, leaf), "the PT page is write-protected");
	cr_assert(refhost_wp_test(&h, t.root), "the PML4 page is write-protected");
	uint64_t e = 0x305000 | WB_RWX;
	cr_assert(refhost_l1_store(&h, leaf, &e, 8));
	cr_assert_not(refhost_wp_test(&h, leaf), "unprotected after the write");
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x305000, "the edit is seen without INVEPT");
	cr_assert(refhost_wp_test(&h, leaf), "protected again once shadowed");
}

Test(ept_invalidate, write_protect_mode_takes_write_from_l2_mappings_of_new_table_pages)
{
	refhost_fini(&h);
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.flags = NVMX_VM_WRITE_PROTECT_EPT12;
	cr_assert_eq(refhost_init(&h, 16ull << 20, &cfg), NVMX_STATUS_OK);
	vmcs12_current(&h, false);
	ept12_init(&t, &h, TABLES, 4, false);
	/* L2 page 0x9000 is L1 page 0x500000, which later holds an EPT12 PT. */
	ept12_map(&t, 0x9000, 0x500000, 1, WB_RWX);
	enter_l2(&h, t.eptp);
	uint64_t hpa;
	cr_assert_eq(l2_access(&h, 0x9000, REFHOST_L2_WRITE, &hpa, NULL), -1);
	/* L1 builds a new PT at 0x500000 for L2 1G..1G+2M and L2 touches it. */
	uint64_t pdpt = refhost_mem_r64(&h, t.root) & ~0xfffull;
	refhost_mem_w64(&h, pdpt + 8, 0x501000 | 7);              /* PD at 0x501000 */
	refhost_mem_w64(&h, 0x501000, 0x500000 | 7);               /* PT at 0x500000 */
	refhost_mem_w64(&h, 0x500000, 0x302000 | WB_RWX);
	cr_assert_eq(l2_access(&h, 0x40000000, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert(refhost_wp_test(&h, 0x500000));
	struct refhost_l2_exit ex;
	cr_assert_eq(refhost_l2_access(&h, 0x9000, REFHOST_L2_WRITE, &hpa, &ex),
	             REFHOST_L2_EPT_VIOLATION, "L2's write to the table page must fault");
	struct nvmx_ept_outcome o;
	cr_assert_eq(l2_access(&h, 0x9000, REFHOST_L2_WRITE, &hpa, &o), NVMX_EPT_L0);
	cr_assert_eq(o.reason, NVMX_REASON_EPT01_RIGHTS);
	cr_assert_eq(l2_access(&h, 0x9000, REFHOST_L2_READ, &hpa, &o), -1);
}

Test(ept_invalidate, budget_bounds_the_shadow_and_evicts)
{
	refhost_fini(&h);
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.shadow_ept_budget = 8 * 4096;
	cr_assert_eq(refhost_init(&h, 16ull << 20, &cfg), NVMX_STATUS_OK);
	vmcs12_current(&h, false);
	ept12_init(&t, &h, TABLES, 4, false);
	/* 16 4K pages in 16 different 1G regions: 3 tables each. */
	for (uint64_t i = 0; i < 16; i++)
		ept12_map(&t, (i << 30) | 0x5000, 0x300000 + (i << 12), 1, WB_RWX);
	enter_l2(&h, t.eptp);
	for (int round = 0; round < 2; round++) {
		for (uint64_t i = 0; i < 16; i++) {
			uint64_t hpa;
			cr_assert_eq(l2_access(&h, (i << 30) | 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
			cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x300000 + (i << 12));
			struct nvmx_ept_stats st;
			nvmx_vm_get_ept_stats(h.vm, &st);
			cr_assert_leq(st.pages, 8);
		}
	}
	struct nvmx_ept_stats st;
	nvmx_vm_get_ept_stats(h.vm, &st);
	cr_assert_gt(st.evictions, 0);
	cr_assert_leq(st.pages_peak, 8);
	cr_assert_leq(h.npages, 9, "host pages: budget plus none leaked");
}

Test(ept_invalidate, refuses_a_budget_under_eight_pages)
{
	struct refhost h2;
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.shadow_ept_budget = 7 * 4096;
	cr_assert_eq(refhost_init(&h2, 1 << 20, &cfg), NVMX_STATUS_INVALID_ARGUMENT);
}

Test(ept_compose, maps_through_a_five_level_shadow)
{
	struct ept12 f;
	ept12_init(&f, &h, 0x600000, 5, false);
	uint64_t l2 = (3ull << 48) | 0x5000;
	ept12_map(&f, l2, 0x300000, 1, WB_RWX);
	cr_assert_eq(enter_l2(&h, f.eptp), NVMX_STATUS_OK);
	cr_assert_eq((refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER) >> 3) & 7, 4, "5-level EPTP02");
	uint64_t hpa;
	cr_assert_eq(l2_access(&h, l2 | 0x10, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x300010);
}

Test(ept_compose, sets_ad_flags_without_the_host_cmpxchg)
{
	struct ept12 a;
	ept12_init(&a, &h, 0x600000, 4, true);
	uint64_t leaf = ept12_map(&a, 0x5000, 0x300000, 1, WB_RWX);
	h.vm->ops.gpa_cmpxchg64 = NULL;
	enter_l2(&h, a.eptp);
	uint64_t hpa;
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_WRITE, &hpa, NULL), -1);
	cr_assert_eq(refhost_mem_r64(&h, leaf) & 0x300, 0x300, "A and D set by read + write");
}

static enum nvmx_status always_lose(void *host, uint64_t gpa, uint64_t expected, uint64_t desired,
                                    bool *swapped)
{
	(void)host;
	(void)gpa;
	(void)expected;
	(void)desired;
	*swapped = false;
	return NVMX_STATUS_OK;
}

Test(ept_compose, gives_up_on_an_entry_that_keeps_changing)
{
	struct ept12 a;
	ept12_init(&a, &h, 0x600000, 4, true);
	ept12_map(&a, 0x5000, 0x300000, 1, WB_RWX);
	h.vm->ops.gpa_cmpxchg64 = always_lose;
	enter_l2(&h, a.eptp);
	struct nvmx_ept_outcome o = fault(0x5000, 1 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_RETRY);
	cr_assert_eq(o.reason, NVMX_REASON_EPT12_AD_RACE);
}

Test(ept_compose, hands_tables_beyond_l1_memory_to_l0)
{
	refhost_mem_w64(&h, t.root, 0x7ff000000ull | 7);  /* PDPT far beyond 16 MiB */
	enter_l2(&h, t.eptp);
	struct nvmx_ept_outcome o = fault(0x5000, 1 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_L0);
	cr_assert_eq(o.l1_gpa, 0x7ff000000ull);
}

static unsigned ept_traces;
static void count_trace(void *ctx, const struct nvmx_trace *ev)
{
	(void)ctx;
	if (ev->kind == NVMX_TRACE_EPT)
		ept_traces++;
}

Test(ept_compose, traces_every_fault_with_its_reason)
{
	h.trace_hook = count_trace;
	ept_traces = 0;
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	enter_l2(&h, t.eptp);
	fault(0x5000, 1 | LIN);
	fault(0x9000, 1 | LIN);
	cr_assert_eq(ept_traces, 2);
}

Test(ept_invalidate, l1_mem_changed_on_a_huge_range_scans_the_map)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	enter_l2(&h, t.eptp);
	uint64_t hpa;
	l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL);
	cr_assert_eq(nvmx_vm_notify_l1_mem_changed(h.vm, 0, 1ull << 45, NVMX_MEM_READ_ONLY), NVMX_STATUS_OK);
	struct nvmx_ept_stats st;
	nvmx_vm_get_ept_stats(h.vm, &st);
	cr_assert_eq(st.rmap_entries, 0);
	struct refhost_l2_exit ex;
	cr_assert_eq(refhost_l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, &ex),
	             REFHOST_L2_EPT_VIOLATION);
}

Test(ept_invalidate, l1_write_without_write_protect_mode_is_harmless)
{
	cr_assert_eq(nvmx_vm_notify_l1_write(h.vm, 0x123000), NVMX_STATUS_OK);
	cr_assert_eq(nvmx_vm_notify_l1_write(NULL, 0), NVMX_STATUS_INVALID_ARGUMENT);
}

Test(ept_invalidate, keeps_other_vcpus_roots_alive_through_invept_and_eviction)
{
	refhost_fini(&h);
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.shadow_ept_budget = 8 * 4096;
	cr_assert_eq(refhost_init(&h, 16ull << 20, &cfg), NVMX_STATUS_OK);
	vmcs12_current(&h, false);
	ept12_init(&t, &h, TABLES, 4, false);
	struct ept12 b;
	ept12_init(&b, &h, 0x600000, 4, false);
	struct nvmx_vcpu *v2 = NULL;
	cr_assert_eq(nvmx_vcpu_create(h.vm, &h, &v2), NVMX_STATUS_OK);
	uint64_t eptp02_b = 0;
	cr_assert_eq(nvmx_ept_root(v2, b.eptp, &eptp02_b), NVMX_STATUS_OK);
	cr_assert_eq(nvmx_ept_invept(h.vcpu, 2, 0), NVMX_STATUS_OK);
	cr_assert_not_null(refhost_page_va(&h, eptp02_b), "pinned by vCPU 2: kept, not freed");
	/* Fill the budget from vCPU 1: vCPU 2's root is never the victim. */
	for (uint64_t i = 0; i < 16; i++)
		ept12_map(&t, (i << 30) | 0x5000, 0x300000, 1, WB_RWX);
	enter_l2(&h, t.eptp);
	for (uint64_t i = 0; i < 16; i++) {
		uint64_t hpa;
		cr_assert_eq(l2_access(&h, (i << 30) | 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	}
	cr_assert_not_null(refhost_page_va(&h, eptp02_b));
	/* vCPU 2's next entry leaves the retired root for a live one. */
	uint64_t again = 0;
	cr_assert_eq(nvmx_ept_root(v2, b.eptp, &again), NVMX_STATUS_OK);
	cr_assert_neq(again, eptp02_b);
	nvmx_vcpu_destroy(v2);
}

Test(ept_invalidate, destroying_the_vcpu_and_vm_returns_every_page)
{
	/* Shadow tables under two roots, an EPTP-list page, a pinned root. */
	struct ept12 b;
	ept12_init(&b, &h, 0x600000, 4, false);
	uint64_t list = 0x700000;
	refhost_mem_w64(&h, list + 0, t.eptp);
	refhost_mem_w64(&h, list + 8, b.eptp);
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	ept12_map(&b, 0x5000, 0x302000, 1, WB_RWX);
	enter_l2(&h, t.eptp);
	uint64_t hpa02 = 0, hpa;
	cr_assert_eq(nvmx_ept_eptp_list(h.vcpu, list, &hpa02), NVMX_STATUS_OK);
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert_gt(h.npages, 0);
	nvmx_vcpu_destroy(h.vcpu);
	h.vcpu = NULL;
	nvmx_vm_destroy(h.vm);
	h.vm = NULL;
	cr_expect_eq(h.npages, 0, "%u pages still allocated", h.npages);
}

/*
 * NVMX_L0_EMULATE_APIC_VIRT: L0's processor does not virtualize APIC
 * accesses for L2, so an L2 access to L1's APIC-access page must reach L0
 * as an EPT violation (SDM "Virtualizing Memory-Mapped APIC Accesses": the
 * access is to the 4-KiB page whose physical address is the APIC-access
 * address, here the guest-physical address after EPT12, as with EPT the
 * processor compares the guest-physical address).
 */
TestSuite(ept_apic_emulate, .init = setup, .fini = teardown);

static void emulate_apic(bool on, uint64_t apic_access)
{
	struct nvmx_l0_policy p;
	nvmx_l0_policy_default(&p);
	if (on)
		p.flags |= NVMX_L0_EMULATE_APIC_VIRT;
	cr_assert_eq(nvmx_vcpu_set_l0_policy(h.vcpu, &p), NVMX_STATUS_OK);
	struct nvmx_vmcs12 *s = h.vcpu->cur;
	s->f[NVMX_IDX_SECONDARY_VM_EXEC_CONTROL] |= NVMX_PROC2_VIRT_APIC_ACCESSES;
	s->f[NVMX_IDX_APIC_ACCESS_ADDR] = apic_access;
}

Test(ept_apic_emulate, the_apic_access_page_is_not_mapped_and_l0_gets_the_access)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	emulate_apic(true, 0x300000);
	cr_assert_eq(enter_l2(&h, t.eptp), NVMX_STATUS_OK);
	struct nvmx_ept_outcome o = fault(0x50b0, 2 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_L0);
	cr_assert_eq(o.reason, NVMX_REASON_APIC_ACCESS_EMULATED);
	cr_assert_eq(o.l1_gpa, 0x3000b0, "the page offset the host hands to nvmx_vcpu_apic_access");
	/* EPT02 still does not map it: the hardware model faults again. */
	uint64_t hpa = 0;
	cr_assert_eq(l2_access(&h, 0x5080, REFHOST_L2_READ, &hpa, &o), NVMX_EPT_L0);
	cr_assert_eq(o.reason, NVMX_REASON_APIC_ACCESS_EMULATED);
}

Test(ept_apic_emulate, without_the_flag_the_apic_access_page_is_mapped_as_before)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	emulate_apic(false, 0x300000);
	cr_assert_eq(enter_l2(&h, t.eptp), NVMX_STATUS_OK);
	uint64_t hpa = 0;
	cr_assert_eq(l2_access(&h, 0x5080, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x300080);
}

Test(ept_apic_emulate, other_pages_map_and_no_large_page_covers_the_apic_access_page)
{
	/* One 2-MiB EPT12 page (SDM 29.3.2) holding the APIC-access page. */
	ept12_map(&t, 0x40000000, 0x800000, 2, WB_RWX);
	emulate_apic(true, 0x812000);
	enter_l2(&h, t.eptp);
	struct nvmx_ept_outcome o = fault(0x40000345, 1 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_MAPPED);
	cr_assert_eq(o.page_size, 4096, "a 2-MiB leaf would map the APIC-access page");
	cr_assert_eq(o.hpa, REFHOST_HPA_BASE + 0x800345);
	o = fault(0x40012000, 1 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_L0);
	cr_assert_eq(o.reason, NVMX_REASON_APIC_ACCESS_EMULATED);
	o = fault(0x40013000, 1 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_MAPPED);
	cr_assert_eq(o.hpa, REFHOST_HPA_BASE + 0x813000);
}

Test(ept_apic_emulate, without_virtualize_apic_accesses_in_vmcs12_nothing_is_withheld)
{
	ept12_map(&t, 0x40000000, 0x800000, 2, WB_RWX);
	emulate_apic(true, 0x812000);
	h.vcpu->cur->f[NVMX_IDX_SECONDARY_VM_EXEC_CONTROL] &= ~(uint64_t)NVMX_PROC2_VIRT_APIC_ACCESSES;
	enter_l2(&h, t.eptp);
	struct nvmx_ept_outcome o = fault(0x40012000, 1 | LIN);
	cr_assert_eq(o.kind, NVMX_EPT_MAPPED);
	cr_assert_eq(o.page_size, 2u << 20);
}
