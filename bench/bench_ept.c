/* SPDX-License-Identifier: MIT */
/*
 * Shadow-EPT benchmarks: fault-in of one 4 KiB and one 2 MiB page (cold:
 * after an all-context INVEPT, so the whole EPT02 path is built; warm: only
 * the leaf), mapping 1 GiB of L2 memory page by page (time and shadow
 * memory), INVEPT cost as the shadow grows (single- and all-context: it
 * retires shadow trees without visiting a page), the refault of the first
 * 4 KiB after an INVEPT of a 1 GiB shadow (a fresh root, plus a bounded
 * share of the retired tree's reclaim), and reverse-map invalidation of a
 * 1 GiB range. JSON lines as docs/benchmarks.md; times are never asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "hw_ept.h"
#include "ept/ept.h"

#define GIB (1ull << 30)
#define TABLES GIB              /* EPT12 tables live above the 1 GiB mapped */
#define VMCS12_GPA 0x10000ull

static struct refhost h;
static uint64_t next_table, root, eptp12;

static uint64_t table(void)
{
	uint64_t g = next_table;
	next_table += 4096;
	return g;
}

static void map(uint64_t l2, uint64_t l1, unsigned level)
{
	uint64_t t = root;
	for (unsigned l = 4; l > level; l--) {
		uint64_t ea = t + 8 * ((l2 >> (12 + 9 * (l - 1))) & 511);
		uint64_t e = refhost_mem_r64(&h, ea);
		if (!e) {
			e = table() | 7;
			refhost_mem_w64(&h, ea, e);
		}
		t = e & ~0xfffull;
	}
	refhost_mem_w64(&h, t + 8 * ((l2 >> (12 + 9 * (level - 1))) & 511),
	                l1 | 7 | (6 << 3) | (level > 1 ? 0x80 : 0));
}

static void fault(uint64_t l2)
{
	struct nvmx_ept_outcome o;
	if (nvmx_ept_fault(h.vcpu, l2, 1 | (1 << 7) | (1 << 8), 0, &o) != NVMX_STATUS_OK ||
	    o.kind != NVMX_EPT_MAPPED) {
		fprintf(stderr, "bench_ept: fault at %#llx not mapped\n", (unsigned long long)l2);
		exit(1);
	}
}

static void setup(void)
{
	if (refhost_init(&h, GIB + (16ull << 20), NULL) != NVMX_STATUS_OK) {
		fprintf(stderr, "bench_ept: refhost_init failed\n");
		exit(1);
	}
	struct nvmx_vmcs12 *s = NULL;
	nvmx_vmcs12_load(h.vcpu, VMCS12_GPA, &s);
	h.vcpu->cur = s;
	next_table = TABLES;
	root = table();
	eptp12 = root | 6 | (3 << 3);
	/* L2 [0, 1G) -> L1 [0, 1G) in 4 KiB pages; L2 [1G, 1G+2M) as one 2M page. */
	for (uint64_t a = 0; a < GIB; a += 4096)
		map(a, a, 1);
	map(GIB, 0x200000, 2);
	uint64_t eptp02;
	if (nvmx_ept_root(h.vcpu, eptp12, &eptp02) != NVMX_STATUS_OK)
		exit(1);
	refhost_vmcs02_set(&h, NVMX_F_EPT_POINTER, eptp02);
}

static uint64_t target;

static void op_fault(void *ctx)
{
	(void)ctx;
	fault(target);
}

/* L1's INVEPT, then the VM entry that gives VMCS02 the live root. */
static void invept_and_enter(uint64_t type)
{
	uint64_t eptp02;
	nvmx_ept_invept(h.vcpu, type, eptp12);
	if (nvmx_ept_root(h.vcpu, eptp12, &eptp02) != NVMX_STATUS_OK)
		exit(1);
	refhost_vmcs02_set(&h, NVMX_F_EPT_POINTER, eptp02);
}

/* Untimed: VM entries until the retired trees are freed (each entry does a
 * bounded share), so that a figure measures its own operation and not the
 * reclaim of an earlier INVEPT's shadow. */
static void drain(void)
{
	struct nvmx_ept_stats st;
	uint64_t eptp02, last = ~0ull;
	for (unsigned i = 0; i < 100000; i++) {
		if (nvmx_ept_root(h.vcpu, eptp12, &eptp02) != NVMX_STATUS_OK)
			exit(1);
		if (i % 1024 == 0) {
			nvmx_vm_get_ept_stats(h.vm, &st);
			if (st.pages_reclaimed == last)
				return;
			last = st.pages_reclaimed;
		}
	}
}

static void reset_cold(void *ctx)
{
	(void)ctx;
	invept_and_enter(2);
}

static void reset_warm(void *ctx)
{
	(void)ctx;
	nvmx_vm_notify_l1_mem_changed(h.vm, target & ~0xfffull, 4096, NVMX_MEM_READ_ONLY);
	fault(target + 0x1000);  /* keep the path (and PT) shadowed */
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void json(const char *name, uint64_t *ns, unsigned n, const char *extra)
{
	qsort(ns, n, sizeof(*ns), cmp_u64);
	printf("{\"bench\": \"%s\", \"ns_median\": %llu, \"ns_p99\": %llu, \"iterations\": %u, "
	       "\"vmcs_reads\": 0, \"vmcs_writes\": 0%s%s}\n",
	       name, (unsigned long long)ns[n / 2], (unsigned long long)ns[(n - 1) * 99 / 100], n,
	       extra ? ", " : "", extra ? extra : "");
	fflush(stdout);
}

int main(void)
{
	setup();

	target = 0x12345000;
	double cold_ns = bench_run("ept_fault_4k_cold", &h, op_fault, reset_cold, NULL, 50, 20, NULL);
	bench_run("ept_fault_4k_warm", &h, op_fault, reset_warm, NULL, 50, 20, NULL);
	target = GIB + 0x1234;
	bench_run("ept_fault_2m_cold", &h, op_fault, reset_cold, NULL, 50, 20, NULL);

	/* Map 1 GiB page by page from an empty shadow. */
	char extra[256];
	uint64_t ns[8];
	for (unsigned rep = 0; rep < 3; rep++) {
		invept_and_enter(2);
		drain();
		uint64_t t0 = bench_now_ns();
		for (uint64_t a = 0; a < GIB; a += 4096)
			fault(a);
		ns[rep] = bench_now_ns() - t0;
	}
	struct nvmx_ept_stats st;
	nvmx_vm_get_ept_stats(h.vm, &st);
	qsort(ns, 3, sizeof(*ns), cmp_u64);
	snprintf(extra, sizeof(extra),
	         "\"pages_mapped\": 262144, \"ns_per_fault\": %.1f, \"shadow_pages\": %llu, "
	         "\"shadow_bytes\": %llu, \"rmap_entries\": %llu",
	         (double)ns[1] / 262144.0, (unsigned long long)st.pages,
	         (unsigned long long)st.pages * 4096, (unsigned long long)st.rmap_entries);
	json("ept_map_1g_by_4k", ns, 3, extra);

	/* Reverse-map invalidation of the 1 GiB range (every leaf, tables kept). */
	for (unsigned rep = 0; rep < 3; rep++) {
		if (rep)
			for (uint64_t a = 0; a < GIB; a += 4096)
				fault(a);
		uint64_t t0 = bench_now_ns();
		nvmx_vm_notify_l1_mem_changed(h.vm, 0, GIB, NVMX_MEM_READ_ONLY);
		ns[rep] = bench_now_ns() - t0;
	}
	snprintf(extra, sizeof(extra), "\"leaves_dropped\": 262144");
	json("ept_rmap_invalidate_1g", ns, 3, extra);

	/* INVEPT (single- and all-context) as the shadow grows: each sample
	 * maps pts page tables' worth of 4 KiB pages from a fresh root, then
	 * times one INVEPT. */
	static const unsigned pts[] = { 1, 16, 128, 512 };
	for (unsigned type = 1; type <= 2; type++) {
		for (unsigned k = 0; k < 4; k++) {
			uint64_t s_ns[5];
			for (unsigned rep = 0; rep < 5; rep++) {
				invept_and_enter(2);
				for (uint64_t a = 0; a < (uint64_t)pts[k] << 21; a += 4096)
					fault(a);
				nvmx_vm_get_ept_stats(h.vm, &st);
				uint64_t t0 = bench_now_ns();
				nvmx_ept_invept(h.vcpu, type, eptp12);
				s_ns[rep] = bench_now_ns() - t0;
			}
			char name[64];
			snprintf(name, sizeof(name), "ept_invept_%s_%u_pts", type == 1 ? "single" : "all",
			         pts[k]);
			snprintf(extra, sizeof(extra),
			         "\"shadow_pages\": %llu, \"leaves\": %u, \"hw_invept\": 0",
			         (unsigned long long)st.pages, pts[k] * 512);
			json(name, s_ns, 5, extra);
		}
	}

	/* The first 4 KiB fault after a single-context INVEPT of a 1 GiB
	 * shadow and the VM entry that follows it; the cold fault (after an
	 * all-context INVEPT of a small shadow, same entry) for comparison. */
	{
		enum { REPS = 9 };
		uint64_t r_ns[REPS], e_ns[REPS];
		uint64_t reclaimed = 0, left = 0;
		for (unsigned rep = 0; rep < REPS; rep++) {
			invept_and_enter(2);
			for (uint64_t a = 0; a < GIB; a += 4096)
				fault(a);
			nvmx_ept_invept(h.vcpu, 1, eptp12);
			uint64_t t0 = bench_now_ns(), eptp02;
			if (nvmx_ept_root(h.vcpu, eptp12, &eptp02) != NVMX_STATUS_OK)
				exit(1);
			uint64_t t1 = bench_now_ns();
			refhost_vmcs02_set(&h, NVMX_F_EPT_POINTER, eptp02);
			nvmx_vm_get_ept_stats(h.vm, &st);
			reclaimed = st.pages_reclaimed;
			uint64_t t2 = bench_now_ns();
			fault(0);
			uint64_t t3 = bench_now_ns();
			nvmx_vm_get_ept_stats(h.vm, &st);
			reclaimed = st.pages_reclaimed - reclaimed;
			left = st.pages;
			e_ns[rep] = t1 - t0;
			r_ns[rep] = t3 - t2;
		}
		snprintf(extra, sizeof(extra),
		         "\"retired_pages\": 515, \"retired_leaves\": 262144, \"cold_ns_median\": %.1f, "
		         "\"pages_freed_by_it\": %llu, \"shadow_pages_after\": %llu",
		         cold_ns, (unsigned long long)reclaimed, (unsigned long long)left);
		json("ept_refault_4k_after_invept_1g", r_ns, REPS, extra);
		snprintf(extra, sizeof(extra), "\"retired_pages\": 515");
		json("ept_entry_after_invept_1g", e_ns, REPS, extra);
	}
	refhost_fini(&h);
	return 0;
}
