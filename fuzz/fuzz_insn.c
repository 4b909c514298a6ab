/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness: random sequences of L1 VMX instructions with random operands
 * and memory contents, through the reference host. Asserts, after every
 * instruction:
 *   - RFLAGS and RIP agree with the outcome (SDM 31.2): VMsucceed clears the
 *     arithmetic flags, VMfailInvalid leaves only CF, VMfailValid only ZF,
 *     both advance RIP; a fault or a non-OK status leaves both unchanged;
 *   - the library wrote L1 memory only inside a VMCS region (4 KiB at a
 *     pointer L1 gave VMPTRLD or VMCLEAR, a region the library made current
 *     (checked to be the pointer L1 named), or the VMXON region) or inside the
 *     memory operand of the instruction.
 * The operand address is computed here independently (64-bit mode and
 * 32-bit protected mode with flat or based segments), the instruction is
 * presented either with instruction information or as bytes to decode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "refhost.h"

#define MEM (1u << 20)
#define REV 0x4u
#define MAX_INSNS 48
#define MAX_PTRS 64

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t un(struct input *in, unsigned bytes)
{
	uint64_t x = 0;
	for (unsigned i = 0; i < bytes; i++)
		x |= (uint64_t)u8(in) << (8 * i);
	return x;
}

/* Addresses biased to land in L1 memory: page-aligned, inside, or anywhere. */
static uint64_t addr(struct input *in)
{
	uint8_t k = u8(in);
	switch (k & 3) {
	case 0: return (uint64_t)(u8(in) & 0xff) << 12;                /* a page */
	case 1: return un(in, 3) & (MEM - 1);                          /* inside */
	case 2: return ((uint64_t)(u8(in) & 0xff) << 12) | (k & 0xf8);  /* near a page */
	default: return un(in, 8);                                     /* anything */
	}
}

static const uint32_t fields[] = {
	0x0000, 0x0800, 0x0802, 0x080e, 0x0c00, 0x2000, 0x2001, 0x2010, 0x2011, 0x201a,
	0x2800, 0x2806, 0x4000, 0x4002, 0x401e, 0x4400, 0x4402, 0x440e, 0x4800, 0x4814,
	0x4824, 0x6400, 0x6800, 0x681c, 0x681e, 0x6820, 0x6c00, 0x6c16, 0x4801, 0x6001,
};

static const uint32_t reasons[] = {
	NVMX_EXIT_REASON_VMXON, NVMX_EXIT_REASON_VMXOFF, NVMX_EXIT_REASON_VMCLEAR, NVMX_EXIT_REASON_VMPTRLD,
	NVMX_EXIT_REASON_VMPTRST, NVMX_EXIT_REASON_VMREAD, NVMX_EXIT_REASON_VMWRITE, NVMX_EXIT_REASON_VMLAUNCH,
	NVMX_EXIT_REASON_VMRESUME, NVMX_EXIT_REASON_INVEPT, NVMX_EXIT_REASON_INVVPID,
};

struct range {
	uint64_t lo, hi; /* [lo, hi) */
};

struct state {
	struct refhost h;
	struct range ptrs[MAX_PTRS];
	unsigned nptrs;
	bool ptrs_overflow;
};

static void add_ptr(struct state *s, uint64_t pa)
{
	if (s->nptrs == MAX_PTRS) {
		s->ptrs_overflow = true;
		return;
	}
	s->ptrs[s->nptrs++] = (struct range){ pa, pa + 4096 };
}

static bool has_ptr(const struct state *s, uint64_t pa)
{
	for (unsigned i = 0; i < s->nptrs; i++)
		if (s->ptrs[i].lo == pa)
			return true;
	return false;
}

static bool allowed(const struct state *s, uint64_t gpa, uint64_t len, const struct range *op)
{
	if (op && gpa >= op->lo && gpa + len <= op->hi)
		return true;
	for (unsigned i = 0; i < s->nptrs; i++)
		if (gpa >= s->ptrs[i].lo && gpa + len <= s->ptrs[i].hi)
			return true;
	return false;
}

static bool needs_mem(uint32_t r)
{
	return r == NVMX_EXIT_REASON_VMXON || r == NVMX_EXIT_REASON_VMCLEAR || r == NVMX_EXIT_REASON_VMPTRLD ||
	       r == NVMX_EXIT_REASON_VMPTRST || r == NVMX_EXIT_REASON_INVEPT || r == NVMX_EXIT_REASON_INVVPID;
}

/* Registers usable as a base without SIB/RBP special cases: RAX RCX RDX RBX RSI RDI. */
static const unsigned bases[] = { 0, 1, 2, 3, 6, 7 };

static void set_mode(struct refhost *h, uint8_t m)
{
	switch (m % 8) {
	case 0: case 1: case 2: case 3:
		break; /* 64-bit, as refhost_init leaves it */
	case 4: case 5:
		/* 32-bit protected mode; DS and ES get a base, DS a limit. */
		refhost_l1_set(h, NVMX_F_GUEST_IA32_EFER, 0);
		refhost_l1_set(h, NVMX_F_GUEST_CS_AR_BYTES, 0xb | NVMX_AR_S | NVMX_AR_P | NVMX_AR_DB | NVMX_AR_G);
		refhost_l1_set(h, NVMX_F_GUEST_DS_BASE, (uint64_t)(m & 0xf0) << 8);
		refhost_l1_set(h, NVMX_F_GUEST_DS_LIMIT, m & 1 ? 0xfffff : 0xffffffff);
		break;
	case 6:
		/* compatibility mode: every VMX instruction is #UD */
		refhost_l1_set(h, NVMX_F_GUEST_CS_AR_BYTES, 0xb | NVMX_AR_S | NVMX_AR_P | NVMX_AR_DB);
		break;
	default:
		/* CPL 3 */
		refhost_l1_set(h, NVMX_F_GUEST_SS_AR_BYTES, refhost_l1_get(h, NVMX_F_GUEST_SS_AR_BYTES) | (3u << 5));
		break;
	}
}

static void policy(struct refhost *h, uint8_t p)
{
	uint64_t v;
	if (p & 1 && nvmx_vm_get_cap(h->vm, NVMX_MSR_IA32_VMX_MISC, &v) == NVMX_STATUS_OK)
		nvmx_vm_set_cap(h->vm, NVMX_MSR_IA32_VMX_MISC, v & ~NVMX_MISC_VMWRITE_ANY);
	if (p & 2 && nvmx_vm_get_cap(h->vm, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, &v) == NVMX_STATUS_OK)
		nvmx_vm_set_cap(h->vm, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, v & ~((uint64_t)NVMX_PROC2_VPID << 32));
	if (p & 4 && nvmx_vm_get_cap(h->vm, NVMX_MSR_IA32_VMX_EPT_VPID_CAP, &v) == NVMX_STATUS_OK)
		nvmx_vm_set_cap(h->vm, NVMX_MSR_IA32_VMX_EPT_VPID_CAP,
		                v & ~(NVMX_EPT_CAP_INVEPT_SINGLE | NVMX_EPT_CAP_AD | NVMX_VPID_CAP_INVVPID_ADDR));
	if (p & 8)
		nvmx_vm_set_maxphyaddr(h->vm, 36);
	if (p & 16)
		refhost_range_add(h, REFHOST_RANGE_UNMAP, 0x40000, 0x4000, 0, 0);
}

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* One instruction; returns false when the input ran out. */
static bool step(struct state *s, struct input *in)
{
	struct refhost *h = &s->h;
	if (in->n == 0)
		return false;
	uint8_t k = u8(in);
	uint32_t reason = reasons[(k & 0x7f) % (sizeof(reasons) / sizeof(reasons[0]))];
	bool bytes_path = (k & 0x80) != 0;
	bool long64 = (refhost_l1_get(h, NVMX_F_GUEST_IA32_EFER) & NVMX_EFER_LMA) &&
	              (refhost_l1_get(h, NVMX_F_GUEST_CS_AR_BYTES) & NVMX_AR_L);

	/* Operands. */
	uint8_t o = u8(in);
	unsigned base = bases[o % 6];
	unsigned seg = (o >> 3) % 6;             /* ES CS SS DS FS GS */
	bool mem = needs_mem(reason) || (o & 0x40);
	unsigned reg1 = 8 + (u8(in) & 7);        /* r8..r15: never the base */
	unsigned reg2 = 8 + (u8(in) & 7);
	int32_t disp = (int32_t)(uint32_t)un(in, 2) - 0x100;
	uint64_t target = addr(in);
	h->gpr[base] = target - (int64_t)disp;
	if (u8(in) & 1) {
		/* Put a pointer into memory at the operand (VMXON/VMCLEAR/VMPTRLD). */
		uint64_t p = addr(in);
		refhost_mem_w64(h, target, p);
	}
	if (u8(in) & 1)
		refhost_mem_w32(h, addr(in) & ~0xfffull, REV);
	h->gpr[reg1 & 15] = un(in, 1) & 1 ? fields[u8(in) % (sizeof(fields) / sizeof(fields[0]))]
	                                   : un(in, 8);
	h->gpr[reg2 & 15] = un(in, 1) & 1 ? fields[u8(in) % (sizeof(fields) / sizeof(fields[0]))]
	                                   : un(in, 1) & 7;
	if (reason == NVMX_EXIT_REASON_INVEPT || reason == NVMX_EXIT_REASON_INVVPID)
		refhost_mem_w64(h, target + 8, un(in, 1) & 1 ? 0 : un(in, 8));
	if (u8(in) == 0x5a)
		refhost_l1_set(h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 2);
	else
		refhost_l1_set(h, NVMX_F_GUEST_INTERRUPTIBILITY_INFO, 0);
	if (u8(in) == 0xa5)
		refhost_l1_set(h, NVMX_F_GUEST_FS_BASE, addr(in));

	struct nvmx_insn_exit ex;
	bool hostile = false;
	memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.exit_reason = reason;
	ex.qualification = (uint64_t)(int64_t)disp;
	if (!bytes_path) {
		ex.flags = NVMX_INSN_INFO_VALID;
		ex.insn_len = 3 + (u8(in) & 7);
		ex.insn_info = (long64 ? 2u : 1u) << 7 | seg << 15 | 1u << 22 | base << 23 |
		               (reg1 & 15) << 3 | (reg2 & 15) << 28;
		if (!mem)
			ex.insn_info |= 1u << 10;
		if (u8(in) == 0xee) {
			ex.insn_info = (uint32_t)un(in, 4); /* hostile info: no write checks apply */
			hostile = true;
		}
	} else {
		static const uint8_t seg_prefix[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
		uint8_t *b = ex.bytes;
		unsigned n = 0;
		unsigned r2 = reg2 & 7, r1 = reg1 & 7;
		/* REX.R/REX.B pick r8..r15 in 64-bit mode; outside it registers
		 * 0..7 are used, so keep the harness's view consistent. */
		if (!long64) {
			/* Keep the base register's value: a register operand that
			 * would be the base uses another register. */
			if (r1 == base)
				r1 = base == 0 ? 1 : 0;
			if (r2 == base)
				r2 = base == 0 ? 1 : 0;
			reg1 = r1;
			reg2 = r2;
			h->gpr[reg1] = h->gpr[8 + r1];
			h->gpr[reg2] = h->gpr[8 + r2];
		}
		b[n++] = seg_prefix[seg];
		switch (reason) {
		case NVMX_EXIT_REASON_VMXON: b[n++] = 0xf3; break;
		case NVMX_EXIT_REASON_VMCLEAR: case NVMX_EXIT_REASON_INVEPT: case NVMX_EXIT_REASON_INVVPID: b[n++] = 0x66; break;
		default: break;
		}
		if (long64 && (reason == NVMX_EXIT_REASON_VMREAD || reason == NVMX_EXIT_REASON_VMWRITE ||
		               reason == NVMX_EXIT_REASON_INVEPT || reason == NVMX_EXIT_REASON_INVVPID))
			b[n++] = (uint8_t)(0x40 | 0x04 /* R */ | (mem ? 0 : 0x01 /* B */));
		unsigned regfield = 0;
		switch (reason) {
		case NVMX_EXIT_REASON_VMXON: case NVMX_EXIT_REASON_VMCLEAR: case NVMX_EXIT_REASON_VMPTRLD:
			b[n++] = 0x0f; b[n++] = 0xc7; regfield = 6; break;
		case NVMX_EXIT_REASON_VMPTRST: b[n++] = 0x0f; b[n++] = 0xc7; regfield = 7; break;
		case NVMX_EXIT_REASON_VMREAD: b[n++] = 0x0f; b[n++] = 0x78; regfield = r2; break;
		case NVMX_EXIT_REASON_VMWRITE: b[n++] = 0x0f; b[n++] = 0x79; regfield = r2; break;
		case NVMX_EXIT_REASON_INVEPT: b[n++] = 0x0f; b[n++] = 0x38; b[n++] = 0x80; regfield = r2; break;
		case NVMX_EXIT_REASON_INVVPID: b[n++] = 0x0f; b[n++] = 0x38; b[n++] = 0x81; regfield = r2; break;
		case NVMX_EXIT_REASON_VMLAUNCH: b[n++] = 0x0f; b[n++] = 0x01; b[n++] = 0xc2; break;
		case NVMX_EXIT_REASON_VMRESUME: b[n++] = 0x0f; b[n++] = 0x01; b[n++] = 0xc3; break;
		default: b[n++] = 0x0f; b[n++] = 0x01; b[n++] = 0xc4; break;
		}
		if (reason != NVMX_EXIT_REASON_VMLAUNCH && reason != NVMX_EXIT_REASON_VMRESUME &&
		    reason != NVMX_EXIT_REASON_VMXOFF) {
			if (mem) {
				b[n++] = (uint8_t)(0x80 | regfield << 3 | base);
				uint32_t d = (uint32_t)disp;
				for (unsigned i = 0; i < 4; i++)
					b[n++] = (uint8_t)(d >> (8 * i));
			} else {
				b[n++] = (uint8_t)(0xc0 | regfield << 3 | r1);
			}
		}
		ex.nbytes = (uint8_t)n;
		ex.insn_len = u8(in) & 1 ? n : 0;
	}
	/* The operand's linear address as L1's segmentation gives it. */
	uint64_t ea = h->gpr[base] + (uint64_t)(int64_t)disp;
	uint64_t la;
	if (long64) {
		la = ea;
		if (seg == 4 || seg == 5)
			la += refhost_l1_get(h, NVMX_F_GUEST_ES_BASE + 2 * seg);
	} else {
		ea &= 0xffffffffull;
		la = (refhost_l1_get(h, NVMX_F_GUEST_ES_BASE + 2 * seg) + ea) & 0xffffffffull;
	}

	unsigned opsz = long64 ? 8 : 4;
	struct range op = { la, la + (reason == NVMX_EXIT_REASON_VMPTRST ? 8 : opsz) };
	bool checkable = !hostile;
	bool op_written = reason == NVMX_EXIT_REASON_VMPTRST || (reason == NVMX_EXIT_REASON_VMREAD && mem);

	/* Pointers L1 names: the library may write those VMCS regions now or
	 * later (eviction, VMXOFF). */
	uint64_t named = ~0ull;
	if ((reason == NVMX_EXIT_REASON_VMCLEAR || reason == NVMX_EXIT_REASON_VMPTRLD) && la <= MEM - 8) {
		/* Read now: the instruction may write a VMCS region over it. */
		named = refhost_mem_r64(h, la);
		add_ptr(s, named);
	}

	uint64_t rip = 0x100000 + u8(in), fl = 0x2 | (un(in, 2) & 0x8d5);
	refhost_l1_set(h, NVMX_F_GUEST_RIP, rip);
	refhost_l1_set(h, NVMX_F_GUEST_RFLAGS, fl);
	h->nwrites = 0;
	struct nvmx_result r;
	enum nvmx_status st = nvmx_vcpu_emulate_vmx_insn(h->vcpu, &ex, &r);

	uint64_t fl2 = refhost_l1_get(h, NVMX_F_GUEST_RFLAGS);
	uint64_t rip2 = refhost_l1_get(h, NVMX_F_GUEST_RIP);
	const uint64_t arith = 0x8d5;
	if (st != NVMX_STATUS_OK) {
		check(fl2 == fl && rip2 == rip);
	} else {
		switch (r.outcome) {
		case NVMX_OUTCOME_SUCCEED:
			check((fl2 & arith) == 0 && (fl2 & ~arith) == (fl & ~arith));
			check(r.action == NVMX_ACTION_RESUME_L1 && rip2 != rip);
			break;
		case NVMX_OUTCOME_VMFAIL_INVALID:
			check((fl2 & arith) == 1 && rip2 != rip);
			break;
		case NVMX_OUTCOME_VMFAIL_VALID:
			check((fl2 & arith) == 0x40 && rip2 != rip && r.vm_insn_error != 0);
			check(nvmx_vcpu_current_vmptr(h->vcpu) != ~0ull);
			break;
		case NVMX_OUTCOME_FAULT:
			check(fl2 == fl && rip2 == rip && r.action == NVMX_ACTION_INJECT_L1);
			break;
		default:
			break; /* VM entry's outcomes belong to the entry module */
		}
	}
	uint64_t cur = nvmx_vcpu_current_vmptr(h->vcpu);
	if (cur != ~0ull) {
		check((cur & 0xfff) == 0);
		/* A VMPTRLD that succeeded made current the pointer L1 named. */
		if (st == NVMX_STATUS_OK && r.outcome == NVMX_OUTCOME_SUCCEED &&
		    reason == NVMX_EXIT_REASON_VMPTRLD && !hostile && la <= MEM - 8)
			check(cur == named);
		/*
		 * Whatever made it current (a VMPTRLD with hostile instruction
		 * information, whose operand the harness cannot compute), the
		 * library may write that region back later: on eviction, VMCLEAR
		 * or VMXOFF (SDM 31.3, VMXOFF and VMCLEAR).
		 */
		if (!has_ptr(s, cur))
			add_ptr(s, cur);
	}
	/* Every write inside an allowed region. */
	if (checkable && !s->ptrs_overflow && h->nwrites < REFHOST_MAX_WRITES) {
		for (unsigned i = 0; i < h->nwrites; i++)
			check(allowed(s, h->writes[i].gpa, h->writes[i].len, op_written ? &op : NULL));
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The reference host is built once and reset for every input: allocating
 * L1 memory and the VMCS arrays each time dominated the run time under ASan.
 * Only the VM and vCPU are created anew (the capability policy differs).
 */
static struct state *persistent;

static bool reset_host(struct state *s, const struct nvmx_vm_config *cfg)
{
	struct refhost *h = &s->h;
	if (!h->mem)
		return refhost_init(h, MEM, cfg) == NVMX_STATUS_OK;
	nvmx_vcpu_destroy(h->vcpu);
	nvmx_vm_destroy(h->vm);
	h->vcpu = NULL;
	h->vm = NULL;
	memset(h->mem, 0, MEM);
	memset(h->l1, 0, REFHOST_VMCS_SLOTS * sizeof(uint64_t));
	memset(h->vmcs02, 0, REFHOST_VMCS_SLOTS * sizeof(uint64_t));
	memset(h->gpr, 0, sizeof(h->gpr));
	h->nranges = 0;
	h->nwrites = 0;
	refhost_l1_long_mode(h);
	if (nvmx_vm_create(cfg, &h->ops, h, &h->vm) != NVMX_STATUS_OK)
		return false;
	return nvmx_vcpu_create(h->vm, h, &h->vcpu) == NVMX_STATUS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	if (!persistent) {
		persistent = calloc(1, sizeof(*persistent));
		if (!persistent)
			return 0;
	}
	struct state *s = persistent;
	s->nptrs = 0;
	s->ptrs_overflow = false;
	struct nvmx_vm_config cfg;
	nvmx_vm_config_example(&cfg);
	cfg.vmcs12_cache_slots = 1 + (u8(&in) & 3);
	/*
	 * A VM is created per input, and the default 64 MiB shadow-EPT budget
	 * sizes hash and rmap tables of some MiB that ASan maps, fills and
	 * unmaps each time: it was most of the run time. VMX instructions need
	 * at most a root or two of shadow EPT; 1 MiB is 256 pages.
	 */
	cfg.shadow_ept_budget = 1ull << 20;
	if (!reset_host(s, &cfg))
		abort();
	s->h.log_writes = true;
	policy(&s->h, u8(&in));
	set_mode(&s->h, u8(&in));
	/* A VMXON region and a few VMCS regions with the right revision. */
	for (unsigned i = 1; i <= 8; i++)
		refhost_mem_w32(&s->h, (uint64_t)i << 12, REV);
	uint8_t nfill = u8(&in) & 15;
	for (unsigned i = 0; i < nfill; i++) {
		uint64_t a = addr(&in);
		refhost_mem_w64(&s->h, a, un(&in, 8));
	}
	for (unsigned i = 0; i < MAX_INSNS && step(s, &in); i++)
		;
	return 0;
}
