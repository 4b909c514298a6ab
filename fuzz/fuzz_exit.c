/* SPDX-License-Identifier: MIT */
/*
 * fuzz_exit: random VMCS12 controls and bitmaps, then a random sequence of
 * L2 exits. Every decision of the library is checked against an
 * independent, table-driven decision function written here from SDM
 * 26.1-26.2 (invariant 5), and every L1 state the host-state load produces
 * is checked against the host-state rules of SDM 28.5 (CS/TR/LDTR
 * attributes, RFLAGS, DR7, descriptor-table limits, CR0/CR4 fixed bits);
 * an exit that reaches L1 loaded only VM-exit MSR-load entries that pass
 * WRMSR's architectural rules (SDM 28.6). Any mismatch aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "exit/exit.h"
#include "refhost.h"

/* ---- fuzz-byte producer ---- */

#include "fuzz_input.h"

/* ---- the independent decision (SDM 26.1-26.2) ---- */

enum src_word { W_ALWAYS, W_NEVER, W_PIN, W_PROC, W_PROC2, W_PROC3, W_SPECIAL };

/* reason -> which control word and bit asks for it; W_SPECIAL reasons have
 * their own rule below. ud2: a proc2 bit without which the instruction is
 * #UD in L2 (L0 then keeps the exit). */
static const struct rule {
	uint8_t reason;
	uint8_t word;
	uint8_t bit;
	int8_t ud2;
} rules[] = {
	{ 0, W_SPECIAL, 0, -1 }, { 1, W_PIN, 0, -1 }, { 2, W_ALWAYS, 0, -1 }, { 3, W_ALWAYS, 0, -1 },
	{ 4, W_ALWAYS, 0, -1 }, { 5, W_NEVER, 0, -1 }, { 6, W_NEVER, 0, -1 }, { 7, W_PROC, 2, -1 },
	{ 8, W_PROC, 22, -1 }, { 9, W_ALWAYS, 0, -1 }, { 10, W_ALWAYS, 0, -1 }, { 11, W_ALWAYS, 0, -1 },
	{ 12, W_PROC, 7, -1 }, { 13, W_ALWAYS, 0, -1 }, { 14, W_PROC, 9, -1 }, { 15, W_PROC, 11, -1 },
	{ 16, W_PROC, 12, -1 }, { 17, W_NEVER, 0, -1 }, { 18, W_ALWAYS, 0, -1 }, { 19, W_ALWAYS, 0, -1 },
	{ 20, W_ALWAYS, 0, -1 }, { 21, W_ALWAYS, 0, -1 }, { 22, W_ALWAYS, 0, -1 }, { 23, W_ALWAYS, 0, -1 },
	{ 24, W_ALWAYS, 0, -1 }, { 25, W_ALWAYS, 0, -1 }, { 26, W_ALWAYS, 0, -1 }, { 27, W_ALWAYS, 0, -1 },
	{ 28, W_SPECIAL, 0, -1 }, { 29, W_PROC, 23, -1 }, { 30, W_SPECIAL, 0, -1 }, { 31, W_SPECIAL, 0, -1 },
	{ 32, W_SPECIAL, 0, -1 }, { 33, W_ALWAYS, 0, -1 }, { 34, W_ALWAYS, 0, -1 }, { 36, W_PROC, 10, -1 },
	{ 37, W_PROC, 27, -1 }, { 39, W_PROC, 29, -1 }, { 40, W_SPECIAL, 0, -1 }, { 41, W_ALWAYS, 0, -1 },
	{ 43, W_SPECIAL, 0, -1 }, { 44, W_PROC2, 0, -1 }, { 45, W_SPECIAL, 0, -1 }, { 46, W_PROC2, 2, -1 },
	{ 47, W_PROC2, 2, -1 }, { 48, W_SPECIAL, 0, -1 }, { 49, W_SPECIAL, 0, -1 }, { 50, W_ALWAYS, 0, -1 },
	{ 51, W_PROC, 12, 3 }, { 52, W_PIN, 6, -1 }, { 53, W_ALWAYS, 0, -1 }, { 54, W_PROC2, 6, -1 },
	{ 55, W_ALWAYS, 0, -1 }, { 56, W_SPECIAL, 0, -1 }, { 57, W_PROC2, 11, -1 }, { 58, W_PROC, 9, 12 },
	{ 59, W_SPECIAL, 0, -1 }, { 60, W_SPECIAL, 0, -1 }, { 61, W_PROC2, 16, -1 }, { 62, W_PROC2, 17, -1 },
	{ 63, W_SPECIAL, 0, -1 }, { 64, W_SPECIAL, 0, -1 }, { 65, W_SPECIAL, 0, -1 }, { 66, W_PROC2, 23, -1 },
	{ 67, W_PROC, 12, 26 }, { 68, W_PROC, 12, 26 }, { 69, W_PROC3, 0, -1 }, { 70, W_SPECIAL, 0, -1 },
	{ 72, W_PROC2, 21, -1 }, { 73, W_PROC2, 21, -1 }, { 74, W_PROC2, 30, -1 }, { 75, W_PROC2, 31, -1 },
	{ 76, W_ALWAYS, 0, -1 }, { 77, W_ALWAYS, 0, -1 },
};

static bool mem_bit(const struct refhost *h, uint64_t gpa, uint64_t bit)
{
	uint8_t b;
	if (!refhost_mem_read(h, gpa + bit / 8, &b, 1))
		return true;
	return (b >> (bit % 8)) & 1;
}

#define F12(s, n) ((s)->f[NVMX_IDX_##n])

static bool ref_decide(const struct refhost *h, const struct nvmx_vmcs12 *s,
                       const struct nvmx_l2_exit *e)
{
	if (e->flags & NVMX_L2_EXIT_L0_OWNED)
		return false;
	uint64_t pin = F12(s, PIN_BASED_VM_EXEC_CONTROL), proc = F12(s, CPU_BASED_VM_EXEC_CONTROL);
	uint64_t proc2 = (proc >> 31 & 1) ? F12(s, SECONDARY_VM_EXEC_CONTROL) & 0xffffffffu : 0;
	uint64_t proc3 = (proc >> 17 & 1) ? F12(s, TERTIARY_VM_EXEC_CONTROL) : 0;
	unsigned reason = e->exit_reason & 0xffff;
	const struct rule *r = NULL;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].reason == reason)
			r = &rules[i];
	if (!r)
		return false;
	if (r->ud2 >= 0 && !(proc2 >> r->ud2 & 1))
		return false;
	switch (r->word) {
	case W_ALWAYS: return true;
	case W_NEVER: return false;
	case W_PIN: return pin >> r->bit & 1;
	case W_PROC: return proc >> r->bit & 1;
	case W_PROC2: return proc2 >> r->bit & 1;
	case W_PROC3: return proc3 >> r->bit & 1;
	default: break;
	}
	switch (reason) {
	case 0: {
		unsigned vec = e->intr_info & 0xff, type = e->intr_info >> 8 & 7;
		if (type == 2)
			return pin >> 3 & 1;
		if (vec > 31)
			return false;
		bool b = F12(s, EXCEPTION_BITMAP) >> vec & 1;
		if (vec != 14)
			return b;
		bool match = (e->intr_error_code & F12(s, PAGE_FAULT_ERROR_CODE_MASK)) ==
		             (F12(s, PAGE_FAULT_ERROR_CODE_MATCH) & 0xffffffffu);
		return match == b;
	}
	case 28: {
		unsigned cr = e->qualification & 15, type = e->qualification >> 4 & 3;
		uint64_t m0 = F12(s, CR0_GUEST_HOST_MASK), s0 = F12(s, CR0_READ_SHADOW);
		if (type == 2)
			return (m0 >> 3 & 1) && (s0 >> 3 & 1);
		if (type == 3) {
			unsigned src = e->qualification >> 16 & 15;
			for (unsigned b = 1; b < 4; b++)
				if ((m0 >> b & 1) && ((src ^ s0) >> b & 1))
					return true;
			return (m0 & 1) && !(s0 & 1) && (src & 1);
		}
		if (type == 1)
			return cr == 3 ? (proc >> 16 & 1) : cr == 8 ? (proc >> 20 & 1) : false;
		if (cr == 0)
			return ((e->operand ^ s0) & m0) != 0;
		if (cr == 4)
			return ((e->operand ^ F12(s, CR4_READ_SHADOW)) & F12(s, CR4_GUEST_HOST_MASK)) != 0;
		if (cr == 8)
			return proc >> 19 & 1;
		if (cr == 3) {
			if (!(proc >> 15 & 1))
				return false;
			uint64_t n = F12(s, CR3_TARGET_COUNT);
			static const unsigned t[4] = { NVMX_IDX_CR3_TARGET_VALUE0, NVMX_IDX_CR3_TARGET_VALUE1,
			                               NVMX_IDX_CR3_TARGET_VALUE2, NVMX_IDX_CR3_TARGET_VALUE3 };
			for (unsigned i = 0; i < 4 && i < n; i++)
				if (s->f[t[i]] == e->operand)
					return false;
			return true;
		}
		return false;
	}
	case 30: {
		if (!(proc >> 25 & 1))
			return proc >> 24 & 1;
		unsigned size = (e->qualification & 7) + 1;
		if (size == 3 || size > 4)
			size = 4;
		uint32_t port = e->qualification >> 16 & 0xffff;
		for (uint32_t p = port; p < port + size; p++) {
			if (p >= 0x10000)
				return true;
			if (mem_bit(h, p < 0x8000 ? F12(s, IO_BITMAP_A) : F12(s, IO_BITMAP_B), p % 0x8000))
				return true;
		}
		return false;
	}
	case 31: case 32: {
		if (!(proc >> 28 & 1))
			return true;
		uint32_t msr = (uint32_t)e->operand;
		uint64_t base = F12(s, MSR_BITMAP) + (reason == 32 ? 2048 : 0);
		if (msr < 0x2000)
			return mem_bit(h, base, msr);
		if (msr - 0xc0000000u < 0x2000)
			return mem_bit(h, base + 1024, msr - 0xc0000000u);
		return true;
	}
	case 40: /* PAUSE-loop exiting only at CPL 0 (SS.DPL) */
		return (proc >> 30 & 1) ||
		       ((proc2 >> 10 & 1) && !(refhost_vmcs02_get(h, NVMX_F_GUEST_SS_AR_BYTES) & 0x60));
	case 43: return (proc >> 21 & 1) && !(proc2 >> 9 & 1);
	case 45: {
		unsigned v = e->qualification & 0xff;
		static const unsigned eoi[4] = { NVMX_IDX_EOI_EXIT_BITMAP0, NVMX_IDX_EOI_EXIT_BITMAP1,
		                                 NVMX_IDX_EOI_EXIT_BITMAP2, NVMX_IDX_EOI_EXIT_BITMAP3 };
		return (proc2 >> 9 & 1) && (s->f[eoi[v / 64]] >> (v % 64) & 1);
	}
	case 48: case 49: return (proc2 >> 1 & 1) && (e->flags & NVMX_L2_EXIT_EPT12_FAULT);
	case 56: return (proc >> 21 & 1) && (proc2 & ((1u << 8) | (1u << 9) | 1u | (1u << 4)));
	case 59: {
		if (!(proc2 >> 13 & 1))
			return false;
		uint64_t fn = e->operand & 0xffffffffu;
		if (fn > 63 || !(F12(s, VM_FUNCTION_CONTROL) >> fn & 1) || fn != 0)
			return true;
		uint64_t idx = e->operand2 & 0xffffffffu;
		uint64_t eptp;
		if (idx > 511 || !refhost_mem_read(h, F12(s, EPTP_LIST_ADDRESS) + idx * 8, &eptp, 8))
			return true;
		/* The example hardware offers UC and WB, 4- and 5-level walks,
		 * A/D bits, and L1 has MAXPHYADDR bits. */
		unsigned mt = eptp & 7, walk = eptp >> 3 & 7;
		if ((mt != 0 && mt != 6) || (walk != 3 && walk != 4) || (eptp & 0xf80))
			return true;
		return (eptp >> h->vm->caps.maxphyaddr) != 0;
	}
	case 60: case 70: case 65: {
		unsigned en = reason == 60 ? 15 : reason == 70 ? 28 : 27;
		if (!(proc2 >> en & 1))
			return false;
		uint64_t bm = reason == 60 ? F12(s, ENCLS_EXITING_BITMAP)
		            : reason == 70 ? F12(s, ENCLV_EXITING_BITMAP) : F12(s, PCONFIG_EXITING_BITMAP);
		uint32_t leaf = (uint32_t)e->operand;
		return bm >> (leaf > 62 ? 63 : leaf) & 1;
	}
	case 63: case 64:
		return (proc2 >> 20 & 1) && (e->operand & F12(s, XSS_EXIT_BITMAP)) != 0;
	}
	return false;
}

/* ---- host-state rules (SDM 28.5) on L1's state after a reflected exit ---- */

static void check_host_state(struct refhost *h, const struct nvmx_vmcs12 *s)
{
	bool ia32e = F12(s, VM_EXIT_CONTROLS) & NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE;
	uint64_t cs = refhost_l1_get(h, NVMX_F_GUEST_CS_AR_BYTES);
	bool ok = (cs & 0xff) == 0x9b && (cs & NVMX_AR_G) && !(cs & NVMX_AR_UNUSABLE) &&
	          !!(cs & NVMX_AR_L) == ia32e && !!(cs & NVMX_AR_DB) == !ia32e;
	ok = ok && refhost_l1_get(h, NVMX_F_GUEST_RFLAGS) == 2;
	ok = ok && refhost_l1_get(h, NVMX_F_GUEST_DR7) == 0x400;
	ok = ok && refhost_l1_get(h, NVMX_F_GUEST_IA32_DEBUGCTL) == 0;
	ok = ok && refhost_l1_get(h, NVMX_F_GUEST_GDTR_LIMIT) == 0xffff;
	ok = ok && refhost_l1_get(h, NVMX_F_GUEST_IDTR_LIMIT) == 0xffff;
	ok = ok && refhost_l1_get(h, NVMX_F_GUEST_TR_LIMIT) == 0x67;
	ok = ok && refhost_l1_get(h, NVMX_F_GUEST_TR_AR_BYTES) == 0x8b;
	ok = ok && (refhost_l1_get(h, NVMX_F_GUEST_LDTR_AR_BYTES) & NVMX_AR_UNUSABLE);
	ok = ok && refhost_l1_get(h, NVMX_F_GUEST_RIP) == F12(s, HOST_RIP);
	static const uint32_t segs[] = { NVMX_F_GUEST_SS_AR_BYTES, NVMX_F_GUEST_DS_AR_BYTES,
	                                 NVMX_F_GUEST_ES_AR_BYTES, NVMX_F_GUEST_FS_AR_BYTES,
	                                 NVMX_F_GUEST_GS_AR_BYTES };
	for (unsigned i = 0; i < 5; i++) {
		uint64_t ar = refhost_l1_get(h, segs[i]);
		ok = ok && (ar == NVMX_AR_UNUSABLE || ar == 0xc093);
	}
	uint64_t f0, f1, g0, g1;
	nvmx_vm_get_cap(h->vm, NVMX_MSR_IA32_VMX_CR0_FIXED0, &f0);
	nvmx_vm_get_cap(h->vm, NVMX_MSR_IA32_VMX_CR0_FIXED1, &f1);
	nvmx_vm_get_cap(h->vm, NVMX_MSR_IA32_VMX_CR4_FIXED0, &g0);
	nvmx_vm_get_cap(h->vm, NVMX_MSR_IA32_VMX_CR4_FIXED1, &g1);
	uint64_t cr0 = refhost_l1_get(h, NVMX_F_GUEST_CR0), cr4 = refhost_l1_get(h, NVMX_F_GUEST_CR4);
	ok = ok && (cr0 & f0) == f0 && (cr0 & ~f1) == 0 && (cr4 & g0) == g0 && (cr4 & ~g1) == 0;
	if (ia32e)
		ok = ok && (cr4 & NVMX_CR4_PAE);
	else
		ok = ok && !(cr4 & NVMX_CR4_PCIDE);
	if (!ok) {
		fprintf(stderr, "fuzz_exit: L1 host state violates SDM 28.5\n");
		abort();
	}
}

/* ---- the harness ---- */

static struct refhost host;
static bool host_ready;

#define VMCS12_GPA 0x10000ull
#define BM_MSR 0x20000ull
#define BM_IO_A 0x21000ull
#define BM_IO_B 0x22000ull
#define EPTP_LIST 0x23000ull
#define MSR_AREA 0x24000ull

static const uint8_t reasons[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
	25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 39, 40, 41, 43, 44, 45, 46, 47, 48,
	49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70,
	71, 72, 73, 74, 75, 76, 77, 78,
};

static void enter_l2(struct nvmx_vcpu *v, struct nvmx_vmcs12 *s)
{
	v->in_l2 = true;
	s->abort = 0;
	refhost_l1_long_mode(&host);
}

/* An exit that reached L1 loaded every entry of its VM-exit MSR-load area:
 * each passes WRMSR's architectural rules (SDM 28.6; nvmx/msr.h). */
static void check_exit_msr_load(struct refhost *h, const struct nvmx_vmcs12 *s)
{
	for (uint64_t j = 0; j < F12(s, VM_EXIT_MSR_LOAD_COUNT); j++) {
		uint64_t at = F12(s, VM_EXIT_MSR_LOAD_ADDR) + 16 * j;
		enum nvmx_reason r = nvmx_vm_msr_write_check(h->vm, (uint32_t)refhost_mem_r64(h, at),
		                                             refhost_mem_r64(h, at + 8));
		if (r != NVMX_REASON_MSR_WRITE_OK && r != NVMX_REASON_MSR_NOT_ARCHITECTURAL) {
			fprintf(stderr, "fuzz_exit: exit MSR-load of a value WRMSR refuses (%s)\n",
			        nvmx_reason_name(r));
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!host_ready) {
		if (refhost_init(&host, 1u << 20, NULL) != NVMX_STATUS_OK)
			abort();
		host_ready = true;
	}
	struct fuzz_src in = { data, size };
	struct refhost *h = &host;
	struct nvmx_vcpu *v = h->vcpu;
	memset(h->mem + VMCS12_GPA, 0, 0x20000);
	v->vmxon = true;
	v->cur = NULL;
	v->current_vmptr = NVMX_NO_VMPTR;
	nvmx_vmcs12_flush_all(v);
	struct nvmx_vmcs12 *s;
	if (nvmx_vmcs12_load(v, VMCS12_GPA, &s) != NVMX_STATUS_OK)
		abort();
	v->cur = s;
	v->current_vmptr = VMCS12_GPA;

	/* Random controls, masks and bitmaps. */
	F12(s, PIN_BASED_VM_EXEC_CONTROL) = fuzz_take(&in, 4);
	F12(s, CPU_BASED_VM_EXEC_CONTROL) = fuzz_take(&in, 4);
	F12(s, SECONDARY_VM_EXEC_CONTROL) = fuzz_take(&in, 4);
	F12(s, TERTIARY_VM_EXEC_CONTROL) = fuzz_take(&in, 1);
	F12(s, EXCEPTION_BITMAP) = fuzz_take(&in, 4);
	F12(s, PAGE_FAULT_ERROR_CODE_MASK) = fuzz_take(&in, 1);
	F12(s, PAGE_FAULT_ERROR_CODE_MATCH) = fuzz_take(&in, 1);
	F12(s, CR0_GUEST_HOST_MASK) = fuzz_take(&in, 1);
	F12(s, CR0_READ_SHADOW) = fuzz_take(&in, 1);
	F12(s, CR4_GUEST_HOST_MASK) = fuzz_take(&in, 1);
	F12(s, CR4_READ_SHADOW) = fuzz_take(&in, 1);
	F12(s, CR3_TARGET_COUNT) = fuzz_take(&in, 1) % 6;
	F12(s, CR3_TARGET_VALUE0) = fuzz_take(&in, 1) << 12;
	F12(s, CR3_TARGET_VALUE1) = fuzz_take(&in, 1) << 12;
	F12(s, VM_EXIT_CONTROLS) = fuzz_take(&in, 4) & (NVMX_EXIT_CTL_SAVE_DEBUG_CONTROLS | NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE |
	                                           NVMX_EXIT_CTL_LOAD_PERF_GLOBAL_CTRL | NVMX_EXIT_CTL_ACK_INTR_ON_EXIT |
	                                           NVMX_EXIT_CTL_SAVE_PAT | NVMX_EXIT_CTL_LOAD_PAT | NVMX_EXIT_CTL_SAVE_EFER |
	                                           NVMX_EXIT_CTL_SAVE_PREEMPTION_TIMER);
	F12(s, XSS_EXIT_BITMAP) = fuzz_take(&in, 2);
	F12(s, ENCLS_EXITING_BITMAP) = fuzz_take(&in, 8);
	F12(s, ENCLV_EXITING_BITMAP) = fuzz_take(&in, 1);
	F12(s, PCONFIG_EXITING_BITMAP) = fuzz_take(&in, 1);
	F12(s, VM_FUNCTION_CONTROL) = fuzz_take(&in, 1);
	F12(s, EOI_EXIT_BITMAP0) = fuzz_take(&in, 8);
	F12(s, EOI_EXIT_BITMAP3) = fuzz_take(&in, 8);
	uint8_t where = (uint8_t)fuzz_take(&in, 1);
	F12(s, MSR_BITMAP) = (where & 1) ? 0xfff000ull << 8 : BM_MSR; /* sometimes unbacked */
	F12(s, IO_BITMAP_A) = BM_IO_A;
	F12(s, IO_BITMAP_B) = (where & 2) ? 0xfff000ull << 8 : BM_IO_B;
	F12(s, EPTP_LIST_ADDRESS) = EPTP_LIST;
	F12(s, VM_EXIT_MSR_STORE_ADDR) = MSR_AREA;
	F12(s, VM_EXIT_MSR_STORE_COUNT) = (where >> 2) & 3;
	F12(s, VM_EXIT_MSR_LOAD_ADDR) = MSR_AREA + 0x100;
	F12(s, VM_EXIT_MSR_LOAD_COUNT) = (where >> 4) & 3;
	F12(s, HOST_CR0) = fuzz_take(&in, 4);
	F12(s, HOST_CR4) = fuzz_take(&in, 4);
	F12(s, HOST_SS_SELECTOR) = fuzz_take(&in, 1);
	F12(s, HOST_RIP) = fuzz_take(&in, 8);
	for (unsigned i = 0; i < 8; i++) {
		uint64_t gpa = MSR_AREA + 16 * fuzz_take(&in, 1) % 0x200;
		uint32_t msr = (uint32_t)fuzz_take(&in, 2);
		refhost_mem_w64(h, gpa & ~15ull, (i & 1) ? 0xc0000000u | msr : msr);
		/* Values WRMSR refuses for some MSRs (non-canonical, reserved
		 * EFER/TSC_AUX bits, PAT type 2), taken from the index so the
		 * input format stays as it was. */
		static const uint64_t vals[] = { 0, 0x0000800000000000ull, 0x2, 1ull << 32 };
		refhost_mem_w64(h, (gpa & ~15ull) + 8, vals[(msr >> 2) & 3]);
	}
	for (unsigned i = 0; i < 24; i++) {
		uint64_t bit = fuzz_take(&in, 2) % (4 * 0x8000);
		uint8_t b;
		uint64_t gpa = BM_MSR + bit / 8;
		refhost_mem_read(h, gpa, &b, 1);
		b |= (uint8_t)(1u << (bit % 8));
		refhost_mem_write(h, gpa, &b, 1);
	}
	for (unsigned i = 0; i < 4; i++)
		refhost_mem_w64(h, EPTP_LIST + 8 * (fuzz_take(&in, 1) % 4), fuzz_take(&in, 8));
	enter_l2(v, s);

	/* A sequence of exits. */
	refhost_vmcs02_set(h, NVMX_F_GUEST_SS_AR_BYTES, fuzz_take(&in, 1) & 0x60);
	for (unsigned k = 0; k < 24 && in.n; k++) {
		struct nvmx_l2_exit e;
		memset(&e, 0, sizeof(e));
		e.size = sizeof(e);
		e.exit_reason = reasons[fuzz_take(&in, 1) % sizeof(reasons)];
		e.qualification = fuzz_take(&in, 4);
		e.intr_info = (uint32_t)fuzz_take(&in, 2) | NVMX_INTR_INFO_VALID;
		e.intr_error_code = (uint32_t)fuzz_take(&in, 1);
		e.idt_vectoring_info = (uint32_t)fuzz_take(&in, 2) << 20 ? (uint32_t)fuzz_take(&in, 2) : 0;
		uint8_t op = (uint8_t)fuzz_take(&in, 1);
		e.operand = (op & 1) ? fuzz_take(&in, 2) | ((op & 2) ? 0xc0000000u : 0) : fuzz_take(&in, 8);
		e.operand2 = fuzz_take(&in, 2) % 600;
		e.flags = (uint32_t)fuzz_take(&in, 1) & (NVMX_L2_EXIT_L0_OWNED | NVMX_L2_EXIT_EPT12_FAULT);
		e.insn_len = (uint32_t)fuzz_take(&in, 1) % 16;

		bool want = ref_decide(h, s, &e);
		struct nvmx_result res;
		if (nvmx_vcpu_handle_exit(v, &e, &res) != NVMX_STATUS_OK)
			abort();
		if (want) {
			if (res.outcome == NVMX_OUTCOME_EXIT_TO_L1) {
				if (F12(s, VM_EXIT_REASON) != e.exit_reason ||
				    F12(s, EXIT_QUALIFICATION) != e.qualification || v->in_l2)
					abort();
				check_host_state(h, s);
				check_exit_msr_load(h, s);
			} else if (res.outcome != NVMX_OUTCOME_VMX_ABORT) {
				fprintf(stderr, "fuzz_exit: reason %u should reach L1 (%s)\n",
				        e.exit_reason, nvmx_reason_name(res.reason));
				abort();
			}
			enter_l2(v, s);
		} else if (res.outcome != NVMX_OUTCOME_L0_EXIT || !v->in_l2) {
			fprintf(stderr, "fuzz_exit: reason %u should stay with L0 (%s)\n", e.exit_reason,
			        nvmx_reason_name(res.reason));
			abort();
		}
	}
	v->cur = NULL;
	v->in_l2 = false;
	return 0;
}
