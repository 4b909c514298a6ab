/* SPDX-License-Identifier: MIT */
/*
 * Shadow EPT and VPIDs (issue "Shadow EPT"): EPT12 walks, EPT02 construction,
 * invalidation, and the VPID12 -> VPID02 map.
 */
#ifndef NVMX_EPT_H
#define NVMX_EPT_H

#include "../core.h"

/* Set-up and tear-down, called from nvmx_vm_create/destroy and
 * nvmx_vcpu_create/destroy. */
enum nvmx_status nvmx_ept_vm_init(struct nvmx_vm *vm);
void nvmx_ept_vm_fini(struct nvmx_vm *vm);
enum nvmx_status nvmx_ept_vcpu_init(struct nvmx_vcpu *v);
void nvmx_ept_vcpu_fini(struct nvmx_vcpu *v);

/* INVEPT after the instruction module checked its operands (type offered,
 * descriptor read): drop the shadow entries the SDM says are invalidated and
 * issue the hardware INVEPT through the host. */
enum nvmx_status nvmx_ept_invept(struct nvmx_vcpu *v, uint64_t type, uint64_t eptp12);
/* INVVPID after operand checks: flush what VPID12 maps to. */
enum nvmx_status nvmx_vpid_invvpid(struct nvmx_vcpu *v, uint64_t type, uint16_t vpid12,
                                   uint64_t la);

/* For the VMCS02 merge: the EPTP02 to run L2 with when VMCS12 enables EPT
 * (the shadow root for eptp12), and VPID02 for VPID12 (0 if L1 uses none);
 * *flush tells whether the entry must flush VPID02 first. */
enum nvmx_status nvmx_ept_root(struct nvmx_vcpu *v, uint64_t eptp12, uint64_t *eptp02);
/* For EPTP switching (VM function 0): a host page holding, for each valid
 * entry of L1's EPTP list at list12_gpa, the shadow root of that EPTP12. */
enum nvmx_status nvmx_ept_eptp_list(struct nvmx_vcpu *v, uint64_t list12_gpa,
                                    uint64_t *list02_hpa);
uint16_t nvmx_vpid_for_entry(struct nvmx_vcpu *v, bool l1_vpid_enabled, uint16_t vpid12,
                             bool *flush);

#endif
