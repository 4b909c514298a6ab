/* SPDX-License-Identifier: MIT */
/*
 * Shared by the tests of what VMRESUME may skip (test_skip.c, test_fast.c):
 * a fixture F and result R defined by the including file, L1 launching L2
 * and getting it back, and VMRESUME's expected outcomes.
 */
#ifndef NVMX_TEST_RESUME_COMMON_H
#define NVMX_TEST_RESUME_COMMON_H

#include <criterion/criterion.h>
#include "entry_fixture.h"

static struct entry_fixture F;
static struct nvmx_result R;

static void setup(void) { cr_assert_eq(fx_init(&F), 0); }
static void teardown(void) { fx_fini(&F); }

#define SET(name, v) fx_set(&F, NVMX_IDX_##name, (v))
#define GET(name) fx_get(&F, NVMX_IDX_##name)

/* L1 launched L2, which exited back to L1. */
static void launched_and_back_in_l1(void)
{
	cr_assert_eq(fx_enter(&F, true, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.outcome, NVMX_OUTCOME_L2_ENTERED, "reason %s", nvmx_reason_name(R.reason));
	fx_exit_to_l1(&F);
}

/* VMRESUME enters L2, which exits back to L1. */
static void resume_enters(void)
{
	cr_assert_eq(fx_enter(&F, false, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.outcome, NVMX_OUTCOME_L2_ENTERED, "reason %s", nvmx_reason_name(R.reason));
	fx_exit_to_l1(&F);
}

/* VMRESUME fails with VMfailValid(err) for `reason` (SDM 31.4: 7 invalid
 * control field(s), 8 invalid host-state field(s)). */
static void resume_fails_valid(uint32_t err, enum nvmx_reason reason)
{
	cr_assert_eq(fx_enter(&F, false, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.outcome, NVMX_OUTCOME_VMFAIL_VALID, "outcome %d reason %s", R.outcome,
	             nvmx_reason_name(R.reason));
	cr_assert_eq(R.vm_insn_error, err);
	cr_assert_eq(R.reason, reason, "reason %s", nvmx_reason_name(R.reason));
	cr_assert_eq(GET(VM_INSTRUCTION_ERROR), err);
}

#endif
