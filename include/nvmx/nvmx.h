/* SPDX-License-Identifier: MIT */
/* libnvmx: nested Intel VMX for an existing hypervisor. The umbrella header. */
#ifndef NVMX_NVMX_H
#define NVMX_NVMX_H

#include "version.h"
#include "status.h"
#include "arch.h"
#include "vmcs_fields.h"
#include "caps.h"
#include "host.h"
#include "reason.h"
#include "vcpu.h"
#include "ept.h"
#include "entry.h"
#include "exit.h"
#include "state.h"
#include "msr.h"
#include "apic.h"

#endif
