/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the VM entry: start from the valid baseline VMCS12 of the entry test
 * fixture and mutate it field by field near the validity boundaries (bit
 * flips, boundary values, canonical edges), plus L1 memory the entry reads
 * (bitmaps, MSR-load areas, PDPTEs, the link-pointer region). Then VMLAUNCH,
 * mutate again and VMRESUME. After every accepted entry assert
 *   invariant 2: the hardware model (hwcheck) accepts VMCS02;
 *   invariant 3: VMCS02 keeps every exit L0 requires;
 *   every entry of the VM-entry MSR-load area passes WRMSR's architectural
 *   rules (nvmx_msr_write_check), and an MSR-load failure names an entry
 *   within the count.
 *
 * Input: byte 0 chooses the L0 policy variant; then 8-byte records
 * { u16 field index, u8 op, u8 bit, u32 value }; a record with op 7 splits
 * the launch mutations from the resume mutations. Op 6 with bit >= 48
 * writes entry (index % 8) of an MSR-load area at MSR_AREA instead of a word
 * of L1 memory: an MSR from `msrs` and a value from `edges`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "entry_fixture.h"

static const uint64_t edges[] = {
	0, 1, 2, 3, 0xf, 0x10, 0xfff, 0x1000, 0x1001, 0xffff, 0x10000, 0x7fffffff, 0x80000000ull,
	0xffffffffull, 0x100000000ull, (1ull << 46) - 1, 1ull << 46, 0x00007fffffffffffull,
	0x0000800000000000ull, 0xffff800000000000ull, 0xffff7fffffffffffull, ~0ull, 0x80000020ull,
	0x80000b0dull, 0x80000202ull, 0x80000403ull, 0x80050033ull, 0x2020, 0xa09b, 0xc093, 0x8b,
	0x10000, FX_MSR_BITMAP, FX_VAPIC, 0x3001e,
};

/* MSRs with WRMSR rules of every kind (nvmx/msr.h), ones the SDM forbids in
 * the area, and ones no processor has. */
static const uint32_t msrs[] = {
	0x10, 0x1b, 0x174, 0x175, 0x176, 0x1d9, 0x277, 0x2ff, 0x250, 0x200, 0x201, 0x38f,
	0x480, 0xfe, 0xc0000080u, 0xc0000081u, 0xc0000082u, 0xc0000083u, 0xc0000084u,
	0xc0000100u, 0xc0000101u, 0xc0000102u, 0xc0000103u, 0x79, 0x8b, 0x9b, 0x9e, 0x808,
	0x3a, 0x1a0, 0x4b564d00u, 0,
};
#define MSR_AREA 0x30000ull

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_entry: invariant broken: %s %s\n", what, detail ? detail : "");
	abort();
}

/* VMWRITE keeps only the field's width (SDM 31, VMWRITE). */
static void put(struct entry_fixture *f, unsigned idx, uint64_t v)
{
	switch (NVMX_FIELD_WIDTH(nvmx_field_table[idx].encoding)) {
	case NVMX_FIELD_WIDTH_16: v &= 0xffffu; break;
	case NVMX_FIELD_WIDTH_32: v &= 0xffffffffu; break;
	default: break;
	}
	fx_set(f, idx, v);
}

static void mutate(struct entry_fixture *f, const uint8_t *r)
{
	unsigned idx = (unsigned)(r[0] | (r[1] << 8)) % NVMX_FIELD_COUNT;
	unsigned op = r[2] % 8, bit = r[3] % 64;
	uint32_t val;
	memcpy(&val, r + 4, 4);
	uint64_t cur = fx_get(f, idx);
	switch (op) {
	case 0: put(f, idx, cur ^ (1ull << bit)); break;
	case 1: put(f, idx, val); break;
	case 2: put(f, idx, (uint64_t)(int64_t)(int32_t)val); break;
	case 3: put(f, idx, edges[val % (sizeof(edges) / sizeof(edges[0]))]); break;
	case 4: put(f, idx, cur | (1ull << bit)); break;
	case 5: put(f, idx, cur & ~(1ull << bit)); break;
	case 6:
		if (bit >= 48) {
			/* An MSR-load entry: index, reserved half 0, value. */
			unsigned k = idx % 8u;
			uint64_t at = MSR_AREA + 16u * k;
			refhost_mem_w64(&f->h, at, msrs[(val & 0xffu) % (sizeof(msrs) / sizeof(msrs[0]))]);
			refhost_mem_w64(&f->h, at + 8, edges[(val >> 8) % (sizeof(edges) / sizeof(edges[0]))] ^
			                                    ((uint64_t)(val >> 24) << (bit - 48)));
			fx_set(f, NVMX_IDX_VM_ENTRY_MSR_LOAD_ADDR, MSR_AREA);
			if (fx_get(f, NVMX_IDX_VM_ENTRY_MSR_LOAD_COUNT) <= k)
				fx_set(f, NVMX_IDX_VM_ENTRY_MSR_LOAD_COUNT, k + 1u);
			break;
		}
		/* L1 memory the entry may read: below 1 MiB */
		refhost_mem_w32(&f->h, ((uint64_t)idx * 16u + bit) & 0xffffcu, val);
		break;
	default: break;
	}
}

/* Invariant 3 on the VMCS02 the library just built. */
static void check_l0_exits(struct entry_fixture *f)
{
	const char *lost = fx_l0_exits_missing(f);
	if (lost)
		die("L0 exit lost:", lost);
}

/* Every MSR the entry loaded passes WRMSR's rules. */
static void check_msr_area(struct entry_fixture *f)
{
	uint64_t n = fx_get(f, NVMX_IDX_VM_ENTRY_MSR_LOAD_COUNT);
	uint64_t at = fx_get(f, NVMX_IDX_VM_ENTRY_MSR_LOAD_ADDR);
	for (uint64_t i = 0; i < n && i < 512; i++) {
		uint64_t e[2];
		if (!refhost_mem_read(&f->h, at + 16 * i, e, sizeof(e)))
			die("an MSR-load entry outside L1 memory was accepted", NULL);
		enum nvmx_reason r = nvmx_vm_msr_write_check(f->h.vm, (uint32_t)e[0], e[1]);
		if (r != NVMX_REASON_MSR_WRITE_OK && r != NVMX_REASON_MSR_NOT_ARCHITECTURAL)
			die("a loaded MSR value WRMSR refuses:", nvmx_reason_name(r));
	}
}

/*
 * NVMX_L0_EMULATE_APIC_VIRT: none of L1's APIC-virtualization controls in
 * VMCS02; with L1's TPR shadow MOV to/from CR8 exits; with L1's "virtualize
 * x2APIC mode" every RDMSR/WRMSR of 800H-8FFH exits (SDM 25.6.8, 25.6.9).
 */
static void check_apic_emulation(struct entry_fixture *f)
{
	if (!(f->pol.flags & NVMX_L0_EMULATE_APIC_VIRT))
		return;
	uint64_t pin = refhost_vmcs02_get(&f->h, NVMX_F_PIN_BASED_VM_EXEC_CONTROL);
	uint64_t proc = refhost_vmcs02_get(&f->h, NVMX_F_CPU_BASED_VM_EXEC_CONTROL);
	uint64_t proc2 = (proc & NVMX_PROC_SECONDARY_CONTROLS)
	                         ? refhost_vmcs02_get(&f->h, NVMX_F_SECONDARY_VM_EXEC_CONTROL) : 0;
	if ((pin & NVMX_PIN_POSTED_INTR) || (proc & NVMX_PROC_TPR_SHADOW) ||
	    (proc2 & (NVMX_PROC2_VIRT_APIC_ACCESSES | NVMX_PROC2_APIC_REG_VIRT |
	              NVMX_PROC2_VIRT_INTR_DELIVERY | NVMX_PROC2_VIRT_X2APIC)))
		die("APIC emulation: an APIC-virtualization control reached VMCS02", NULL);
	uint64_t p12 = fx_get(f, NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL);
	uint64_t s12 = (p12 & NVMX_PROC_SECONDARY_CONTROLS)
	                       ? fx_get(f, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL) : 0;
	if ((p12 & NVMX_PROC_TPR_SHADOW) &&
	    (~proc & (NVMX_PROC_CR8_LOAD_EXITING | NVMX_PROC_CR8_STORE_EXITING)))
		die("APIC emulation: MOV CR8 does not exit under L1's TPR shadow", NULL);
	if (s12 & NVMX_PROC2_VIRT_X2APIC)
		for (uint32_t m = 0x800; m <= 0x8ff; m++)
			if (!fx_vmcs02_msr_exits(f, m, false) || !fx_vmcs02_msr_exits(f, m, true))
				die("APIC emulation: an x2APIC MSR access does not exit", NULL);
}

static void check_entry(struct entry_fixture *f, enum nvmx_status st, const struct nvmx_result *res)
{
	if (st == NVMX_STATUS_OK && res->outcome == NVMX_OUTCOME_L2_ENTERED) {
		const char *hw = hwcheck_vmcs02(&f->h, &f->h.vm->cfg.hw);
		if (hw)
			die("hardware refuses VMCS02:", hw);
		check_l0_exits(f);
		check_msr_area(f);
		check_apic_emulation(f);
	}
	if (st == NVMX_STATUS_OK && res->outcome == NVMX_OUTCOME_ENTRY_FAILED &&
	    (res->exit_reason & 0xffffu) == NVMX_EXIT_REASON_ENTRY_FAIL_MSR_LOAD) {
		uint64_t n = fx_get(f, NVMX_IDX_VM_ENTRY_MSR_LOAD_COUNT);
		if (res->exit_qualification == 0 || res->exit_qualification > n)
			die("MSR-load failure names no entry of the area", NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct entry_fixture f;
	static bool ready;
	if (!ready) {
		if (fx_init(&f) != 0)
			abort();
		ready = true;
	} else {
		fx_reset(&f);
	}
	if (size > 0) {
		uint8_t pv = data[0];
		if (pv & 1)
			f.pol.exception_bitmap |= 1u << 14;
		if (pv & 2)
			f.pol.flags |= NVMX_L0_HASH_L1_BITMAPS;
		if (pv & 4)
			f.pol.proc_set |= NVMX_PROC_CR3_LOAD_EXITING | NVMX_PROC_RDTSC_EXITING;
		if (pv & 8)
			f.pol.cr0_mask |= NVMX_CR0_NE;
		if (pv & 16)
			f.pol.tsc_offset = 0x123456789ull;
		if (pv & 32)
			f.pol.flags |= NVMX_L0_EMULATE_PREEMPTION_TIMER;
		if (pv & 64)
			f.pol.flags |= NVMX_L0_REFUSE_UNBACKED_CONTROL_PAGES;
		if (pv & 128)
			f.pol.flags |= NVMX_L0_EMULATE_APIC_VIRT;
		nvmx_vcpu_set_l0_policy(f.v, &f.pol);
		data++;
		size--;
	}
	size_t i = 0;
	for (; i + 8 <= size && (data[i + 2] % 8) != 7; i += 8)
		mutate(&f, data + i);
	struct nvmx_result res;
	enum nvmx_status st = fx_enter(&f, true, &res);
	check_entry(&f, st, &res);
	if (st == NVMX_STATUS_OK && res.outcome == NVMX_OUTCOME_L2_ENTERED) {
		fx_exit_to_l1(&f);
		for (i += 8; i + 8 <= size; i += 8)
			mutate(&f, data + i);
		st = fx_enter(&f, false, &res);
		check_entry(&f, st, &res);
	}
	return 0;
}
