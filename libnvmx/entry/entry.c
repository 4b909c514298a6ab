/* SPDX-License-Identifier: MIT */
/* Placeholder until the VM-entry module lands: every entry is refused. */
#include "entry.h"

enum nvmx_status nvmx_entry_enter(struct nvmx_vcpu *v, bool launch, struct nvmx_result *res)
{
	(void)v;
	(void)launch;
	(void)res;
	return NVMX_STATUS_NOT_SUPPORTED;
}
