/* SPDX-License-Identifier: MIT */
/*
 * Events while L2 runs (`l2 ...`). Each event is parsed and checked here into
 * a struct l2_event; deliver_l2_event() is the one place where an event is
 * turned into a hardware exit under VMCS02 (tests/oracle/l2model.h, and
 * tests/oracle/hw_ept.h for accesses) and handed to the library.
 */
#include "runner.h"
#include "hw_ept.h"
#include "l2model.h"
#include <nvmx/apic.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum l2_kind {
	L2_CPUID, L2_HLT, L2_VMCALL, L2_RDTSC, L2_RDMSR, L2_WRMSR, L2_IO, L2_CR_WRITE,
	L2_CR_READ, L2_EXCEPTION, L2_EXTINT, L2_NMI, L2_ACCESS, L2_VMX, L2_PREEMPTION_TIMER,
	L2_INVLPG, L2_APIC_READ, L2_APIC_WRITE, L2_APIC_FETCH, L2_X2APIC_RDMSR, L2_X2APIC_WRMSR,
	L2_INTERRUPT, L2_POSTED, L2_EOI,
};

/* A parsed event. Operands by kind:
 *   RDMSR msr=a; WRMSR msr=a value=b; IO out=a port=b size=c;
 *   CR_WRITE cr=a value=b; CR_READ cr=a; EXCEPTION vector=a has_code=b code=c;
 *   EXTINT vector=a; ACCESS gpa=a rights=b (NVMX_ACCESS_*);
 *   VMX exit reason of the instruction=a; INVLPG address=a. */
struct l2_event {
	enum l2_kind kind;
	uint64_t a, b, c;
};

struct l2_verb {
	const char *name;
	enum l2_kind kind;
	unsigned min_args, max_args;
	const char *usage;
};

static const struct l2_verb l2_verbs[] = {
	{ "cpuid", L2_CPUID, 0, 0, "l2 cpuid" },
	{ "hlt", L2_HLT, 0, 0, "l2 hlt" },
	{ "vmcall", L2_VMCALL, 0, 0, "l2 vmcall" },
	{ "rdtsc", L2_RDTSC, 0, 0, "l2 rdtsc" },
	{ "rdmsr", L2_RDMSR, 1, 1, "l2 rdmsr <msr>" },
	{ "wrmsr", L2_WRMSR, 2, 2, "l2 wrmsr <msr> <value>" },
	{ "io", L2_IO, 3, 3, "l2 io in|out <port> <size>" },
	{ "cr-write", L2_CR_WRITE, 2, 2, "l2 cr-write <n> <value>" },
	{ "cr-read", L2_CR_READ, 1, 1, "l2 cr-read <n>" },
	{ "exception", L2_EXCEPTION, 1, 2, "l2 exception <vector> [<error-code>]" },
	{ "extint", L2_EXTINT, 1, 1, "l2 extint <vector>" },
	{ "nmi", L2_NMI, 0, 0, "l2 nmi" },
	{ "access", L2_ACCESS, 2, 2, "l2 access <l2-gpa> r|w|x" },
	{ "vmx", L2_VMX, 1, 4, "l2 vmx <instruction> [<operands as for the L1 command>]" },
	{ "preemption-timer", L2_PREEMPTION_TIMER, 0, 0, "l2 preemption-timer" },
	{ "invlpg", L2_INVLPG, 1, 1, "l2 invlpg <address>" },
	{ "apic-read", L2_APIC_READ, 2, 2, "l2 apic-read <offset> <width>" },
	{ "apic-write", L2_APIC_WRITE, 3, 3, "l2 apic-write <offset> <width> <value>" },
	{ "apic-fetch", L2_APIC_FETCH, 1, 1, "l2 apic-fetch <offset>" },
	{ "x2apic-rdmsr", L2_X2APIC_RDMSR, 1, 1, "l2 x2apic-rdmsr <msr>" },
	{ "x2apic-wrmsr", L2_X2APIC_WRMSR, 2, 2, "l2 x2apic-wrmsr <msr> <value>" },
	{ "interrupt", L2_INTERRUPT, 1, 1, "l2 interrupt <vector>" },
	{ "posted", L2_POSTED, 1, 1, "l2 posted <vector>" },
	{ "eoi", L2_EOI, 0, 0, "l2 eoi" },
};

/*
 * VMX instructions L2 may execute (each exits unconditionally, SDM 26.1.2),
 * with the operands the L1 command of the same name takes: the operand
 * kinds (P a physical address stored as the 64-bit memory operand, F a VMCS
 * field in RCX, V a value in RAX, T a type in RCX, E an EPTP and W a VPID
 * then L a linear address forming the 128-bit descriptor in memory), and
 * whether the instruction has a memory operand even without operands
 * (VMPTRST).
 */
static const struct {
	const char *name;
	uint32_t reason;
	const char *ops;
	bool mem;
} l2_vmx_insns[] = {
	{ "vmxon", NVMX_EXIT_REASON_VMXON, "P", true },      { "vmxoff", NVMX_EXIT_REASON_VMXOFF, "", false },
	{ "vmclear", NVMX_EXIT_REASON_VMCLEAR, "P", true },  { "vmptrld", NVMX_EXIT_REASON_VMPTRLD, "P", true },
	{ "vmptrst", NVMX_EXIT_REASON_VMPTRST, "", true },   { "vmread", NVMX_EXIT_REASON_VMREAD, "F", false },
	{ "vmwrite", NVMX_EXIT_REASON_VMWRITE, "FV", false }, { "vmlaunch", NVMX_EXIT_REASON_VMLAUNCH, "", false },
	{ "vmresume", NVMX_EXIT_REASON_VMRESUME, "", false }, { "invept", NVMX_EXIT_REASON_INVEPT, "TE", true },
	{ "invvpid", NVMX_EXIT_REASON_INVVPID, "TWL", true }, { "vmfunc", NVMX_EXIT_REASON_VMFUNC, "", false },
};

static bool num(const char *s, uint64_t max, uint64_t *v, const char *what,
                struct outcome *o)
{
	if (parse_u64(s, v) && *v <= max)
		return true;
	outcome_error(o, "bad %s '%s'", what, s);
	return false;
}

/* Registers of the operands, as the L1 commands use them (commands.c). */
#define L2_REG_VALUE 0u /* RAX */
#define L2_REG_FIELD 1u /* RCX */
#define L2_REG_BASE 3u  /* RBX: base of the memory operand */

/*
 * Stage the operands of `l2 vmx <insn> <operands>` as the processor finds
 * them when L2 executes the instruction: registers in L2's GPRs, the memory
 * operand at the runner's scratch address (an L2 linear address = L2
 * physical address: L2 runs the model's flat paging). The memory operand is
 * stored in L1 memory: at that address when L2's physical addresses are
 * L1's (L1 gave L2 no EPT), else where L1's EPT12 maps it, which is where
 * L1 finds it when it emulates the instruction (the exit happens before any
 * operand access, so an address EPT12 does not map gets no operand). Fills
 * the exit's instruction information and qualification (displacement 0).
 */
/*
 * L1's EPT12 translation of an L2 physical address, walked as the SDM
 * describes the EPT paging structures (30.3.2): 4 or 5 levels from the EPTP,
 * an entry present when any of bits 2:0 is set, bit 7 mapping a 1 GiB page
 * at level 3 or a 2 MiB page at level 2. Access rights do not matter here:
 * L1 reads the operand through its own mapping. False when nothing maps it.
 */
static bool ept12_translate(const struct runner *r, uint64_t eptp, uint64_t gpa, uint64_t *l1_gpa)
{
	const uint64_t addr_mask = 0x000ffffffffff000ull;
	unsigned levels = (unsigned)((eptp >> 3) & 7u) + 1u;
	if (levels != 4 && levels != 5)
		return false;
	uint64_t table = eptp & addr_mask;
	for (unsigned l = levels; l >= 1; l--) {
		unsigned shift = 12u + 9u * (l - 1u);
		uint64_t e;
		if (!refhost_mem_read(&r->h, table + ((gpa >> shift) & 511u) * 8u, &e, sizeof(e)))
			return false;
		if (!(e & 7u))
			return false;
		if (l == 1 || ((l == 2 || l == 3) && (e & 0x80u))) {
			uint64_t off = (1ull << shift) - 1u;
			*l1_gpa = (e & addr_mask & ~off) | (gpa & off);
			return true;
		}
		table = e & addr_mask;
	}
	return false;
}

static bool stage_vmx_operands(struct runner *r, size_t k, const char *const *t, unsigned n,
                               struct l2model_event *m, struct outcome *o)
{
	const char *ops = l2_vmx_insns[k].ops; /* n is 0 or strlen(ops): parse_event */
	uint64_t mem[2] = { 0, 0 };
	size_t memlen = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t v;
		if (ops[i] == 'F') {
			if (!parse_field(t[i], &v)) {
				outcome_error(o, "'%s' is not a VMCS field name or encoding", t[i]);
				return false;
			}
		} else if (!num(t[i], ~0ull, &v, "operand", o)) {
			return false;
		}
		switch (ops[i]) {
		case 'P': mem[0] = v; memlen = 8; break;
		case 'F': case 'T': r->h.gpr[L2_REG_FIELD] = v; break;
		case 'V': r->h.gpr[L2_REG_VALUE] = v; break;
		case 'E': case 'W': mem[0] = v; memlen = 16; break;
		case 'L': mem[1] = v; memlen = 16; break;
		default: break;
		}
	}
	bool ia32e = refhost_vmcs02_get(&r->h, NVMX_F_VM_ENTRY_CONTROLS) & NVMX_ENTRY_CTL_IA32E_MODE_GUEST;
	struct refhost_insn in;
	memset(&in, 0, sizeof(in));
	in.exit_reason = l2_vmx_insns[k].reason;
	in.mem = l2_vmx_insns[k].mem;
	in.la = r->mem_size - RUNNER_SCRATCH_SIZE;
	if (in.la > (4ull << 30) - RUNNER_SCRATCH_SIZE)
		in.la = (4ull << 30) - RUNNER_SCRATCH_SIZE;
	in.reg1 = L2_REG_VALUE;
	in.reg2 = L2_REG_FIELD;
	in.addr_size = ia32e ? 8 : 4;
	in.op_size_32 = !ia32e;
	if (in.mem) {
		r->h.gpr[L2_REG_BASE] = in.la;
		bool l2_on_ept01 = !refhost_page_va(&r->h, refhost_vmcs02_get(&r->h, NVMX_F_EPT_POINTER));
		uint64_t at = in.la, eptp12;
		bool placed = l2_on_ept01;
		if (!l2_on_ept01 &&
		    nvmx_vcpu_vmcs12_peek(r->h.vcpu, NVMX_F_EPT_POINTER, &eptp12) == NVMX_STATUS_OK)
			placed = ept12_translate(r, eptp12, in.la, &at);
		/* The 16-byte descriptors stay within the scratch page, which is
		 * 4 KiB aligned: one translation covers them. */
		if (memlen && placed)
			refhost_mem_write(&r->h, at, mem, memlen);
	}
	m->vmx_info = refhost_insn_info(&in);
	m->vmx_qual = 0;
	return true;
}


/* Check the operands of one event; false with an error outcome if malformed. */
static bool parse_event(const struct l2_verb *vb, const struct cmd_line *cl,
                        struct l2_event *ev, struct outcome *o)
{
	const char *const *t = cl->tok + 2; /* operands after "l2 <event>" */
	uint32_t msr;
	memset(ev, 0, sizeof(*ev));
	ev->kind = vb->kind;
	switch (vb->kind) {
	case L2_RDMSR:
	case L2_WRMSR:
		if (!parse_msr(t[0], &msr)) {
			outcome_error(o, "'%s' is not an MSR name or number", t[0]);
			return false;
		}
		ev->a = msr;
		return vb->kind == L2_RDMSR || num(t[1], ~0ull, &ev->b, "value", o);
	case L2_IO:
		if (!word_is(t[0], "in") && !word_is(t[0], "out")) {
			outcome_error(o, "io direction is in or out");
			return false;
		}
		ev->a = word_is(t[0], "out");
		if (!num(t[1], 0xffff, &ev->b, "port", o) || !num(t[2], 4, &ev->c, "size", o))
			return false;
		if (ev->c != 1 && ev->c != 2 && ev->c != 4) {
			outcome_error(o, "io size is 1, 2 or 4");
			return false;
		}
		return true;
	case L2_CR_WRITE:
	case L2_CR_READ:
		if (!num(t[0], 8, &ev->a, "control register", o))
			return false;
		if (ev->a != 0 && ev->a != 3 && ev->a != 4 && ev->a != 8) {
			outcome_error(o, "control register is 0, 3, 4 or 8");
			return false;
		}
		return vb->kind == L2_CR_READ || num(t[1], ~0ull, &ev->b, "value", o);
	case L2_EXCEPTION:
		if (!num(t[0], 31, &ev->a, "exception vector", o))
			return false;
		ev->b = cl->ntok == 4;
		return !ev->b || num(t[1], 0xffffffff, &ev->c, "error code", o);
	case L2_EXTINT:
		return num(t[0], 255, &ev->a, "interrupt vector", o);
	case L2_ACCESS:
		if (!num(t[0], ~0ull, &ev->a, "L2 physical address", o))
			return false;
		if (word_is(t[1], "r"))
			ev->b = NVMX_ACCESS_READ;
		else if (word_is(t[1], "w"))
			ev->b = NVMX_ACCESS_WRITE;
		else if (word_is(t[1], "x"))
			ev->b = NVMX_ACCESS_EXEC;
		else {
			outcome_error(o, "access kind is r, w or x");
			return false;
		}
		return true;
	case L2_VMX:
		for (size_t i = 0; i < sizeof(l2_vmx_insns) / sizeof(l2_vmx_insns[0]); i++) {
			if (word_is(t[0], l2_vmx_insns[i].name)) {
				ev->a = i;
				ev->b = cl->ntok - 3;
				if (ev->b != 0 && ev->b != strlen(l2_vmx_insns[i].ops)) {
					outcome_error(o, "usage: l2 vmx %s takes %u operand(s) as the L1 "
					                 "command, or none", l2_vmx_insns[i].name,
					              (unsigned)strlen(l2_vmx_insns[i].ops));
					return false;
				}
				return true;
			}
		}
		outcome_error(o, "'%s' is not a VMX instruction", t[0]);
		return false;
	case L2_INVLPG:
		return num(t[0], ~0ull, &ev->a, "address", o);
	case L2_APIC_READ:
	case L2_APIC_WRITE:
		if (!num(t[0], 0xfff, &ev->a, "APIC offset", o) || !num(t[1], 8, &ev->b, "width", o))
			return false;
		if (ev->b == 0 || ev->a + ev->b > 0x1000) {
			outcome_error(o, "width is 1 to 8 bytes within the page");
			return false;
		}
		return vb->kind == L2_APIC_READ || num(t[2], ~0ull, &ev->c, "value", o);
	case L2_APIC_FETCH:
		return num(t[0], 0xfff, &ev->a, "APIC offset", o);
	case L2_X2APIC_RDMSR:
	case L2_X2APIC_WRMSR:
		if (!num(t[0], 0x8ff, &ev->a, "x2APIC MSR", o))
			return false;
		if (ev->a < 0x800) {
			outcome_error(o, "x2APIC MSRs are 0x800-0x8ff");
			return false;
		}
		return vb->kind == L2_X2APIC_RDMSR || num(t[1], ~0ull, &ev->b, "value", o);
	case L2_INTERRUPT:
	case L2_POSTED:
		return num(t[0], 255, &ev->a, "interrupt vector", o);
	default:
		return true;
	}
}

/* The outcome of an APIC event the library handled (deliver_apic, and an
 * `l2 access` to the APIC-access page under NVMX_L0_EMULATE_APIC_VIRT). */
static void apic_outcome(struct runner *r, enum nvmx_status st, const struct nvmx_result *res,
                         bool has_value, struct outcome *o)
{
	if (st != NVMX_STATUS_OK) {
		outcome_status(o, st);
		return;
	}
	if (res->outcome != NVMX_OUTCOME_L0_EXIT) {
		outcome_from_result(r, res, false, 0, o);
		return;
	}
	switch (res->reason) {
	case NVMX_REASON_APIC_NOT_ENABLED:
	case NVMX_REASON_APIC_MSR_L1_APIC:
	case NVMX_REASON_APIC_VAPIC_UNMAPPED:
	case NVMX_REASON_APIC_PI_DESC_UNMAPPED:
	case NVMX_REASON_APIC_CR8_INTERCEPTED:
		outcome_from_result(r, res, false, 0, o);
		return;
	case NVMX_REASON_APIC_MSR_GP:
	case NVMX_REASON_APIC_CR8_GP:
		outcome_set(o, "l2-#GP");
		return;
	default:
		break;
	}
	/* A read changes no virtual-APIC state: no evaluation point. */
	if (has_value) {
		outcome_set(o, "ok 0x%" PRIx64, res->value);
		return;
	}
	struct nvmx_result d;
	if (nvmx_vcpu_apic_deliver(r->h.vcpu, &d) == NVMX_STATUS_OK &&
	    d.reason == NVMX_REASON_APIC_INTR_DELIVERED) {
		/* L2 takes it: the injection is consumed by the next VM entry. */
		refhost_vmcs02_set(&r->h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD, 0);
		outcome_set(o, "virtual-interrupt 0x%" PRIx64, d.value);
		return;
	}
	outcome_no_exit(o);
}

/*
 * The APIC events: the reference host plays an L0 whose processor does not
 * virtualize the APIC for L2, so it hands each event to libnvmx/apic
 * (docs/apic-virtualization.md). After an event that leaves L2 running, a
 * pending virtual interrupt is delivered as at the next instruction
 * boundary. Outcomes: `exit-to-l1 ...`, `ok <value>` (a virtualized read),
 * `no-exit` (virtualized, no exit), `virtual-interrupt <vector>`
 * (virtualized, and a virtual interrupt was then delivered to L2 through
 * its IDT), `l2-#GP` (L2 takes #GP(0)), `l0-handled` (not virtualized: L0
 * handles it for L1's own APIC or memory).
 */
static void deliver_apic(struct runner *r, const struct l2_event *ev, struct outcome *o)
{
	struct nvmx_vcpu *v = r->h.vcpu;
	struct nvmx_result res;
	enum nvmx_status st = NVMX_STATUS_OK;
	bool has_value = false;
	if (ev->kind == L2_APIC_READ || ev->kind == L2_APIC_WRITE || ev->kind == L2_APIC_FETCH) {
		struct nvmx_apic_access a;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = ev->kind == L2_APIC_READ ? NVMX_APIC_LINEAR_READ
		       : ev->kind == L2_APIC_WRITE ? NVMX_APIC_LINEAR_WRITE : NVMX_APIC_LINEAR_FETCH;
		a.offset = (uint32_t)ev->a;
		a.width = ev->kind == L2_APIC_FETCH ? 1 : (uint32_t)ev->b;
		a.value = ev->c;
		a.insn_len = 3;
		st = nvmx_vcpu_apic_access(v, &a, &res);
		has_value = ev->kind == L2_APIC_READ;
	} else if (ev->kind == L2_X2APIC_RDMSR || ev->kind == L2_X2APIC_WRMSR) {
		st = nvmx_vcpu_apic_msr(v, ev->kind == L2_X2APIC_WRMSR, (uint32_t)ev->a, ev->b, &res);
		has_value = ev->kind == L2_X2APIC_RDMSR;
	} else if (ev->kind == L2_EOI) {
		st = nvmx_vcpu_apic_eoi(v, 3, &res);
	} else {
		if (ev->kind == L2_POSTED) {
			/* Another vCPU of L1 posts the vector (PIR bit, ON) in L1's
			 * descriptor and sends the notification vector. */
			/* L0 finds L1's descriptor and vector in VMCS02 (the merge put
			 * the descriptor's host-physical address there). */
			uint64_t hpa = refhost_vmcs02_get(&r->h, NVMX_F_POSTED_INTR_DESC_ADDR) & ~0x3full;
			uint64_t desc = hpa - REFHOST_HPA_BASE;
			uint8_t nv = (uint8_t)refhost_vmcs02_get(&r->h, NVMX_F_POSTED_INTR_NV);
			if (hpa >= REFHOST_HPA_BASE && desc + 64 <= r->h.mem_size) {
				uint64_t w = refhost_mem_r64(&r->h, desc + 8 * (ev->a / 64));
				refhost_mem_w64(&r->h, desc + 8 * (ev->a / 64), w | 1ull << (ev->a % 64));
				refhost_mem_w64(&r->h, desc + 32, refhost_mem_r64(&r->h, desc + 32) | 1);
			}
			st = nvmx_vcpu_apic_interrupt(v, nv, &res);
		} else {
			st = nvmx_vcpu_apic_interrupt(v, (uint8_t)ev->a, &res);
		}
		if (st == NVMX_STATUS_OK && (res.reason == NVMX_REASON_APIC_PI_NOT_ENABLED ||
		                             res.reason == NVMX_REASON_APIC_PI_OTHER_VECTOR)) {
			/* An ordinary external interrupt while L2 runs. */
			struct l2model_event m;
			memset(&m, 0, sizeof(m));
			m.kind = L2EV_EXTINT;
			m.vector = ev->kind == L2_POSTED
			           ? (uint8_t)refhost_vmcs02_get(&r->h, NVMX_F_POSTED_INTR_NV)
			           : (uint8_t)ev->a;
			enum l2model_outcome out;
			st = l2model_run(&r->h, &m, &res, &out);
			if (st != NVMX_STATUS_OK)
				outcome_status(o, st);
			else if (out == L2M_NO_EXIT)
				outcome_no_exit(o);
			else
				outcome_from_result(r, &res, false, 0, o);
			return;
		}
	}
	apic_outcome(r, st, &res, has_value, o);
}

/* How many times an `l2 access` is tried: the first walk of EPT02, and a
 * retry after each EPT02 fill the library reports. One fill is enough for a
 * well-behaved library; the bound keeps a misbehaving one from looping. */
#define L2_ACCESS_MAX_TRIES 4

/*
 * `l2 access`: the hardware walks EPT02 (refhost_l2_access). An EPT
 * violation or misconfiguration becomes an exit the library handles, as L0's
 * exit handler would hand it over: it fills EPT02 (L2 retries the access),
 * reflects the exit to L1, or keeps it for L0 (for instance when EPT01 does
 * not back the L1 address; the runner's L0 does not change EPT01 on its own,
 * so L2 stays stopped on the access and the outcome is `l0-handled`).
 * L2 is taken to identity-map its linear addresses: the guest-linear address
 * of the exit is the L2 physical address.
 */
static void emulated_apic_access(struct runner *r, uint64_t kind, uint64_t l1_gpa,
                                 struct outcome *o)
{
	/* L2 identity-maps its linear addresses (see below): a linear access
	 * during instruction execution (SDM "APIC-Access VM Exits"), 4 bytes
	 * at the page offset; a write stores 0 (the verb carries no value). */
	struct nvmx_apic_access a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = kind == NVMX_ACCESS_READ    ? NVMX_APIC_LINEAR_READ
	         : kind == NVMX_ACCESS_WRITE ? NVMX_APIC_LINEAR_WRITE
	                                     : NVMX_APIC_LINEAR_FETCH;
	a.offset = (uint32_t)(l1_gpa & 0xfffu);
	a.width = kind == NVMX_ACCESS_EXEC ? 1 : 4;
	a.insn_len = 3;
	struct nvmx_result res;
	enum nvmx_status st = nvmx_vcpu_apic_access(r->h.vcpu, &a, &res);
	apic_outcome(r, st, &res, kind == NVMX_ACCESS_READ, o);
}

static void deliver_access(struct runner *r, const struct l2_event *ev, struct outcome *o)
{
	unsigned access = ev->b == NVMX_ACCESS_READ    ? REFHOST_L2_READ
	                  : ev->b == NVMX_ACCESS_WRITE ? REFHOST_L2_WRITE
	                                               : REFHOST_L2_EXEC;
	struct refhost *h = &r->h;
	for (unsigned attempt = 0; attempt < L2_ACCESS_MAX_TRIES; attempt++) {
		uint64_t hpa;
		struct refhost_l2_exit hx;
		enum refhost_l2_result hr = refhost_l2_access(h, ev->a, access, &hpa, &hx);
		if (hr == REFHOST_L2_OK) {
			outcome_l2_access_ok(o, hpa);
			return;
		}
		if (hr != REFHOST_L2_EPT_VIOLATION && hr != REFHOST_L2_EPT_MISCONFIG) {
			o->kind = OUTCOME_LIB_ERROR;
			snprintf(o->text, sizeof(o->text),
			         "error EPT02 names memory that is not a library page (0x%" PRIx64 ")",
			         refhost_vmcs02_get(h, NVMX_F_EPT_POINTER));
			return;
		}
		/* What the processor writes into VMCS02 on this exit (SDM 28.2.1). */
		struct nvmx_l2_exit e;
		memset(&e, 0, sizeof(e));
		e.size = sizeof(e);
		e.exit_reason = hx.reason;
		e.qualification = hx.qualification;
		e.guest_physical_address = hx.gpa;
		if (hx.qualification & (1u << 7))
			e.guest_linear_address = ev->a;
		refhost_vmcs02_set(h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD,
		                   refhost_vmcs02_get(h, NVMX_F_VM_ENTRY_INTR_INFO_FIELD) &
		                           ~(uint64_t)NVMX_INTR_INFO_VALID);
		refhost_vmcs02_set(h, NVMX_F_VM_EXIT_REASON, e.exit_reason);
		refhost_vmcs02_set(h, NVMX_F_EXIT_QUALIFICATION, e.qualification);
		refhost_vmcs02_set(h, NVMX_F_GUEST_PHYSICAL_ADDRESS, e.guest_physical_address);
		refhost_vmcs02_set(h, NVMX_F_GUEST_LINEAR_ADDRESS, e.guest_linear_address);
		refhost_vmcs02_set(h, NVMX_F_VM_EXIT_INTR_INFO, 0);
		refhost_vmcs02_set(h, NVMX_F_VM_EXIT_INSTRUCTION_LEN, 0);
		struct nvmx_result res;
		runner_trace_begin(r);
		enum nvmx_status st = nvmx_vcpu_handle_exit(h->vcpu, &e, &res);
		if (st == NVMX_STATUS_OK)
			runner_trace_end(r, true, e.exit_reason, &res);
		if (st != NVMX_STATUS_OK) {
			outcome_status(o, st);
			return;
		}
		/* NVMX_L0_EMULATE_APIC_VIRT: L1's APIC-access page, which EPT02
		 * does not map; L0 hands the access to libnvmx/apic. */
		if (res.outcome == NVMX_OUTCOME_L0_EXIT &&
		    res.reason == NVMX_REASON_APIC_ACCESS_EMULATED) {
			emulated_apic_access(r, ev->b, res.value, o);
			return;
		}
		/* EPT02 now maps the page: L2 retries the access. */
		if (hr == REFHOST_L2_EPT_VIOLATION && res.outcome == NVMX_OUTCOME_L0_EXIT &&
		    res.reason == NVMX_REASON_EXIT_L0_EPT02_FILL)
			continue;
		outcome_from_result(r, &res, false, 0, o);
		return;
	}
	o->kind = OUTCOME_LIB_ERROR;
	snprintf(o->text, sizeof(o->text),
	         "error the access still faults after %u EPT02 fills", L2_ACCESS_MAX_TRIES);
}

/*
 * Deliver a checked event to L2: the reference host's hardware model
 * (tests/oracle/l2model.h) decides from VMCS02 whether it is a VM exit and, if
 * so, hands it to the library (nvmx_vcpu_handle_exit). `no-exit`: VMCS02
 * does not intercept it; otherwise the library's result (`exit-to-l1`,
 * `l0-handled`, `vmx-abort`). Accesses go through the EPT model.
 */
static void deliver_l2_event(struct runner *r, const struct cmd_line *cl, const struct l2_event *ev,
                             struct outcome *o)
{
	if (ev->kind == L2_ACCESS) {
		deliver_access(r, ev, o);
		return;
	}
	if (ev->kind >= L2_APIC_READ) {
		deliver_apic(r, ev, o);
		return;
	}
	struct l2model_event m;
	memset(&m, 0, sizeof(m));
	switch (ev->kind) {
	case L2_CPUID: m.kind = L2EV_CPUID; break;
	case L2_HLT: m.kind = L2EV_HLT; break;
	case L2_VMCALL: m.kind = L2EV_VMCALL; break;
	case L2_RDTSC: m.kind = L2EV_RDTSC; break;
	case L2_RDMSR:
		m.kind = L2EV_RDMSR;
		m.msr = (uint32_t)ev->a;
		break;
	case L2_WRMSR:
		m.kind = L2EV_WRMSR;
		m.msr = (uint32_t)ev->a;
		m.value = ev->b;
		break;
	case L2_IO:
		m.kind = L2EV_IO;
		m.in = ev->a == 0;
		m.port = (uint16_t)ev->b;
		m.size = (uint8_t)ev->c;
		break;
	case L2_CR_WRITE:
		m.kind = L2EV_CR_WRITE;
		m.cr = (uint8_t)ev->a;
		m.value = ev->b;
		break;
	case L2_CR_READ:
		m.kind = L2EV_CR_READ;
		m.cr = (uint8_t)ev->a;
		break;
	case L2_EXCEPTION:
		m.kind = L2EV_EXCEPTION;
		m.vector = (uint8_t)ev->a;
		m.has_error_code = ev->b != 0;
		m.error_code = (uint32_t)ev->c;
		break;
	case L2_EXTINT:
		m.kind = L2EV_EXTINT;
		m.vector = (uint8_t)ev->a;
		break;
	case L2_NMI: m.kind = L2EV_NMI; break;
	case L2_VMX:
		m.kind = L2EV_VMX;
		m.vmx_reason = l2_vmx_insns[ev->a].reason;
		if (!stage_vmx_operands(r, (size_t)ev->a, (const char *const *)cl->tok + 3,
		                        (unsigned)ev->b, &m, o))
			return;
		break;
	case L2_PREEMPTION_TIMER: m.kind = L2EV_PREEMPTION_TIMER; break;
	case L2_INVLPG:
		m.kind = L2EV_INVLPG;
		m.address = ev->a;
		break;
	case L2_ACCESS:
	default:
		return; /* handled above */
	}
	struct nvmx_result res;
	enum l2model_outcome out;
	refhost_vmcs02_set(&r->h, NVMX_F_VM_EXIT_REASON, 0);
	runner_trace_begin(r);
	enum nvmx_status st = l2model_run(&r->h, &m, &res, &out);
	/* An exit the hardware model took (it wrote the exit reason into
	 * VMCS02), not an event the processor handled without one. */
	if (st == NVMX_STATUS_OK && out != L2M_NO_EXIT)
		runner_trace_end(r, true, (uint32_t)refhost_vmcs02_get(&r->h, NVMX_F_VM_EXIT_REASON), &res);
	if (st != NVMX_STATUS_OK) {
		outcome_status(o, st);
		return;
	}
	/* NVMX_L0_EMULATE_APIC_VIRT: VMCS02 intercepts MOV to/from CR8 for
	 * L1's TPR shadow; an exit L1 did not ask for goes to libnvmx/apic. */
	if (out != L2M_NO_EXIT && res.outcome == NVMX_OUTCOME_L0_EXIT &&
	    (runner_opts.l0_flags & NVMX_L0_EMULATE_APIC_VIRT) &&
	    (m.kind == L2EV_CR_WRITE || m.kind == L2EV_CR_READ) && m.cr == 8) {
		bool write = m.kind == L2EV_CR_WRITE;
		st = nvmx_vcpu_apic_cr8(r->h.vcpu, write, write ? m.value : 0, 3, &res);
		apic_outcome(r, st, &res, !write, o);
		return;
	}
	if (out == L2M_NO_EXIT)
		outcome_no_exit(o);
	else
		outcome_from_result(r, &res, false, 0, o);
}

void runner_l2(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	const struct l2_verb *vb = NULL;
	for (size_t i = 0; i < sizeof(l2_verbs) / sizeof(l2_verbs[0]); i++) {
		if (word_is(cl->tok[1], l2_verbs[i].name)) {
			vb = &l2_verbs[i];
			break;
		}
	}
	if (!vb) {
		outcome_error(o, "unknown l2 event '%s'", cl->tok[1]);
		return;
	}
	if (cl->ntok - 2 < vb->min_args || cl->ntok - 2 > vb->max_args) {
		outcome_error(o, "usage: %s", vb->usage);
		return;
	}
	struct l2_event ev;
	if (parse_event(vb, cl, &ev, o))
		deliver_l2_event(r, cl, &ev, o);
}
