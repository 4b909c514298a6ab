/* SPDX-License-Identifier: MIT */
/*
 * APIC virtualization for L2, done in software as the processor does it
 * under L1's VMCS12 (SDM vol. 3, chapter "APIC Virtualization and Virtual
 * Interrupts"; section names are cited because their numbers moved between
 * SDM editions). State: L1's virtual-APIC page (L1 memory), RVI/SVI in the
 * guest interrupt status (VMCS12 and VMCS02), L1's posted-interrupt
 * descriptor. The registers this module uses (VTPR 080H .. VIRR 270H) are
 * read in one host call and written back register by register, so a call
 * refused for unmapped memory has changed nothing.
 */
#include "../exit/exit.h"
#include <nvmx/apic.h>

#define VAPIC_BASE 0x080u
#define VAPIC_LEN 0x200u        /* 080H..27FH: TPR, APR, PPR, EOI, ..., ISR, TMR, IRR */
#define R_TPR 0x080u
#define R_PPR 0x0a0u
#define R_ISR 0x100u
#define R_IRR 0x200u

struct vapic {
	uint8_t b[VAPIC_LEN];
	uint32_t dirty;         /* bit n: the 16-byte register at 080H + 16n changed */
};

struct ctx {
	struct nvmx_vcpu *v;
	struct nvmx_vmcs12 *s;
	uint32_t pin, proc, proc2;
	uint64_t va;            /* L1 GPA of the virtual-APIC page */
	struct vapic ap;
};

/* The outcome of an operation that stays with L0; OK, so that a refusal
 * reads `return result(res, why);`. */
static enum nvmx_status result(struct nvmx_result *res, enum nvmx_reason why)
{
	res->action = NVMX_ACTION_L0_EXIT;
	res->outcome = NVMX_OUTCOME_L0_EXIT;
	res->reason = why;
	return NVMX_STATUS_OK;
}

static enum nvmx_status ctx_init(struct ctx *c, struct nvmx_vcpu *v, struct nvmx_result *res)
{
	if (!v || !res)
		return NVMX_STATUS_INVALID_ARGUMENT;
	nvmx_memset(res, 0, sizeof(*res));
	if (!v->vmxon || !v->in_l2 || !v->cur)
		return NVMX_STATUS_WRONG_STATE;
	c->v = v;
	c->s = v->cur;
	c->pin = (uint32_t)V12(c->s, PIN_BASED_VM_EXEC_CONTROL);
	c->proc = (uint32_t)V12(c->s, CPU_BASED_VM_EXEC_CONTROL);
	c->proc2 = nvmx_vmcs12_proc2(c->s);
	c->va = V12(c->s, VIRTUAL_APIC_PAGE_ADDR) & ~0xfffull;
	c->ap.dirty = 0;
	return NVMX_STATUS_OK;
}

static bool vid(const struct ctx *c) { return c->proc2 & NVMX_PROC2_VIRT_INTR_DELIVERY; }
static bool arv(const struct ctx *c) { return c->proc2 & NVMX_PROC2_APIC_REG_VIRT; }

/* Load 080H..27FH of the virtual-APIC page. *mapped false: L0 backs no
 * memory there (the caller refuses with APIC_VAPIC_UNMAPPED). */
/* Load the virtual-APIC page's registers; *mapped false (the operation
 * refused with APIC_VAPIC_UNMAPPED in *res, nothing changed) when L0 backs
 * no memory there. */
static enum nvmx_status vapic_ready(struct ctx *c, struct nvmx_result *res, bool *mapped)
{
	enum nvmx_status st = nvmx_gpa_read(c->v, c->va + VAPIC_BASE, c->ap.b, VAPIC_LEN);
	*mapped = st == NVMX_STATUS_OK;
	if (st != NVMX_STATUS_NOT_MAPPED)
		return st;
	return result(res, NVMX_REASON_APIC_VAPIC_UNMAPPED);
}

static uint32_t rd32(const struct ctx *c, uint32_t off)
{
	const uint8_t *p = &c->ap.b[off - VAPIC_BASE];
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(struct ctx *c, uint32_t off, uint32_t val)
{
	uint8_t *p = &c->ap.b[off - VAPIC_BASE];
	p[0] = (uint8_t)val; p[1] = (uint8_t)(val >> 8);
	p[2] = (uint8_t)(val >> 16); p[3] = (uint8_t)(val >> 24);
	c->ap.dirty |= 1u << ((off - VAPIC_BASE) >> 4);
}

/* Bit x of VISR/VIRR is bit (x & 1FH) at offset base | ((x & E0H) >> 1)
 * (SDM "Virtualized APIC Registers"). */
static void set_vbit(struct ctx *c, uint32_t base, unsigned x, bool on)
{
	uint32_t off = base | ((x & 0xe0u) >> 1), w = rd32(c, off);
	w = on ? (w | 1u << (x & 31u)) : (w & ~(1u << (x & 31u)));
	wr32(c, off, w);
}

/* Highest set bit of a 256-bit virtual register, 0 when none is set. */
static unsigned highest(const struct ctx *c, uint32_t base)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w = rd32(c, base + 16u * (unsigned)i);
		if (w)
			return (unsigned)i * 32u + 31u - (unsigned)__builtin_clz(w);
	}
	return 0;
}

static enum nvmx_status vapic_store(struct ctx *c)
{
	for (unsigned r = 0; r < 32; r++) {
		if (!(c->ap.dirty & (1u << r)))
			continue;
		NVMX_CHECK(nvmx_gpa_write(c->v, c->va + VAPIC_BASE + 16u * r, &c->ap.b[16u * r], 4));
	}
	c->ap.dirty = 0;
	return NVMX_STATUS_OK;
}

static uint16_t intr_status(const struct ctx *c)
{
	return (uint16_t)V12(c->s, GUEST_INTR_STATUS);
}

/* RVI is bits 7:0, SVI bits 15:8 of the guest interrupt status (SDM
 * "Guest Non-Register State"); VMCS02 carries the same value. */
static void set_intr_status(struct ctx *c, unsigned rvi, unsigned svi)
{
	uint16_t val = (uint16_t)((rvi & 0xffu) | (svi & 0xffu) << 8);
	nvmx_vmcs02_put(c->v, NVMX_IDX_GUEST_INTR_STATUS, val);
	nvmx_vmcs12_store_as02(c->s, NVMX_IDX_GUEST_INTR_STATUS, val);
}

/* PPR virtualization (SDM "PPR Virtualization"). */
static void ppr_virt(struct ctx *c)
{
	uint32_t vtpr = rd32(c, R_TPR);
	unsigned svi = intr_status(c) >> 8;
	uint32_t vppr = ((vtpr >> 4) & 0xfu) >= (svi >> 4) ? (vtpr & 0xffu) : (svi & 0xf0u);
	wr32(c, R_PPR, vppr);
}

/* Reflect an APIC exit. Trap-like exits (43, 45, 56) save the RIP of the
 * next instruction: VMCS02's guest RIP moves past the instruction first. */
static enum nvmx_status reflect(struct ctx *c, uint32_t reason, uint64_t qual, uint32_t trap_len,
                                enum nvmx_reason why, struct nvmx_result *res)
{
	struct nvmx_l2_exit ex;
	nvmx_memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = reason;
	ex.qualification = qual;
	if (trap_len)
		nvmx_vmcs02_put(c->v, NVMX_IDX_GUEST_RIP,
		                nvmx_vmcs02_read(c->v, NVMX_F_GUEST_RIP) + trap_len);
	return nvmx_exit_reflect(c->v, &ex, why, res);
}

/* TPR virtualization (SDM "TPR Virtualization"): with virtual-interrupt
 * delivery, PPR virtualization (pending interrupts are evaluated when the
 * host calls nvmx_vcpu_apic_deliver); without it, a trap-like
 * TPR-below-threshold exit when VTPR[7:4] < TPR threshold[3:0]. */
static enum nvmx_status tpr_virt(struct ctx *c, uint32_t insn_len, enum nvmx_reason done,
                                 struct nvmx_result *res)
{
	if (vid(c)) {
		ppr_virt(c);
		NVMX_CHECK(vapic_store(c));
		return result(res, done);
	}
	NVMX_CHECK(vapic_store(c));
	uint32_t thr = (uint32_t)V12(c->s, TPR_THRESHOLD) & 0xfu;
	if (((rd32(c, R_TPR) >> 4) & 0xfu) < thr)
		return reflect(c, NVMX_EXIT_REASON_TPR_BELOW_THRESHOLD, 0, insn_len,
		               NVMX_REASON_APIC_TPR_BELOW_THRESHOLD, res);
	return result(res, done);
}

/* EOI virtualization (SDM "EOI Virtualization"). */
static enum nvmx_status eoi_virt(struct ctx *c, uint32_t insn_len, struct nvmx_result *res)
{
	uint16_t is = intr_status(c);
	unsigned vec = is >> 8;
	set_vbit(c, R_ISR, vec, false);
	unsigned svi = highest(c, R_ISR);
	set_intr_status(c, is & 0xffu, svi);
	ppr_virt(c);
	NVMX_CHECK(vapic_store(c));
	if ((c->s->f[NVMX_IDX_EOI_EXIT_BITMAP0 + vec / 64u] >> (vec % 64u)) & 1u)
		return reflect(c, NVMX_EXIT_REASON_VIRTUALIZED_EOI, vec, insn_len,
		               NVMX_REASON_APIC_EOI_EXIT, res);
	return result(res, NVMX_REASON_APIC_EOI_VIRTUALIZED);
}

/* Self-IPI virtualization (SDM "Self-IPI Virtualization"). */
static enum nvmx_status self_ipi_virt(struct ctx *c, unsigned vec, struct nvmx_result *res)
{
	uint16_t is = intr_status(c);
	set_vbit(c, R_IRR, vec, true);
	NVMX_CHECK(vapic_store(c));
	unsigned rvi = is & 0xffu;
	set_intr_status(c, vec > rvi ? vec : rvi, is >> 8);
	return result(res, NVMX_REASON_APIC_SELF_IPI_VIRTUALIZED);
}

/* ---- memory-mapped accesses ---- */

/* Register indices (offset >> 4) whose reads APIC-register virtualization
 * virtualizes (SDM "Virtualizing Reads from the APIC-Access Page"). */
static bool read_listed(unsigned reg)
{
	switch (reg) {
	case 0x02: case 0x03: case 0x08: case 0x0b: case 0x0d: case 0x0e: case 0x0f:
	case 0x28: case 0x30: case 0x31: case 0x38: case 0x3e:
		return true;
	default:
		return (reg >= 0x10 && reg <= 0x27) || (reg >= 0x32 && reg <= 0x37);
	}
}

/* The same for writes (SDM "Determining Whether a Write Access is
 * Virtualized"). */
static bool write_listed(unsigned reg)
{
	switch (reg) {
	case 0x02: case 0x08: case 0x0b: case 0x0d: case 0x0e: case 0x0f:
	case 0x28: case 0x30: case 0x31: case 0x38: case 0x3e:
		return true;
	default:
		return reg >= 0x32 && reg <= 0x37;
	}
}

/* Entirely within the low 4 bytes of a naturally aligned 16-byte region,
 * and at most 32 bits (the conditions both read and write virtualization
 * start with). */
static bool low_dword(uint32_t off, uint32_t width)
{
	uint32_t last = off + width - 1u;
	return width <= 4 && ((off >> 2) & 3u) == 0 && ((last >> 2) & 3u) == 0 &&
	       (off >> 4) == (last >> 4);
}

static bool read_virtualized(const struct ctx *c, uint32_t off, uint32_t width)
{
	if (!(c->proc & NVMX_PROC_TPR_SHADOW) || !low_dword(off, width))
		return false;
	unsigned reg = off >> 4;
	return arv(c) ? read_listed(reg) : reg == 0x08;
}

static bool write_virtualized(const struct ctx *c, uint32_t off, uint32_t width)
{
	if (!(c->proc & NVMX_PROC_TPR_SHADOW) || !low_dword(off, width))
		return false;
	unsigned reg = off >> 4;
	if (arv(c))
		return write_listed(reg);
	if (vid(c))
		return reg == 0x08 || reg == 0x0b || reg == 0x30;
	return reg == 0x08;
}

/* Self-IPI conditions on VICR_LO (SDM "APIC-Write Emulation", 300H):
 * reserved bits 31:20, 17:16, 13 and delivery status (12) clear, shorthand
 * self, edge, fixed, vector 16 or above. */
static bool icr_is_self_ipi(uint32_t icr)
{
	return !(icr & 0xfff33000u) && ((icr >> 18) & 3u) == 1u && !(icr & (1u << 15)) &&
	       ((icr >> 8) & 7u) == 0 && (icr & 0xf0u) != 0;
}

static enum nvmx_status apic_exit(struct ctx *c, const struct nvmx_apic_access *a,
                                  struct nvmx_result *res)
{
	bool gpa = a->type == NVMX_APIC_GPA_EVENT || a->type == NVMX_APIC_GPA_INSN;
	struct nvmx_l2_exit ex;
	nvmx_memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = NVMX_EXIT_REASON_APIC_ACCESS;
	/* Bits 11:0 are the offset for linear accesses only (SDM table of the
	 * APIC-access exit qualification); 15:12 the access type. */
	ex.qualification = (uint64_t)a->type << 12 | (gpa ? 0 : a->offset);
	/* An exit during event delivery reports the event (SDM 28.2.4: IDT-
	 * vectoring information valid exactly for types 3 and 10). */
	if (a->type == NVMX_APIC_LINEAR_EVENT || a->type == NVMX_APIC_GPA_EVENT) {
		ex.idt_vectoring_info = a->idt_vectoring_info;
		ex.idt_vectoring_error_code = a->idt_vectoring_error_code;
	}
	/* Guest-physical accesses store the guest-physical address. */
	nvmx_vmcs12_store(c->s, NVMX_IDX_GUEST_PHYSICAL_ADDRESS, gpa ? a->gpa : 0);
	return nvmx_exit_reflect(c->v, &ex, NVMX_REASON_APIC_ACCESS_EXIT, res);
}

static bool access_valid(const struct nvmx_apic_access *a)
{
	switch (a->type) {
	case NVMX_APIC_LINEAR_READ: case NVMX_APIC_LINEAR_WRITE: case NVMX_APIC_LINEAR_FETCH:
	case NVMX_APIC_LINEAR_EVENT: case NVMX_APIC_GPA_EVENT: case NVMX_APIC_GPA_INSN:
		break;
	default:
		return false;
	}
	bool event = a->type == NVMX_APIC_LINEAR_EVENT || a->type == NVMX_APIC_GPA_EVENT;
	if (event != ((a->idt_vectoring_info & NVMX_INTR_INFO_VALID) != 0))
		return false;
	if (!event && (a->idt_vectoring_info || a->idt_vectoring_error_code))
		return false;
	if (a->flags & ~NVMX_APIC_ACCESS_WRITES)
		return false;
	if ((a->flags & NVMX_APIC_ACCESS_WRITES) && a->type != NVMX_APIC_LINEAR_EVENT)
		return false;
	return a->offset <= 0xfffu && a->width >= 1 && a->width <= 64 &&
	       a->offset + a->width <= 0x1000u && a->insn_len <= 15;
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_apic_access(struct nvmx_vcpu *v,
                                                   const struct nvmx_apic_access *acc,
                                                   struct nvmx_result *res)
{
	if (!acc)
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct nvmx_apic_access a;
	NVMX_CHECK(nvmx_abi_load(&a, sizeof(a), acc, offsetof(struct nvmx_apic_access, reserved)));
	if (!NVMX_RESERVED_ZERO(&a, reserved) || !access_valid(&a))
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct ctx c;
	NVMX_CHECK(ctx_init(&c, v, res));
	if (!(c.proc2 & NVMX_PROC2_VIRT_APIC_ACCESSES))
		return result(res, NVMX_REASON_APIC_NOT_ENABLED);
	nvmx_sync_set_as_built(&v->sync, false);
	/* Guest-physical accesses are never virtualized, nor are fetches
	 * (SDM "Guest-Physical Accesses to the APIC-Access Page",
	 * "Virtualizing Reads from the APIC-Access Page"). */
	if (a.type == NVMX_APIC_GPA_EVENT || a.type == NVMX_APIC_GPA_INSN ||
	    a.type == NVMX_APIC_LINEAR_FETCH)
		return apic_exit(&c, &a, res);
	bool write = a.type == NVMX_APIC_LINEAR_WRITE ||
	             (a.type == NVMX_APIC_LINEAR_EVENT && (a.flags & NVMX_APIC_ACCESS_WRITES));
	if (!(write ? write_virtualized(&c, a.offset, a.width)
	            : read_virtualized(&c, a.offset, a.width)))
		return apic_exit(&c, &a, res);

	bool mapped;
	NVMX_CHECK(vapic_ready(&c, res, &mapped));
	if (!mapped)
		return NVMX_STATUS_OK;
	if (!write) {
		/* Within one low dword: the virtual-APIC page at that offset. */
		uint32_t base = a.offset & ~3u;
		uint32_t w = base >= VAPIC_BASE && base < VAPIC_BASE + VAPIC_LEN ? rd32(&c, base) : 0;
		if (base < VAPIC_BASE || base >= VAPIC_BASE + VAPIC_LEN)
			NVMX_CHECK(nvmx_gpa_read(v, c.va + base, &w, 4));
		uint32_t sh = (a.offset & 3u) * 8u;
		uint64_t val = (uint64_t)w >> sh;
		if (a.width < 4)
			val &= (1ull << (a.width * 8u)) - 1u;
		res->value = val;
		return result(res, NVMX_REASON_APIC_READ_VIRTUALIZED);
	}

	/* The write lands in the virtual-APIC page at the same offset. */
	uint8_t bytes[4];
	for (unsigned i = 0; i < a.width; i++)
		bytes[i] = (uint8_t)(a.value >> (8u * i));
	NVMX_CHECK(nvmx_gpa_write(v, c.va + a.offset, bytes, a.width));
	uint32_t reg = a.offset >> 4;
	if (reg * 16u >= VAPIC_BASE && reg * 16u < VAPIC_BASE + VAPIC_LEN)
		for (unsigned i = 0; i < a.width; i++)
			c.ap.b[a.offset - VAPIC_BASE + i] = bytes[i];

	/* APIC-write emulation (SDM "APIC-Write Emulation"). */
	switch (reg) {
	case 0x08: /* TPR: clear bytes 3:1 of VTPR, then TPR virtualization */
		wr32(&c, R_TPR, rd32(&c, R_TPR) & 0xffu);
		return tpr_virt(&c, a.insn_len, NVMX_REASON_APIC_WRITE_VIRTUALIZED, res);
	case 0x0b: /* EOI */
		if (vid(&c))
			return eoi_virt(&c, a.insn_len, res);
		break;
	case 0x30: { /* ICR low: self-IPI or an APIC-write exit */
		uint32_t icr;
		NVMX_CHECK(nvmx_gpa_read(v, c.va + 0x300u, &icr, 4));
		if (vid(&c) && icr_is_self_ipi(icr))
			return self_ipi_virt(&c, icr & 0xffu, res);
		break;
	}
	case 0x31: { /* ICR high: clear bytes 2:0, nothing else */
		uint8_t z[3] = { 0, 0, 0 };
		NVMX_CHECK(nvmx_gpa_write(v, c.va + 0x310u, z, 3));
		return result(res, NVMX_REASON_APIC_WRITE_VIRTUALIZED);
	}
	default:
		break;
	}
	/* APIC-write exit: trap-like, qualification = the write's offset. */
	return reflect(&c, NVMX_EXIT_REASON_APIC_WRITE, a.offset, a.insn_len, NVMX_REASON_APIC_WRITE_EXIT,
	               res);
}

/* ---- CR8 ---- */

NVMX_EXPORT enum nvmx_status nvmx_vcpu_apic_cr8(struct nvmx_vcpu *v, bool write, uint64_t value,
                                                uint32_t insn_len, struct nvmx_result *res)
{
	struct ctx c;
	NVMX_CHECK(ctx_init(&c, v, res));
	if (insn_len > 15)
		return NVMX_STATUS_INVALID_ARGUMENT;
	if (!(c.proc & NVMX_PROC_TPR_SHADOW))
		return result(res, NVMX_REASON_APIC_NOT_ENABLED);
	if (c.proc & (write ? NVMX_PROC_CR8_LOAD_EXITING : NVMX_PROC_CR8_STORE_EXITING))
		return result(res, NVMX_REASON_APIC_CR8_INTERCEPTED);
	/* MOV to CR8 with bits 63:4 set is #GP(0) before any virtualization. */
	if (write && (value >> 4))
		return result(res, NVMX_REASON_APIC_CR8_GP);
	bool mapped;
	NVMX_CHECK(vapic_ready(&c, res, &mapped));
	if (!mapped)
		return NVMX_STATUS_OK;
	nvmx_sync_set_as_built(&v->sync, false);
	if (!write) {
		/* Bits 3:0 get VTPR[7:4], bits 63:4 are cleared. */
		res->value = (rd32(&c, R_TPR) >> 4) & 0xfu;
		return result(res, NVMX_REASON_APIC_CR8_VIRTUALIZED);
	}
	/* VTPR[7:4] = source[3:0], the rest of VTPR cleared. */
	wr32(&c, R_TPR, (uint32_t)(value & 0xfu) << 4);
	return tpr_virt(&c, insn_len, NVMX_REASON_APIC_CR8_VIRTUALIZED, res);
}

/* ---- x2APIC MSRs ---- */

/* RDMSR of 800H + reg under APIC-register virtualization: the registers
 * x2APIC mode has of the xAPIC read list (no EOI read, no DFR, ICR is one
 * 64-bit MSR at 830H). */
static bool msr_read_listed(unsigned reg)
{
	return read_listed(reg) && reg != 0x0b && reg != 0x0e && reg != 0x31;
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_apic_msr(struct nvmx_vcpu *v, bool write, uint32_t msr,
                                                uint64_t value, struct nvmx_result *res)
{
	struct ctx c;
	NVMX_CHECK(ctx_init(&c, v, res));
	if (msr < 0x800u || msr > 0x8ffu)
		return NVMX_STATUS_INVALID_ARGUMENT;
	/* L1's MSR bitmap decides first (SDM 26.1.3). */
	struct nvmx_l2_exit ex;
	nvmx_memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = write ? NVMX_EXIT_REASON_WRMSR : NVMX_EXIT_REASON_RDMSR;
	ex.operand = msr;
	ex.insn_len = 2;
	bool wanted;
	enum nvmx_reason why;
	NVMX_CHECK(nvmx_exit_l1_wants(v, &ex, &wanted, &why));
	if (wanted) {
		nvmx_sync_set_as_built(&v->sync, false);
		return nvmx_exit_reflect(v, &ex, NVMX_REASON_APIC_MSR_EXIT, res);
	}
	if (!(c.proc2 & NVMX_PROC2_VIRT_X2APIC) || !(c.proc & NVMX_PROC_TPR_SHADOW))
		return result(res, NVMX_REASON_APIC_MSR_L1_APIC);
	unsigned reg = msr & 0xffu;
	if (!write) {
		if (!(reg == 0x08 || (arv(&c) && msr_read_listed(reg))))
			return result(res, NVMX_REASON_APIC_MSR_L1_APIC);
		/* EDX:EAX = the 8 bytes at offset (ECX & FFH) << 4. */
		uint64_t val;
		enum nvmx_status st = nvmx_gpa_read(v, c.va + (reg << 4), &val, 8);
		if (st == NVMX_STATUS_NOT_MAPPED)
			return result(res, NVMX_REASON_APIC_VAPIC_UNMAPPED);
		NVMX_CHECK(st);
		res->value = val;
		return result(res, NVMX_REASON_APIC_MSR_VIRTUALIZED);
	}
	bool tpr = reg == 0x08, eoi = reg == 0x0b && vid(&c), self = reg == 0x3f && vid(&c);
	if (!tpr && !eoi && !self)
		return result(res, NVMX_REASON_APIC_MSR_L1_APIC);
	/* SDM "WRMSR" under "virtualize x2APIC mode": TPR and SELF IPI take
	 * bits 7:0 only, EOI only 0; anything else is #GP(0). */
	if (eoi ? value != 0 : (value >> 8) != 0)
		return result(res, NVMX_REASON_APIC_MSR_GP);
	bool mapped;
	NVMX_CHECK(vapic_ready(&c, res, &mapped));
	if (!mapped)
		return NVMX_STATUS_OK;
	nvmx_sync_set_as_built(&v->sync, false);
	NVMX_CHECK(nvmx_gpa_write(v, c.va + (reg << 4), &value, 8));
	if (tpr) {
		wr32(&c, R_TPR, (uint32_t)value);
		return tpr_virt(&c, 2, NVMX_REASON_APIC_MSR_VIRTUALIZED, res);
	}
	if (eoi) {
		wr32(&c, 0x0b0u, 0);
		return eoi_virt(&c, 2, res);
	}
	return self_ipi_virt(&c, (unsigned)value & 0xffu, res);
}

/* ---- EOI, delivery, entry ---- */

NVMX_EXPORT enum nvmx_status nvmx_vcpu_apic_eoi(struct nvmx_vcpu *v, uint32_t insn_len,
                                                struct nvmx_result *res)
{
	struct ctx c;
	NVMX_CHECK(ctx_init(&c, v, res));
	if (insn_len > 15)
		return NVMX_STATUS_INVALID_ARGUMENT;
	if (!vid(&c) || !(c.proc & NVMX_PROC_TPR_SHADOW))
		return result(res, NVMX_REASON_APIC_NOT_ENABLED);
	bool mapped;
	NVMX_CHECK(vapic_ready(&c, res, &mapped));
	if (!mapped)
		return NVMX_STATUS_OK;
	nvmx_sync_set_as_built(&v->sync, false);
	return eoi_virt(&c, insn_len, res);
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_apic_deliver(struct nvmx_vcpu *v, struct nvmx_result *res)
{
	struct ctx c;
	NVMX_CHECK(ctx_init(&c, v, res));
	if (!vid(&c) || !(c.proc & NVMX_PROC_TPR_SHADOW))
		return result(res, NVMX_REASON_APIC_NOT_ENABLED);
	bool mapped;
	NVMX_CHECK(vapic_ready(&c, res, &mapped));
	if (!mapped)
		return NVMX_STATUS_OK;
	/* Evaluation (SDM "Evaluation of Pending Virtual Interrupts"): with
	 * interrupt-window exiting 0, recognized when RVI[7:4] > VPPR[7:4]. */
	uint16_t is = intr_status(&c);
	unsigned rvi = is & 0xffu;
	if ((rvi >> 4) <= ((rd32(&c, R_PPR) >> 4) & 0xfu))
		return result(res, NVMX_REASON_APIC_INTR_NONE);
	/* Delivery (SDM "Virtual-Interrupt Delivery") at an instruction
	 * boundary with RFLAGS.IF = 1, no blocking by STI or MOV SS, and no
	 * interrupt-window exiting; VMCS02 injects one event at a time. */
	uint64_t rflags = nvmx_vmcs02_read(v, NVMX_F_GUEST_RFLAGS);
	uint64_t intr = nvmx_vmcs02_read(v, NVMX_F_GUEST_INTERRUPTIBILITY_INFO);
	uint64_t pend = nvmx_vmcs02_read(v, NVMX_F_VM_ENTRY_INTR_INFO_FIELD);
	if ((c.proc & NVMX_PROC_INTR_WINDOW_EXITING) || !(rflags & NVMX_RFLAGS_IF) || (intr & 3u) ||
	    (pend & NVMX_INTR_INFO_VALID))
		return result(res, NVMX_REASON_APIC_INTR_BLOCKED);
	unsigned vec = rvi;
	set_vbit(&c, R_ISR, vec, true);
	wr32(&c, R_PPR, vec & 0xf0u);
	set_vbit(&c, R_IRR, vec, false);
	NVMX_CHECK(vapic_store(&c));
	set_intr_status(&c, highest(&c, R_IRR), vec);
	nvmx_vmcs02_put(v, NVMX_IDX_VM_ENTRY_INTR_INFO_FIELD, vec | NVMX_INTR_INFO_VALID);
	/* A virtual interrupt wakes a halted L2 as an interrupt would. */
	if (nvmx_vmcs02_read(v, NVMX_F_GUEST_ACTIVITY_STATE) == 1)
		nvmx_vmcs02_put(v, NVMX_IDX_GUEST_ACTIVITY_STATE, 0);
	res->value = vec;
	return result(res, NVMX_REASON_APIC_INTR_DELIVERED);
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_apic_after_entry(struct nvmx_vcpu *v,
                                                        struct nvmx_result *res)
{
	struct ctx c;
	NVMX_CHECK(ctx_init(&c, v, res));
	if (!(c.proc & NVMX_PROC_TPR_SHADOW) || vid(&c))
		return result(res, NVMX_REASON_APIC_NONE);
	bool mapped;
	NVMX_CHECK(vapic_ready(&c, res, &mapped));
	if (!mapped)
		return NVMX_STATUS_OK;
	uint32_t thr = (uint32_t)V12(c.s, TPR_THRESHOLD) & 0xfu;
	if (((rd32(&c, R_TPR) >> 4) & 0xfu) < thr) {
		nvmx_sync_set_as_built(&v->sync, false);
		return reflect(&c, NVMX_EXIT_REASON_TPR_BELOW_THRESHOLD, 0, 0,
		               NVMX_REASON_APIC_ENTRY_TPR_EXIT, res);
	}
	return result(res, NVMX_REASON_APIC_NONE);
}

/* ---- posted interrupts ---- */

/* Take one 8-byte word of L1's descriptor: atomically replace it by
 * `keep & old`, returning old. Bounded retries under contention. */
static enum nvmx_status take_word(struct nvmx_vcpu *v, uint64_t gpa, uint64_t keep, uint64_t *old,
                                  bool *ok)
{
	*ok = false;
	for (unsigned tries = 0; tries < 64; tries++) {
		NVMX_CHECK(nvmx_gpa_read(v, gpa, old, 8));
		uint64_t nw = *old & keep;
		if (nw == *old) {
			*ok = true;
			return NVMX_STATUS_OK;
		}
		if (!NVMX_HOST_HAS(&v->vm->ops, gpa_cmpxchg64)) {
			NVMX_CHECK(nvmx_gpa_write(v, gpa, &nw, 8));
			*ok = true;
			return NVMX_STATUS_OK;
		}
		bool swapped;
		NVMX_CHECK(nvmx_host_gpa_cmpxchg64(&v->vm->ops, v->host, gpa, *old, nw, &swapped));
		if (swapped) {
			*ok = true;
			return NVMX_STATUS_OK;
		}
	}
	return NVMX_STATUS_OK;
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_apic_interrupt(struct nvmx_vcpu *v, uint8_t vector,
                                                      struct nvmx_result *res)
{
	struct ctx c;
	NVMX_CHECK(ctx_init(&c, v, res));
	if (!(c.pin & NVMX_PIN_POSTED_INTR))
		return result(res, NVMX_REASON_APIC_PI_NOT_ENABLED);
	if (vector != (uint8_t)V12(c.s, POSTED_INTR_NV))
		return result(res, NVMX_REASON_APIC_PI_OTHER_VECTOR);
	bool mapped;
	NVMX_CHECK(vapic_ready(&c, res, &mapped));
	if (!mapped)
		return NVMX_STATUS_OK;
	uint64_t pd = V12(c.s, POSTED_INTR_DESC_ADDR) & ~0x3full;
	uint8_t probe[64];
	enum nvmx_status st = nvmx_gpa_read(v, pd, probe, sizeof(probe));
	if (st == NVMX_STATUS_NOT_MAPPED)
		return result(res, NVMX_REASON_APIC_PI_DESC_UNMAPPED);
	NVMX_CHECK(st);
	nvmx_sync_set_as_built(&v->sync, false);
	/* SDM "Posted-Interrupt Processing": clear ON (bit 256), then move
	 * PIR (bits 255:0) into VIRR, clearing PIR, and raise RVI to the
	 * highest vector taken. Each word is taken atomically so that bits L1
	 * sets meanwhile are either taken now or stay for the next round. */
	uint64_t old;
	bool ok, all = true;
	NVMX_CHECK(take_word(v, pd + 32, ~1ull, &old, &ok));
	all &= ok;
	unsigned top = 0;
	bool any = false;
	for (unsigned i = 0; i < 4; i++) {
		NVMX_CHECK(take_word(v, pd + 8u * i, 0, &old, &ok));
		all &= ok;
		if (!ok)
			continue;
		for (unsigned h = 0; h < 2; h++) {
			uint32_t bits = (uint32_t)(old >> (32u * h));
			if (!bits)
				continue;
			unsigned idx = 2u * i + h;
			wr32(&c, R_IRR + 16u * idx, rd32(&c, R_IRR + 16u * idx) | bits);
			top = idx * 32u + 31u - (unsigned)__builtin_clz(bits);
			any = true;
		}
	}
	NVMX_CHECK(vapic_store(&c));
	uint16_t is = intr_status(&c);
	if (any && top > (is & 0xffu))
		set_intr_status(&c, top, is >> 8);
	return result(res, all ? NVMX_REASON_APIC_PI_PROCESSED : NVMX_REASON_APIC_PI_CONTENDED);
}
