/* SPDX-License-Identifier: MIT */
/*
 * fuzz_apic: APIC virtualization for L2 (libnvmx/apic). The input chooses
 * L1's APIC-virtualization controls, the contents of the virtual-APIC page
 * (TPR, PPR, ISR, IRR words, ICR), the guest interrupt status, a
 * posted-interrupt descriptor, and then a sequence of L2 events: APIC-page
 * accesses (type, offset, width, value), CR8 reads/writes, x2APIC MSR
 * accesses, EOIs, posted-interrupt notifications and delivery attempts.
 * Checked against a model written here from the SDM chapter "APIC
 * Virtualization and Virtual Interrupts":
 *   - every APIC-page access is an APIC-access exit exactly when the model
 *     says it is not virtualized (fetches, guest-physical accesses, > 32
 *     bits, outside the low dword of its 16-byte register, offsets not
 *     listed for the controls), and its qualification is type << 12 | offset;
 *   - a virtualized TPR write (memory, CR8, MSR 808H) leaves VTPR as the
 *     SDM computes it, and exits 43 exactly when VTPR[7:4] falls below the
 *     threshold without virtual-interrupt delivery;
 *   - posted-interrupt processing leaves VIRR = old VIRR | PIR, PIR = 0,
 *     ON = 0 and RVI = max(RVI, highest PIR bit);
 *   - nothing outside the virtual-APIC page and the descriptor is written
 *     in L1 memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "exit/exit.h"
#include "refhost.h"
#include "fuzz_input.h"
#include <nvmx/apic.h>

#define FAIL(...)                                                   \
	do {                                                            \
		fprintf(stderr, "fuzz_apic: " __VA_ARGS__);             \
		fprintf(stderr, "\n");                                  \
		abort();                                                \
	} while (0)

#define MEM (1u << 18)
#define VMCS12 0x10000ull
#define VAPIC 0x30000ull
#define PIDESC 0x32000ull

static uint8_t before[MEM], after[MEM];

/* ---- the model (SDM), independent of libnvmx/apic ---- */

static bool m_low_dword(uint32_t off, uint32_t w)
{
	uint32_t l = off + w - 1;
	return w <= 4 && (off & 0xc) == 0 && (l & 0xc) == 0 && (off >> 4) == (l >> 4);
}

static bool m_virtualized(uint32_t p2, bool tpr_shadow, bool write, uint32_t off, uint32_t w)
{
	if (!tpr_shadow || !m_low_dword(off, w))
		return false;
	uint32_t r = off & 0xff0;
	static const uint16_t rd[] = { 0x20, 0x30, 0x80, 0xb0, 0xd0, 0xe0, 0xf0, 0x280, 0x300, 0x310,
	                               0x380, 0x3e0 };
	static const uint16_t wr[] = { 0x20, 0x80, 0xb0, 0xd0, 0xe0, 0xf0, 0x280, 0x300, 0x310, 0x380,
	                               0x3e0 };
	if (p2 & NVMX_PROC2_APIC_REG_VIRT) {
		if (!write && r >= 0x100 && r <= 0x270)
			return true;
		if (r >= 0x320 && r <= 0x370)
			return true;
		const uint16_t *t = write ? wr : rd;
		size_t n = write ? sizeof(wr) / 2 : sizeof(rd) / 2;
		for (size_t i = 0; i < n; i++)
			if (t[i] == r)
				return true;
		return false;
	}
	if (write && (p2 & NVMX_PROC2_VIRT_INTR_DELIVERY))
		return r == 0x80 || r == 0xb0 || r == 0x300;
	return r == 0x80;
}

static struct refhost h;
static struct nvmx_vcpu *v;
static struct nvmx_vmcs12 *s;

#define F12(name) (s->f[NVMX_IDX_##name])

static void setup(uint32_t pin, uint32_t proc, uint32_t p2, uint32_t thr)
{
	v->vmxon = true;
	v->vmxon_ptr = 0x1000;
	v->cur = s;
	v->current_vmptr = VMCS12;
	s->launched = true;
	v->in_l2 = true;
	F12(PIN_BASED_VM_EXEC_CONTROL) = pin;
	F12(CPU_BASED_VM_EXEC_CONTROL) = proc;
	F12(SECONDARY_VM_EXEC_CONTROL) = p2;
	F12(TPR_THRESHOLD) = thr;
	F12(VIRTUAL_APIC_PAGE_ADDR) = VAPIC;
	F12(APIC_ACCESS_ADDR) = 0x31000;
	F12(POSTED_INTR_DESC_ADDR) = PIDESC;
	F12(POSTED_INTR_NV) = 0xf2;
	F12(MSR_BITMAP) = 0x20000;
	F12(VM_EXIT_CONTROLS) = NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE;
	F12(HOST_CR0) = 0x80050033ull;
	F12(HOST_CR3) = 0x5000;
	F12(HOST_CR4) = NVMX_CR4_VMXE | NVMX_CR4_PAE;
	F12(HOST_CS_SELECTOR) = 0x10;
	F12(HOST_SS_SELECTOR) = 0x18;
	F12(HOST_TR_SELECTOR) = 0x40;
	F12(HOST_RIP) = 0x401000;
	refhost_vmcs02_set(&h, NVMX_F_GUEST_RFLAGS, 0x202);
	refhost_vmcs02_set(&h, NVMX_F_GUEST_RIP, 0x2000);
}

static uint32_t r32(uint32_t off) { return refhost_mem_r32(&h, VAPIC + off); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_src in = { data, size };
	if (refhost_init(&h, MEM, NULL) != NVMX_STATUS_OK)
		FAIL("refhost_init");
	v = h.vcpu;
	if (nvmx_vmcs12_load(v, VMCS12, &s) != NVMX_STATUS_OK)
		FAIL("vmcs12_load");
	uint32_t pin = (uint32_t)fuzz_take(&in, 1) & NVMX_PIN_POSTED_INTR;
	uint32_t proc = NVMX_PROC_SECONDARY_CONTROLS | NVMX_PROC_USE_MSR_BITMAPS |
	                ((fuzz_take(&in, 1) & 1) ? NVMX_PROC_TPR_SHADOW : 0);
	uint32_t p2 = (uint32_t)fuzz_take(&in, 2) &
	              (NVMX_PROC2_VIRT_APIC_ACCESSES | NVMX_PROC2_APIC_REG_VIRT |
	               NVMX_PROC2_VIRT_INTR_DELIVERY | NVMX_PROC2_VIRT_X2APIC);
	uint32_t thr = (uint32_t)fuzz_take(&in, 1) & 0xf;
	/* Only VMCS12s VM entry accepts (SDM 27.2.1.1): register
	 * virtualization, VID and x2APIC virtualization need the TPR shadow,
	 * x2APIC virtualization excludes APIC-access virtualization, posted
	 * interrupts need VID. */
	if (!(proc & NVMX_PROC_TPR_SHADOW))
		p2 &= NVMX_PROC2_VIRT_APIC_ACCESSES;
	if (p2 & NVMX_PROC2_VIRT_APIC_ACCESSES)
		p2 &= ~NVMX_PROC2_VIRT_X2APIC;
	if (!(p2 & NVMX_PROC2_VIRT_INTR_DELIVERY))
		pin = 0;
	setup(pin, proc, p2, thr);
	/* Virtual-APIC page registers and a PI descriptor from the input. */
	for (uint32_t off = 0x80; off < 0x400; off += 16)
		refhost_mem_w32(&h, VAPIC + off, (uint32_t)fuzz_take(&in, 1) * 0x01010101u);
	for (unsigned i = 0; i < 5; i++)
		refhost_mem_w64(&h, PIDESC + 8 * i, fuzz_take(&in, 8));
	uint16_t is0 = (uint16_t)fuzz_take(&in, 2);
	F12(GUEST_INTR_STATUS) = is0;
	refhost_mem_read(&h, 0, before, MEM);

	for (unsigned step = 0; step < 32 && in.n; step++) {
		if (!v->in_l2)
			setup(pin, proc, p2, thr);
		struct nvmx_result r;
		unsigned op = (unsigned)fuzz_take(&in, 1) % 6;
		bool ts = F12(CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_TPR_SHADOW;
		bool vid = p2 & NVMX_PROC2_VIRT_INTR_DELIVERY;
		if (op == 0) {
			struct nvmx_apic_access a;
			memset(&a, 0, sizeof(a));
			a.size = sizeof(a);
			static const uint8_t types[6] = { 0, 1, 2, 3, 10, 15 };
			a.type = types[fuzz_take(&in, 1) % 6];
			a.offset = (uint32_t)fuzz_take(&in, 2) & 0xfff;
			static const uint8_t widths[5] = { 1, 2, 4, 8, 16 };
			a.width = widths[fuzz_take(&in, 1) % 5];
			if (a.offset + a.width > 0x1000)
				a.offset = 0x1000 - a.width;
			a.value = fuzz_take(&in, 4);
			a.insn_len = 3;
			bool ev = a.type == 3 || a.type == 10;
			if (ev)
				a.idt_vectoring_info = 0x80000020u;
			if (a.type == 3 && (fuzz_take(&in, 1) & 1))
				a.flags = NVMX_APIC_ACCESS_WRITES;
			bool write = a.type == 1 || (a.flags & NVMX_APIC_ACCESS_WRITES);
			uint32_t vtpr0 = r32(0x80);
			if (nvmx_vcpu_apic_access(v, &a, &r) != NVMX_STATUS_OK)
				FAIL("access status");
			if (!(p2 & NVMX_PROC2_VIRT_APIC_ACCESSES)) {
				if (r.reason != NVMX_REASON_APIC_NOT_ENABLED)
					FAIL("access without VAA: reason %#x", r.reason);
				continue;
			}
			bool virt = a.type <= 3 && a.type != 2 &&
			            m_virtualized(p2, ts, write, a.offset, a.width);
			bool exit44 = r.reason == NVMX_REASON_APIC_ACCESS_EXIT;
			if (exit44 == virt)
				FAIL("type %u off %#x width %u write %d: model virtualized=%d, got %#x",
				     a.type, a.offset, a.width, write, virt, r.reason);
			if (exit44) {
				uint64_t q = (uint64_t)a.type << 12 | (a.type >= 10 ? 0 : a.offset);
				if (F12(EXIT_QUALIFICATION) != q || F12(VM_EXIT_REASON) != 44)
					FAIL("qualification %#llx, model %#llx",
					     (unsigned long long)F12(EXIT_QUALIFICATION), (unsigned long long)q);
			}
			if (virt && write && (a.offset & 0xff0) == 0x80) {
				uint32_t m = vtpr0;
				for (unsigned i = 0; i < a.width; i++) {
					unsigned sh = 8 * ((a.offset & 3) + i);
					m = (m & ~(0xffu << sh)) | (uint32_t)((a.value >> (8 * i)) & 0xff) << sh;
				}
				m &= 0xff;
				if (r32(0x80) != m)
					FAIL("VTPR %#x, model %#x", r32(0x80), m);
				bool below = !vid && ((m >> 4) & 0xf) < thr;
				if (below != (r.reason == NVMX_REASON_APIC_TPR_BELOW_THRESHOLD))
					FAIL("TPR threshold: model %d reason %#x", below, r.reason);
			}
		} else if (op == 1) {
			bool wr = fuzz_take(&in, 1) & 1;
			uint64_t val = fuzz_take(&in, 1) & 0x1f;
			uint32_t vtpr0 = r32(0x80);
			if (nvmx_vcpu_apic_cr8(v, wr, val, 4, &r) != NVMX_STATUS_OK)
				FAIL("cr8 status");
			if (!ts)
				continue;
			if (!wr && r.value != ((vtpr0 >> 4) & 0xf))
				FAIL("CR8 read %#llx of VTPR %#x", (unsigned long long)r.value, vtpr0);
			if (wr && val > 0xf && (r.reason != NVMX_REASON_APIC_CR8_GP || r32(0x80) != vtpr0))
				FAIL("CR8 reserved bits");
			if (wr && val <= 0xf) {
				if (r32(0x80) != (uint32_t)val << 4)
					FAIL("CR8 write VTPR %#x", r32(0x80));
				bool below = !vid && val < thr;
				if (below != (r.reason == NVMX_REASON_APIC_TPR_BELOW_THRESHOLD))
					FAIL("CR8 threshold");
			}
		} else if (op == 2) {
			bool wr = fuzz_take(&in, 1) & 1;
			uint32_t m = 0x800 + (uint32_t)fuzz_take(&in, 1);
			uint64_t val = fuzz_take(&in, 2);
			if (nvmx_vcpu_apic_msr(v, wr, m, val, &r) != NVMX_STATUS_OK)
				FAIL("msr status");
			if (wr && m == 0x808 && ts && (p2 & NVMX_PROC2_VIRT_X2APIC)) {
				bool gp = val >> 8;
				if (gp != (r.reason == NVMX_REASON_APIC_MSR_GP))
					FAIL("WRMSR 808 #GP rule");
				if (!gp && r32(0x80) != (uint32_t)val)
					FAIL("WRMSR 808 VTPR");
			}
		} else if (op == 3) {
			if (nvmx_vcpu_apic_eoi(v, 3, &r) != NVMX_STATUS_OK)
				FAIL("eoi status");
		} else if (op == 4) {
			uint32_t virr0[8];
			for (unsigned i = 0; i < 8; i++)
				virr0[i] = r32(0x200 + 16 * i);
			uint64_t pir[4];
			for (unsigned i = 0; i < 4; i++)
				pir[i] = refhost_mem_r64(&h, PIDESC + 8 * i);
			uint64_t ctl = refhost_mem_r64(&h, PIDESC + 32);
			uint16_t is = (uint16_t)F12(GUEST_INTR_STATUS);
			uint8_t vec = (fuzz_take(&in, 1) & 1) ? 0xf2 : (uint8_t)fuzz_take(&in, 1);
			if (nvmx_vcpu_apic_interrupt(v, vec, &r) != NVMX_STATUS_OK)
				FAIL("interrupt status");
			bool proc_pi = pin && vec == 0xf2;
			if (proc_pi != (r.reason == NVMX_REASON_APIC_PI_PROCESSED))
				FAIL("PI decision: model %d, reason %#x", proc_pi, r.reason);
			if (!proc_pi)
				continue;
			unsigned top = 0;
			for (unsigned i = 0; i < 8; i++) {
				uint32_t p = (uint32_t)(pir[i / 2] >> (32 * (i % 2)));
				if (r32(0x200 + 16 * i) != (virr0[i] | p))
					FAIL("VIRR word %u", i);
				for (unsigned b = 0; b < 32; b++)
					if ((p >> b) & 1)
						top = i * 32 + b;
			}
			for (unsigned i = 0; i < 4; i++)
				if (refhost_mem_r64(&h, PIDESC + 8 * i))
					FAIL("PIR not cleared");
			if (refhost_mem_r64(&h, PIDESC + 32) != (ctl & ~1ull))
				FAIL("ON not cleared");
			unsigned rvi = is & 0xff;
			unsigned want = top > rvi ? top : rvi;
			if ((F12(GUEST_INTR_STATUS) & 0xff) != want)
				FAIL("RVI %#llx, model %#x", (unsigned long long)F12(GUEST_INTR_STATUS), want);
		} else {
			refhost_vmcs02_set(&h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD, 0);
			uint16_t is = (uint16_t)F12(GUEST_INTR_STATUS);
			uint32_t vppr = r32(0xa0);
			if (nvmx_vcpu_apic_deliver(v, &r) != NVMX_STATUS_OK)
				FAIL("deliver status");
			if (!(vid && ts))
				continue;
			bool recog = ((is & 0xff) >> 4) > ((vppr >> 4) & 0xf);
			if (recog != (r.reason == NVMX_REASON_APIC_INTR_DELIVERED))
				FAIL("delivery: model %d, reason %#x", recog, r.reason);
			if (recog && refhost_vmcs02_get(&h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD) !=
			                     (0x80000000u | (is & 0xff)))
				FAIL("injected vector");
		}
	}
	/* Only the virtual-APIC page and the descriptor may have changed. */
	refhost_mem_read(&h, 0, after, MEM);
	/* The gaps around the two allowed ranges, compared whole (a byte loop
	 * here cost 99% of the harness's time); the byte is found only on
	 * failure. */
	uint32_t lo0 = VAPIC < PIDESC ? VAPIC : PIDESC, lo1 = VAPIC < PIDESC ? VAPIC + 0x1000 : PIDESC + 64;
	uint32_t hi0 = VAPIC < PIDESC ? PIDESC : VAPIC, hi1 = VAPIC < PIDESC ? PIDESC + 64 : VAPIC + 0x1000;
	const uint32_t gap[3][2] = { { 0, lo0 }, { lo1, hi0 }, { hi1, MEM } };
	for (unsigned g = 0; g < 3; g++) {
		if (gap[g][1] <= gap[g][0] || !memcmp(before + gap[g][0], after + gap[g][0], gap[g][1] - gap[g][0]))
			continue;
		for (uint32_t i = gap[g][0]; i < gap[g][1]; i++)
			if (before[i] != after[i])
				FAIL("L1 memory changed at %#x", i);
	}
	refhost_fini(&h);
	return 0;
}
