/* SPDX-License-Identifier: MIT */
/*
 * The command table of nvmx-run: one handler per verb. Set-up commands change
 * the reference host (L1 memory, L1 state, EPT01) or the VM's capability
 * policy; L1 instruction commands present a VMX instruction to the library as
 * the hardware would report its exit; `l2` events are in l2.c.
 */
#include "runner.h"
#include "hw_ept.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define PAGE 4096ull

/* General-purpose registers the runner uses for instruction operands. RBX
 * (3) is taken by refhost_exec for the memory operand's base. */
#define REG_VALUE 0u /* RAX: VMREAD destination, VMWRITE source */
#define REG_FIELD 1u /* RCX: the field encoding; INVEPT/INVVPID type */

/* Who may run a command (docs/scenario-format.md, "Who runs"). */
enum who { WHO_ANY, WHO_L1, WHO_L2 };

struct command {
	const char *verb;
	unsigned min_args, max_args; /* operands after the verb */
	enum who who;
	void (*run)(struct runner *r, const struct cmd_line *cl, struct outcome *o);
	const char *usage;
};

/* ---- the host ---- */

static bool host_up(struct runner *r, uint64_t mem_size)
{
	enum nvmx_status s = refhost_init(&r->h, mem_size, NULL);
	r->host_live = s == NVMX_STATUS_OK && runner_apply_l0(r);
	r->mem_size = mem_size;
	r->mode = L1_MODE_LONG;
	return r->host_live;
}

bool runner_init(struct runner *r)
{
	memset(r, 0, sizeof(*r));
	return host_up(r, REFHOST_DEFAULT_MEM);
}

bool runner_resize(struct runner *r, uint64_t mem_size)
{
	if (r->touched || mem_size < RUNNER_MEM_MIN || mem_size > RUNNER_MEM_MAX ||
	    (mem_size & (PAGE - 1)) != 0)
		return false;
	runner_fini(r);
	if (host_up(r, mem_size))
		return true;
	host_up(r, REFHOST_DEFAULT_MEM);
	return false;
}

void runner_fini(struct runner *r)
{
	if (r->host_live)
		refhost_fini(&r->h);
	r->host_live = false;
}

/*
 * Memory operands live in the last 4 KiB page of L1 memory below 4 GiB, so
 * that the same address works with 32-bit addressing in protected mode.
 */
static uint64_t scratch_gpa(const struct runner *r)
{
	uint64_t top = r->mem_size < (4ull << 30) ? r->mem_size : (4ull << 30);
	return top - RUNNER_SCRATCH_SIZE;
}

/* ---- operand helpers ---- */

static bool num_arg(const struct cmd_line *cl, unsigned i, uint64_t *v, struct outcome *o)
{
	if (parse_u64(cl->tok[i], v))
		return true;
	outcome_error(o, "'%s' is not a number (decimal or 0x-hex)", cl->tok[i]);
	return false;
}

static unsigned mem_width(const char *verb)
{
	const char *d = verb + strlen(verb);
	while (d > verb && d[-1] >= '0' && d[-1] <= '9')
		d--;
	uint64_t bits = 0;
	parse_u64(d, &bits);
	return (unsigned)(bits / 8);
}

static uint64_t width_mask(unsigned bytes)
{
	return bytes == 8 ? ~0ull : (1ull << (bytes * 8)) - 1;
}

static bool in_memory(const struct runner *r, uint64_t gpa, uint64_t len)
{
	return gpa < r->mem_size && len <= r->mem_size - gpa;
}

/* ---- set-up: memory ---- */

static void cmd_mem(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	unsigned n = mem_width(cl->tok[0]);
	uint64_t gpa, v;
	if (!num_arg(cl, 1, &gpa, o))
		return;
	if (word_is(cl->tok[2], "revision")) {
		/* IA32_VMX_BASIC[30:0] as L1 reads it (SDM A.1). */
		uint64_t basic = 0;
		nvmx_vm_get_cap(r->h.vm, NVMX_MSR_IA32_VMX_BASIC, &basic);
		v = basic & NVMX_BASIC_REVISION_MASK;
	} else if (!num_arg(cl, 2, &v, o)) {
		return;
	}
	if (v & ~width_mask(n)) {
		outcome_error(o, "value 0x%" PRIx64 " does not fit in %u bits", v, n * 8);
		return;
	}
	if (!in_memory(r, gpa, n)) {
		outcome_error(o, "0x%" PRIx64 " is outside L1 memory", gpa);
		return;
	}
	/* A store of L1 as L0 sees it: L0's write-fault handler tells the
	 * library about pages it write-protected (EPT12 tables), and L0 tells it
	 * which L1 pages changed, so that bitmaps merged from them are redone at
	 * the next VM entry (SDM 25.11.4: L1 may edit them while L2 does not run). */
	refhost_l1_store(&r->h, gpa, &v, n); /* little-endian host */
	for (uint64_t p = gpa & ~(PAGE - 1); p < gpa + n; p += PAGE)
		nvmx_vcpu_notify_l1_page_changed(r->h.vcpu, p);
	outcome_set(o, "ok");
}

static void cmd_peek(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	unsigned n = mem_width(cl->tok[0]);
	uint64_t gpa, v = 0;
	if (!num_arg(cl, 1, &gpa, o))
		return;
	if (!in_memory(r, gpa, n)) {
		outcome_error(o, "0x%" PRIx64 " is outside L1 memory", gpa);
		return;
	}
	refhost_mem_read(&r->h, gpa, &v, n);
	outcome_set(o, "ok 0x%" PRIx64, v);
}

/* ---- set-up: capabilities and the CPU ---- */

static void cmd_cap(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	uint32_t msr;
	uint64_t v;
	if (!parse_msr(cl->tok[1], &msr)) {
		outcome_error(o, "'%s' is not an MSR name or number", cl->tok[1]);
		return;
	}
	if (!num_arg(cl, 2, &v, o))
		return;
	if (r->vmx_seen) {
		outcome_error(o, "capabilities are fixed once L1 has executed VMXON");
		return;
	}
	enum nvmx_status s = nvmx_vm_set_cap(r->h.vm, msr, v);
	if (s != NVMX_STATUS_OK) {
		outcome_error(o, "%s: %s", nvmx_status_name(s), nvmx_status_describe(s));
		return;
	}
	outcome_set(o, "ok");
}

static void cmd_cpu(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	uint64_t bits;
	if (!word_is(cl->tok[1], "maxphyaddr")) {
		outcome_error(o, "unknown cpu setting '%s' (cpu maxphyaddr <bits>)", cl->tok[1]);
		return;
	}
	if (!num_arg(cl, 2, &bits, o))
		return;
	if (bits > 64) {
		outcome_error(o, "maxphyaddr %" PRIu64 " is beyond 64 bits", bits);
		return;
	}
	if (r->vmx_seen) {
		outcome_error(o, "the physical-address width is fixed once L1 has executed VMXON");
		return;
	}
	enum nvmx_status s = nvmx_vm_set_maxphyaddr(r->h.vm, (uint8_t)bits);
	if (s != NVMX_STATUS_OK) {
		outcome_error(o, "%s: %s", nvmx_status_name(s), nvmx_status_describe(s));
		return;
	}
	outcome_set(o, "ok");
}

/* ---- set-up: L1 state ---- */

/* CPL is SS.DPL (SDM 5.5); CS.DPL and the selectors' RPL agree with it. */
static void set_cpl(struct refhost *h, unsigned cpl)
{
	static const uint32_t ar[] = { NVMX_F_GUEST_CS_AR_BYTES, NVMX_F_GUEST_SS_AR_BYTES };
	static const uint32_t sel[] = { NVMX_F_GUEST_CS_SELECTOR, NVMX_F_GUEST_SS_SELECTOR };
	for (unsigned i = 0; i < 2; i++) {
		uint64_t a = refhost_l1_get(h, ar[i]);
		a = (a & ~(uint64_t)NVMX_AR_DPL_MASK) | ((uint64_t)cpl << NVMX_AR_DPL_SHIFT);
		refhost_l1_set(h, ar[i], a);
		refhost_l1_set(h, sel[i], (refhost_l1_get(h, sel[i]) & ~3ull) | cpl);
	}
}

static unsigned l1_cpl(const struct refhost *h)
{
	return (unsigned)((refhost_l1_get(h, NVMX_F_GUEST_SS_AR_BYTES) & NVMX_AR_DPL_MASK) >>
	                  NVMX_AR_DPL_SHIFT);
}

/* CR0, EFER and CS as each operating mode has them (SDM 9.8, 10.8.5). */
static void set_mode(struct runner *r, enum l1_mode m)
{
	struct refhost *h = &r->h;
	uint64_t cr0 = refhost_l1_get(h, NVMX_F_GUEST_CR0);
	uint64_t efer = refhost_l1_get(h, NVMX_F_GUEST_IA32_EFER);
	uint64_t cs = refhost_l1_get(h, NVMX_F_GUEST_CS_AR_BYTES) & ~(uint64_t)(NVMX_AR_L | NVMX_AR_DB);
	switch (m) {
	case L1_MODE_REAL:
		cr0 &= ~(NVMX_CR0_PE | NVMX_CR0_PG);
		efer &= ~(NVMX_EFER_LME | NVMX_EFER_LMA);
		break;
	case L1_MODE_PROTECTED:
		cr0 |= NVMX_CR0_PE | NVMX_CR0_PG;
		efer &= ~(NVMX_EFER_LME | NVMX_EFER_LMA);
		cs |= NVMX_AR_DB;
		break;
	case L1_MODE_COMPAT:
		cr0 |= NVMX_CR0_PE | NVMX_CR0_PG;
		efer |= NVMX_EFER_LME | NVMX_EFER_LMA;
		cs |= NVMX_AR_DB;
		break;
	case L1_MODE_LONG:
		cr0 |= NVMX_CR0_PE | NVMX_CR0_PG;
		efer |= NVMX_EFER_LME | NVMX_EFER_LMA;
		cs |= NVMX_AR_L;
		break;
	}
	refhost_l1_set(h, NVMX_F_GUEST_CR0, cr0);
	refhost_l1_set(h, NVMX_F_GUEST_IA32_EFER, efer);
	refhost_l1_set(h, NVMX_F_GUEST_CS_AR_BYTES, cs);
	r->mode = m;
}

static void cmd_l1(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	const char *what = cl->tok[1];
	if (cl->ntok != 3) {
		outcome_error(o, "usage: l1 cpl|cr0|cr4|efer|mode|memory|feature-control <value>");
		return;
	}
	if (word_is(what, "mode")) {
		static const char *const names[] = { "real", "protected", "compat", "long" };
		for (unsigned m = 0; m < 4; m++) {
			if (word_is(cl->tok[2], names[m])) {
				set_mode(r, (enum l1_mode)m);
				outcome_set(o, "ok");
				return;
			}
		}
		outcome_error(o, "unknown mode '%s' (real, protected, compat, long)", cl->tok[2]);
		return;
	}
	uint64_t v;
	if (!num_arg(cl, 2, &v, o))
		return;
	if (word_is(what, "cpl")) {
		if (v > 3) {
			outcome_error(o, "cpl must be 0..3");
			return;
		}
		set_cpl(&r->h, (unsigned)v);
	} else if (word_is(what, "cr0")) {
		refhost_l1_set(&r->h, NVMX_F_GUEST_CR0, v);
	} else if (word_is(what, "cr4")) {
		refhost_l1_set(&r->h, NVMX_F_GUEST_CR4, v);
	} else if (word_is(what, "efer")) {
		refhost_l1_set(&r->h, NVMX_F_GUEST_IA32_EFER, v);
	} else if (word_is(what, "feature-control")) {
		r->h.feature_control = v;
	} else if (word_is(what, "memory")) {
		if (r->touched) {
			outcome_error(o, "l1 memory must come before every other command");
			return;
		}
		if (v < RUNNER_MEM_MIN || v > RUNNER_MEM_MAX || (v & (PAGE - 1)) != 0) {
			outcome_error(o, "L1 memory must be a multiple of 4096 from %llu to %llu bytes",
			              (unsigned long long)RUNNER_MEM_MIN,
			              (unsigned long long)RUNNER_MEM_MAX);
			return;
		}
		runner_fini(r);
		if (!host_up(r, v)) {
			outcome_error(o, "cannot allocate %" PRIu64 " bytes of L1 memory", v);
			host_up(r, REFHOST_DEFAULT_MEM);
			return;
		}
	} else {
		outcome_error(o, "unknown L1 setting '%s'", what);
		return;
	}
	outcome_set(o, "ok");
}

/* ---- set-up: EPT01 (L0's mapping of L1 memory) ---- */

/*
 * The one place where the runner tells the library that L0 changed its
 * mapping of L1 memory [gpa, gpa+len) (EPT01), so that shadow EPT entries
 * built from the old mapping are dropped. The library's notification entry
 * point is added with the shadow-EPT module; until then the reference host's
 * ranges are the whole effect.
 */
/* Tell the library that L0 changed EPT01 for the range, as a host must
 * (include/nvmx/ept.h): it drops the EPT02 entries built from it. */
static enum nvmx_status notify_library_ept01_change(struct runner *r, uint64_t gpa, uint64_t len,
                                                   enum nvmx_mem_change kind)
{
	return nvmx_vm_notify_l1_mem_changed(r->h.vm, gpa, len, kind);
}

/* The override of [gpa] in effect: the last matching range (refhost.c). */
static const struct refhost_range *range_at(const struct refhost *h, uint64_t gpa)
{
	for (unsigned i = h->nranges; i-- > 0;) {
		const struct refhost_range *x = &h->ranges[i];
		if (gpa >= x->gpa && gpa - x->gpa < x->len)
			return x;
	}
	return NULL;
}

static bool parse_rights(const char *s, uint8_t *rights)
{
	if (word_is(s, "r"))
		*rights = NVMX_ACCESS_READ;
	else if (word_is(s, "rw"))
		*rights = NVMX_ACCESS_READ | NVMX_ACCESS_WRITE;
	else if (word_is(s, "rwx"))
		*rights = NVMX_ACCESS_READ | NVMX_ACCESS_WRITE | NVMX_ACCESS_EXEC;
	else if (word_is(s, "rx"))
		*rights = NVMX_ACCESS_READ | NVMX_ACCESS_EXEC;
	else if (word_is(s, "x"))
		*rights = NVMX_ACCESS_EXEC;
	else
		return false;
	return true;
}

/* Change rights where L0 backs RAM, keeping each piece's backing; pieces
 * that are unmapped or MMIO stay so. */
static bool protect_range(struct refhost *h, uint64_t gpa, uint64_t len, uint8_t rights)
{
	uint64_t cut[2 * REFHOST_MAX_RANGES + 2];
	unsigned n = 0;
	uint64_t end = gpa + len;
	cut[n++] = gpa;
	cut[n++] = end;
	for (unsigned i = 0; i < h->nranges; i++) {
		uint64_t e[2] = { h->ranges[i].gpa, h->ranges[i].gpa + h->ranges[i].len };
		for (unsigned k = 0; k < 2; k++) {
			if (e[k] > gpa && e[k] < end)
				cut[n++] = e[k];
		}
	}
	for (unsigned i = 1; i < n; i++) { /* insertion sort: n is small */
		uint64_t x = cut[i];
		unsigned j = i;
		for (; j > 0 && cut[j - 1] > x; j--)
			cut[j] = cut[j - 1];
		cut[j] = x;
	}
	struct refhost_range add[2 * REFHOST_MAX_RANGES + 2];
	unsigned nadd = 0;
	for (unsigned i = 0; i + 1 < n; i++) {
		uint64_t a = cut[i], b = cut[i + 1];
		if (a == b)
			continue;
		const struct refhost_range *x = range_at(h, a);
		uint64_t hpa;
		if (!x)
			hpa = REFHOST_HPA_BASE + a;
		else if (x->kind == REFHOST_RANGE_MAP)
			hpa = x->hpa + (a - x->gpa);
		else
			continue;
		add[nadd++] = (struct refhost_range){ a, b - a, hpa, REFHOST_RANGE_MAP, rights };
	}
	if (h->nranges + nadd > REFHOST_MAX_RANGES)
		return false;
	for (unsigned i = 0; i < nadd; i++)
		refhost_range_add(h, REFHOST_RANGE_MAP, add[i].gpa, add[i].len, add[i].hpa, rights);
	return true;
}

static void cmd_l0(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	const char *what = cl->tok[1];
	if (word_is(what, "emulate-apic")) {
		/* NVMX_L0_EMULATE_APIC_VIRT (include/nvmx/entry.h): this L0's
		 * processor does not virtualize the APIC for L2. A policy of the
		 * L0, chosen before L1 uses VMX. */
		if (cl->ntok != 2) {
			outcome_error(o, "usage: l0 emulate-apic");
			return;
		}
		if (r->vmx_seen) {
			outcome_error(o, "l0 emulate-apic comes before L1 first enters VMX operation");
			return;
		}
		runner_opts.l0_flags |= NVMX_L0_EMULATE_APIC_VIRT;
		if (!runner_apply_l0(r)) {
			outcome_error(o, "the library refused the L0 policy");
			return;
		}
		outcome_set(o, "ok");
		return;
	}
	unsigned want = word_is(what, "map") || word_is(what, "protect") ? 5 : 4;
	bool known = word_is(what, "map") || word_is(what, "protect") || word_is(what, "unmap") ||
	             word_is(what, "mmio");
	if (!known) {
		outcome_error(o, "unknown l0 change '%s' (unmap, map, protect, mmio, emulate-apic)", what);
		return;
	}
	if (cl->ntok != want) {
		outcome_error(o, "usage: l0 unmap|mmio <l1-gpa> <len>, l0 map <l1-gpa> <len> <hpa>, "
		                 "l0 protect <l1-gpa> <len> r|rw|rwx");
		return;
	}
	uint64_t gpa, len;
	if (!num_arg(cl, 2, &gpa, o) || !num_arg(cl, 3, &len, o))
		return;
	if ((gpa | len) & (PAGE - 1) || len == 0) {
		outcome_error(o, "EPT01 changes are whole 4 KiB pages: align gpa and len");
		return;
	}
	if (!in_memory(r, gpa, len)) {
		outcome_error(o, "the range is outside L1 memory");
		return;
	}
	bool ok;
	enum nvmx_mem_change kind = NVMX_MEM_UNMAPPED;
	if (word_is(what, "map")) {
		uint64_t hpa;
		if (!num_arg(cl, 4, &hpa, o))
			return;
		if (hpa & (PAGE - 1)) {
			outcome_error(o, "hpa must be 4 KiB aligned");
			return;
		}
		ok = refhost_range_add(&r->h, REFHOST_RANGE_MAP, gpa, len, hpa,
		                       NVMX_ACCESS_READ | NVMX_ACCESS_WRITE | NVMX_ACCESS_EXEC);
		kind = NVMX_MEM_REMAPPED;
	} else if (word_is(what, "protect")) {
		uint8_t rights;
		if (!parse_rights(cl->tok[4], &rights)) {
			outcome_error(o, "rights are r, rw, rwx, rx or x");
			return;
		}
		ok = protect_range(&r->h, gpa, len, rights);
		kind = NVMX_MEM_READ_ONLY;
	} else {
		enum refhost_range_kind k = word_is(what, "unmap") ? REFHOST_RANGE_UNMAP
		                                                   : REFHOST_RANGE_MMIO;
		ok = refhost_range_add(&r->h, k, gpa, len, 0, 0);
	}
	if (!ok) {
		outcome_error(o, "too many EPT01 changes (the reference host keeps %u)",
		              REFHOST_MAX_RANGES);
		return;
	}
	enum nvmx_status st = notify_library_ept01_change(r, gpa, len, kind);
	if (st != NVMX_STATUS_OK) {
		outcome_error(o, "%s", nvmx_status_name(st));
		return;
	}
	outcome_set(o, "ok");
}

/* ---- L1 instructions ---- */

/* Address size of a memory operand in the current mode. */
static unsigned addr_size(const struct runner *r)
{
	switch (r->mode) {
	case L1_MODE_LONG: return 8;
	case L1_MODE_REAL: return 2;
	default: return 4;
	}
}

/* Values in registers are 32 bits wide outside 64-bit mode. */
static uint64_t reg_mask(const struct runner *r)
{
	return r->mode == L1_MODE_LONG ? ~0ull : 0xffffffffull;
}

/*
 * Present one VMX instruction to the library. `operand` (len bytes, may be
 * NULL) is first stored at the scratch page, the memory operand's address.
 */
static bool present(struct runner *r, uint32_t exit_reason, bool mem, const void *operand,
                    size_t len, struct nvmx_result *res, struct outcome *o)
{
	struct refhost_insn in;
	memset(&in, 0, sizeof(in));
	in.exit_reason = exit_reason;
	in.mem = mem;
	in.la = scratch_gpa(r);
	in.reg1 = REG_VALUE;
	in.reg2 = REG_FIELD;
	in.addr_size = addr_size(r);
	in.op_size_32 = r->mode != L1_MODE_LONG;
	if (operand)
		refhost_mem_write(&r->h, in.la, operand, len);
	memset(res, 0, sizeof(*res));
	runner_trace_begin(r);
	enum nvmx_status s = refhost_exec(&r->h, &in, res);
	if (s == NVMX_STATUS_OK)
		runner_trace_end(r, false, in.exit_reason, res);
	if (nvmx_vcpu_in_vmx_operation(r->h.vcpu))
		r->vmx_seen = true;
	if (s != NVMX_STATUS_OK) {
		outcome_status(o, s);
		return false;
	}
	return true;
}

static uint32_t insn_reason(const char *verb)
{
	static const struct {
		const char *verb;
		uint32_t reason;
	} t[] = {
		{ "vmxon", NVMX_EXIT_REASON_VMXON },       { "vmxoff", NVMX_EXIT_REASON_VMXOFF },
		{ "vmclear", NVMX_EXIT_REASON_VMCLEAR },   { "vmptrld", NVMX_EXIT_REASON_VMPTRLD },
		{ "vmptrst", NVMX_EXIT_REASON_VMPTRST },   { "vmlaunch", NVMX_EXIT_REASON_VMLAUNCH },
		{ "vmresume", NVMX_EXIT_REASON_VMRESUME },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (word_is(verb, t[i].verb))
			return t[i].reason;
	}
	return 0;
}

/* vmxon, vmclear, vmptrld <gpa>: the 64-bit pointer is the memory operand. */
static void cmd_ptr_insn(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	uint64_t gpa;
	struct nvmx_result res;
	if (!num_arg(cl, 1, &gpa, o))
		return;
	if (present(r, insn_reason(cl->tok[0]), true, &gpa, 8, &res, o))
		outcome_from_result(r, &res, false, 0, o);
}

/* vmxoff, vmlaunch, vmresume: no operand. */
static void cmd_bare_insn(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	struct nvmx_result res;
	if (present(r, insn_reason(cl->tok[0]), false, NULL, 0, &res, o))
		outcome_from_result(r, &res, false, 0, o);
}

/* vmptrst: the current-VMCS pointer is stored to the memory operand. */
static void cmd_vmptrst(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	struct nvmx_result res;
	uint64_t poison = 0xdeadbeefdeadbeefull;
	if (!present(r, NVMX_EXIT_REASON_VMPTRST, true, &poison, 8, &res, o))
		return;
	uint64_t stored = refhost_mem_r64(&r->h, scratch_gpa(r));
	(void)cl;
	outcome_from_result(r, &res, true, stored, o);
}

static bool field_arg(const struct cmd_line *cl, unsigned i, uint64_t *enc, struct outcome *o)
{
	if (parse_field(cl->tok[i], enc))
		return true;
	outcome_error(o, "'%s' is not a VMCS field name or encoding", cl->tok[i]);
	return false;
}

static void cmd_vmread(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	uint64_t enc;
	struct nvmx_result res;
	if (!field_arg(cl, 1, &enc, o))
		return;
	r->h.gpr[REG_FIELD] = enc;
	r->h.gpr[REG_VALUE] = 0;
	if (present(r, NVMX_EXIT_REASON_VMREAD, false, NULL, 0, &res, o))
		outcome_from_result(r, &res, true, r->h.gpr[REG_VALUE] & reg_mask(r), o);
}

static void cmd_vmwrite(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	uint64_t enc, v;
	struct nvmx_result res;
	if (!field_arg(cl, 1, &enc, o) || !num_arg(cl, 2, &v, o))
		return;
	r->h.gpr[REG_FIELD] = enc;
	r->h.gpr[REG_VALUE] = v;
	if (present(r, NVMX_EXIT_REASON_VMWRITE, false, NULL, 0, &res, o))
		outcome_from_result(r, &res, false, 0, o);
}

/* invept <type> <eptp>: descriptor = EPTP, then 64 reserved bits (SDM 31.3 INVEPT). */
static void cmd_invept(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	uint64_t type, desc[2] = { 0, 0 };
	struct nvmx_result res;
	if (!num_arg(cl, 1, &type, o) || !num_arg(cl, 2, &desc[0], o))
		return;
	r->h.gpr[REG_FIELD] = type;
	if (present(r, NVMX_EXIT_REASON_INVEPT, true, desc, sizeof(desc), &res, o))
		outcome_from_result(r, &res, false, 0, o);
}

/* invvpid <type> <vpid> <la>: descriptor = VPID in bits 15:0 (63:16 reserved),
 * then the linear address (SDM 31.3 INVVPID). A VPID above 0xffff sets the
 * reserved bits on purpose. */
static void cmd_invvpid(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	uint64_t type, desc[2];
	struct nvmx_result res;
	if (!num_arg(cl, 1, &type, o) || !num_arg(cl, 2, &desc[0], o) ||
	    !num_arg(cl, 3, &desc[1], o))
		return;
	r->h.gpr[REG_FIELD] = type;
	if (present(r, NVMX_EXIT_REASON_INVVPID, true, desc, sizeof(desc), &res, o))
		outcome_from_result(r, &res, false, 0, o);
}

/*
 * rdmsr <msr>: L1 reads a VMX capability MSR or IA32_FEATURE_CONTROL. RDMSR
 * needs CPL 0 and an MSR that exists, else #GP(0) (SDM vol. 2 RDMSR; A.3.3
 * and A.10-A.12 say when the optional VMX MSRs exist).
 */
static void cmd_rdmsr(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	uint32_t msr;
	uint64_t v = 0;
	if (!parse_msr(cl->tok[1], &msr)) {
		outcome_error(o, "'%s' is not an MSR name or number", cl->tok[1]);
		return;
	}
	enum nvmx_status s;
	if (msr == NVMX_MSR_IA32_FEATURE_CONTROL) {
		v = r->h.feature_control;
		s = NVMX_STATUS_OK;
	} else {
		s = nvmx_vm_get_cap(r->h.vm, msr, &v);
	}
	if (s == NVMX_STATUS_CAP_UNKNOWN_MSR) {
		outcome_error(o, "the runner models only the VMX capability MSRs and "
		                 "IA32_FEATURE_CONTROL");
		return;
	}
	if (r->mode != L1_MODE_REAL && l1_cpl(&r->h) != 0) {
		outcome_set(o, "#GP");
		return;
	}
	if (s == NVMX_STATUS_NOT_SUPPORTED) {
		outcome_set(o, "#GP");
		return;
	}
	if (s != NVMX_STATUS_OK) {
		outcome_status(o, s);
		return;
	}
	outcome_set(o, "ok 0x%" PRIx64, v);
}

/*
 * signal init|reset: an INIT signal or a RESET of the vCPU (nvmx/vcpu.h).
 * INIT gives `init-l1` outside VMX operation (the host performs it),
 * `init-blocked` in VMX root operation or while L2 waits for a SIPI, and
 * `exit-to-l1 3 qual=0x0` while L2 runs (SDM 24.8, 26.2). RESET gives `ok`:
 * the vCPU is out of VMX operation and L1 runs.
 */
static void cmd_signal(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	if (word_is(cl->tok[1], "reset")) {
		nvmx_vcpu_reset(r->h.vcpu);
		r->l2_running = false;
		r->shut_down = false;
		outcome_set(o, "ok");
		return;
	}
	if (!word_is(cl->tok[1], "init")) {
		outcome_error(o, "usage: signal init|reset");
		return;
	}
	struct nvmx_result res;
	enum nvmx_status s = nvmx_vcpu_init_signal(r->h.vcpu, &res);
	if (s != NVMX_STATUS_OK) {
		outcome_status(o, s);
		return;
	}
	if (res.action == NVMX_ACTION_INIT_L1)
		outcome_set(o, "init-l1");
	else if (res.outcome == NVMX_OUTCOME_NONE)
		outcome_set(o, "init-blocked");
	else
		outcome_from_result(r, &res, false, 0, o);
}

/* ---- the table ---- */

static const struct command commands[] = {
	{ "mem8", 2, 2, WHO_ANY, cmd_mem, "mem8 <gpa> <value|revision>" },
	{ "mem16", 2, 2, WHO_ANY, cmd_mem, "mem16 <gpa> <value|revision>" },
	{ "mem32", 2, 2, WHO_ANY, cmd_mem, "mem32 <gpa> <value|revision>" },
	{ "mem64", 2, 2, WHO_ANY, cmd_mem, "mem64 <gpa> <value|revision>" },
	{ "peek8", 1, 1, WHO_ANY, cmd_peek, "peek8 <gpa>" },
	{ "peek16", 1, 1, WHO_ANY, cmd_peek, "peek16 <gpa>" },
	{ "peek32", 1, 1, WHO_ANY, cmd_peek, "peek32 <gpa>" },
	{ "peek64", 1, 1, WHO_ANY, cmd_peek, "peek64 <gpa>" },
	{ "cap", 2, 2, WHO_ANY, cmd_cap, "cap <msr-name-or-index> <value>" },
	{ "cpu", 2, 2, WHO_ANY, cmd_cpu, "cpu maxphyaddr <bits>" },
	{ "l1", 2, 2, WHO_ANY, cmd_l1, "l1 cpl|cr0|cr4|efer|mode|memory|feature-control <value>" },
	{ "l0", 1, 4, WHO_ANY, cmd_l0, "l0 unmap|map|protect|mmio <l1-gpa> <len> [...], l0 emulate-apic" },
	{ "vmxon", 1, 1, WHO_L1, cmd_ptr_insn, "vmxon <gpa>" },
	{ "vmxoff", 0, 0, WHO_L1, cmd_bare_insn, "vmxoff" },
	{ "vmclear", 1, 1, WHO_L1, cmd_ptr_insn, "vmclear <gpa>" },
	{ "vmptrld", 1, 1, WHO_L1, cmd_ptr_insn, "vmptrld <gpa>" },
	{ "vmptrst", 0, 0, WHO_L1, cmd_vmptrst, "vmptrst" },
	{ "vmread", 1, 1, WHO_L1, cmd_vmread, "vmread <field>" },
	{ "vmwrite", 2, 2, WHO_L1, cmd_vmwrite, "vmwrite <field> <value>" },
	{ "vmlaunch", 0, 0, WHO_L1, cmd_bare_insn, "vmlaunch" },
	{ "vmresume", 0, 0, WHO_L1, cmd_bare_insn, "vmresume" },
	{ "invept", 2, 2, WHO_L1, cmd_invept, "invept <type> <eptp>" },
	{ "invvpid", 3, 3, WHO_L1, cmd_invvpid, "invvpid <type> <vpid> <linear-address>" },
	{ "rdmsr", 1, 1, WHO_L1, cmd_rdmsr, "rdmsr <msr>" },
	{ "signal", 1, 1, WHO_ANY, cmd_signal, "signal init|reset" },
	{ "l2", 1, RUNNER_MAX_TOKENS - 1, WHO_L2, runner_l2, "l2 <event> ..." },
	{ "save", 1, 2, WHO_ANY, runner_save, "save <file> [flush]" },
	{ "restore", 1, 1, WHO_ANY, runner_restore, "restore <file>" },
};

void runner_exec(struct runner *r, const struct cmd_line *cl, struct outcome *o)
{
	const struct command *c = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (word_is(cl->tok[0], commands[i].verb)) {
			c = &commands[i];
			break;
		}
	}
	if (!c) {
		outcome_error(o, "unknown command '%s'", cl->tok[0]);
		return;
	}
	/* `l1 memory` and `restore` may resize L1 memory until another command
	 * used the host. */
	bool is_memory = (c->run == cmd_l1 && cl->ntok > 1 && word_is(cl->tok[1], "memory")) ||
	                 c->run == runner_restore;
	if (!is_memory)
		r->touched = true;
	if (cl->ntok - 1 < c->min_args || cl->ntok - 1 > c->max_args) {
		outcome_error(o, "usage: %s", c->usage);
		return;
	}
	if (c->run == runner_restore) {
		/* A restore brings its own state: who runs, even a shut-down L1. */
		c->run(r, cl, o);
		return;
	}
	if (r->shut_down && c->who != WHO_ANY) {
		outcome_error(o, "L1 was shut down by a VMX abort");
		return;
	}
	if (c->who == WHO_L1 && r->l2_running) {
		outcome_error(o, "L2 is running: an L1 instruction needs an exit to L1 first");
		return;
	}
	if (c->who == WHO_L2 && !r->l2_running) {
		outcome_error(o, "L1 is running: an l2 event needs a VM entry first");
		return;
	}
	c->run(r, cl, o);
}
