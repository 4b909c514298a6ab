/* SPDX-License-Identifier: MIT */
/*
 * The layout of every public struct, pinned (the 1.0 ABI on LP64 targets:
 * x86-64 Linux and the freestanding build). A change that moves a member or
 * grows a struct other than by appending before its reserved tail fails to
 * compile here. Compiled in C11 and C++11 with the other header checks.
 */
#include <stddef.h>
#include <nvmx/nvmx.h>

#ifdef __cplusplus
#define NVMX_SA static_assert
#else
#define NVMX_SA _Static_assert
#endif
#define SIZE(t, n) NVMX_SA(sizeof(struct t) == (n), "sizeof(struct " #t ") is ABI");
#define OFF(t, m, n) NVMX_SA(offsetof(struct t, m) == (n), "offset of " #t "." #m " is ABI");

#if defined(__LP64__) || defined(_LP64)

SIZE(nvmx_hw_caps, 200)
OFF(nvmx_hw_caps, vmx_msr, 0)
OFF(nvmx_hw_caps, maxphyaddr, 160)
OFF(nvmx_hw_caps, la57, 161)
OFF(nvmx_hw_caps, reserved0, 162)
OFF(nvmx_hw_caps, reserved, 168)
SIZE(nvmx_vm_config, 288)
OFF(nvmx_vm_config, size, 0)
OFF(nvmx_vm_config, vmcs12_cache_slots, 4)
OFF(nvmx_vm_config, hw, 8)
OFF(nvmx_vm_config, shadow_ept_budget, 208)
OFF(nvmx_vm_config, flags, 216)
OFF(nvmx_vm_config, vpid02_first, 220)
OFF(nvmx_vm_config, vpid02_count, 222)
OFF(nvmx_vm_config, reserved, 224)
SIZE(nvmx_host_ops, 232)
OFF(nvmx_host_ops, size, 0)
OFF(nvmx_host_ops, reserved0, 4)
OFF(nvmx_host_ops, gpa_read, 8)
OFF(nvmx_host_ops, vmcs_read, 48)
OFF(nvmx_host_ops, l1_msr_read, 96)
OFF(nvmx_host_ops, msr_load, 104)
OFF(nvmx_host_ops, gpa_to_hpa, 120)
OFF(nvmx_host_ops, hw_invvpid, 168)
OFF(nvmx_host_ops, trace, 176)
OFF(nvmx_host_ops, l0_write_protect, 184)
OFF(nvmx_host_ops, l1_write_n, 192)
OFF(nvmx_host_ops, vmcs_read_n, 200)
OFF(nvmx_host_ops, l1_read_n, 208)
OFF(nvmx_host_ops, vm_lock, 216)
OFF(nvmx_host_ops, vm_unlock, 224)
SIZE(nvmx_l0_policy, 160)
OFF(nvmx_l0_policy, size, 0)
OFF(nvmx_l0_policy, flags, 4)
OFF(nvmx_l0_policy, pin_set, 8)
OFF(nvmx_l0_policy, exception_bitmap, 28)
OFF(nvmx_l0_policy, cr0_mask, 32)
OFF(nvmx_l0_policy, msr_bitmap, 48)
OFF(nvmx_l0_policy, tsc_offset, 72)
OFF(nvmx_l0_policy, eptp01, 88)
OFF(nvmx_l0_policy, vpid01, 96)
OFF(nvmx_l0_policy, l1_flags, 104)
OFF(nvmx_l0_policy, l1_cr0_mask, 112)
OFF(nvmx_l0_policy, l1_cr4_mask, 120)
OFF(nvmx_l0_policy, l1_msr_bitmap, 128)
OFF(nvmx_l0_policy, reserved, 136)
SIZE(nvmx_result, 88)
OFF(nvmx_result, action, 0)
OFF(nvmx_result, outcome, 4)
OFF(nvmx_result, reason, 8)
OFF(nvmx_result, vm_insn_error, 12)
OFF(nvmx_result, fault, 16)
OFF(nvmx_result, exit_reason, 32)
OFF(nvmx_result, field, 36)
OFF(nvmx_result, exit_qualification, 40)
OFF(nvmx_result, value, 48)
OFF(nvmx_result, reserved, 56)
SIZE(nvmx_insn_exit, 64)
OFF(nvmx_insn_exit, size, 0)
OFF(nvmx_insn_exit, exit_reason, 4)
OFF(nvmx_insn_exit, qualification, 8)
OFF(nvmx_insn_exit, insn_info, 16)
OFF(nvmx_insn_exit, insn_len, 20)
OFF(nvmx_insn_exit, flags, 24)
OFF(nvmx_insn_exit, reserved0, 28)
OFF(nvmx_insn_exit, bytes, 32)
OFF(nvmx_insn_exit, nbytes, 47)
OFF(nvmx_insn_exit, reserved, 48)
SIZE(nvmx_l2_exit, 128)
OFF(nvmx_l2_exit, size, 0)
OFF(nvmx_l2_exit, exit_reason, 4)
OFF(nvmx_l2_exit, qualification, 8)
OFF(nvmx_l2_exit, guest_linear_address, 16)
OFF(nvmx_l2_exit, guest_physical_address, 24)
OFF(nvmx_l2_exit, intr_info, 32)
OFF(nvmx_l2_exit, insn_len, 48)
OFF(nvmx_l2_exit, insn_info, 52)
OFF(nvmx_l2_exit, flags, 56)
OFF(nvmx_l2_exit, reserved0, 60)
OFF(nvmx_l2_exit, operand, 64)
OFF(nvmx_l2_exit, operand2, 72)
OFF(nvmx_l2_exit, bytes, 80)
OFF(nvmx_l2_exit, nbytes, 95)
OFF(nvmx_l2_exit, reserved, 96)
SIZE(nvmx_synth_exit, 32)
OFF(nvmx_synth_exit, size, 0)
OFF(nvmx_synth_exit, kind, 4)
OFF(nvmx_synth_exit, vector, 8)
OFF(nvmx_synth_exit, reserved0, 9)
OFF(nvmx_synth_exit, reserved, 16)
SIZE(nvmx_fault, 16)
OFF(nvmx_fault, vector, 0)
OFF(nvmx_fault, has_error_code, 1)
OFF(nvmx_fault, error_code, 4)
OFF(nvmx_fault, cr2, 8)
SIZE(nvmx_field_value, 16)
OFF(nvmx_field_value, field, 0)
OFF(nvmx_field_value, flags, 4)
OFF(nvmx_field_value, value, 8)
SIZE(nvmx_l0_map, 24)
OFF(nvmx_l0_map, hpa, 0)
OFF(nvmx_l0_map, page_size, 8)
OFF(nvmx_l0_map, rights, 16)
OFF(nvmx_l0_map, memtype, 17)
SIZE(nvmx_trace, 24)
OFF(nvmx_trace, kind, 0)
OFF(nvmx_trace, reason, 4)
OFF(nvmx_trace, a, 8)
OFF(nvmx_trace, b, 16)
SIZE(nvmx_vcpu_stats, 120)
OFF(nvmx_vcpu_stats, vmcs_reads, 0)
OFF(nvmx_vcpu_stats, exits_l0, 48)
OFF(nvmx_vcpu_stats, l1_writes_skipped, 56)
OFF(nvmx_vcpu_stats, reserved, 64)
#endif

/* The enums the structs carry are int-sized (C11 6.7.2.2; the values fit). */
NVMX_SA(sizeof(enum nvmx_status) == 4, "enum nvmx_status is ABI");
NVMX_SA(sizeof(enum nvmx_reason) == 4, "enum nvmx_reason is ABI");
NVMX_SA(sizeof(enum nvmx_action) == 4, "enum nvmx_action is ABI");
NVMX_SA(sizeof(enum nvmx_outcome) == 4, "enum nvmx_outcome is ABI");

int nvmx_layout_check(void);
int nvmx_layout_check(void) { return 0; }
