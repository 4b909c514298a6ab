/* SPDX-License-Identifier: MIT */
/*
 * Names of status codes, reasons, actions and outcomes, generated from their
 * X-macro lists. Each list carries its numbers explicitly; a duplicate
 * number is a duplicate case label here and stops the build, and the checks
 * below keep each reason inside its module's block.
 */
#include "../deps.h"
#include <nvmx/status.h>
#include <nvmx/reason.h>
#include <nvmx/vcpu.h>

#define NVMX_IN_BLOCK_(name, num, text, lo) \
	_Static_assert((num) > (lo) && (num) < (lo) + 0x1000, "reason " #name " outside its block");
#define NVMX_IN_INSN_(name, num, text) NVMX_IN_BLOCK_(name, num, text, 0x100)
#define NVMX_IN_ENTRY_(name, num, text) NVMX_IN_BLOCK_(name, num, text, 0x1000)
#define NVMX_IN_EXIT_(name, num, text) NVMX_IN_BLOCK_(name, num, text, 0x2000)
#define NVMX_IN_EPT_(name, num, text) NVMX_IN_BLOCK_(name, num, text, 0x3000)
#define NVMX_IN_STATE_(name, num, text) NVMX_IN_BLOCK_(name, num, text, 0x4000)
#define NVMX_IN_MSR_(name, num, text) NVMX_IN_BLOCK_(name, num, text, 0x5000)
#define NVMX_IN_VCPU_(name, num, text) NVMX_IN_BLOCK_(name, num, text, 0x6000)
#define NVMX_IN_APIC_(name, num, text) NVMX_IN_BLOCK_(name, num, text, 0x7000)
NVMX_REASONS_INSN(NVMX_IN_INSN_)
NVMX_REASONS_ENTRY(NVMX_IN_ENTRY_)
NVMX_REASONS_EXIT(NVMX_IN_EXIT_)
NVMX_REASONS_EPT(NVMX_IN_EPT_)
NVMX_REASONS_STATE(NVMX_IN_STATE_)
NVMX_REASONS_MSR(NVMX_IN_MSR_)
NVMX_REASONS_VCPU(NVMX_IN_VCPU_)
NVMX_REASONS_APIC(NVMX_IN_APIC_)

NVMX_EXPORT const char *nvmx_status_name(enum nvmx_status s)
{
	switch (s) {
#define X(name, num, text) case NVMX_STATUS_##name: return #name;
	NVMX_STATUS_LIST(X)
#undef X
	}
	return "UNKNOWN";
}

NVMX_EXPORT const char *nvmx_status_describe(enum nvmx_status s)
{
	switch (s) {
#define X(name, num, text) case NVMX_STATUS_##name: return text;
	NVMX_STATUS_LIST(X)
#undef X
	}
	return "unknown status";
}

/* Switch on the number, not the enumerator, so that a number used twice is
 * a duplicate case label. */
NVMX_EXPORT const char *nvmx_reason_name(enum nvmx_reason r)
{
	switch ((uint32_t)r) {
	case NVMX_REASON_NONE: return "NONE";
#define X(name, num, text) case num: return #name;
	NVMX_REASONS_INSN(X)
	NVMX_REASONS_ENTRY(X)
	NVMX_REASONS_EXIT(X)
	NVMX_REASONS_EPT(X)
	NVMX_REASONS_STATE(X)
	NVMX_REASONS_MSR(X)
	NVMX_REASONS_VCPU(X)
	NVMX_REASONS_APIC(X)
#undef X
	default: break;
	}
	return "UNKNOWN";
}

NVMX_EXPORT const char *nvmx_reason_describe(enum nvmx_reason r)
{
	switch ((uint32_t)r) {
	case NVMX_REASON_NONE: return "no reason recorded";
#define X(name, num, text) case num: return text;
	NVMX_REASONS_INSN(X)
	NVMX_REASONS_ENTRY(X)
	NVMX_REASONS_EXIT(X)
	NVMX_REASONS_EPT(X)
	NVMX_REASONS_STATE(X)
	NVMX_REASONS_MSR(X)
	NVMX_REASONS_VCPU(X)
	NVMX_REASONS_APIC(X)
#undef X
	default: break;
	}
	return "unknown reason";
}

NVMX_EXPORT const char *nvmx_action_name(enum nvmx_action a)
{
	switch ((uint32_t)a) {
#define X(name, num, text) case num: return #name;
	NVMX_ACTION_LIST(X)
#undef X
	default: break;
	}
	return "UNKNOWN";
}

NVMX_EXPORT const char *nvmx_action_describe(enum nvmx_action a)
{
	switch ((uint32_t)a) {
#define X(name, num, text) case num: return text;
	NVMX_ACTION_LIST(X)
#undef X
	default: break;
	}
	return "unknown action";
}

NVMX_EXPORT const char *nvmx_outcome_name(enum nvmx_outcome o)
{
	switch ((uint32_t)o) {
#define X(name, num, text) case num: return #name;
	NVMX_OUTCOME_LIST(X)
#undef X
	default: break;
	}
	return "UNKNOWN";
}

NVMX_EXPORT const char *nvmx_outcome_describe(enum nvmx_outcome o)
{
	switch ((uint32_t)o) {
#define X(name, num, text) case num: return text;
	NVMX_OUTCOME_LIST(X)
#undef X
	default: break;
	}
	return "unknown outcome";
}
