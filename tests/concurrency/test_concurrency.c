/* SPDX-License-Identifier: MIT */
/*
 * DESIGN.md invariant 7: four vCPUs of one VM, each on its own thread, run
 * nested round trips at the same time (VMLAUNCH, EPT violations that fill
 * the shared shadow EPT, CPUID exits reflected to L1, L1's INVEPT and
 * INVVPID, VMRESUME) while L0 reports EPT01 changes from a fifth thread.
 * Every L2 access must land where EPT12 composed with EPT01 says (the
 * shared EPT12 maps L2 g to L1 g + 16 MiB), every call must succeed with
 * the SDM's outcome, and the run must be ThreadSanitizer-clean (CI builds
 * it with clang -fsanitize=thread).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "refhost.h"
#include "hw_ept.h"
#include "core.h"
#include "entry/entry.h"
#include "../exit/rt_baseline.h"

#define NVCPU 4
#define L2_SPAN (8ull << 20)            /* L2 [0, 8 MiB) */
#define L1_DATA (16ull << 20)           /* ... -> L1 [16 MiB, 24 MiB) */
#define TABLES (4ull << 20)             /* EPT12 tables from here */
#define ITERS 3000u
#define RCX 1u
#define RDX 2u

static struct refhost vmh;
static struct refhost extra[NVCPU - 1];
static uint64_t eptp12, next_table;
static volatile int stop_l0;

static uint64_t table(void)
{
	uint64_t g = next_table;
	next_table += 4096;
	return g;
}

/* EPT12: L2 [0, 8 MiB) -> L1 + 16 MiB in 4 KiB pages, WB, RWX. */
static void build_ept12(void)
{
	next_table = TABLES;
	uint64_t root = table();
	for (uint64_t a = 0; a < L2_SPAN; a += 4096) {
		uint64_t t = root;
		for (unsigned l = 4; l > 1; l--) {
			uint64_t ea = t + 8 * ((a >> (12 + 9 * (l - 1))) & 511);
			uint64_t e = refhost_mem_r64(&vmh, ea);
			if (!e) {
				e = table() | 7;
				refhost_mem_w64(&vmh, ea, e);
			}
			t = e & ~0xfffull;
		}
		refhost_mem_w64(&vmh, t + 8 * ((a >> 12) & 511), (L1_DATA + a) | 7 | (6 << 3));
	}
	eptp12 = root | 6 | (3 << 3);
}

struct worker {
	struct refhost *h;
	unsigned id;
	uint64_t rng;
	unsigned accesses, faults, exits, invepts, failures;
	char why[160];
};

static uint64_t next_rand(struct worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

/* A failed check ends the run with its reason (exit status 1). */
#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "concurrency: %s:%d: %s: ", __FILE__, \
			        __LINE__, #cond);                          \
			fprintf(stderr, " " __VA_ARGS__);                  \
			fprintf(stderr, "\n");                             \
			exit(1);                                           \
		}                                                          \
	} while (0)

#define FAILW(w, ...)                                              \
	do {                                                       \
		snprintf((w)->why, sizeof((w)->why), __VA_ARGS__); \
		(w)->failures++;                                   \
		return;                                            \
	} while (0)

static bool enter(struct worker *w, bool launch)
{
	struct nvmx_result res;
	if (nvmx_entry_enter(w->h->vcpu, launch, &res) != NVMX_STATUS_OK ||
	    res.outcome != NVMX_OUTCOME_L2_ENTERED) {
		snprintf(w->why, sizeof(w->why), "vCPU %u: entry failed, reason %d", w->id,
		         (int)res.reason);
		w->failures++;
		return false;
	}
	return true;
}

/* L1 executes INVEPT or INVVPID with a descriptor at its operand page. */
static bool l1_inv(struct worker *w, uint32_t reason, uint64_t type, uint64_t d0)
{
	struct refhost *h = w->h;
	uint64_t opnd = 0x8000 + 0x100 * w->id;
	refhost_mem_w64(h, opnd, d0);
	refhost_mem_w64(h, opnd + 8, 0);
	h->gpr[RDX] = type;
	struct refhost_insn in = { .exit_reason = reason, .mem = true, .la = opnd, .reg2 = RDX };
	struct nvmx_result res;
	if (refhost_exec(h, &in, &res) != NVMX_STATUS_OK || res.outcome != NVMX_OUTCOME_SUCCEED) {
		snprintf(w->why, sizeof(w->why), "vCPU %u: INV%s type %llu: outcome %d reason %d",
		         w->id, reason == NVMX_EXIT_REASON_INVEPT ? "EPT" : "VPID", (unsigned long long)type,
		         (int)res.outcome, (int)res.reason);
		w->failures++;
		return false;
	}
	return true;
}

/* One L2 read of gpa, through EPT violations, to completion. A fault whose
 * install an invalidation on another thread overtakes is retried by L2 (reason
 * EPT_INVALIDATED), and the mapping it installs can be invalidated again before
 * the access, so progress is bounded generously: 64 tries, not the 1 or 2 a
 * quiet VM needs (8 was seen exhausted under coverage instrumentation). */
static void l2_read(struct worker *w, uint64_t gpa)
{
	struct refhost *h = w->h;
	for (int tries = 0; tries < 64; tries++) {
		uint64_t hpa = 0;
		struct refhost_l2_exit ex;
		enum refhost_l2_result r = refhost_l2_access(h, gpa, REFHOST_L2_READ, &hpa, &ex);
		if (r == REFHOST_L2_OK) {
			if (hpa != REFHOST_HPA_BASE + L1_DATA + gpa)
				FAILW(w, "vCPU %u: L2 %#llx read hpa %#llx", w->id,
				      (unsigned long long)gpa, (unsigned long long)hpa);
			w->accesses++;
			return;
		}
		if (r != REFHOST_L2_EPT_VIOLATION)
			FAILW(w, "vCPU %u: L2 %#llx: hardware model result %d", w->id,
			      (unsigned long long)gpa, (int)r);
		struct nvmx_l2_exit e;
		memset(&e, 0, sizeof(e));
		e.size = sizeof(e);
		e.exit_reason = NVMX_EXIT_REASON_EPT_VIOLATION;
		e.qualification = ex.qualification;
		e.guest_physical_address = gpa;
		e.guest_linear_address = gpa;
		struct nvmx_result res;
		if (nvmx_vcpu_handle_exit(h->vcpu, &e, &res) != NVMX_STATUS_OK ||
		    res.action != NVMX_ACTION_L0_EXIT)
			FAILW(w, "vCPU %u: EPT violation at %#llx: action %d reason %d", w->id,
			      (unsigned long long)gpa, (int)res.action, (int)res.reason);
		w->faults++;
	}
	FAILW(w, "vCPU %u: L2 %#llx never mapped", w->id, (unsigned long long)gpa);
}

/* L2 executes CPUID: an exit L1 always gets (SDM 26.1.2), then L1's
 * INVEPT or INVVPID and VMRESUME. */
static void round_trip(struct worker *w)
{
	struct nvmx_l2_exit e;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.exit_reason = NVMX_EXIT_REASON_CPUID;
	e.insn_len = 2;
	struct nvmx_result res;
	if (nvmx_vcpu_handle_exit(w->h->vcpu, &e, &res) != NVMX_STATUS_OK ||
	    res.outcome != NVMX_OUTCOME_EXIT_TO_L1 || res.exit_reason != NVMX_EXIT_REASON_CPUID)
		FAILW(w, "vCPU %u: CPUID exit: outcome %d", w->id, (int)res.outcome);
	w->exits++;
	uint64_t r = next_rand(w);
	bool ok = (r & 3) == 3 ? l1_inv(w, NVMX_EXIT_REASON_INVVPID, 2, 0)
	                       : l1_inv(w, NVMX_EXIT_REASON_INVEPT, (r & 1) ? 2 : 1, eptp12);
	if (!ok)
		return;
	if ((r & 3) != 3)
		w->invepts++;
	enter(w, false);
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct refhost *h = w->h;
	struct nvmx_vcpu *v = h->vcpu;
	uint64_t vmcs12 = 0x10000 + 0x1000 * w->id;
	v->vmxon = true;
	v->vmxon_ptr = 0x1000;
	struct nvmx_vmcs12 *s = NULL;
	if (nvmx_vmcs12_load(v, vmcs12, &s) != NVMX_STATUS_OK) {
		w->failures++;
		return NULL;
	}
	v->cur = s;
	v->current_vmptr = vmcs12;
	rt_vmcs12_baseline(h->vm, s);
	s->f[NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL] |= NVMX_PROC_SECONDARY_CONTROLS;
	s->f[NVMX_IDX_SECONDARY_VM_EXEC_CONTROL] = NVMX_PROC2_EPT | NVMX_PROC2_VPID;
	s->f[NVMX_IDX_EPT_POINTER] = eptp12;
	s->f[NVMX_IDX_VIRTUAL_PROCESSOR_ID] = 1 + w->id;
	if (!enter(w, true))
		return NULL;
	for (unsigned i = 0; i < ITERS && !w->failures; i++) {
		/* Mostly a small hot set that every vCPU shares, some spread. */
		uint64_t r = next_rand(w);
		uint64_t gpa = (r & 1) ? (r >> 8) % (64 * 4096) : (r >> 8) % L2_SPAN;
		l2_read(w, gpa & ~7ull);
		if ((r >> 1) % 64 == 0 && !w->failures)
			round_trip(w);
	}
	return NULL;
}

/* L0 on its own thread: dirty logging makes ranges read-only and back
 * (EPT01 keeps the same pages), which drops EPT02 leaves under the vCPUs. */
static void *l0_thread(void *arg)
{
	(void)arg;
	uint64_t rng = 88172645463325252ull;
	while (!__atomic_load_n(&stop_l0, __ATOMIC_ACQUIRE)) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		uint64_t gpa = L1_DATA + ((rng >> 12) % (L2_SPAN >> 12)) * 4096;
		CHECK(nvmx_vm_notify_l1_mem_changed(vmh.vm, gpa, 16 * 4096, NVMX_MEM_READ_ONLY) ==
		      NVMX_STATUS_OK);
		struct nvmx_ept_stats st;
		nvmx_vm_get_ept_stats(vmh.vm, &st);
		CHECK(st.pages <= st.budget_pages);
		sched_yield();
	}
	return NULL;
}

int main(void)
{
	CHECK(refhost_init_mt(&vmh, 32ull << 20, NULL) == NVMX_STATUS_OK);
	build_ept12();
	struct worker w[NVCPU];
	memset(w, 0, sizeof(w));
	for (unsigned i = 0; i < NVCPU; i++) {
		if (i)
			CHECK(refhost_vcpu_init(&extra[i - 1], &vmh) == NVMX_STATUS_OK);
		w[i].h = i ? &extra[i - 1] : &vmh;
		w[i].id = i;
		w[i].rng = 0x9e3779b97f4a7c15ull * (i + 1);
	}
	pthread_t th[NVCPU], l0;
	CHECK(pthread_create(&l0, NULL, l0_thread, NULL) == 0);
	for (unsigned i = 0; i < NVCPU; i++)
		CHECK(pthread_create(&th[i], NULL, run, &w[i]) == 0);
	for (unsigned i = 0; i < NVCPU; i++)
		pthread_join(th[i], NULL);
	__atomic_store_n(&stop_l0, 1, __ATOMIC_RELEASE);
	pthread_join(l0, NULL);
	unsigned accesses = 0, faults = 0, exits = 0, invepts = 0;
	for (unsigned i = 0; i < NVCPU; i++) {
		CHECK(w[i].failures == 0, "%s", w[i].why);
		accesses += w[i].accesses;
		faults += w[i].faults;
		exits += w[i].exits;
		invepts += w[i].invepts;
	}
	CHECK(accesses == NVCPU * ITERS);
	CHECK(faults > 0);
	CHECK(exits > 0);
	CHECK(invepts > 0);
	struct nvmx_ept_stats st;
	nvmx_vm_get_ept_stats(vmh.vm, &st);
	CHECK(st.trees_retired > 0);
	CHECK(st.pages_peak <= st.budget_pages);
	printf("concurrency: %u accesses, %u EPT violations, %u exits to L1, %u INVEPTs; shadow: %llu "
	            "faults, %llu trees retired, %llu pages reclaimed, peak %llu pages\n",
	            accesses, faults, exits, invepts, (unsigned long long)st.faults,
	            (unsigned long long)st.trees_retired, (unsigned long long)st.pages_reclaimed,
	            (unsigned long long)st.pages_peak);
	for (unsigned i = 0; i < NVCPU - 1; i++)
		refhost_fini(&extra[i]);
	refhost_fini(&vmh);
	printf("concurrency: %d vCPU threads and an L0 thread: PASS\n", NVCPU);
	return 0;
}
