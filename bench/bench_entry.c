/* SPDX-License-Identifier: MIT */
/*
 * VM-entry benchmarks: the first VMLAUNCH (every VMCS02 field written),
 * VMRESUME with 0, 1 and 10 dirty VMCS12 fields, and the MSR-bitmap merge
 * (redone after nvmx_vcpu_notify_l1_page_changed, or checked by hashing L1's page
 * at every entry). vmcs_writes is the hardware VMCS accesses per entry.
 */
#include <stdio.h>
#include "bench_util.h"
#include "entry_fixture.h"

static struct entry_fixture F;
static unsigned dirty_n;

static void launch(void *ctx)
{
	(void)ctx;
	struct nvmx_result r;
	if (fx_enter(&F, true, &r) != NVMX_STATUS_OK || r.outcome != NVMX_OUTCOME_L2_ENTERED)
		fprintf(stderr, "bench_entry: launch failed: %s\n", nvmx_reason_name(r.reason));
}

static void resume(void *ctx)
{
	(void)ctx;
	struct nvmx_result r;
	if (fx_enter(&F, false, &r) != NVMX_STATUS_OK || r.outcome != NVMX_OUTCOME_L2_ENTERED)
		fprintf(stderr, "bench_entry: resume failed: %s\n", nvmx_reason_name(r.reason));
}

static void back_to_l1(void *ctx)
{
	(void)ctx;
	fx_exit_to_l1(&F);
}

static const unsigned dirty_fields[10] = {
	NVMX_IDX_GUEST_RIP, NVMX_IDX_GUEST_RSP, NVMX_IDX_GUEST_RFLAGS, NVMX_IDX_GUEST_CR3,
	NVMX_IDX_GUEST_FS_BASE, NVMX_IDX_GUEST_GS_BASE, NVMX_IDX_GUEST_INTERRUPTIBILITY_INFO,
	NVMX_IDX_GUEST_SYSENTER_ESP, NVMX_IDX_GUEST_SYSENTER_EIP, NVMX_IDX_GUEST_DR7,
};

static void back_to_l1_dirty(void *ctx)
{
	(void)ctx;
	fx_exit_to_l1(&F);
	for (unsigned i = 0; i < dirty_n; i++)
		fx_set(&F, dirty_fields[i], fx_get(&F, dirty_fields[i]));
}

static void back_to_l1_page_changed(void *ctx)
{
	(void)ctx;
	fx_exit_to_l1(&F);
	nvmx_vcpu_notify_l1_page_changed(F.v, FX_MSR_BITMAP);
}

int main(void)
{
	if (fx_init(&F) != 0)
		return 1;
	launch(NULL);
	bench_run("entry_vmlaunch", &F.h, launch, back_to_l1, NULL, 200, 50, NULL);
	bench_run("entry_vmresume_dirty0", &F.h, resume, back_to_l1, NULL, 200, 100, "\"dirty\": 0");
	dirty_n = 1;
	bench_run("entry_vmresume_dirty1", &F.h, resume, back_to_l1_dirty, NULL, 200, 100, "\"dirty\": 1");
	dirty_n = 10;
	bench_run("entry_vmresume_dirty10", &F.h, resume, back_to_l1_dirty, NULL, 200, 100,
	          "\"dirty\": 10");
	bench_run("entry_vmresume_msr_bitmap_remerge", &F.h, resume, back_to_l1_page_changed, NULL,
	          200, 50, "\"merge\": \"page_changed hook\"");
	F.pol.flags |= NVMX_L0_HASH_L1_BITMAPS;
	nvmx_vcpu_set_l0_policy(F.v, &F.pol);
	fx_exit_to_l1(&F);
	launch(NULL);
	bench_run("entry_vmresume_msr_bitmap_hashed", &F.h, resume, back_to_l1, NULL, 200, 50,
	          "\"merge\": \"xxh3 of L1 page each entry\"");
	fx_fini(&F);
	return 0;
}
