/* SPDX-License-Identifier: MIT */
/*
 * VMLAUNCH/VMRESUME after the pre-entry checks (SDM 27.1): the checks of
 * SDM 27.2 (VMfailValid 7 and 8), 27.3 (VM-entry failure, exit reason 33),
 * 27.4 (exit reason 34), then the VMCS02 merge (merge.c).
 */
#include "entry_int.h"
#include "../exit/exit.h"

NVMX_EXPORT void nvmx_l0_policy_default(struct nvmx_l0_policy *p)
{
	nvmx_memset(p, 0, sizeof(*p));
	p->size = sizeof(*p);
	p->pin_set = NVMX_PIN_EXT_INTR_EXITING | NVMX_PIN_NMI_EXITING;
	p->exit_set = NVMX_EXIT_CTL_HOST_ADDR_SPACE_SIZE;
	p->exception_bitmap = 1u << NVMX_VEC_MC;
	p->cr4_mask = NVMX_CR4_VMXE;
}

void nvmx_entry_policy_init(struct nvmx_vcpu *v)
{
	nvmx_l0_policy_default(&v->entry.pol);
	v->entry.have_policy = true;
}

NVMX_EXPORT enum nvmx_status nvmx_vcpu_set_l0_policy(struct nvmx_vcpu *v,
                                                     const struct nvmx_l0_policy *p)
{
	if (!v || !p)
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct nvmx_l0_policy n;
	/* The first published layout ended at l1_flags. */
	NVMX_CHECK(nvmx_abi_load(&n, sizeof(n), p, offsetof(struct nvmx_l0_policy, l1_flags)));
	if (n.vpid01 > 0xffffu || !NVMX_RESERVED_ZERO(&n, reserved) || n.l1_reserved ||
	    (n.l1_flags & ~NVMX_L1_FLAGS_ALL))
		return NVMX_STATUS_INVALID_ARGUMENT;
	n.size = sizeof(n);
	v->entry.pol = n;
	v->entry.have_policy = true;
	v->entry.policy_gen++;
	nvmx_bitmaps_invalidate(v);
	/* What L1 can change behind L0's back may have changed. */
	nvmx_exit_l1k_forget(v);
	return NVMX_STATUS_OK;
}

NVMX_EXPORT void nvmx_vcpu_vmcs02_reset(struct nvmx_vcpu *v)
{
	if (!v)
		return;
	/* L2 state a reflected exit left in VMCS02 goes to VMCS12 first. */
	(void)nvmx_sync_lazy_all(v);
	v->entry.built_gpa = NVMX_NO_VMPTR;
	v->entry.host_ok = false;
	v->entry.ctl_ok = false;
	nvmx_sync_vmcs02_forget_all(&v->sync);
}

void nvmx_entry_vcpu_fini(struct nvmx_vcpu *v)
{
	nvmx_bitmaps_fini(v);
}

uint64_t nvmx_entry_rare(struct nvmx_entry_ctx *x, unsigned idx)
{
	(void)nvmx_sync_lazy_field(x->v, idx);
	return x->s->f[idx];
}

/*
 * Whether the lazily synced guest fields may stay in VMCS02 unchecked
 * (vmcs/sync.h, nvmx_sync_lazy_trusted): only for VMRESUME of the VMCS12
 * VMCS02 was built from, under the same policy.
 */
static bool rare_trusted(struct nvmx_vcpu *v, bool launch)
{
	const struct nvmx_entry_vcpu *e = &v->entry;
	if (launch || e->built_gpa != v->cur->gpa || e->built_policy_gen != e->policy_gen)
		return false;
	return nvmx_sync_lazy_trusted(v);
}

/* The event-injection fields: checked at every entry (check_event). */
static bool is_event_field(unsigned i)
{
	return i == NVMX_IDX_VM_ENTRY_INTR_INFO_FIELD || i == NVMX_IDX_VM_ENTRY_EXCEPTION_ERROR_CODE ||
	       i == NVMX_IDX_VM_ENTRY_INSTRUCTION_LEN;
}

/*
 * Whether this entry may take the VMRESUME fast path (entry_state.h,
 * ctl_ok): the last full entry was of this VMCS12 and none of the inputs of
 * what the fast path skips changed since. A control field on which VMCS12
 * may differ from VMCS02 (vmcs/sync.h: a VMWRITE, a reload from memory, or
 * another module that wrote VMCS02 with a value of its own) disables it. With NVMX_L0_HASH_L1_BITMAPS the bitmaps are re-read at
 * every entry, so never.
 */
static bool ctl_fast(struct nvmx_vcpu *v, const struct nvmx_entry_ctx *x)
{
	struct nvmx_entry_vcpu *e = &v->entry;
	if (!e->ctl_ready) {
		for (unsigned i = 0; i < NVMX_FIELD_COUNT; i++)
			if (NVMX_FIELD_TYPE(nvmx_field_table[i].encoding) == NVMX_FIELD_TYPE_CONTROL &&
			    !is_event_field(i))
				e->ctl_fields[i / 64u] |= 1ull << (i % 64u);
		e->ctl_ready = true;
	}
	if (x->launch || !e->ctl_ok || e->ctl_gpa != x->s->gpa || e->built_gpa != x->s->gpa ||
	    e->ctl_policy_gen != e->policy_gen || e->built_policy_gen != e->policy_gen ||
	    e->ctl_caps_gen != v->vm->caps_gen || e->ctl_map_gen != nvmx_atomic_load(&v->vm->map_gen) ||
	    (e->pol.flags & NVMX_L0_HASH_L1_BITMAPS))
		return false;
	return !nvmx_vmcs12_differs_any(x->s, e->ctl_fields);
}

static void trace_fail(struct nvmx_entry_ctx *x)
{
	nvmx_trace(x->v, NVMX_TRACE_ENTRY, x->reason, x->reason, x->field);
}

/* VMfailValid(n) (SDM 31.2): error number in VMCS12, ZF set, the other
 * arithmetic flags clear. The caller advances L1's RIP past the instruction. */
static enum nvmx_status vmfail_valid(struct nvmx_entry_ctx *x, uint32_t n, struct nvmx_result *res)
{
	trace_fail(x);
	nvmx_vmcs12_store(x->s, NVMX_IDX_VM_INSTRUCTION_ERROR, n);
	uint64_t rfl = nvmx_l1_read(x->v, NVMX_F_GUEST_RFLAGS);
	nvmx_l1_write(x->v, NVMX_F_GUEST_RFLAGS, nvmx_vmx_outcome_rflags(rfl, NVMX_OUTCOME_VMFAIL_VALID));
	res->action = NVMX_ACTION_RESUME_L1;
	res->outcome = NVMX_OUTCOME_VMFAIL_VALID;
	res->vm_insn_error = n;
	res->reason = x->reason;
	res->field = (uint32_t)x->field;
	return NVMX_STATUS_OK;
}

/* VM-entry failure after (part of) guest state was checked (SDM 27.8):
 * exit reason and qualification in VMCS12, then L1's host state. */
static enum nvmx_status entry_fail(struct nvmx_entry_ctx *x, uint32_t basic,
                                   struct nvmx_result *res)
{
	trace_fail(x);
	uint32_t full = basic | NVMX_EXIT_REASON_ENTRY_FAIL;
	nvmx_vmcs12_store(x->s, NVMX_IDX_VM_EXIT_REASON, full);
	nvmx_vmcs12_store(x->s, NVMX_IDX_EXIT_QUALIFICATION, x->qual);
	res->action = NVMX_ACTION_RESUME_L1;
	res->outcome = NVMX_OUTCOME_ENTRY_FAILED;
	res->exit_reason = full;
	res->exit_qualification = x->qual;
	res->reason = x->reason;
	res->field = (uint32_t)x->field;
	if (x->has_msr)
		res->value = x->msr;
	bool abort = false;
	enum nvmx_status st = nvmx_exit_load_l1_host_state(x->v, &abort);
	if (abort) {
		res->action = NVMX_ACTION_SHUTDOWN_L1;
		res->outcome = NVMX_OUTCOME_VMX_ABORT;
	}
	return st;
}

enum nvmx_status nvmx_entry_enter(struct nvmx_vcpu *v, bool launch, struct nvmx_result *res)
{
	if (!v || !res)
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct nvmx_entry_l1 l1 = { .efer = nvmx_l1_read(v, NVMX_F_GUEST_IA32_EFER),
	                            .cr0 = NVMX_L1_CR0_UNKNOWN };
	/* No L1 instruction read L1's registers for this entry. */
	nvmx_exit_l1k_resumed(v);
	return nvmx_entry_enter_l1(v, launch, &l1, res);
}

enum nvmx_status nvmx_entry_enter_l1(struct nvmx_vcpu *v, bool launch,
                                     const struct nvmx_entry_l1 *l1, struct nvmx_result *res)
{
	if (!v || !l1 || !res)
		return NVMX_STATUS_INVALID_ARGUMENT;
	nvmx_memset(res, 0, sizeof(*res));
	struct nvmx_vmcs12 *s = v->cur;
	if (!v->vmxon || v->in_l2 || !s)
		return NVMX_STATUS_WRONG_STATE;
	(void)nvmx_entry_policy(v);

	struct nvmx_entry_ctx x;
	nvmx_memset(&x, 0, sizeof(x));
	x.v = v;
	x.s = s;
	x.c = &v->vm->caps;
	x.launch = launch;
	x.l1_efer = l1->efer;
	x.l1_pat = l1->pat;
	x.l1_pat_known = l1->pat_known;
	/* For the host-state load of an entry failure or of the exit that
	 * ends this run. */
	v->exit.l1_efer = l1->efer;
	v->exit.l1_cr0 = l1->cr0;
	v->exit.l1_snap = true;
	x.pin = (uint32_t)V12(s, PIN_BASED_VM_EXEC_CONTROL);
	x.proc = (uint32_t)V12(s, CPU_BASED_VM_EXEC_CONTROL);
	x.proc2 = nvmx_vmcs12_proc2(s);
	x.proc3 = (x.proc & NVMX_PROC_TERTIARY_CONTROLS) ? V12(s, TERTIARY_VM_EXEC_CONTROL) : 0;
	x.exit = (uint32_t)V12(s, VM_EXIT_CONTROLS);
	x.entry = (uint32_t)V12(s, VM_ENTRY_CONTROLS);
	x.ia32e = x.entry & NVMX_ENTRY_CTL_IA32E_MODE_GUEST;
	x.ug = x.proc2 & NVMX_PROC2_UNRESTRICTED_GUEST;
	x.paddr = x.c->maxphyaddr;
	/* Otherwise the lazy guest state goes into VMCS12 now: the checks read
	 * it there and the merge may write it back into VMCS02. */
	x.rare_trusted = rare_trusted(v, launch);
	if (!x.rare_trusted)
		NVMX_CHECK(nvmx_sync_lazy_all(v));

	struct nvmx_entry_vcpu *e = &v->entry;
	x.ctl_fast = ctl_fast(v, &x);
	if (x.ctl_fast) {
		x.xl = e->ctl_xl;
		NVMX_CHECK(nvmx_entry_check_controls_volatile(&x));
	} else {
		e->ctl_ok = false;
		NVMX_CHECK(nvmx_entry_check_controls(&x));
		if (!x.reason)
			NVMX_CHECK(nvmx_merge_translate(&x));
	}
	if (x.reason)
		return vmfail_valid(&x, NVMX_VMERR_ENTRY_INVALID_CONTROL, res);
	NVMX_CHECK(nvmx_entry_check_host(&x));
	if (x.reason)
		return vmfail_valid(&x, NVMX_VMERR_ENTRY_INVALID_HOST_STATE, res);
	NVMX_CHECK(nvmx_entry_check_guest(&x));
	if (x.reason)
		return entry_fail(&x, NVMX_EXIT_REASON_ENTRY_FAIL_GUEST_STATE, res);
	/* SDM 27.4: the MSR-load area is processed after the guest state is
	 * loaded (27.3), so the merge builds VMCS02 first: a host that loads
	 * an MSR by writing its VMCS02 guest field (EFER, PAT, DEBUGCTL...)
	 * must not have that write overwritten by the merge. */
	enum nvmx_status st = nvmx_merge_build(&x);
	if (st != NVMX_STATUS_OK) {
		e->ctl_ok = false;
		return st;
	}
	if (x.ctl_fast) {
		e->fast_entries++;
	} else {
		e->ctl_ok = true;
		e->ctl_gpa = s->gpa;
		e->ctl_policy_gen = e->policy_gen;
		e->ctl_caps_gen = v->vm->caps_gen;
		e->ctl_map_gen = nvmx_atomic_load(&v->vm->map_gen);
		e->ctl_xl = x.xl;
	}
	NVMX_CHECK(nvmx_entry_load_msrs(&x));
	if (x.reason)
		return entry_fail(&x, NVMX_EXIT_REASON_ENTRY_FAIL_MSR_LOAD, res);

	if (launch) {
		s->launched = true;
		s->mem_dirty = true;
	}
	v->in_l2 = true;
	nvmx_sync_entered(&v->sync);
	v->entry.generation++;
	v->stats.entries++;
	res->action = NVMX_ACTION_RUN_L2;
	res->outcome = NVMX_OUTCOME_L2_ENTERED;
	res->reason = NVMX_REASON_ENTRY_OK;
	/* A VMLAUNCH/VMRESUME of L1 is traced once, by the instruction module
	 * (NVMX_TRACE_INSN with this reason). */
	if (!l1->traced)
		nvmx_trace(v, NVMX_TRACE_ENTRY, NVMX_REASON_ENTRY_OK, NVMX_REASON_ENTRY_OK, launch);
	return NVMX_STATUS_OK;
}

static void restore_ctx(struct nvmx_entry_ctx *x, struct nvmx_vcpu *v, uint64_t l1_efer)
{
	struct nvmx_vmcs12 *s = v->cur;
	nvmx_memset(x, 0, sizeof(*x));
	x->v = v;
	x->s = s;
	x->c = &v->vm->caps;
	x->launch = false;
	x->l1_efer = l1_efer;
	x->pin = (uint32_t)V12(s, PIN_BASED_VM_EXEC_CONTROL);
	x->proc = (uint32_t)V12(s, CPU_BASED_VM_EXEC_CONTROL);
	x->proc2 = nvmx_vmcs12_proc2(s);
	x->proc3 = (x->proc & NVMX_PROC_TERTIARY_CONTROLS) ? V12(s, TERTIARY_VM_EXEC_CONTROL) : 0;
	x->exit = (uint32_t)V12(s, VM_EXIT_CONTROLS);
	x->entry = (uint32_t)V12(s, VM_ENTRY_CONTROLS);
	x->ia32e = x->entry & NVMX_ENTRY_CTL_IA32E_MODE_GUEST;
	x->ug = x->proc2 & NVMX_PROC2_UNRESTRICTED_GUEST;
	x->paddr = x->c->maxphyaddr;
}

enum nvmx_status nvmx_entry_check_state(struct nvmx_vcpu *v, uint64_t l1_efer,
                                        enum nvmx_reason *why)
{
	if (!v || !v->cur || !why)
		return NVMX_STATUS_INVALID_ARGUMENT;
	(void)nvmx_entry_policy(v);
	/* The translations merge bitmaps into pages of their own: they run on
	 * fresh merged pages, given back afterwards, and every other change
	 * to the module's state (check caches) is undone. */
	struct nvmx_entry_vcpu keep = v->entry;
	nvmx_memset(&v->entry.msr, 0, sizeof(v->entry.msr));
	nvmx_memset(&v->entry.io_a, 0, sizeof(v->entry.io_a));
	nvmx_memset(&v->entry.io_b, 0, sizeof(v->entry.io_b));
	v->entry.host_ok = false;
	struct nvmx_entry_ctx x;
	restore_ctx(&x, v, l1_efer);
	*why = NVMX_REASON_NONE;
	enum nvmx_status st = nvmx_entry_check_controls(&x);
	if (st == NVMX_STATUS_OK && !x.reason)
		st = nvmx_merge_translate(&x);
	if (st == NVMX_STATUS_OK && !x.reason)
		st = nvmx_entry_check_host(&x);
	if (st == NVMX_STATUS_OK && !x.reason)
		st = nvmx_entry_check_guest(&x);
	nvmx_bitmaps_fini(v);
	v->entry = keep;
	*why = x.reason;
	return st;
}

enum nvmx_status nvmx_entry_rebuild(struct nvmx_vcpu *v, uint64_t l1_efer, enum nvmx_reason *why)
{
	if (!v || !v->cur || !why)
		return NVMX_STATUS_INVALID_ARGUMENT;
	(void)nvmx_entry_policy(v);
	struct nvmx_entry_ctx x;
	restore_ctx(&x, v, l1_efer);
	*why = NVMX_REASON_NONE;
	struct nvmx_entry_vcpu *e = &v->entry;
	e->ctl_ok = false;
	e->built_gpa = NVMX_NO_VMPTR;
	nvmx_bitmaps_invalidate(v);
	e->host_ok = false;
	nvmx_sync_vmcs02_forget_all(&v->sync);
	/* The guest checks also read the PDPTEs the merge needs (pdpte_from_mem). */
	NVMX_CHECK(nvmx_entry_check_controls(&x));
	if (!x.reason)
		NVMX_CHECK(nvmx_merge_translate(&x));
	if (!x.reason)
		NVMX_CHECK(nvmx_entry_check_guest(&x));
	if (x.reason) {
		*why = x.reason;
		return NVMX_STATUS_OK;
	}
	NVMX_CHECK(nvmx_merge_build(&x));
	e->ctl_ok = true;
	e->ctl_gpa = v->cur->gpa;
	e->ctl_policy_gen = e->policy_gen;
	e->ctl_caps_gen = v->vm->caps_gen;
	e->ctl_map_gen = v->vm->map_gen;
	e->ctl_xl = x.xl;
	return NVMX_STATUS_OK;
}
