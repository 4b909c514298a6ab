/* SPDX-License-Identifier: MIT */
/* VPID12 -> VPID02 and INVVPID (SDM 29.1, 29.4.3, INVVPID). */
#include <criterion/criterion.h>
#include "ept_helpers.h"

static struct refhost h;

static void setup(void)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.vpid02_first = 100;
	cfg.vpid02_count = 3;   /* 100 for L1s without VPID, 101 and 102 mapped */
	cr_assert_eq(refhost_init(&h, 1 << 20, &cfg), NVMX_STATUS_OK);
}

static void teardown(void)
{
	refhost_fini(&h);
}

TestSuite(vpid, .init = setup, .fini = teardown);

Test(vpid, maps_vpid12_with_a_flush_only_the_first_time)
{
	bool flush;
	uint16_t a = nvmx_vpid_for_entry(h.vcpu, true, 5, &flush);
	cr_assert(a == 101 || a == 102);
	cr_assert(flush);
	cr_assert_eq(nvmx_vpid_for_entry(h.vcpu, true, 5, &flush), a);
	cr_assert_not(flush);
	cr_assert_eq(nvmx_vpid_lookup(h.vm, 5), a);
}

Test(vpid, flushes_every_entry_when_l1_uses_no_vpid)
{
	bool flush = false;
	cr_assert_eq(nvmx_vpid_for_entry(h.vcpu, false, 0, &flush), 100);
	cr_assert(flush);
	flush = false;
	cr_assert_eq(nvmx_vpid_for_entry(h.vcpu, false, 0, &flush), 100);
	cr_assert(flush);
	cr_assert(nvmx_vpid_exit_flush(h.vcpu, false));
	cr_assert_not(nvmx_vpid_exit_flush(h.vcpu, true));
}

Test(vpid, recycles_the_least_recently_used_with_a_flush)
{
	bool flush;
	uint16_t a = nvmx_vpid_for_entry(h.vcpu, true, 1, &flush);
	uint16_t b = nvmx_vpid_for_entry(h.vcpu, true, 2, &flush);
	cr_assert_neq(a, b);
	nvmx_vpid_for_entry(h.vcpu, true, 1, &flush);  /* 2 is now least recent */
	uint16_t c = nvmx_vpid_for_entry(h.vcpu, true, 3, &flush);
	cr_assert_eq(c, b);
	cr_assert(flush);
	cr_assert_eq(nvmx_vpid_lookup(h.vm, 2), 0);
	cr_assert_eq(nvmx_vpid_lookup(h.vm, 1), a);
}

Test(vpid, invvpid_individual_address_flushes_that_address_of_vpid02)
{
	bool flush;
	uint16_t a = nvmx_vpid_for_entry(h.vcpu, true, 7, &flush);
	cr_assert_eq(nvmx_vpid_invvpid(h.vcpu, 0, 7, 0xffff800000001000ull), NVMX_STATUS_OK);
	cr_assert_eq(h.invvpid_calls, 1);
	cr_assert_eq(h.last_invvpid_type, 0);
	cr_assert_eq(h.last_invvpid_vpid, a);
	cr_assert_eq(h.last_invvpid_la, 0xffff800000001000ull);
}

Test(vpid, invvpid_single_context_flushes_vpid02)
{
	bool flush;
	uint16_t a = nvmx_vpid_for_entry(h.vcpu, true, 7, &flush);
	nvmx_vpid_invvpid(h.vcpu, 1, 7, 0);
	cr_assert_eq(h.last_invvpid_type, 1);
	cr_assert_eq(h.last_invvpid_vpid, a);
}

Test(vpid, invvpid_single_context_non_global_keeps_its_type)
{
	bool flush;
	uint16_t a = nvmx_vpid_for_entry(h.vcpu, true, 7, &flush);
	nvmx_vpid_invvpid(h.vcpu, 3, 7, 0);
	cr_assert_eq(h.last_invvpid_type, 3);
	cr_assert_eq(h.last_invvpid_vpid, a);
}

Test(vpid, invvpid_all_context_flushes_each_mapped_vpid02_before_its_next_use)
{
	bool flush;
	uint16_t a = nvmx_vpid_for_entry(h.vcpu, true, 1, &flush);
	uint16_t b = nvmx_vpid_for_entry(h.vcpu, true, 2, &flush);
	cr_assert_eq(nvmx_vpid_for_entry(h.vcpu, true, 1, &flush), a);
	cr_assert_not(flush);
	/* SDM: all-context INVVPID invalidates the mappings of every VPID but
	 * 0. Constant time: each VPID02 is flushed once, at its next entry. */
	nvmx_vpid_invvpid(h.vcpu, 2, 0, 0);
	cr_assert_eq(h.invvpid_calls, 0);
	cr_assert_eq(nvmx_vpid_for_entry(h.vcpu, true, 1, &flush), a);
	cr_assert(flush);
	cr_assert_eq(nvmx_vpid_for_entry(h.vcpu, true, 1, &flush), a);
	cr_assert_not(flush, "flushed once");
	cr_assert_eq(nvmx_vpid_for_entry(h.vcpu, true, 2, &flush), b);
	cr_assert(flush);
}

Test(vpid, invvpid_of_an_unmapped_vpid12_needs_no_hardware_flush)
{
	nvmx_vpid_invvpid(h.vcpu, 1, 9, 0);
	cr_assert_eq(h.invvpid_calls, 0);
	cr_assert_eq(nvmx_vpid_invvpid(h.vcpu, 4, 9, 0), NVMX_STATUS_INVALID_ARGUMENT);
}

Test(vpid, refuses_a_pool_of_one)
{
	struct refhost h2;
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.vpid02_first = 100;
	cfg.vpid02_count = 1;
	cr_assert_eq(refhost_init(&h2, 1 << 20, &cfg), NVMX_STATUS_INVALID_ARGUMENT);
}
