/* SPDX-License-Identifier: MIT */
/*
 * Fuzz nested round trips: exit to L1, L1's VMREAD/VMWRITE, VMRESUME (and
 * VMCLEAR + VMPTRLD + VMLAUNCH), with L2 running in between. VMRESUME has a
 * fast path that leaves the lazily synced guest state (segments, GDTR/IDTR,
 * SYSENTER, PDPTEs) unchecked in VMCS02 when L1 did not VMWRITE it since the
 * exit (vmcs/sync.h, nvmx_sync_lazy_trusted); this harness attacks it.
 *
 * Start: a policy byte (L0's exception bitmap, exiting controls and CR0
 * mask; bit 3: a host without vmcs_read_n/l1_read_n; bit 4: an L0 that
 * declares every L1 intercept, so that the library skips redundant VMCS01
 * writes, NVMX_L1_SKIP_UNCHANGED, each checked), the valid baseline
 * VMCS12 of the entry fixture, VMLAUNCH. Then 4-byte-headed records drive:
 *   - an L2 event through the hardware model (l2model_run);
 *   - a CPUID exit given straight to nvmx_vcpu_handle_exit;
 *   - "L2 ran": VMCS02 guest state changed as the processor may change it
 *     (RIP, RSP, RFLAGS, FS/GS, GDTR/IDTR bases and limits, SYSENTER),
 *     always to values that stay valid for VM entry;
 *   - L1 VMWRITE of any field (rare guest state, CR0.PE/PG, RFLAGS.VM,
 *     entry controls among the favoured ones), L1 VMREAD;
 *   - VMRESUME, or VMCLEAR + VMPTRLD + VMLAUNCH;
 *   - L1 changing what it may change without an exit (a data segment
 *     selector, the GS base, RSP, the arithmetic flags).
 * Asserted:
 *   invariant 2: after every successful VM entry hwcheck accepts VMCS02;
 *   invariant 3: VMCS02 keeps every exit L0 requires;
 *   invariant 5 (exit side): a VMREAD of a guest field after an exit returns
 *     what VMCS02 held at the exit, or what L1 VMWROTE since;
 *   the result's action matches its outcome;
 *   under bit 4, every VMCS01 write the library skipped was redundant (the
 *   reference host checks it against VMCS01: l1_skips_wrong stays 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "entry_fixture.h"
#include "exit/exit.h"
#include "l2model.h"

#define OPND 0x8000ull
#define OTHER_VMCS12 0x11000ull
#define RCX 1u
#define RDX 2u

#ifdef RT_STATS
static unsigned long st_entries, st_reads_checked, st_exits;
static void st_print(void)
{
	fprintf(stderr, "entries %lu reads-checked %lu exits %lu\n", st_entries,
	        st_reads_checked, st_exits);
}
#define STAT(x) (x++)
#else
#define STAT(x) ((void)0)
#endif

static void die(const char *what, const char *detail, uint64_t a, uint64_t b)
{
	fprintf(stderr, "fuzz_roundtrip: invariant broken: %s %s (%#llx vs %#llx)\n", what,
	        detail ? detail : "", (unsigned long long)a, (unsigned long long)b);
	abort();
}

#include "fuzz_input.h"

/* Guest fields whose VMREAD after an exit is checked against VMCS02. */
static const uint16_t watched[] = {
#define SEG(x) NVMX_IDX_GUEST_##x##_SELECTOR, NVMX_IDX_GUEST_##x##_BASE, \
               NVMX_IDX_GUEST_##x##_LIMIT, NVMX_IDX_GUEST_##x##_AR_BYTES
	SEG(ES), SEG(CS), SEG(SS), SEG(DS), SEG(FS), SEG(GS), SEG(LDTR), SEG(TR),
#undef SEG
	NVMX_IDX_GUEST_GDTR_BASE, NVMX_IDX_GUEST_GDTR_LIMIT,
	NVMX_IDX_GUEST_IDTR_BASE, NVMX_IDX_GUEST_IDTR_LIMIT,
	NVMX_IDX_GUEST_SYSENTER_CS, NVMX_IDX_GUEST_SYSENTER_ESP, NVMX_IDX_GUEST_SYSENTER_EIP,
	NVMX_IDX_GUEST_RIP, NVMX_IDX_GUEST_RSP, NVMX_IDX_GUEST_RFLAGS, NVMX_IDX_GUEST_CR3,
};
#define NWATCHED (sizeof(watched) / sizeof(watched[0]))

/* Fields the VMWRITE mutator favours: lazy guest state and mode bits. */
static const uint16_t favoured[] = {
	NVMX_IDX_GUEST_CR0, NVMX_IDX_GUEST_CR4, NVMX_IDX_GUEST_RFLAGS, NVMX_IDX_VM_ENTRY_CONTROLS,
	NVMX_IDX_GUEST_IA32_EFER, NVMX_IDX_GUEST_CS_AR_BYTES, NVMX_IDX_GUEST_SS_AR_BYTES,
	NVMX_IDX_GUEST_TR_AR_BYTES, NVMX_IDX_GUEST_LDTR_AR_BYTES, NVMX_IDX_GUEST_CS_SELECTOR,
	NVMX_IDX_GUEST_SS_SELECTOR, NVMX_IDX_GUEST_TR_SELECTOR, NVMX_IDX_GUEST_GDTR_BASE,
	NVMX_IDX_GUEST_GDTR_LIMIT, NVMX_IDX_GUEST_IDTR_BASE, NVMX_IDX_GUEST_FS_BASE,
	NVMX_IDX_GUEST_SYSENTER_ESP, NVMX_IDX_GUEST_SYSENTER_EIP, NVMX_IDX_GUEST_PDPTR0,
	NVMX_IDX_GUEST_CS_LIMIT, NVMX_IDX_GUEST_ES_AR_BYTES, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL,
	NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL, NVMX_IDX_GUEST_INTERRUPTIBILITY_INFO,
	NVMX_IDX_GUEST_ACTIVITY_STATE, NVMX_IDX_VM_ENTRY_INTR_INFO_FIELD, NVMX_IDX_CR0_GUEST_HOST_MASK,
};

static const uint64_t edges[] = {
	0, 1, 2, 3, 0x8, 0x10, 0x18, 0x2b, 0xffff, 0xffffffffull, 0x00007fffffffffffull,
	0xffff800000000000ull, 0x0000800000000000ull, ~0ull, 0x202, 0x20202, 0x80000011ull,
	0x80000031ull, 0x80050033ull, 0x31, 0x11, 0xa09b, 0xc093, 0xc09b, 0x8b, 0x83, 0xf3, 0x10000,
	0x20, 0x200, 0x80000000ull,
};

struct rt {
	struct entry_fixture f;
	struct nvmx_result res;
	bool in_l1;                   /* L2 exited to L1 (or entry not yet done) */
	bool aborted;                 /* VMX abort: L1 shut down */
	bool have[NWATCHED];          /* an expected VMREAD value is known */
	uint64_t want[NWATCHED];
};

static void check_pair(const struct nvmx_result *r)
{
	enum nvmx_action a;
	switch (r->outcome) {
	case NVMX_OUTCOME_SUCCEED:
	case NVMX_OUTCOME_VMFAIL_INVALID:
	case NVMX_OUTCOME_VMFAIL_VALID:
	case NVMX_OUTCOME_ENTRY_FAILED:
	case NVMX_OUTCOME_EXIT_TO_L1: a = NVMX_ACTION_RESUME_L1; break;
	case NVMX_OUTCOME_FAULT: a = NVMX_ACTION_INJECT_L1; break;
	case NVMX_OUTCOME_L2_ENTERED: a = NVMX_ACTION_RUN_L2; break;
	case NVMX_OUTCOME_L0_EXIT: a = NVMX_ACTION_L0_EXIT; break;
	case NVMX_OUTCOME_VMX_ABORT: a = NVMX_ACTION_SHUTDOWN_L1; break;
	default: die("outcome", "unknown", r->outcome, 0); return;
	}
	if (r->action != a)
		die("action/outcome pair", NULL, r->action, r->outcome);
}

/* Invariant 3 (as fuzz_entry checks it). */
static void check_l0_exits(struct entry_fixture *f)
{
	const char *lost = fx_l0_exits_missing(f);
	if (lost)
		die("L0 exit lost:", lost, 0, 0);
}

/* L2 exited to L1: what VMREAD must return until L1 writes or enters. */
static void snapshot(struct rt *t)
{
	STAT(st_exits);
	t->in_l1 = true;
	for (unsigned i = 0; i < NWATCHED; i++) {
		t->want[i] = refhost_vmcs02_get(&t->f.h, nvmx_field_table[watched[i]].encoding);
		t->have[i] = true;
	}
}

static void forget(struct rt *t)
{
	memset(t->have, 0, sizeof(t->have));
}

static int watched_slot(unsigned idx)
{
	for (unsigned i = 0; i < NWATCHED; i++)
		if (watched[i] == idx)
			return (int)i;
	return -1;
}

static enum nvmx_status l1_insn(struct rt *t, uint32_t reason, uint64_t rcx, uint64_t rdx)
{
	struct refhost_insn in = { .exit_reason = reason, .reg1 = RCX, .reg2 = RDX };
	if (reason == NVMX_EXIT_REASON_VMCLEAR || reason == NVMX_EXIT_REASON_VMPTRLD) {
		in.mem = true;
		in.la = OPND;
		refhost_mem_w64(&t->f.h, OPND, rcx);
	}
	t->f.h.gpr[RCX] = rcx;
	t->f.h.gpr[RDX] = rdx;
	memset(&t->res, 0, sizeof(t->res));
	enum nvmx_status st = refhost_exec(&t->f.h, &in, &t->res);
	if (st == NVMX_STATUS_OK)
		check_pair(&t->res);
	return st;
}

/* After VMLAUNCH/VMRESUME. */
static void after_entry(struct rt *t, enum nvmx_status st)
{
	if (st != NVMX_STATUS_OK)
		return;
	switch (t->res.outcome) {
	case NVMX_OUTCOME_L2_ENTERED: {
		const char *hw = hwcheck_vmcs02(&t->f.h, &t->f.h.vm->cfg.hw);
		if (hw)
			die("hardware refuses VMCS02:", hw, 0, 0);
		check_l0_exits(&t->f);
		STAT(st_entries);
		t->in_l1 = false;
		forget(t);
		break;
	}
	case NVMX_OUTCOME_VMFAIL_VALID:
	case NVMX_OUTCOME_VMFAIL_INVALID:
		break;   /* nothing happened (SDM 31.3, VMLAUNCH/VMRESUME) */
	default:
		forget(t); /* entry failure exit or fault: the model stops predicting */
		break;
	}
}

static void vmwrite(struct rt *t, struct fuzz_src *s)
{
	uint8_t sel = (uint8_t)fuzz_take(s, 1);
	unsigned idx = (sel & 0x80)
	                       ? favoured[(sel & 0x7f) % (sizeof(favoured) / sizeof(favoured[0]))]
	                       : (unsigned)(fuzz_take(s, 2) % NVMX_FIELD_COUNT);
	uint8_t op = (uint8_t)fuzz_take(s, 1);
	uint64_t cur = t->f.v->cur ? t->f.v->cur->f[idx] : 0;
	int w = watched_slot(idx);
	if (w >= 0 && t->have[w])
		cur = t->want[w];
	uint64_t v;
	switch (op % 4) {
	case 0: v = cur ^ (1ull << (fuzz_take(s, 1) % 64)); break;
	case 1: v = edges[fuzz_take(s, 1) % (sizeof(edges) / sizeof(edges[0]))]; break;
	case 2: v = fuzz_take(s, 4); break;
	default: v = fuzz_take(s, 8); break;
	}
	uint32_t enc = nvmx_field_table[idx].encoding;
	if (l1_insn(t, NVMX_EXIT_REASON_VMWRITE, v, enc) == NVMX_STATUS_OK &&
	    t->res.outcome == NVMX_OUTCOME_SUCCEED && w >= 0 && t->f.v->cur &&
	    t->f.v->cur->gpa == FX_VMCS12) {
		t->want[w] = v & nvmx_field_mask(enc);
		t->have[w] = true;
	}
}

static void vmread(struct rt *t, struct fuzz_src *s)
{
	uint8_t sel = (uint8_t)fuzz_take(s, 1);
	unsigned idx = (sel & 0x80) ? watched[(sel & 0x7f) % NWATCHED]
	                            : (unsigned)(fuzz_take(s, 2) % NVMX_FIELD_COUNT);
	uint32_t enc = nvmx_field_table[idx].encoding;
	if (l1_insn(t, NVMX_EXIT_REASON_VMREAD, 0, enc) != NVMX_STATUS_OK ||
	    t->res.outcome != NVMX_OUTCOME_SUCCEED)
		return;
	int w = watched_slot(idx);
	if (w >= 0 && t->have[w])
		STAT(st_reads_checked);
	if (w >= 0 && t->have[w] && t->f.h.gpr[RCX] != t->want[w])
		die("VMREAD after exit", nvmx_field_table[idx].name, t->f.h.gpr[RCX], t->want[w]);
}

static uint64_t canon(uint64_t v)
{
	return (uint64_t)((int64_t)(v << 16) >> 16);
}

/* L2 ran: the processor changed guest state in VMCS02 (valid values only:
 * 64-bit mode, so RFLAGS.VM = 0 and bases canonical, SDM 27.3.1). */
static void l2_ran(struct rt *t, struct fuzz_src *s)
{
	struct refhost *h = &t->f.h;
	uint8_t what = (uint8_t)fuzz_take(s, 1);
	uint64_t v = fuzz_take(s, 8);
	switch (what % 9) {
	case 0: refhost_vmcs02_set(h, NVMX_F_GUEST_RIP, canon(v)); break;
	case 1: refhost_vmcs02_set(h, NVMX_F_GUEST_RSP, v); break;
	case 2: /* arithmetic flags, IF, DF, AC, ID; bit 1 set (SDM 27.3.1.4) */
		refhost_vmcs02_set(h, NVMX_F_GUEST_RFLAGS, (v & 0x244cd5u) | 0x2u);
		break;
	case 3:
		refhost_vmcs02_set(h, NVMX_F_GUEST_FS_BASE, canon(v));
		refhost_vmcs02_set(h, NVMX_F_GUEST_FS_SELECTOR, (v >> 48) & 0xfff8u);
		break;
	case 4:
		refhost_vmcs02_set(h, NVMX_F_GUEST_GS_BASE, canon(v));
		refhost_vmcs02_set(h, NVMX_F_GUEST_GS_SELECTOR, (v >> 40) & 0xfff8u);
		break;
	case 5:
		refhost_vmcs02_set(h, NVMX_F_GUEST_GDTR_BASE, canon(v));
		refhost_vmcs02_set(h, NVMX_F_GUEST_GDTR_LIMIT, v >> 48);
		break;
	case 6:
		refhost_vmcs02_set(h, NVMX_F_GUEST_IDTR_BASE, canon(v));
		refhost_vmcs02_set(h, NVMX_F_GUEST_IDTR_LIMIT, v >> 48);
		break;
	case 7:
		refhost_vmcs02_set(h, NVMX_F_GUEST_SYSENTER_ESP, canon(v));
		refhost_vmcs02_set(h, NVMX_F_GUEST_SYSENTER_EIP, canon(v * 0x9e3779b97f4a7c15ull));
		refhost_vmcs02_set(h, NVMX_F_GUEST_SYSENTER_CS, v & 0xffffffffu);
		break;
	default: /* a DS load: a 32-bit base from a descriptor (SDM 27.3.1.2) */
		refhost_vmcs02_set(h, NVMX_F_GUEST_DS_BASE, v & 0xffffffffu);
		break;
	}
}

static void l2_event(struct rt *t, struct fuzz_src *s)
{
	static const uint8_t excs[] = { 0, 1, 3, 6, 13, 14, 17, 18, 19 };
	struct l2model_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = (enum l2model_kind)(1 + fuzz_take(s, 1) % L2EV_INVLPG);
	uint64_t v = fuzz_take(s, 8);
	ev.msr = (v & 1) ? 0xc0000080u : (uint32_t)(v >> 32) & 0x1fffu;
	ev.value = v;
	ev.port = (uint16_t)(v >> 8);
	ev.size = (uint8_t)(1u << ((v >> 24) % 3));
	ev.in = (v >> 26) & 1;
	static const uint8_t crs[] = { 0, 3, 4, 8 };
	ev.cr = crs[(v >> 28) % 4];
	ev.vector = (ev.kind == L2EV_EXCEPTION) ? excs[(v >> 30) % sizeof(excs)]
	                                        : (uint8_t)(32 + (v >> 30) % 224);
	ev.has_error_code = ev.vector == 13 || ev.vector == 14 || ev.vector == 17;
	ev.error_code = (uint32_t)(v >> 40) & 0xffffu;
	static const uint32_t vmx[] = { NVMX_EXIT_REASON_VMCALL, NVMX_EXIT_REASON_VMREAD, NVMX_EXIT_REASON_VMWRITE,
	                                NVMX_EXIT_REASON_VMPTRLD, NVMX_EXIT_REASON_VMRESUME };
	ev.vmx_reason = vmx[(v >> 56) % 5];
	ev.address = canon(v);
	enum l2model_outcome out = L2M_NO_EXIT;
	memset(&t->res, 0, sizeof(t->res));
	enum nvmx_status st = l2model_run(&t->f.h, &ev, &t->res, &out);
	if (st != NVMX_STATUS_OK)
		return;
	if (out == L2M_EXIT_TO_L1 || out == L2M_L0_HANDLED)
		check_pair(&t->res);
	if (out == L2M_EXIT_TO_L1 && t->res.outcome == NVMX_OUTCOME_EXIT_TO_L1)
		snapshot(t);
	else if (out == L2M_SHUTDOWN || !nvmx_vcpu_in_l2(t->f.v))
		t->in_l1 = true, forget(t);
	if (out == L2M_SHUTDOWN || t->res.outcome == NVMX_OUTCOME_VMX_ABORT)
		t->aborted = true;
}

/* L2 executes CPUID: always an exit to L1 (SDM 26.1.2). The snapshot is
 * taken before the call: the library must store what VMCS02 held. */
static void l2_cpuid(struct rt *t)
{
	struct nvmx_l2_exit e;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.exit_reason = NVMX_EXIT_REASON_CPUID;
	e.insn_len = 2;
	memset(&t->res, 0, sizeof(t->res));
	if (nvmx_vcpu_handle_exit(t->f.v, &e, &t->res) != NVMX_STATUS_OK)
		return;
	check_pair(&t->res);
	/* A VMX abort (SDM 28.7) when L1 wrote a host state it cannot load. */
	if (t->res.outcome == NVMX_OUTCOME_VMX_ABORT) {
		t->aborted = true;
		return;
	}
	if (t->res.outcome != NVMX_OUTCOME_EXIT_TO_L1)
		die("CPUID exit not reflected", NULL, t->res.outcome, 0);
	snapshot(t);
}

/* L1 runs and changes state no instruction of it exits for (MOV to DS
 * or ES, WRGSBASE, PUSH/POP, arithmetic): the next exit must load the host
 * state over it. */
static void l1_changes(struct rt *t, struct fuzz_src *s)
{
	uint8_t which = (uint8_t)fuzz_take(s, 1);
	uint64_t v = fuzz_take(s, 8);
	struct refhost *h = &t->f.h;
	switch (which % 5) {
	case 0: refhost_l1_set(h, NVMX_F_GUEST_DS_SELECTOR, v & 0xffffu); break;
	case 1: refhost_l1_set(h, NVMX_F_GUEST_ES_SELECTOR, v & 0xffffu); break;
	case 2: refhost_l1_set(h, NVMX_F_GUEST_GS_BASE, v); break;
	case 3: refhost_l1_set(h, NVMX_F_GUEST_RSP, v); break;
	default:
		refhost_l1_set(h, NVMX_F_GUEST_RFLAGS,
		               (refhost_l1_get(h, NVMX_F_GUEST_RFLAGS) & ~0x8d5ull) | (v & 0x8d5u));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rt t;
	static bool ready;
	struct entry_fixture *f = &t.f;
	if (!ready) {
#ifdef RT_STATS
		atexit(st_print);
#endif
		if (fx_init(f) != 0)
			abort();
		ready = true;
	} else {
		/* L2 state a previous input left in VMCS02 goes to its VMCS12
		 * first, then the fixture starts over. */
		nvmx_vcpu_vmcs02_reset(f->v);
		f->v->cur = f->s;
		f->v->current_vmptr = FX_VMCS12;
		fx_reset(f);
	}
	forget(&t);
	t.in_l1 = true;
	t.aborted = false;
	struct fuzz_src s = { data, size };
	/* The host's batched reads, or (bit 3 of the policy byte) a host
	 * without them: the per-field fallback. */
	f->h.vm->ops.vmcs_read_n = f->h.ops.vmcs_read_n;
	f->h.vm->ops.l1_read_n = f->h.ops.l1_read_n;
	if (s.n) {
		uint8_t pv = (uint8_t)fuzz_take(&s, 1);
		if (pv & 8) {
			f->h.vm->ops.vmcs_read_n = NULL;
			f->h.vm->ops.l1_read_n = NULL;
		}
		if (pv & 1)
			f->pol.exception_bitmap |= 1u << 14;
		if (pv & 2)
			f->pol.proc_set |= NVMX_PROC_CR3_LOAD_EXITING | NVMX_PROC_RDTSC_EXITING;
		if (pv & 4)
			f->pol.cr0_mask |= NVMX_CR0_NE;
		/* VMCS01 intercepts everything L1 could change: the most
		 * the library may skip. */
		static uint8_t all_msrs[4096];
		memset(all_msrs, 0xff, sizeof(all_msrs));
		f->pol.l1_flags = (pv & 16) ? NVMX_L1_SKIP_UNCHANGED | NVMX_L1_VERIFY_SKIPS |
		                                      NVMX_L1_MOV_DR_EXITING | NVMX_L1_DESC_TABLE_EXITING |
		                                      NVMX_L1_CR3_LOAD_EXITING
		                            : 0;
		f->pol.l1_cr0_mask = (pv & 16) ? ~0ull : 0;
		f->pol.l1_cr4_mask = (pv & 16) ? ~0ull : 0;
		f->pol.l1_msr_bitmap = (pv & 16) ? all_msrs : NULL;
		nvmx_vcpu_set_l0_policy(f->v, &f->pol);
	}
	if (fx_enter(f, true, &t.res) != NVMX_STATUS_OK || t.res.outcome != NVMX_OUTCOME_L2_ENTERED)
		abort(); /* the baseline is valid */
	check_pair(&t.res);
	after_entry(&t, NVMX_STATUS_OK);
	for (unsigned steps = 0; s.n && steps < 256 && !t.aborted; steps++) {
		if (f->h.l1_skips_wrong)
			abort(); /* a skipped VMCS01 write was not redundant */
		uint8_t op = (uint8_t)fuzz_take(&s, 1);
		bool in_l2 = nvmx_vcpu_in_l2(f->v);
		if (in_l2) {
			switch (op % 4) {
			case 0: l2_event(&t, &s); break;
			case 1: l2_cpuid(&t); break;
			default: l2_ran(&t, &s); break;
			}
			continue;
		}
		if (!f->v->vmxon)
			break;
		switch (op % 8) {
		case 0: case 1: case 2: vmwrite(&t, &s); break;
		case 3: vmread(&t, &s); break;
		case 4:
			if (op & 0x80) {
				l1_changes(&t, &s);
				break;
			}
			vmread(&t, &s);
			break;
		case 5: case 6:
			after_entry(&t, l1_insn(&t, NVMX_EXIT_REASON_VMRESUME, 0, 0));
			break;
		case 7:
			if (op & 0x80) {
				/* Another VMCS12 current for a while: the lazy
				 * state must reach this one first (exit.h), and
				 * VMRESUME after switching back must not trust a
				 * VMCS02 built for the other. */
				refhost_mem_w32(&f->h, OTHER_VMCS12, 4);
				if (l1_insn(&t, NVMX_EXIT_REASON_VMPTRLD, OTHER_VMCS12, 0) != NVMX_STATUS_OK)
					break;
				if (op & 0x40)
					vmwrite(&t, &s);
				if (l1_insn(&t, NVMX_EXIT_REASON_VMPTRLD, FX_VMCS12, 0) != NVMX_STATUS_OK ||
				    t.res.outcome != NVMX_OUTCOME_SUCCEED || !f->v->cur) {
					forget(&t);
					break;
				}
				f->s = f->v->cur;
				break;
			}
			/* fall through */
		default:
			/* VMCLEAR writes VMCS12 back and makes it clear; VMPTRLD
			 * and VMLAUNCH start from memory (SDM 31.3). */
			if (l1_insn(&t, NVMX_EXIT_REASON_VMCLEAR, FX_VMCS12, 0) != NVMX_STATUS_OK)
				break;
			if (l1_insn(&t, NVMX_EXIT_REASON_VMPTRLD, FX_VMCS12, 0) != NVMX_STATUS_OK)
				break;
			f->s = f->v->cur;
			if (!f->s)
				abort();
			after_entry(&t, l1_insn(&t, NVMX_EXIT_REASON_VMLAUNCH, 0, 0));
			break;
		}
	}
	if (f->h.l1_skips_wrong)
		abort();
	/* Leave a state fx_reset can start from: L1 in VMX root with the
	 * fixture's VMCS12 current. */
	f->v->in_l2 = false;
	if (!f->v->cur || f->v->cur->gpa != FX_VMCS12) {
		f->v->vmxon = true;
		f->v->vmxon_ptr = FX_VMXON;
		refhost_mem_w32(&f->h, FX_VMCS12, 4);
		if (l1_insn(&t, NVMX_EXIT_REASON_VMPTRLD, FX_VMCS12, 0) != NVMX_STATUS_OK || !f->v->cur)
			abort();
	}
	f->s = f->v->cur;
	return 0;
}
