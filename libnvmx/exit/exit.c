/* SPDX-License-Identifier: MIT */
/* Placeholder until the VM-exit module lands. */
#include "exit.h"

enum nvmx_status nvmx_exit_load_l1_host_state(struct nvmx_vcpu *v, bool *abort)
{
	(void)v;
	*abort = false;
	return NVMX_STATUS_NOT_SUPPORTED;
}
