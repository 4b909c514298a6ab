/* SPDX-License-Identifier: MIT */
/*
 * The VM-level API a host meets first: safe defaults (no example CPU by
 * accident), BAD_OPS that names the missing callback, and the ABI rules of
 * caller-filled structs (docs/host-callbacks.md, "Versioning").
 */
#include <criterion/criterion.h>
#include <string.h>
#include <nvmx/nvmx.h>
#include "refhost.h"

static struct refhost H; /* only for a complete ops table */

static void setup(void) { cr_assert_eq(refhost_init(&H, 1u << 20, NULL), NVMX_STATUS_OK); }
static void teardown(void) { refhost_fini(&H); }

TestSuite(vm, .init = setup, .fini = teardown);

Test(vm, default_config_without_hardware_is_refused)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_default_config(&cfg);
	struct nvmx_vm *vm = (struct nvmx_vm *)1;
	cr_expect_eq(nvmx_vm_create(&cfg, &H.ops, &H, &vm), NVMX_STATUS_NO_HW_CAPS);
	cr_expect_null(vm);
	cr_expect_str_eq(nvmx_status_name(NVMX_STATUS_NO_HW_CAPS), "NO_HW_CAPS");
}

Test(vm, the_example_cpu_is_there_by_name)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_example_config(&cfg);
	struct nvmx_vm *vm = NULL;
	cr_assert_eq(nvmx_vm_create(&cfg, &H.ops, &H, &vm), NVMX_STATUS_OK);
	uint64_t basic = 0;
	cr_expect_eq(nvmx_vm_get_cap(vm, NVMX_MSR_IA32_VMX_BASIC, &basic), NVMX_STATUS_OK);
	cr_expect_eq(basic & 0x7fffffffu, 4u);
	cr_expect_eq(nvmx_vm_destroy(vm), NVMX_STATUS_OK);
}

Test(vm, a_host_that_fills_hw_from_its_msrs_is_accepted)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_default_config(&cfg);
	nvmx_hw_caps_example(&cfg.hw); /* stands for the real IA32_VMX_* values */
	struct nvmx_vm *vm = NULL;
	cr_assert_eq(nvmx_vm_create(&cfg, &H.ops, &H, &vm), NVMX_STATUS_OK);
	cr_expect_eq(nvmx_vm_destroy(vm), NVMX_STATUS_OK);
}

Test(vm, bad_ops_names_the_missing_callback)
{
	struct nvmx_host_ops ops = H.ops;
	cr_expect_null(nvmx_host_ops_missing(&ops, 0));
	ops.lin_write = NULL;
	cr_expect_str_eq(nvmx_host_ops_missing(&ops, 0), "lin_write");
	struct nvmx_vm_config cfg;
	nvmx_vm_example_config(&cfg);
	struct nvmx_vm *vm = NULL;
	cr_expect_eq(nvmx_vm_create(&cfg, &ops, &H, &vm), NVMX_STATUS_BAD_OPS);
	ops = H.ops;
	ops.hw_invvpid = NULL;
	cr_expect_str_eq(nvmx_host_ops_missing(&ops, 0), "hw_invvpid");
	ops = H.ops;
	ops.l0_write_protect = NULL;
	cr_expect_null(nvmx_host_ops_missing(&ops, 0), "optional without the mode");
	cr_expect_str_eq(nvmx_host_ops_missing(&ops, NVMX_VM_WRITE_PROTECT_EPT12), "l0_write_protect");
	ops = H.ops;
	ops.size = 4;
	cr_expect_str_eq(nvmx_host_ops_missing(&ops, 0), "size");
	cr_expect_str_eq(nvmx_host_ops_missing(NULL, 0), "ops");
}

Test(vm, an_older_shorter_ops_table_counts_missing_members_as_null)
{
	/* A host built before the batched callbacks: size ends at l1_write_n. */
	struct nvmx_host_ops ops = H.ops;
	ops.size = (uint32_t)offsetof(struct nvmx_host_ops, l1_write_n);
	cr_expect_null(nvmx_host_ops_missing(&ops, 0));
	struct nvmx_vm_config cfg;
	nvmx_vm_example_config(&cfg);
	struct nvmx_vm *vm = NULL;
	cr_assert_eq(nvmx_vm_create(&cfg, &ops, &H, &vm), NVMX_STATUS_OK);
	cr_expect_eq(nvmx_vm_destroy(vm), NVMX_STATUS_OK);
}
