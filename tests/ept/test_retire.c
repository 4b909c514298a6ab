/* SPDX-License-Identifier: MIT */
/*
 * INVEPT in constant time: retired shadow trees, their lazy reclaim, and the
 * invariants that hold meanwhile (DESIGN.md invariant 4): a retired root is
 * never handed out again, its pages go back to the host only after the
 * hardware INVEPT of its EPTP02, the budget counts them, and the reverse
 * map still covers them while a vCPU may run on one.
 */
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

TestSuite(ept_retire, .init = setup, .fini = teardown);

static struct nvmx_ept_stats stats(void)
{
	struct nvmx_ept_stats st;
	nvmx_vm_get_ept_stats(h.vm, &st);
	return st;
}

/* L2 [base, base + n pages) -> L1 0x300000 + the same offsets, faulted in. */
static void map_and_touch(uint64_t base, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t hpa;
		ept12_map(&t, base + 4096ull * i, 0x300000 + 4096ull * (i % 256), 1, WB_RWX);
		cr_assert_eq(l2_access(&h, base + 4096ull * i, REFHOST_L2_READ, &hpa, NULL), -1);
	}
}

Test(ept_retire, invept_calls_no_host_callback_and_frees_nothing)
{
	enter_l2(&h, t.eptp);
	map_and_touch(0, 512);
	map_and_touch(1ull << 30, 64);
	struct nvmx_ept_stats before = stats();
	cr_assert_eq(before.pages, 6, "PML4, PDPT, 2 PDs, 2 PTs");
	uint64_t inv = h.invept_calls, pages = h.npages, vr = h.vmcs_reads, vw = h.vmcs_writes;
	cr_assert_eq(nvmx_ept_invept(h.vcpu, 1, t.eptp), NVMX_STATUS_OK);
	cr_assert_eq(nvmx_ept_invept(h.vcpu, 2, 0), NVMX_STATUS_OK);
	cr_assert_eq(h.invept_calls, inv);
	cr_assert_eq(h.npages, pages);
	cr_assert_eq(h.vmcs_reads, vr);
	cr_assert_eq(h.vmcs_writes, vw);
	struct nvmx_ept_stats after = stats();
	cr_assert_eq(after.pages, 6, "retired, not yet freed");
	cr_assert_eq(after.rmap_entries, 576);
	cr_assert_eq(after.trees_retired, 1);
}

Test(ept_retire, a_retired_root_is_never_handed_out_again)
{
	uint64_t prev = 0;
	for (unsigned i = 0; i < 20; i++) {
		uint64_t eptp02 = 0;
		cr_assert_eq(nvmx_ept_root(h.vcpu, t.eptp, &eptp02), NVMX_STATUS_OK);
		cr_assert_neq(eptp02, prev, "round %u", i);
		refhost_vmcs02_set(&h, NVMX_F_EPT_POINTER, eptp02);
		map_and_touch(0x5000, 1);
		uint64_t same = 0;
		cr_assert_eq(nvmx_ept_root(h.vcpu, t.eptp, &same), NVMX_STATUS_OK);
		cr_assert_eq(same, eptp02, "a live root is reused");
		nvmx_ept_invept(h.vcpu, i & 1 ? 2 : 1, t.eptp);
		prev = eptp02;
	}
}

Test(ept_retire, an_eptp_list_names_only_live_roots_after_invept)
{
	uint64_t list = 0x700000, hpa02 = 0;
	refhost_mem_w64(&h, list, t.eptp);
	enter_l2(&h, t.eptp);
	cr_assert_eq(nvmx_ept_eptp_list(h.vcpu, list, &hpa02), NVMX_STATUS_OK);
	const uint64_t *l = refhost_page_va(&h, hpa02);
	uint64_t old = l[0];
	nvmx_ept_invept(h.vcpu, 1, t.eptp);
	enter_l2(&h, t.eptp);
	cr_assert_eq(nvmx_ept_eptp_list(h.vcpu, list, &hpa02), NVMX_STATUS_OK);
	cr_assert_neq(l[0], old);
	cr_assert_eq(l[0], refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER));
}

Test(ept_retire, a_fault_under_a_retired_root_moves_vmcs02_to_the_live_root)
{
	enter_l2(&h, t.eptp);
	map_and_touch(0x5000, 1);
	uint64_t old = refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER), hpa;
	/* Another vCPU's INVEPT (or this one's, before its next entry): L2
	 * still runs on the retired root until it faults. */
	ept12_map(&t, 0x5000, 0x301000, 1, WB_RWX);
	nvmx_ept_invept(h.vcpu, 1, t.eptp);
	ept12_map(&t, 0x9000, 0x302000, 1, WB_RWX);
	cr_assert_eq(l2_access(&h, 0x9000, REFHOST_L2_READ, &hpa, NULL), -1);
	uint64_t now = refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER);
	cr_assert_neq(now, old);
	uint64_t live = 0;
	cr_assert_eq(nvmx_ept_root(h.vcpu, t.eptp, &live), NVMX_STATUS_OK);
	cr_assert_eq(live, now, "the next entry keeps the root the fault moved to");
	/* The new root holds nothing built before the INVEPT. */
	cr_assert_eq(l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, NULL), -1);
	cr_assert_eq(hpa, REFHOST_HPA_BASE + 0x301000);
}

Test(ept_retire, retired_pages_go_back_a_few_per_fault_and_each_after_a_flush)
{
	enter_l2(&h, t.eptp);
	map_and_touch(0, 8);
	map_and_touch(2ull << 20, 8);
	map_and_touch(4ull << 20, 8);
	uint64_t old = refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER);
	cr_assert_eq(stats().pages, 6, "PML4, PDPT, PD, 3 PTs");
	nvmx_ept_invept(h.vcpu, 2, 0);
	uint64_t inv = h.invept_calls;
	enter_l2(&h, t.eptp);
	cr_assert_lt(stats().pages_reclaimed, 6, "not all at once");
	for (unsigned i = 0; i < 32; i++)
		map_and_touch(0x40000000ull + 4096ull * i, 1);
	cr_assert_eq(stats().pages_reclaimed, 6);
	cr_assert_null(refhost_page_va(&h, old));
	cr_assert_eq(h.invept_calls, inv + 1, "one flush for the whole retired tree");
	cr_assert_eq(h.last_invept_eptp, old);
	cr_assert_eq(stats().rmap_entries, 32, "exactly the new leaves");
	cr_assert_eq(h.npages, stats().pages, "every other page went back to the host");
}

Test(ept_retire, the_budget_counts_retired_pages)
{
	refhost_fini(&h);
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.shadow_ept_budget = 8 * 4096;
	cr_assert_eq(refhost_init(&h, 16ull << 20, &cfg), NVMX_STATUS_OK);
	vmcs12_current(&h, false);
	ept12_init(&t, &h, TABLES, 4, false);
	enter_l2(&h, t.eptp);
	map_and_touch(0, 1);
	map_and_touch(2ull << 20, 1);
	map_and_touch(4ull << 20, 1);
	map_and_touch(6ull << 20, 1);
	cr_assert_eq(stats().pages, 7);
	nvmx_ept_invept(h.vcpu, 2, 0);
	enter_l2(&h, t.eptp);
	/* Two new trees' worth of paths in distinct 1 GiB regions: the
	 * allocator takes retired pages back to stay within 8. */
	for (unsigned i = 0; i < 4; i++) {
		map_and_touch((uint64_t)(i + 1) << 30, 1);
		cr_assert_leq(stats().pages, 8);
		cr_assert_leq(h.npages, 8);
	}
	cr_assert_leq(stats().pages_peak, 8);
}

Test(ept_retire, the_reverse_map_covers_a_retired_root_still_in_use)
{
	enter_l2(&h, t.eptp);
	map_and_touch(0x5000, 2);
	uint64_t old = refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER), hpa;
	/* Another vCPU's INVEPT: this vCPU still runs L2 on the old root. */
	nvmx_ept_invept(h.vcpu, 1, t.eptp);
	struct refhost_l2_exit ex;
	cr_assert_eq(refhost_l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, &ex), REFHOST_L2_OK);
	/* L0 takes L1 page 0x300000 away: the leaf in the retired tree goes
	 * and its EPTP02 is flushed at once, since L2 may run on it. */
	uint64_t inv = h.invept_calls;
	refhost_range_add(&h, REFHOST_RANGE_UNMAP, 0x300000, 0x1000, 0, 0);
	cr_assert_eq(nvmx_vm_notify_l1_mem_changed(h.vm, 0x300000, 0x1000, NVMX_MEM_BALLOONED),
	             NVMX_STATUS_OK);
	cr_assert_eq(h.invept_calls, inv + 1);
	cr_assert_eq(h.last_invept_type, 1);
	cr_assert_eq(h.last_invept_eptp, old);
	cr_assert_eq(refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER), old);
	cr_assert_eq(refhost_l2_access(&h, 0x5000, REFHOST_L2_READ, &hpa, &ex),
	             REFHOST_L2_EPT_VIOLATION);
	cr_assert_eq(refhost_l2_access(&h, 0x6000, REFHOST_L2_READ, &hpa, &ex), REFHOST_L2_OK);
	cr_assert_eq(stats().rmap_entries, 1);
}

Test(ept_retire, a_retired_root_stays_while_any_vcpu_pins_it)
{
	struct nvmx_vcpu *v2 = NULL;
	cr_assert_eq(nvmx_vcpu_create(h.vm, &h, &v2), NVMX_STATUS_OK);
	enter_l2(&h, t.eptp);
	map_and_touch(0x5000, 1);
	uint64_t old = refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER), e2 = 0;
	cr_assert_eq(nvmx_ept_root(v2, t.eptp, &e2), NVMX_STATUS_OK);
	cr_assert_eq(e2, old, "both vCPUs share the live root");
	nvmx_ept_invept(h.vcpu, 1, t.eptp);
	enter_l2(&h, t.eptp);
	for (unsigned i = 0; i < 8; i++)
		map_and_touch(0x100000 + 4096ull * i, 1);
	cr_assert_not_null(refhost_page_va(&h, old), "vCPU 2 may still run on it");
	cr_assert_eq(nvmx_ept_root(v2, t.eptp, &e2), NVMX_STATUS_OK);
	cr_assert_eq(e2, refhost_vmcs02_get(&h, NVMX_F_EPT_POINTER), "vCPU 2 joins the live root");
	map_and_touch(0x200000, 2);
	cr_assert_null(refhost_page_va(&h, old), "reclaimed after the last unpin");
	nvmx_vcpu_destroy(v2);
}

Test(ept_retire, a_fault_clears_a_bounded_number_of_retired_entries)
{
	enter_l2(&h, t.eptp);
	map_and_touch(0, 1024);
	cr_assert_eq(stats().rmap_entries, 1024);
	nvmx_ept_invept(h.vcpu, 1, t.eptp);
	enter_l2(&h, t.eptp);
	/* The first fault builds a 3-page path below the entry's root: its own
	 * share (32 entries) and each allocation's (16 each). */
	uint64_t before = stats().rmap_entries;
	map_and_touch(0x40000000, 1);
	uint64_t cleared = before + 1 - stats().rmap_entries;
	cr_assert_leq(cleared, 32 + 3 * 16);
	/* Faults that allocate nothing: at most 32 each, and some each time
	 * once the empty upper pages are passed. */
	for (unsigned i = 1; i < 8; i++) {
		before = stats().rmap_entries;
		map_and_touch(0x40000000 + 4096ull * i, 1);
		cleared = before + 1 - stats().rmap_entries;
		cr_assert_leq(cleared, 32);
	}
	cr_assert_lt(stats().rmap_entries, 1024, "reclaim is under way");
}
