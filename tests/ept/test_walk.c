/* SPDX-License-Identifier: MIT */
/* The EPT12 walker on hand-built tables (SDM 29.3.2, 29.3.3, 29.3.5). */
#include <criterion/criterion.h>
#include "ept_helpers.h"

static struct refhost h;
static struct ept12 t;

static void setup(void)
{
	cr_assert_eq(refhost_init(&h, 16ull << 20, NULL), NVMX_STATUS_OK);
	ept12_init(&t, &h, TABLES, 4, false);
}

static void teardown(void)
{
	refhost_fini(&h);
}

static struct nvmx_ept_walk walk(uint64_t eptp, uint64_t l2, unsigned access, unsigned flags)
{
	struct nvmx_ept_walk w;
	cr_assert_eq(nvmx_ept12_walk(h.vcpu, eptp, l2, access, flags, &w), NVMX_STATUS_OK);
	return w;
}

TestSuite(ept_walk, .init = setup, .fini = teardown);

Test(ept_walk, translates_a_4k_page)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	struct nvmx_ept_walk w = walk(t.eptp, 0x5123, NVMX_ACCESS_READ, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_OK);
	cr_assert_eq(w.l1_gpa, 0x300123);
	cr_assert_eq(w.page_size, 4096);
	cr_assert_eq(w.level, 1);
	cr_assert_eq(w.rights, 7);
	cr_assert_eq(w.memtype, 6);
}

Test(ept_walk, translates_a_2m_page)
{
	ept12_map(&t, 0x40000000, 0x800000, 2, WB_RWX);
	struct nvmx_ept_walk w = walk(t.eptp, 0x40012345, NVMX_ACCESS_WRITE, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_OK);
	cr_assert_eq(w.l1_gpa, 0x812345);
	cr_assert_eq(w.page_size, 2u << 20);
}

Test(ept_walk, translates_a_1g_page)
{
	ept12_map(&t, 0x80000000ull, 0x40000000, 3, WB_RWX);
	struct nvmx_ept_walk w = walk(t.eptp, 0x80123456ull, NVMX_ACCESS_EXEC, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_OK);
	cr_assert_eq(w.l1_gpa, 0x40123456);
	cr_assert_eq(w.page_size, 1u << 30);
}

Test(ept_walk, walks_five_levels)
{
	struct ept12 t5;
	ept12_init(&t5, &h, 0x600000, 5, false);
	ept12_map(&t5, 0x1000000000000ull | 0x3000, 0x301000, 1, WB_RWX);
	struct nvmx_ept_walk w = walk(t5.eptp, 0x1000000000000ull | 0x3008, NVMX_ACCESS_READ, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_OK);
	cr_assert_eq(w.levels, 5);
	cr_assert_eq(w.l1_gpa, 0x301008);
}

Test(ept_walk, reports_violation_on_not_present_entry)
{
	struct nvmx_ept_walk w = walk(t.eptp, 0x5000, NVMX_ACCESS_READ, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_VIOLATION);
	cr_assert_eq(w.reason, NVMX_REASON_EPT12_NOT_PRESENT);
	cr_assert_eq(w.level, 4);
	cr_assert_eq(w.rights, 0);
}

Test(ept_walk, reports_violation_on_write_to_read_only_page)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_R);
	struct nvmx_ept_walk w = walk(t.eptp, 0x5000, NVMX_ACCESS_WRITE, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_VIOLATION);
	cr_assert_eq(w.reason, NVMX_REASON_EPT12_ACCESS_DENIED);
	cr_assert_eq(w.rights, NVMX_EPT_R);
}

Test(ept_walk, reports_violation_on_fetch_from_non_executable_page)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RW);
	cr_assert_eq(walk(t.eptp, 0x5000, NVMX_ACCESS_EXEC, 0).result, NVMX_EPT_WALK_VIOLATION);
	cr_assert_eq(walk(t.eptp, 0x5000, NVMX_ACCESS_WRITE, 0).result, NVMX_EPT_WALK_OK);
}

Test(ept_walk, ands_rights_of_non_leaf_entries)
{
	ept12_map_nl(&t, 0x5000, 0x300000, 1, WB_RWX, 5); /* non-leaf r-x */
	struct nvmx_ept_walk w = walk(t.eptp, 0x5000, NVMX_ACCESS_WRITE, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_VIOLATION);
	cr_assert_eq(w.rights, NVMX_EPT_R | NVMX_EPT_X);
}

Test(ept_walk, misconfigures_write_without_read)
{
	ept12_map(&t, 0x5000, 0x300000, 1, 2u | (6u << 3));
	struct nvmx_ept_walk w = walk(t.eptp, 0x5000, NVMX_ACCESS_READ, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_MISCONFIG);
	cr_assert_eq(w.reason, NVMX_REASON_EPT12_WRITE_NO_READ);
}

Test(ept_walk, misconfigures_write_execute_without_read)
{
	ept12_map(&t, 0x5000, 0x300000, 1, 6u | (6u << 3));
	cr_assert_eq(walk(t.eptp, 0x5000, NVMX_ACCESS_EXEC, 0).reason,
	             NVMX_REASON_EPT12_WRITE_NO_READ);
}

Test(ept_walk, allows_execute_only_when_offered)
{
	ept12_map(&t, 0x5000, 0x300000, 1, 4u | (6u << 3));
	struct nvmx_ept_walk w = walk(t.eptp, 0x5000, NVMX_ACCESS_EXEC, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_OK);
	cr_assert_eq(w.rights, NVMX_EPT_X);
}

Test(ept_walk, misconfigures_execute_only_without_the_capability)
{
	uint64_t cap;
	cr_assert_eq(nvmx_vm_get_cap(h.vm, NVMX_MSR_IA32_VMX_EPT_VPID_CAP, &cap), NVMX_STATUS_OK);
	cr_assert_eq(nvmx_vm_set_cap(h.vm, NVMX_MSR_IA32_VMX_EPT_VPID_CAP,
	                             cap & ~NVMX_EPT_CAP_EXECUTE_ONLY), NVMX_STATUS_OK);
	ept12_map(&t, 0x5000, 0x300000, 1, 4u | (6u << 3));
	struct nvmx_ept_walk w = walk(t.eptp, 0x5000, NVMX_ACCESS_EXEC, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_MISCONFIG);
	cr_assert_eq(w.reason, NVMX_REASON_EPT12_EXEC_ONLY);
}

Test(ept_walk, misconfigures_address_bits_beyond_maxphyaddr)
{
	cr_assert_eq(nvmx_vm_set_maxphyaddr(h.vm, 39), NVMX_STATUS_OK);
	ept12_map(&t, 0x5000, (1ull << 40) | 0x300000, 1, WB_RWX);
	struct nvmx_ept_walk w = walk(t.eptp, 0x5000, NVMX_ACCESS_READ, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_MISCONFIG);
	cr_assert_eq(w.reason, NVMX_REASON_EPT12_RESERVED_BIT);
}

Test(ept_walk, misconfigures_memory_types_2_3_and_7)
{
	unsigned bad[] = { 2, 3, 7 };
	for (unsigned i = 0; i < 3; i++) {
		ept12_map(&t, 0x5000, 0x300000, 1, 7u | (bad[i] << 3));
		struct nvmx_ept_walk w = walk(t.eptp, 0x5000, NVMX_ACCESS_READ, 0);
		cr_assert_eq(w.result, NVMX_EPT_WALK_MISCONFIG, "type %u", bad[i]);
		cr_assert_eq(w.reason, NVMX_REASON_EPT12_BAD_MEMTYPE);
	}
	ept12_map(&t, 0x5000, 0x300000, 1, 7u | (4u << 3)); /* WT is fine */
	cr_assert_eq(walk(t.eptp, 0x5000, NVMX_ACCESS_READ, 0).result, NVMX_EPT_WALK_OK);
}

Test(ept_walk, misconfigures_1g_page_when_not_offered)
{
	uint64_t cap;
	nvmx_vm_get_cap(h.vm, NVMX_MSR_IA32_VMX_EPT_VPID_CAP, &cap);
	cr_assert_eq(nvmx_vm_set_cap(h.vm, NVMX_MSR_IA32_VMX_EPT_VPID_CAP, cap & ~NVMX_EPT_CAP_1GB),
	             NVMX_STATUS_OK);
	ept12_map(&t, 0x80000000ull, 0x40000000, 3, WB_RWX);
	struct nvmx_ept_walk w = walk(t.eptp, 0x80000000ull, NVMX_ACCESS_READ, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_MISCONFIG);
	cr_assert_eq(w.reason, NVMX_REASON_EPT12_PAGE_SIZE);
}

Test(ept_walk, misconfigures_2m_page_with_address_bits_below_2m)
{
	ept12_map(&t, 0x40000000, 0x801000, 2, WB_RWX);
	cr_assert_eq(walk(t.eptp, 0x40000000, NVMX_ACCESS_READ, 0).reason,
	             NVMX_REASON_EPT12_RESERVED_BIT);
}

Test(ept_walk, misconfigures_reserved_bits_in_non_leaf_entry)
{
	ept12_map_nl(&t, 0x5000, 0x300000, 1, WB_RWX, 7u | (1u << 4));
	cr_assert_eq(walk(t.eptp, 0x5000, NVMX_ACCESS_READ, 0).reason,
	             NVMX_REASON_EPT12_RESERVED_BIT);
}

Test(ept_walk, misconfigures_page_size_bit_in_pml4e)
{
	refhost_mem_w64(&h, t.root, 0x400000 | 7u | (1u << 7));
	cr_assert_eq(walk(t.eptp, 0x5000, NVMX_ACCESS_READ, 0).result, NVMX_EPT_WALK_MISCONFIG);
}

Test(ept_walk, sets_accessed_flags_and_dirty_flag_on_write)
{
	struct ept12 a;
	ept12_init(&a, &h, 0x600000, 4, true);
	uint64_t leaf = ept12_map(&a, 0x5000, 0x300000, 1, WB_RWX);
	cr_assert_eq(walk(a.eptp, 0x5000, NVMX_ACCESS_READ, 0).result, NVMX_EPT_WALK_OK);
	cr_assert(refhost_mem_r64(&h, a.root) & (1u << 8), "PML4E accessed");
	cr_assert(refhost_mem_r64(&h, leaf) & (1u << 8), "PTE accessed");
	cr_assert_not(refhost_mem_r64(&h, leaf) & (1u << 9), "PTE not dirty after a read");
	struct nvmx_ept_walk w = walk(a.eptp, 0x5000, NVMX_ACCESS_WRITE, 0);
	cr_assert(refhost_mem_r64(&h, leaf) & (1u << 9), "PTE dirty after a write");
	cr_assert(w.entry[0] & (1u << 9));
}

Test(ept_walk, leaves_flags_alone_without_ad_in_eptp)
{
	uint64_t leaf = ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	walk(t.eptp, 0x5000, NVMX_ACCESS_WRITE, 0);
	cr_assert_eq(refhost_mem_r64(&h, leaf), 0x300000 | WB_RWX);
}

Test(ept_walk, counts_guest_paging_access_as_write_with_ad)
{
	struct ept12 a;
	ept12_init(&a, &h, 0x600000, 4, true);
	uint64_t leaf = ept12_map(&a, 0x5000, 0x300000, 1, WB_RWX);
	walk(a.eptp, 0x5000, NVMX_ACCESS_READ, NVMX_EPT_WALK_GPAGING);
	cr_assert(refhost_mem_r64(&h, leaf) & (1u << 9), "dirty set by a paging-structure read");
	ept12_map(&a, 0x6000, 0x301000, 1, WB_R);
	cr_assert_eq(walk(a.eptp, 0x6000, NVMX_ACCESS_READ, NVMX_EPT_WALK_GPAGING).result,
	             NVMX_EPT_WALK_VIOLATION);
	cr_assert_eq(walk(t.eptp, 0x6000, NVMX_ACCESS_READ, NVMX_EPT_WALK_GPAGING).result,
	             NVMX_EPT_WALK_VIOLATION, "t has no 0x6000 mapping");
}

Test(ept_walk, needs_user_execute_bit_for_user_fetch_with_mbec)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	unsigned f = NVMX_EPT_WALK_MBEC;
	cr_assert_eq(walk(t.eptp, 0x5000, NVMX_ACCESS_EXEC, f).result, NVMX_EPT_WALK_OK);
	cr_assert_eq(walk(t.eptp, 0x5000, NVMX_ACCESS_EXEC, f | NVMX_EPT_WALK_USER).result,
	             NVMX_EPT_WALK_VIOLATION);
	cr_assert_eq(walk(t.eptp, 0x5000, NVMX_ACCESS_EXEC, NVMX_EPT_WALK_USER).result,
	             NVMX_EPT_WALK_OK, "without MBEC bit 2 covers user fetches");
	uint64_t l2 = (1ull << 39) | 0x7000;  /* its own PML4E, PDPT, PD and PT */
	ept12_map_nl(&t, l2, 0x302000, 1, WB_RWX | (1u << 10), 7u | (1u << 10));
	struct nvmx_ept_walk w = walk(t.eptp, l2, NVMX_ACCESS_EXEC, f | NVMX_EPT_WALK_USER);
	cr_assert_eq(w.result, NVMX_EPT_WALK_OK);
	cr_assert_eq(w.rights, 0xf);
}

Test(ept_walk, refuses_table_in_unbacked_memory)
{
	ept12_map(&t, 0x5000, 0x300000, 1, WB_RWX);
	uint64_t pdpt = refhost_mem_r64(&h, t.root) & ~0xfffull;
	refhost_range_add(&h, REFHOST_RANGE_MMIO, pdpt, 4096, 0, 0);
	struct nvmx_ept_walk w = walk(t.eptp, 0x5000, NVMX_ACCESS_READ, 0);
	cr_assert_eq(w.result, NVMX_EPT_WALK_UNBACKED);
	cr_assert_eq(w.table_gpa[w.level - 1], pdpt);
}

Test(ept_walk, ends_a_self_referencing_walk_after_four_reads)
{
	refhost_mem_w64(&h, t.root, t.root | 7u);  /* PML4E[0] -> PML4 itself */
	struct nvmx_ept_walk w = walk(t.eptp, 0x0, NVMX_ACCESS_READ, 0);
	/* Read as PDPT, PD and PT in turn, the entry ends as a 4K UC leaf
	 * mapping the PML4 page itself. */
	cr_assert_eq(w.result, NVMX_EPT_WALK_OK);
	cr_assert_eq(w.level, 1);
	cr_assert_eq(w.l1_gpa, t.root);
	cr_assert_eq(w.memtype, 0);
}

Test(ept_walk, accepts_only_valid_eptps)
{
	cr_assert(nvmx_ept_eptp_valid(h.vm, 0x200000 | 6 | (3 << 3)));
	cr_assert(nvmx_ept_eptp_valid(h.vm, 0x200000 | 0 | (4 << 3)));
	cr_assert_not(nvmx_ept_eptp_valid(h.vm, 0x200000 | 1 | (3 << 3)), "memtype WC");
	cr_assert_not(nvmx_ept_eptp_valid(h.vm, 0x200000 | 6 | (2 << 3)), "3-level walk");
	cr_assert_not(nvmx_ept_eptp_valid(h.vm, 0x200000 | 6 | (3 << 3) | (1 << 8)), "bit 8");
	cr_assert_not(nvmx_ept_eptp_valid(h.vm, (1ull << 52) | 6 | (3 << 3)), "beyond MAXPHYADDR");
}

Test(ept_walk, combines_memory_types_uc_dominant)
{
	cr_assert_eq(nvmx_ept_memtype_combine(0, 6), 0);
	cr_assert_eq(nvmx_ept_memtype_combine(6, 0), 0);
	cr_assert_eq(nvmx_ept_memtype_combine(6, 6), 6);
	cr_assert_eq(nvmx_ept_memtype_combine(4, 6), 4);
	cr_assert_eq(nvmx_ept_memtype_combine(6, 1), 1);
	cr_assert_eq(nvmx_ept_memtype_combine(4, 1), 1);
	cr_assert_eq(nvmx_ept_memtype_combine(5, 4), 4);
}
