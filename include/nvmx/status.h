/* SPDX-License-Identifier: MIT */
/*
 * Status codes: host and API failures only. Architectural outcomes (VMfail,
 * VM-entry failure, an exit reflected to L1) are results, not errors; they
 * come back in struct nvmx_result (nvmx/vcpu.h).
 *
 * The numeric values are stable ABI: new codes are appended.
 */
#ifndef NVMX_STATUS_H
#define NVMX_STATUS_H

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NVMX_STATUS_LIST(X)                                                                  \
	X(OK, 0, "success")                                                                  \
	X(INVALID_ARGUMENT, 1, "an argument is out of range or NULL where not allowed")      \
	X(NO_MEMORY, 2, "the host allocator failed")                                       \
	X(HOST_FAILURE, 3, "a host callback reported a failure")                           \
	X(BAD_OPS, 4, "the host ops table is too small or lacks a required callback")      \
	X(CAP_ADDS_FEATURE, 5, "a capability policy would add a feature the host or library lacks") \
	X(CAP_INCONSISTENT, 6, "a capability value contradicts itself or a fixed property")  \
	X(CAP_UNKNOWN_MSR, 7, "not a VMX capability MSR")                                    \
	X(WRONG_STATE, 8, "the call is not allowed in the vCPU's current state")           \
	X(NOT_SUPPORTED, 9, "the library does not implement this")                          \
	X(BAD_INSTRUCTION, 10, "the exit information does not describe a VMX instruction")  \
	X(BUSY, 11, "the object still has users")                                            \
	X(CORRUPT_STATE, 12, "saved state is malformed, hostile or fails its checksum")       \
	X(GUEST_FAULT, 13, "the guest access faults; the fault is described in the out-parameter") \
	X(NOT_MAPPED, 14, "L0 does not back that L1 physical address")                     \
	X(BUDGET_EXCEEDED, 15, "a configured memory budget is exhausted") \
	X(NO_HW_CAPS, 16, "the VM configuration has no capability MSRs of the host's processor")

enum nvmx_status {
#define NVMX_X_STATUS_(name, num, text) NVMX_STATUS_##name = num,
	NVMX_STATUS_LIST(NVMX_X_STATUS_)
#undef NVMX_X_STATUS_
};

/* A stable upper-case name ("CAP_ADDS_FEATURE"), or "UNKNOWN". Never NULL. */
NVMX_API const char *nvmx_status_name(enum nvmx_status s);
/* A one-line English description. Never NULL. */
NVMX_API const char *nvmx_status_describe(enum nvmx_status s);

#ifdef __cplusplus
}
#endif
#endif
