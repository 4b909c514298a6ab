/* SPDX-License-Identifier: MIT */
/* The VMCS12 + L0 merge into VMCS02: controls, TSC, CR masks, exceptions,
 * bitmaps, address translation, dirty tracking. */
#include <criterion/criterion.h>
#include "entry_fixture.h"

static struct entry_fixture F;
static struct nvmx_result R;

static void setup(void) { cr_assert_eq(fx_init(&F), 0); }
static void teardown(void) { fx_fini(&F); }

#define V02(name) refhost_vmcs02_get(&F.h, NVMX_F_##name)
#define SET(name, v) fx_set(&F, NVMX_IDX_##name, (v))
#define GET(name) fx_get(&F, NVMX_IDX_##name)

static void enter_ok(bool launch)
{
	cr_assert_eq(fx_enter(&F, launch, &R), NVMX_STATUS_OK);
	cr_assert_eq(R.outcome, NVMX_OUTCOME_L2_ENTERED, "reason %s",
	             nvmx_reason_name(R.reason));
	cr_assert_eq(R.action, NVMX_ACTION_RUN_L2);
	const char *hw = hwcheck_vmcs02(&F.h, &F.h.vm->cfg.hw);
	cr_assert_null(hw, "hardware model refuses VMCS02: %s", hw ? hw : "");
}

TestSuite(merge, .init = setup, .fini = teardown);

Test(merge, baseline_launch_enters_l2_and_hardware_accepts_vmcs02)
{
	enter_ok(true);
	cr_assert(nvmx_vcpu_in_l2(F.v));
	cr_assert(F.s->launched);
	cr_assert_eq(R.reason, NVMX_REASON_ENTRY_OK);
}
