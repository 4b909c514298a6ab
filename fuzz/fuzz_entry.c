/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the VM entry: start from the valid baseline VMCS12 of the entry test
 * fixture and mutate it field by field near the validity boundaries (bit
 * flips, boundary values, canonical edges), plus L1 memory the entry reads
 * (bitmaps, MSR-load areas, PDPTEs, the link-pointer region). Then VMLAUNCH,
 * mutate again and VMRESUME. After every accepted entry assert
 *   invariant 2: the hardware model (hwcheck) accepts VMCS02;
 *   invariant 3: VMCS02 keeps every exit L0 requires.
 *
 * Input: byte 0 chooses the L0 policy variant; then 8-byte records
 * { u16 field index, u8 op, u8 bit, u32 value }; a record with op 7 splits
 * the launch mutations from the resume mutations.
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
	case 6: /* L1 memory the entry may read: below 1 MiB */
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

static void check_entry(struct entry_fixture *f, enum nvmx_status st, const struct nvmx_result *res)
{
	if (st == NVMX_STATUS_OK && res->outcome == NVMX_OUTCOME_L2_ENTERED) {
		const char *hw = hwcheck_vmcs02(&f->h, &f->h.vm->cfg.hw);
		if (hw)
			die("hardware refuses VMCS02:", hw);
		check_l0_exits(f);
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
