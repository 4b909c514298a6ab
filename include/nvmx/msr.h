/* SPDX-License-Identifier: MIT */
/*
 * The architectural rules of WRMSR at CPL 0 (SDM vol. 4 and vol. 3 2.2.1,
 * 11.11, 11.12; the instruction reference for WRMSR): whether writing a
 * value to an MSR completes or raises #GP(0), for the MSRs whose rules do
 * not depend on a processor model. The library applies them to the VM-entry
 * and VM-exit MSR-load areas (SDM 27.4, 28.6); a host applies them to L1's
 * and L2's WRMSR so that it does not write them again. See docs/msr.md.
 */
#ifndef NVMX_MSR_H
#define NVMX_MSR_H

#include <stdint.h>
#include <stdbool.h>
#include "reason.h"

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nvmx_vm;

/*
 * What WRMSR of `value` to `msr` does at CPL 0 on a processor with a
 * physical-address width of `maxphyaddr` bits and, when `la57`, 57-bit
 * linear addresses:
 *   NVMX_REASON_MSR_WRITE_OK           it completes
 *   NVMX_REASON_MSR_NOT_ARCHITECTURAL  the library has no rule for the MSR
 *                                      (model-specific, or one the library
 *                                      does not model): the host decides
 *   any other NVMX_REASON_MSR_*        it raises #GP(0), for that reason
 * Rules that depend on processor state rather than on the value (EFER.LME
 * while paging is on, a locked IA32_FEATURE_CONTROL) are the host's.
 */
NVMX_API enum nvmx_reason nvmx_msr_write_check(uint32_t msr, uint64_t value, unsigned maxphyaddr,
                                      bool la57);
/* True when nvmx_msr_write_check gives MSR_WRITE_OK. */
NVMX_API bool nvmx_msr_write_valid(uint32_t msr, uint64_t value, unsigned maxphyaddr, bool la57);
/* The same with L1's physical-address width and linear-address width, as
 * the VM offers them (nvmx_vm_maxphyaddr). */
NVMX_API enum nvmx_reason nvmx_vm_msr_write_check(const struct nvmx_vm *vm, uint32_t msr, uint64_t value);

#ifdef __cplusplus
}
#endif
#endif
