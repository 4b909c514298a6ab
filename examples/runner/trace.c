/* SPDX-License-Identifier: MIT */
/*
 * nvmx-run --trace FILE: one JSON line per transition the library handles
 * (docs/trace-format.md), and --vmcs01-skip: a KVM-like L0 that declares
 * what it intercepts of L1 (NVMX_L1_SKIP_UNCHANGED), with every skipped
 * VMCS01 write checked by the reference host (NVMX_L1_VERIFY_SKIPS).
 */
#include "runner.h"

#include <string.h>
#include <time.h>

struct runner_opts runner_opts;

static struct {
	uint64_t seq;
	uint64_t t0, vr, vw, lr, lw;
	/* The round trip being summed: opened by an L2 exit reflected to L1,
	 * closed by the L1 instruction that enters L2 again. */
	bool rt_open;
	uint32_t rt_reason;
	uint64_t rt_l1_exits, rt_vr, rt_vw, rt_lr, rt_lw, rt_ns;
} ts;

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static const char *mode(void)
{
	return runner_opts.vmcs01_skip ? "skip" : "plain";
}

void runner_trace_begin(struct runner *r)
{
	if (!runner_opts.trace)
		return;
	ts.vr = r->h.vmcs_reads;
	ts.vw = r->h.vmcs_writes;
	ts.lr = r->h.l1_reads;
	ts.lw = r->h.l1_writes;
	ts.t0 = now_ns();
}

void runner_trace_end(struct runner *r, bool l2_exit, uint32_t exit_reason,
                      const struct nvmx_result *res)
{
	if (!runner_opts.trace)
		return;
	uint64_t ns = now_ns() - ts.t0;
	uint64_t vr = r->h.vmcs_reads - ts.vr, vw = r->h.vmcs_writes - ts.vw;
	uint64_t lr = r->h.l1_reads - ts.lr, lw = r->h.l1_writes - ts.lw;
	bool reflected = l2_exit && res->outcome == NVMX_OUTCOME_EXIT_TO_L1;
	FILE *f = runner_opts.trace;
	fprintf(f,
	        "{\"seq\": %llu, \"kind\": \"%s\", \"mode\": \"%s\", \"exit_reason\": %u, "
	        "\"outcome\": %u, \"reason\": %u, \"reflected\": %s, \"l1_exits\": %u, "
	        "\"vmcs02_reads\": %llu, \"vmcs02_writes\": %llu, \"vmcs01_reads\": %llu, "
	        "\"vmcs01_writes\": %llu, \"ns\": %llu}\n",
	        (unsigned long long)ts.seq++, l2_exit ? "l2_exit" : "l1_insn", mode(),
	        exit_reason & 0xffffu, (unsigned)res->outcome, (unsigned)res->reason,
	        reflected ? "true" : "false", l2_exit ? 0u : 1u, (unsigned long long)vr,
	        (unsigned long long)vw, (unsigned long long)lr, (unsigned long long)lw,
	        (unsigned long long)ns);
	if (reflected) {
		ts.rt_open = true;
		ts.rt_reason = exit_reason & 0xffffu;
		ts.rt_l1_exits = 0;
		ts.rt_vr = vr;
		ts.rt_vw = vw;
		ts.rt_lr = lr;
		ts.rt_lw = lw;
		ts.rt_ns = ns;
		return;
	}
	if (l2_exit) {
		/* An exit L0 keeps: L1 never saw it, the round trip goes on. */
		return;
	}
	if (!ts.rt_open)
		return;
	ts.rt_l1_exits++;
	ts.rt_vr += vr;
	ts.rt_vw += vw;
	ts.rt_lr += lr;
	ts.rt_lw += lw;
	ts.rt_ns += ns;
	if (res->action != NVMX_ACTION_RUN_L2)
		return;
	ts.rt_open = false;
	fprintf(f,
	        "{\"seq\": %llu, \"kind\": \"round_trip\", \"mode\": \"%s\", \"exit_reason\": %u, "
	        "\"l1_exits\": %llu, \"vmcs02_reads\": %llu, \"vmcs02_writes\": %llu, "
	        "\"vmcs01_reads\": %llu, \"vmcs01_writes\": %llu, \"ns\": %llu}\n",
	        (unsigned long long)ts.seq++, mode(), ts.rt_reason,
	        (unsigned long long)ts.rt_l1_exits, (unsigned long long)ts.rt_vr,
	        (unsigned long long)ts.rt_vw, (unsigned long long)ts.rt_lr,
	        (unsigned long long)ts.rt_lw, (unsigned long long)ts.rt_ns);
}

/* VMCS01's MSR bitmap of the KVM-like L0: WRMSR exits except for the MSRs
 * KVM passes through (SDM 25.6.9 layout). */
static uint8_t l1_bitmap[4096];

bool runner_apply_l0(struct runner *r)
{
	if (!runner_opts.vmcs01_skip && !runner_opts.l0_flags)
		return true;
	struct nvmx_l0_policy p;
	nvmx_l0_policy_default(&p);
	p.flags |= runner_opts.l0_flags;
	if (!runner_opts.vmcs01_skip)
		return nvmx_vcpu_set_l0_policy(r->h.vcpu, &p) == NVMX_STATUS_OK;
	memset(l1_bitmap, 0xff, sizeof(l1_bitmap));
	static const uint32_t low[] = { 0x48, 0x49, 0x174, 0x175, 0x176 };
	for (unsigned i = 0; i < sizeof(low) / sizeof(low[0]); i++)
		l1_bitmap[2048 + low[i] / 8] &= (uint8_t)~(1u << (low[i] % 8));
	for (uint32_t m = 0x100; m <= 0x102; m++)
		l1_bitmap[3072 + m / 8] &= (uint8_t)~(1u << (m % 8));
	p.l1_flags = NVMX_L1_SKIP_UNCHANGED | NVMX_L1_MOV_DR_EXITING |
	             (runner_opts.verify ? NVMX_L1_VERIFY_SKIPS : 0);
	p.l1_cr0_mask = ~0x8ull;
	p.l1_cr4_mask = ~0x1078eull;
	p.l1_msr_bitmap = l1_bitmap;
	return nvmx_vcpu_set_l0_policy(r->h.vcpu, &p) == NVMX_STATUS_OK;
}
