/* SPDX-License-Identifier: MIT */
/*
 * Nested-state save and restore (nvmx/state.h) with 1, 8 and 64 cached
 * VMCS12s, each holding the entry fixture's valid VMCS12 (about a hundred
 * non-zero fields): save into a buffer, save with the VMCS12s flushed to L1
 * memory (each marked changed first), restore; plus save and restore of a
 * vCPU in L2 (restore then runs the entry checks and rebuilds VMCS02).
 * And the VM blob (nvmx_vm_save/restore) of a VM whose VPID02 pool is
 * full of VPID12s, for the default pool (254) and the largest (4095).
 * Extra keys: "vmcs12s", "vpid12s" and "blob_bytes".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_util.h"
#include "entry_fixture.h"
#include <nvmx/state.h>
#include "ept/ept.h"

static struct refhost H;
static struct entry_fixture F;
static uint8_t *buf;
static size_t cap, len;
static uint32_t flags;

static void op_save(void *ctx)
{
	struct nvmx_vcpu *v = ctx;
	if (nvmx_vcpu_save(v, flags, buf, cap, &len) != NVMX_STATUS_OK)
		abort();
}

static void op_restore(void *ctx)
{
	struct nvmx_vcpu *v = ctx;
	if (nvmx_vcpu_restore(v, buf, len, NULL) != NVMX_STATUS_OK)
		abort();
}

/* Before a flushing save: every VMCS12 changed since its last writeback. */
static void mark_changed(void *ctx)
{
	struct nvmx_vcpu *v = ctx;
	for (uint32_t i = 0; i < v->ncache; i++)
		if (v->cache[i].gpa != NVMX_NO_VMPTR)
			v->cache[i].mem_dirty = true;
}

static void run(unsigned n)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.vmcs12_cache_slots = n;
	if (refhost_init(&H, 4ull << 20, &cfg) != NVMX_STATUS_OK)
		abort();
	struct nvmx_vcpu *v = H.vcpu;
	uint32_t rev = (uint32_t)fx_cap(&F, NVMX_MSR_IA32_VMX_BASIC);
	refhost_mem_w32(&H, 0x1000, rev);
	v->vmxon = true;
	v->vmxon_ptr = 0x1000;
	for (unsigned i = 0; i < n; i++) {
		uint64_t gpa = 0x100000 + (uint64_t)i * 0x1000;
		refhost_mem_w32(&H, gpa, rev);
		struct nvmx_vmcs12 *s;
		if (nvmx_vmcs12_load(v, gpa, &s) != NVMX_STATUS_OK)
			abort();
		memcpy(s->f, F.s->f, sizeof(s->f));
		s->launched = i & 1;
		s->mem_dirty = true;
		v->cur = s;
		v->current_vmptr = gpa;
	}
	if (nvmx_vcpu_state_size(v, 0, &cap) != NVMX_STATUS_OK || !(buf = malloc(cap)))
		abort();
	char extra[96];
	char name[64];
	flags = 0;
	op_save(v);
	snprintf(extra, sizeof(extra), "\"vmcs12s\": %u, \"blob_bytes\": %zu", n, len);
	snprintf(name, sizeof(name), "state_save_%u", n);
	bench_run(name, &H, op_save, NULL, v, 200, n >= 64 ? 20 : 100, extra);
	snprintf(name, sizeof(name), "state_restore_%u", n);
	bench_run(name, &H, op_restore, NULL, v, 200, n >= 64 ? 20 : 100, extra);
	flags = NVMX_STATE_FLUSH_VMCS12;
	op_save(v);
	snprintf(extra, sizeof(extra), "\"vmcs12s\": %u, \"blob_bytes\": %zu", n, len);
	snprintf(name, sizeof(name), "state_save_flush_%u", n);
	bench_run(name, &H, op_save, mark_changed, v, 200, n >= 64 ? 5 : 20, extra);
	snprintf(name, sizeof(name), "state_restore_flush_%u", n);
	bench_run(name, &H, op_restore, NULL, v, 200, n >= 64 ? 5 : 20, extra);
	free(buf);
	refhost_fini(&H);
}

static void op_vm_save(void *ctx)
{
	if (nvmx_vm_save(ctx, buf, cap, &len) != NVMX_STATUS_OK)
		abort();
}

static void op_vm_restore(void *ctx)
{
	if (nvmx_vm_restore(ctx, buf, len, NULL) != NVMX_STATUS_OK)
		abort();
}

static void run_vm(uint16_t pool)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.vpid02_first = 0x1000;
	cfg.vpid02_count = pool;
	if (refhost_init(&H, 4ull << 20, &cfg) != NVMX_STATUS_OK)
		abort();
	bool flush;
	for (uint32_t i = 1; i < pool; i++)
		nvmx_vpid_for_entry(H.vcpu, true, (uint16_t)(i * 7u), &flush);
	if (nvmx_vm_state_size(H.vm, &cap) != NVMX_STATUS_OK || !(buf = malloc(cap)))
		abort();
	op_vm_save(H.vm);
	char extra[96];
	snprintf(extra, sizeof(extra), "\"vpid12s\": %u, \"blob_bytes\": %zu", pool - 1u, len);
	char name[64];
	snprintf(name, sizeof(name), "state_vm_save_%u", pool - 1u);
	bench_run(name, &H, op_vm_save, NULL, H.vm, 200, pool > 1000 ? 5 : 20, extra);
	snprintf(name, sizeof(name), "state_vm_restore_%u", pool - 1u);
	bench_run(name, &H, op_vm_restore, NULL, H.vm, 200, pool > 1000 ? 5 : 20, extra);
	free(buf);
	refhost_fini(&H);
}

int main(void)
{
	if (fx_init(&F) != 0)
		return 1;
	static const unsigned counts[] = { 1, 8, 64 };
	for (unsigned i = 0; i < 3; i++)
		run(counts[i]);
	run_vm(255);
	run_vm(4096);

	/* In L2 (after it ran): save syncs VMCS02 into VMCS12; restore checks
	 * the VMCS12 like an entry and rebuilds VMCS02. */
	struct nvmx_result res;
	if (fx_enter(&F, true, &res) != NVMX_STATUS_OK || res.action != NVMX_ACTION_RUN_L2)
		return 1;
	struct nvmx_synth_exit x; /* an exit L0 keeps: L2 has run */
	memset(&x, 0, sizeof(x));
	x.size = sizeof(x);
	x.kind = NVMX_SYNTH_INTR_WINDOW;
	if (nvmx_vcpu_inject_exit(F.v, &x, &res) != NVMX_STATUS_OK)
		return 1;
	if (nvmx_vcpu_state_size(F.v, 0, &cap) != NVMX_STATUS_OK || !(buf = malloc(cap)))
		return 1;
	flags = 0;
	op_save(F.v);
	char extra[96];
	snprintf(extra, sizeof(extra), "\"vmcs12s\": 1, \"blob_bytes\": %zu, \"in_l2\": true", len);
	bench_run("state_save_l2", &F.h, op_save, NULL, F.v, 200, 50, extra);
	bench_run("state_restore_l2", &F.h, op_restore, NULL, F.v, 200, 50, extra);
	free(buf);
	fx_fini(&F);
	return 0;
}
