/* SPDX-License-Identifier: MIT */
/*
 * bench_cpuid: the cost of one CPUID round trip as L2 sees it (L2 exits, L1
 * handles the exit the way a minimal hypervisor does: VMREAD the reason,
 * the instruction length and RIP, VMWRITE RIP, VMWRITE HOST_RSP, VMRESUME).
 * L2 counts TSC ticks around 200 CPUIDs; under Bochs with `clock:
 * sync=none` a tick is one emulated instruction (docs/bare-metal-l0.md).
 * Bare, that is the emulated hardware's round trip; nested under nvmx-l0,
 * it adds L0 and libnvmx, and nvmx-l0's own report splits it
 * (bench/bochs_cpuid.sh prints both). Not part of the differential run:
 * the numbers differ by design.
 */
#include "l1.h"

#define BENCH_N 200
static uint8_t vmcs[4096] PAGE_ALIGNED;
static uint8_t l2_stack[8192] __attribute__((aligned(16)));
void l2_cpuid_loop(void);
extern uint64_t l2_t0, l2_t1;

void kernel_main(uint32_t magic, uint32_t info)
{
	(void)magic;
	(void)info;
	begin("bench_cpuid");
	vmx_on();
	uint64_t eptp = ept_identity();
	vmcs_setup((uint64_t)vmcs, eptp, l2_cpuid_loop, (uint64_t)(l2_stack + sizeof(l2_stack)));
	unsigned exits = 0;
	int r = l1_vmrun(1);
	while (r == 0) {
		uint64_t reason;
		vmread(NVMX_F_VM_EXIT_REASON, &reason);
		if (reason != NVMX_EXIT_REASON_CPUID)
			break;
		exits++;
		uint64_t len, rip;
		vmread(NVMX_F_VM_EXIT_INSTRUCTION_LEN, &len);
		vmread(NVMX_F_GUEST_RIP, &rip);
		vmwrite(NVMX_F_GUEST_RIP, rip + len);
		r = l1_vmrun(0);
	}
	if (r)
		report("vmresume", r);
	rt_printf("{\"bench\": \"bochs_cpuid_seen_by_l2\", \"iterations\": %u, "
	          "\"insns_per_roundtrip\": %lu, \"l1_exits_per_roundtrip\": 6}\n",
	          exits, exits ? (l2_t1 - l2_t0) / exits : 0);
	report("vmxoff", vmxoff());
	end("bench_cpuid");
}
