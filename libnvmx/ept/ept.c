/* SPDX-License-Identifier: MIT */
/* Placeholder until the shadow-EPT module lands. */
#include "ept.h"

enum nvmx_status nvmx_ept_vm_init(struct nvmx_vm *vm) { (void)vm; return NVMX_STATUS_OK; }
void nvmx_ept_vm_fini(struct nvmx_vm *vm) { (void)vm; }
enum nvmx_status nvmx_ept_vcpu_init(struct nvmx_vcpu *v) { (void)v; return NVMX_STATUS_OK; }
void nvmx_ept_vcpu_fini(struct nvmx_vcpu *v) { (void)v; }

enum nvmx_status nvmx_ept_invept(struct nvmx_vcpu *v, uint64_t type, uint64_t eptp12)
{
	(void)v;
	(void)type;
	(void)eptp12;
	return NVMX_STATUS_OK; /* nothing is cached yet */
}

enum nvmx_status nvmx_vpid_invvpid(struct nvmx_vcpu *v, uint64_t type, uint16_t vpid12, uint64_t la)
{
	(void)v;
	(void)type;
	(void)vpid12;
	(void)la;
	return NVMX_STATUS_OK; /* nothing is cached yet */
}

enum nvmx_status nvmx_ept_root(struct nvmx_vcpu *v, uint64_t eptp12, uint64_t *eptp02)
{
	(void)v;
	(void)eptp12;
	*eptp02 = 0;
	return NVMX_STATUS_NOT_SUPPORTED;
}

uint16_t nvmx_vpid_for_entry(struct nvmx_vcpu *v, bool l1_vpid_enabled, uint16_t vpid12, bool *flush)
{
	(void)v;
	(void)l1_vpid_enabled;
	(void)vpid12;
	*flush = true;
	return 0;
}

enum nvmx_status nvmx_ept_eptp_list(struct nvmx_vcpu *v, uint64_t list12_gpa, uint64_t *list02_hpa)
{
	(void)v;
	(void)list12_gpa;
	*list02_hpa = 0;
	return NVMX_STATUS_NOT_SUPPORTED;
}
