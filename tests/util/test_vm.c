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
	nvmx_vm_config_default(&cfg);
	struct nvmx_vm *vm = (struct nvmx_vm *)1;
	cr_expect_eq(nvmx_vm_create(&cfg, &H.ops, &H, &vm), NVMX_STATUS_NO_HW_CAPS);
	cr_expect_null(vm);
	cr_expect_str_eq(nvmx_status_name(NVMX_STATUS_NO_HW_CAPS), "NO_HW_CAPS");
}

Test(vm, the_example_cpu_is_there_by_name)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
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
	nvmx_vm_config_default(&cfg);
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
	nvmx_vm_config_example(&cfg);
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
	nvmx_vm_config_example(&cfg);
	struct nvmx_vm *vm = NULL;
	cr_assert_eq(nvmx_vm_create(&cfg, &ops, &H, &vm), NVMX_STATUS_OK);
	cr_expect_eq(nvmx_vm_destroy(vm), NVMX_STATUS_OK);
}

/* ---- the size rule of caller-filled structs ---- */

/* A caller-filled struct with room after it, as a newer caller would pass. */
struct bigger_config {
	struct nvmx_vm_config cfg;
	uint64_t newer[4];
};

Test(vm, config_size_below_the_first_layout_is_refused)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.size = (uint32_t)offsetof(struct nvmx_vm_config, reserved) - 1;
	struct nvmx_vm *vm = NULL;
	cr_expect_eq(nvmx_vm_create(&cfg, &H.ops, &H, &vm), NVMX_STATUS_INVALID_ARGUMENT);
}

Test(vm, an_older_config_without_reserved_members_is_accepted)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.size = (uint32_t)offsetof(struct nvmx_vm_config, reserved);
	struct nvmx_vm *vm = NULL;
	cr_assert_eq(nvmx_vm_create(&cfg, &H.ops, &H, &vm), NVMX_STATUS_OK);
	cr_expect_eq(nvmx_vm_destroy(vm), NVMX_STATUS_OK);
}

Test(vm, a_newer_config_is_accepted_when_what_the_library_does_not_know_is_zero)
{
	struct bigger_config b;
	memset(&b, 0, sizeof(b));
	nvmx_vm_config_example(&b.cfg);
	b.cfg.size = sizeof(b);
	struct nvmx_vm *vm = NULL;
	cr_assert_eq(nvmx_vm_create(&b.cfg, &H.ops, &H, &vm), NVMX_STATUS_OK);
	cr_expect_eq(nvmx_vm_destroy(vm), NVMX_STATUS_OK);
	b.newer[2] = 1;
	cr_expect_eq(nvmx_vm_create(&b.cfg, &H.ops, &H, &vm), NVMX_STATUS_NOT_SUPPORTED);
}

Test(vm, reserved_members_must_be_zero)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.reserved[7] = 1;
	struct nvmx_vm *vm = NULL;
	cr_expect_eq(nvmx_vm_create(&cfg, &H.ops, &H, &vm), NVMX_STATUS_INVALID_ARGUMENT);
	nvmx_vm_config_example(&cfg);
	cfg.hw.reserved[0] = 1;
	cr_expect_eq(nvmx_vm_create(&cfg, &H.ops, &H, &vm), NVMX_STATUS_INVALID_ARGUMENT);
	nvmx_vm_config_example(&cfg);
	struct nvmx_host_ops ops = H.ops;
	ops.reserved0 = 1;
	cr_expect_eq(nvmx_vm_create(&cfg, &ops, &H, &vm), NVMX_STATUS_INVALID_ARGUMENT);

	struct nvmx_l0_policy p;
	nvmx_l0_policy_default(&p);
	p.reserved[0] = 1;
	cr_expect_eq(nvmx_vcpu_set_l0_policy(H.vcpu, &p), NVMX_STATUS_INVALID_ARGUMENT);
}

Test(vm, insn_exit_has_a_size_and_zero_reserved_members)
{
	struct nvmx_insn_exit ex;
	struct nvmx_result res;
	memset(&ex, 0, sizeof(ex));
	ex.exit_reason = NVMX_EXIT_REASON_VMXOFF;
	ex.insn_len = 3;
	ex.flags = NVMX_INSN_INFO_VALID;
	cr_expect_eq(nvmx_vcpu_emulate_vmx_insn(H.vcpu, &ex, &res), NVMX_STATUS_INVALID_ARGUMENT, "size 0");
	ex.size = sizeof(ex);
	ex.reserved[1] = 5;
	cr_expect_eq(nvmx_vcpu_emulate_vmx_insn(H.vcpu, &ex, &res), NVMX_STATUS_INVALID_ARGUMENT);
	ex.reserved[1] = 0;
	ex.reserved0 = 5;
	cr_expect_eq(nvmx_vcpu_emulate_vmx_insn(H.vcpu, &ex, &res), NVMX_STATUS_INVALID_ARGUMENT);
	ex.reserved0 = 0;
	/* VMXOFF outside VMX operation: #UD (SDM 31.3 VMXOFF), an OK status. */
	ex.size = (uint32_t)offsetof(struct nvmx_insn_exit, reserved);
	cr_expect_eq(nvmx_vcpu_emulate_vmx_insn(H.vcpu, &ex, &res), NVMX_STATUS_OK);
	cr_expect_eq(res.outcome, NVMX_OUTCOME_FAULT);
	cr_expect_eq(res.fault.vector, 6);
}

Test(vm, l2_exit_and_synth_exit_reserved_members_must_be_zero)
{
	struct nvmx_l2_exit e;
	struct nvmx_result res;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.exit_reason = NVMX_EXIT_REASON_CPUID;
	e.reserved[3] = 1;
	cr_expect_eq(nvmx_vcpu_handle_exit(H.vcpu, &e, &res), NVMX_STATUS_INVALID_ARGUMENT);
	e.reserved[3] = 0;
	cr_expect_eq(nvmx_vcpu_handle_exit(H.vcpu, &e, &res), NVMX_STATUS_WRONG_STATE, "L2 not running");
	struct nvmx_synth_exit x;
	memset(&x, 0, sizeof(x));
	x.size = sizeof(x);
	x.kind = NVMX_SYNTH_NMI;
	x.reserved0[2] = 1;
	cr_expect_eq(nvmx_vcpu_inject_exit(H.vcpu, &x, &res), NVMX_STATUS_INVALID_ARGUMENT);
}
