/* SPDX-License-Identifier: MIT */
/*
 * Failing-host mode (refhost_fail_at): a full nested scenario (VMLAUNCH
 * with EPT, VPID, MSR bitmaps, I/O bitmaps and an MSR-load area; an L2 EPT
 * violation the shadow EPT fills; an exit reflected to L1; VMREAD and
 * VMWRITE; VMRESUME; a second reflected exit; INVEPT; VMCLEAR and VMPTRLD;
 * VMXOFF) is run once to count the host callbacks that may fail, then once
 * for every N, with the Nth such call failing (both the failure a healthy
 * host reports: NOT_MAPPED, a #PF, NOT_SUPPORTED, NO_MEMORY, a lost
 * cmpxchg race; and HOST_FAILURE). After each run:
 *   - every status the library returned has a name;
 *   - a step that returned a non-OK status, retried without the failure,
 *     gives the outcome of the run without failures, and so does every
 *     later step (the vCPU is usable, nothing half-done stayed behind),
 *     unless the failure made an architectural outcome (a VMfail, a #PF
 *     for L1), after which the scenario only has to run to its end;
 *   - with HOST_FAILURE, the failure is always reported as a status, never
 *     turned into something L1 sees (a VM-entry failure, a VMX abort);
 *   - destroying the vCPU and the VM gives back every page and every byte
 *     of bookkeeping memory (no leak), and the sanitizer build sees no
 *     invalid access (no corruption).
 */
#include <criterion/criterion.h>
#include <string.h>
#include "entry_fixture.h"

#define L1_RIP 0x100000ull
#define OPND 0x8000ull
#define EPT12 0x50000ull              /* PML4, PDPT at +0x1000, PD at +0x2000 */
#define L2_GPA 0x205000ull            /* in the 2 MiB page L2 0x200000 -> L1 0 */
#define NSTEPS 13

struct outcome {
	enum nvmx_status st;
	enum nvmx_outcome out;
	enum nvmx_reason why;
};

static struct entry_fixture f;
static struct nvmx_result r;

static enum nvmx_status insn(uint32_t reason, bool mem, unsigned reg1, unsigned reg2)
{
	struct refhost_insn in = { .exit_reason = reason, .mem = mem, .la = OPND,
	                           .reg1 = reg1, .reg2 = reg2 };
	refhost_l1_set(&f.h, NVMX_F_GUEST_RIP, L1_RIP);
	return refhost_exec(&f.h, &in, &r);
}

static enum nvmx_status l2_exit(uint32_t reason, uint64_t qual, uint64_t gpa)
{
	struct nvmx_l2_exit e;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.exit_reason = reason;
	e.qualification = qual;
	e.guest_physical_address = gpa;
	e.insn_len = 2;
	return nvmx_vcpu_handle_exit(f.v, &e, &r);
}

/* Step k of the scenario. */
static enum nvmx_status step(unsigned k)
{
	memset(&r, 0, sizeof(r));
	switch (k) {
	case 0: return insn(NVMX_EXIT_REASON_VMLAUNCH, false, 0, 0);
	case 1: return l2_exit(NVMX_EXIT_REASON_EPT_VIOLATION, 1 /* read */, L2_GPA);
	case 2: return l2_exit(NVMX_EXIT_REASON_CPUID, 0, 0);
	case 3:
		f.h.gpr[2] = NVMX_F_GUEST_RIP;
		return insn(NVMX_EXIT_REASON_VMREAD, false, 3, 2);
	case 4:
		f.h.gpr[1] = 0x401000;
		f.h.gpr[2] = NVMX_F_GUEST_RIP;
		return insn(NVMX_EXIT_REASON_VMWRITE, false, 1, 2);
	case 5: return insn(NVMX_EXIT_REASON_VMRESUME, false, 0, 0);
	case 6: return l2_exit(NVMX_EXIT_REASON_CPUID, 0, 0);
	case 7:
		refhost_mem_w64(&f.h, OPND, EPT12 | 0x5e);
		refhost_mem_w64(&f.h, OPND + 8, 0);
		f.h.gpr[1] = 1;
		return insn(NVMX_EXIT_REASON_INVEPT, true, 0, 1);
	case 8:
		refhost_mem_w64(&f.h, OPND, FX_VMCS12);
		return insn(NVMX_EXIT_REASON_VMCLEAR, true, 0, 0);
	case 9:
		refhost_mem_w64(&f.h, OPND, FX_VMCS12);
		return insn(NVMX_EXIT_REASON_VMPTRLD, true, 0, 0);
	case 10:
		refhost_mem_w64(&f.h, OPND, FX_VMCS12);
		return insn(NVMX_EXIT_REASON_VMPTRST, true, 0, 0);
	case 11: return insn(NVMX_EXIT_REASON_VMXOFF, false, 0, 0);
	default:
		refhost_mem_w64(&f.h, OPND, FX_VMXON);
		return insn(NVMX_EXIT_REASON_VMXON, true, 0, 0);
	}
}

static void setup_scenario(void)
{
	cr_assert_eq(fx_init(&f), 0);
	refhost_l1_set(&f.h, NVMX_F_GUEST_RFLAGS, 0x2);
	/* EPT12: L2 0x200000 (2 MiB) -> L1 0, write-back, RWX. */
	refhost_mem_w64(&f.h, EPT12, (EPT12 + 0x1000) | 7);
	refhost_mem_w64(&f.h, EPT12 + 0x1000, (EPT12 + 0x2000) | 7);
	refhost_mem_w64(&f.h, EPT12 + 0x2000 + 8, 0x0 | 0x80 | 0x30 | 7);
	fx_set(&f, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_EPT | NVMX_PROC2_VPID);
	/* Accessed/dirty flags on: the shadow EPT sets them with cmpxchg. */
	fx_set(&f, NVMX_IDX_EPT_POINTER, EPT12 | 0x5e);
	fx_set(&f, NVMX_IDX_VIRTUAL_PROCESSOR_ID, 3);
	fx_set(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL,
	       fx_get(&f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_USE_IO_BITMAPS);
	fx_set(&f, NVMX_IDX_IO_BITMAP_A, FX_IO_A);
	fx_set(&f, NVMX_IDX_IO_BITMAP_B, FX_IO_B);
	refhost_mem_w32(&f.h, FX_ENTRY_MSR, 0x174);
	refhost_mem_w64(&f.h, FX_ENTRY_MSR + 8, 0x10);
	fx_set(&f, NVMX_IDX_VM_ENTRY_MSR_LOAD_ADDR, FX_ENTRY_MSR);
	fx_set(&f, NVMX_IDX_VM_ENTRY_MSR_LOAD_COUNT, 1);
	refhost_mem_w32(&f.h, FX_EXIT_MSR, 0x174);
	fx_set(&f, NVMX_IDX_VM_EXIT_MSR_STORE_ADDR, FX_EXIT_MSR);
	fx_set(&f, NVMX_IDX_VM_EXIT_MSR_STORE_COUNT, 1);
}

static struct outcome now(enum nvmx_status st)
{
	return (struct outcome){ st, r.outcome, r.reason };
}

static bool same(struct outcome a, struct outcome b)
{
	return a.st == b.st && a.out == b.out && a.why == b.why;
}

static uint64_t reference(struct outcome *ref, enum refhost_fail_mode mode)
{
	setup_scenario();
	refhost_fail_at(&f.h, ~0ull, mode); /* count, never fail */
	for (unsigned k = 0; k < NSTEPS; k++) {
		ref[k] = now(step(k));
		cr_assert_eq(ref[k].st, NVMX_STATUS_OK, "step %u: %s", k, nvmx_status_name(ref[k].st));
	}
	uint64_t calls = f.h.fail_calls;
	fx_fini(&f);
	return calls;
}

static void sweep(enum refhost_fail_mode mode)
{
	struct outcome ref[NSTEPS];
	uint64_t calls = reference(ref, mode);
	cr_assert_gt(calls, 20, "the scenario makes %llu fallible calls", (unsigned long long)calls);
	unsigned hit[REFHOST_FAIL_WRITE_PROTECT + 1] = { 0 };
	unsigned reported = 0, architectural = 0;
	for (uint64_t n = 1; n <= calls; n++) {
		setup_scenario();
		refhost_fail_at(&f.h, n, mode);
		bool diverged = false;
		for (unsigned k = 0; k < NSTEPS; k++) {
			bool before = f.h.failed_op != REFHOST_FAIL_NONE;
			struct outcome o = now(step(k));
			cr_assert_neq(strcmp(nvmx_status_name(o.st), "UNKNOWN"), 0,
			              "N=%llu step %u: unnamed status %d", (unsigned long long)n, k, o.st);
			bool failed_here = !before && f.h.failed_op != REFHOST_FAIL_NONE;
			if (failed_here) {
				enum refhost_fail_op op_failed = f.h.failed_op;
				hit[op_failed]++;
				refhost_fail_at(&f.h, 0, mode);
				f.h.failed_op = REFHOST_FAIL_NONE;
				if (o.st != NVMX_STATUS_OK) {
					reported++;
					/* The library reported the failure: a retry
					 * must do what the clean run did. */
					o = now(step(k));
				}
				if (!same(o, ref[k])) {
					/* An architectural outcome of the failure
					 * (VMfail, #PF for L1, a VM-entry failure):
					 * from here on only safety is checked. */
					cr_expect(o.st == NVMX_STATUS_OK, "N=%llu step %u: retry gave %s",
					          (unsigned long long)n, k, nvmx_status_name(o.st));
					diverged = true;
					architectural++;
					/* HOST_FAILURE is never L1's to see. */
					cr_expect(mode == REFHOST_FAIL_SOFT,
					          "N=%llu op %d step %u: a host failure became %d/%s",
					          (unsigned long long)n, (int)op_failed, k, o.out,
					          nvmx_reason_name(o.why));
				}
				continue;
			}
			if (!diverged)
				cr_expect(same(o, ref[k]),
				          "N=%llu step %u: %s/%d/%s, clean run %s/%d/%s", (unsigned long long)n, k,
				          nvmx_status_name(o.st), o.out, nvmx_reason_name(o.why),
				          nvmx_status_name(ref[k].st), ref[k].out, nvmx_reason_name(ref[k].why));
		}
		nvmx_vcpu_destroy(f.h.vcpu);
		f.h.vcpu = NULL;
		cr_assert_eq(nvmx_vm_destroy(f.h.vm), NVMX_STATUS_OK);
		f.h.vm = NULL;
		cr_expect_eq(f.h.npages, 0, "N=%llu: %u pages leaked", (unsigned long long)n, f.h.npages);
		cr_expect_eq(f.h.alloc_bytes, 0, "N=%llu: %lld bytes leaked", (unsigned long long)n,
		             (long long)f.h.alloc_bytes);
		fx_fini(&f);
	}
	cr_log_info("%u failures reported as a status and retried, %u made an architectural outcome",
	            reported, architectural);
	cr_log_info("%llu fallible calls swept", (unsigned long long)calls);
	/* The sweep reached the callbacks that matter. */
	cr_expect_gt(hit[REFHOST_FAIL_GPA_READ], 0);
	cr_expect_gt(hit[REFHOST_FAIL_GPA_WRITE], 0);
	cr_expect_gt(hit[REFHOST_FAIL_LIN_READ], 0);
	cr_expect_gt(hit[REFHOST_FAIL_GPA_TO_HPA], 0);
	cr_expect_gt(hit[REFHOST_FAIL_PAGE_ALLOC], 0);
	cr_expect_gt(hit[REFHOST_FAIL_MSR_LOAD], 0);
	cr_expect_gt(hit[REFHOST_FAIL_MSR_STORE], 0);
	cr_expect_gt(hit[REFHOST_FAIL_CMPXCHG], 0);
	cr_expect_gt(hit[REFHOST_FAIL_L1_MSR], 0);
}

Test(failing_host, every_nth_callback_failing_softly_leaves_a_usable_vcpu_and_no_leak)
{
	sweep(REFHOST_FAIL_SOFT);
}

Test(failing_host, every_nth_callback_failing_with_host_failure_leaves_a_usable_vcpu_and_no_leak)
{
	sweep(REFHOST_FAIL_HARD);
}

/* Creating the VM and the vCPU: each bookkeeping or page allocation may
 * fail; creation then fails with a named status and gives back all it got. */
Test(failing_host, vm_and_vcpu_creation_fail_cleanly_at_every_allocation)
{
	struct refhost h;
	cr_assert_eq(refhost_init(&h, 1u << 20, NULL), NVMX_STATUS_OK);
	nvmx_vcpu_destroy(h.vcpu);
	h.vcpu = NULL;
	cr_assert_eq(nvmx_vm_destroy(h.vm), NVMX_STATUS_OK);
	h.vm = NULL;
	cr_assert_eq(h.alloc_bytes, 0);
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	unsigned failures = 0;
	for (uint64_t n = 1; n < 10000; n++) {
		refhost_fail_at(&h, n, n & 1 ? REFHOST_FAIL_SOFT : REFHOST_FAIL_HARD);
		struct nvmx_vm *vm = NULL;
		struct nvmx_vcpu *v = NULL;
		enum nvmx_status st = nvmx_vm_create(&cfg, &h.ops, &h, &vm);
		if (st == NVMX_STATUS_OK) {
			h.vm = vm;
			st = nvmx_vcpu_create(vm, &h, &v);
		}
		bool hit = h.failed_op != REFHOST_FAIL_NONE;
		refhost_fail_at(&h, 0, REFHOST_FAIL_SOFT);
		if (st != NVMX_STATUS_OK) {
			cr_assert(hit, "N=%llu: %s without an injected failure", (unsigned long long)n,
			          nvmx_status_name(st));
			cr_expect_neq(strcmp(nvmx_status_name(st), "UNKNOWN"), 0);
			failures++;
		}
		if (v)
			nvmx_vcpu_destroy(v);
		if (vm)
			cr_assert_eq(nvmx_vm_destroy(vm), NVMX_STATUS_OK);
		h.vm = NULL;
		cr_expect_eq(h.alloc_bytes, 0, "N=%llu: %lld bytes leaked", (unsigned long long)n,
		             (long long)h.alloc_bytes);
		cr_expect_eq(h.npages, 0, "N=%llu: pages leaked", (unsigned long long)n);
		if (!hit)
			break; /* creation made fewer than n fallible calls: all swept */
	}
	cr_expect_gt(failures, 2);
	refhost_fini(&h);
}
