/* SPDX-License-Identifier: MIT */
/* Outcome text (docs/scenario-format.md) from what the library returned. */
#include "runner.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

void outcome_set(struct outcome *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	o->kind = OUTCOME_OK;
	vsnprintf(o->text, sizeof(o->text), fmt, ap);
	va_end(ap);
}

void outcome_error(struct outcome *o, const char *fmt, ...)
{
	char msg[RUNNER_OUTCOME_MAX - 8];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->kind = OUTCOME_SCRIPT_ERROR;
	snprintf(o->text, sizeof(o->text), "error %s", msg);
}

/* A non-OK status from the library: not an architectural outcome. */
void outcome_status(struct outcome *o, enum nvmx_status s)
{
	o->kind = OUTCOME_LIB_ERROR;
	snprintf(o->text, sizeof(o->text), "error %s", nvmx_status_name(s));
}

void outcome_no_exit(struct outcome *o)
{
	outcome_set(o, "no-exit");
}

void outcome_l2_access_ok(struct outcome *o, uint64_t hpa)
{
	outcome_set(o, "l2-access-ok hpa=0x%" PRIx64, hpa);
}

void outcome_from_result(struct runner *r, const struct nvmx_result *res, bool has_value,
                         uint64_t value, struct outcome *o)
{
	char buf[8];
	switch (res->outcome) {
	case NVMX_OUTCOME_SUCCEED:
		if (has_value)
			outcome_set(o, "ok 0x%" PRIx64, value);
		else
			outcome_set(o, "ok");
		return;
	case NVMX_OUTCOME_VMFAIL_INVALID:
		outcome_set(o, "vmfail-invalid");
		return;
	case NVMX_OUTCOME_VMFAIL_VALID:
		outcome_set(o, "vmfail-valid %" PRIu32, res->vm_insn_error);
		return;
	case NVMX_OUTCOME_FAULT:
		outcome_set(o, "%s", fault_name(res->fault.vector, buf, sizeof(buf)));
		return;
	case NVMX_OUTCOME_ENTRY_FAILED:
		/* SDM 27.8: L1 goes on at its host RIP with the full exit reason
		 * (bit 31 set) and the qualification in VMCS12. */
		r->l2_running = false;
		outcome_set(o, "entry-fail 0x%" PRIx32 " qual=0x%" PRIx64, res->exit_reason,
		            res->exit_qualification);
		return;
	case NVMX_OUTCOME_L2_ENTERED:
		r->l2_running = true;
		outcome_set(o, "l2-running");
		return;
	case NVMX_OUTCOME_EXIT_TO_L1:
		r->l2_running = false;
		outcome_set(o, "exit-to-l1 %" PRIu32 " qual=0x%" PRIx64, res->exit_reason & 0xffffu,
		            res->exit_qualification);
		return;
	case NVMX_OUTCOME_L0_EXIT:
		outcome_set(o, "l0-handled");
		return;
	case NVMX_OUTCOME_VMX_ABORT:
		/* L1 shut down (SDM 28.7): nothing runs any more. */
		r->l2_running = false;
		r->shut_down = true;
		outcome_set(o, "vmx-abort");
		return;
	case NVMX_OUTCOME_NONE:
	default:
		o->kind = OUTCOME_LIB_ERROR;
		snprintf(o->text, sizeof(o->text), "error the library gave no outcome (%d, %s)",
		         (int)res->outcome, nvmx_reason_name(res->reason));
		return;
	}
}
