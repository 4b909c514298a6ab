/* SPDX-License-Identifier: MIT */
/* Names of status codes and reasons, generated from their X-macro lists. */
#include "../deps.h"
#include <nvmx/status.h>
#include <nvmx/reason.h>

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

NVMX_EXPORT const char *nvmx_reason_name(enum nvmx_reason r)
{
	switch (r) {
	case NVMX_REASON_NONE: return "NONE";
#define X(name, text) case NVMX_REASON_##name: return #name;
	NVMX_REASONS_INSN(X)
	NVMX_REASONS_ENTRY(X)
	NVMX_REASONS_EXIT(X)
	NVMX_REASONS_EPT(X)
	NVMX_REASONS_STATE(X)
#undef X
	default: break;
	}
	return "UNKNOWN";
}

NVMX_EXPORT const char *nvmx_reason_describe(enum nvmx_reason r)
{
	switch (r) {
	case NVMX_REASON_NONE: return "no reason recorded";
#define X(name, text) case NVMX_REASON_##name: return text;
	NVMX_REASONS_INSN(X)
	NVMX_REASONS_ENTRY(X)
	NVMX_REASONS_EXIT(X)
	NVMX_REASONS_EPT(X)
	NVMX_REASONS_STATE(X)
#undef X
	default: break;
	}
	return "unknown reason";
}
