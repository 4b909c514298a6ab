/* SPDX-License-Identifier: MIT */
/*
 * Fuzz nested-state restore (nvmx/state.h). Two modes, by bit 0 of byte 0:
 *  - raw (0): the rest of the input is the blob;
 *  - mutated (1): byte 1 picks a vCPU state (outside VMX, root without and
 *    with a current VMCS, a pending run, L2 after it ran, each also with the
 *    VMCS12s flushed to memory); a valid blob of that state is made, then
 *    6-byte records { u16 offset, u8 op, u8 bit, u16 value } edit it and the
 *    checksum is recomputed (op 7 leaves it stale), so that validation past
 *    the checksum is reached.
 * With bit 1 of byte 0 set, the same two modes feed a VM blob to
 * nvmx_vm_restore instead (the mutated mode's valid blob is of a VM whose
 * L2s used the VPID12s of bytes 1..8, under capabilities narrowed by byte
 * 1's low bits); invariants: nvmx_vm_restore_check agrees with
 * nvmx_vm_restore, a refusal has a STATE_ reason and the VM saves exactly as
 * before, an accepted blob's VM save restores into a fresh VM that saves the
 * same bytes.
 * Invariants: restore refuses (CORRUPT_STATE, a named STATE_* reason) and
 * the vCPU saves exactly as before; or it accepts, and then
 *  - save(restore(x)) restores into a fresh vCPU that saves the same bytes
 *    (the accepted blob's canonical form is a fixed point);
 *  - with L2 running, the rebuilt VMCS02 passes the hardware model's
 *    VM-entry checks (invariant 2), and otherwise a VMLAUNCH/VMRESUME of the
 *    restored current VMCS12 yields a VMCS02 that does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "entry_fixture.h"
#include "ept/ept.h"
#include "../tests/state/state_util.h"
#include <nvmx/state.h>

#define MAX_BLOB (1u << 19)

static uint8_t blob[MAX_BLOB], out1[MAX_BLOB], out2[MAX_BLOB], before[MAX_BLOB];

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_state: invariant broken: %s %s\n", what, detail ? detail : "");
	abort();
}

static size_t save(struct entry_fixture *f, uint8_t *buf)
{
	size_t n = 0;
	if (nvmx_vcpu_save(f->v, 0, buf, MAX_BLOB, &n) != NVMX_STATUS_OK)
		die("save failed", NULL);
	return n;
}

static void enter(struct entry_fixture *f, bool launch)
{
	struct nvmx_result res;
	if (fx_enter(f, launch, &res) != NVMX_STATUS_OK || res.action != NVMX_ACTION_RUN_L2)
		die("baseline entry failed", nvmx_reason_name(res.reason));
}

/* The state `which` in A, saved into blob. */
static size_t make_state(struct entry_fixture *a, unsigned which)
{
	uint32_t flags = (which & 8) ? NVMX_STATE_FLUSH_VMCS12 : 0;
	switch (which & 7) {
	case 0: /* outside VMX operation */
		nvmx_vmcs12_flush_all(a->v);
		a->v->vmxon = false;
		a->v->current_vmptr = NVMX_NO_VMPTR;
		break;
	case 1: /* root, no current VMCS */
		a->v->cur = NULL;
		a->v->current_vmptr = NVMX_NO_VMPTR;
		break;
	case 2: /* root with a current VMCS, a second one cached */
	default:
		break;
	case 3: /* a pending run injecting an event */
		fx_set(a, NVMX_IDX_VM_ENTRY_INTR_INFO_FIELD, 0x80000030u);
		enter(a, true);
		break;
	case 4: { /* L2 after it ran */
		enter(a, true);
		struct nvmx_synth_exit x;
		memset(&x, 0, sizeof(x));
		x.size = sizeof(x);
		x.kind = NVMX_SYNTH_INTR_WINDOW;
		struct nvmx_result res;
		nvmx_vcpu_inject_exit(a->v, &x, &res);
		refhost_vmcs02_set(&a->h, NVMX_F_GUEST_RIP, 0x400abc);
		break;
	}
	}
	if ((which & 7) >= 2) {
		refhost_mem_w32(&a->h, 0x51000, (uint32_t)fx_cap(a, NVMX_MSR_IA32_VMX_BASIC));
		struct nvmx_vmcs12 *s;
		if (!nvmx_vmcs12_find(a->v, 0x51000) && !a->v->in_l2) {
			struct nvmx_vmcs12 *keep = a->v->cur;
			if (nvmx_vmcs12_load(a->v, 0x51000, &s) == NVMX_STATUS_OK)
				nvmx_vmcs12_set(s, NVMX_IDX_GUEST_RSP, 0x1000);
			a->v->cur = keep;
		}
	}
	size_t n = 0;
	if (nvmx_vcpu_save(a->v, flags, blob, MAX_BLOB, &n) != NVMX_STATUS_OK)
		die("save of a valid state failed", NULL);
	return n;
}

static void mutate(uint8_t *b, size_t len, const uint8_t *r, bool *reseal)
{
	size_t off = (size_t)(r[0] | r[1] << 8) % len;
	unsigned op = r[2] % 8, bit = r[3] % 8;
	uint16_t val = (uint16_t)(r[4] | r[5] << 8);
	switch (op) {
	case 0: b[off] ^= (uint8_t)(1u << bit); break;
	case 1: b[off] = (uint8_t)val; break;
	case 2: if (off + 2 <= len) { b[off] = (uint8_t)val; b[off + 1] = (uint8_t)(val >> 8); } break;
	case 3: b[off] = 0; break;
	case 4: b[off] = 0xff; break;
	case 5: if (off + 8 <= len) memset(b + off, 0xff, 8); break;
	case 6: if (off + 8 <= len) memset(b + off, 0, 8); break;
	default: *reseal = false; break;
	}
}

static void check_vmcs02(struct entry_fixture *f)
{
	const char *hw = hwcheck_vmcs02(&f->h, &f->h.vm->cfg.hw);
	if (hw)
		die("hardware refuses the VMCS02 built after a restore:", hw);
	const char *lost = fx_l0_exits_missing(f);
	if (lost)
		die("L0 exit lost after a restore:", lost);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The three fixtures are made once; each input starts them from the same
 * state: the pristine vCPU restored from its own blob, then fx_reset. */
static struct entry_fixture A, B, C;
static uint8_t pristine[MAX_BLOB];
static size_t npristine;
static struct nvmx_caps caps0;

static void fresh(struct entry_fixture *f)
{
	/* An accepted blob with fewer capabilities narrowed the VM. */
	f->h.vm->caps = caps0;
	f->h.vm->caps_gen++;
	if (nvmx_vcpu_restore(f->v, pristine, npristine, NULL) != NVMX_STATUS_OK)
		die("the pristine state does not restore", NULL);
	f->s = f->v->cur;
	fx_reset(f);
}

static size_t vm_save(struct entry_fixture *f, uint8_t *buf)
{
	size_t n = 0;
	if (nvmx_vm_save(f->h.vm, buf, MAX_BLOB, &n) != NVMX_STATUS_OK)
		die("vm save failed", NULL);
	return n;
}

static uint8_t vm_pristine[MAX_BLOB];
static size_t nvm_pristine;

static void vm_fresh(struct entry_fixture *f)
{
	f->h.vm->caps = caps0;
	f->h.vm->caps_gen++;
	if (nvmx_vm_restore(f->h.vm, vm_pristine, nvm_pristine, NULL) != NVMX_STATUS_OK)
		die("the pristine VM state does not restore", NULL);
}

static void fuzz_vm(const uint8_t *data, size_t size)
{
	vm_fresh(&B);
	vm_fresh(&C);
	size_t len;
	if (data[0] & 1) {
		vm_fresh(&A);
		uint8_t sel = size > 1 ? data[1] : 0;
		bool flush;
		for (size_t i = 1; i < 9 && i < size; i++)
			nvmx_vpid_for_entry(A.v, true, (uint16_t)(data[i] + 1u), &flush);
		if (sel & 1) {  /* no EPT (IA32_VMX_PROCBASED_CTLS2 bit 33) */
			uint64_t c2 = fx_cap(&A, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2);
			nvmx_vm_set_cap(A.h.vm, NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, c2 & ~(1ull << 33));
		}
		if (sel & 2)
			nvmx_vm_set_maxphyaddr(A.h.vm, 36);
		len = vm_save(&A, blob);
		bool reseal = true;
		for (size_t i = 9; i + 6 <= size && i < 9 + 6 * 64; i += 6)
			mutate(blob, len, data + i, &reseal);
		if (reseal && len >= SU_HDR)
			su_reseal(blob, len);
	} else {
		len = size - 1 < MAX_BLOB ? size - 1 : MAX_BLOB;
		memcpy(blob, data + 1, len);
	}
	size_t nb = vm_save(&B, before);
	struct nvmx_state_refusal why, why_check;
	enum nvmx_status chk = nvmx_vm_restore_check(B.h.vm, blob, len, &why_check);
	size_t nc = vm_save(&B, out1);
	if (nc != nb || memcmp(before, out1, nb) != 0)
		die("nvmx_vm_restore_check changed the VM", NULL);
	enum nvmx_status st = nvmx_vm_restore(B.h.vm, blob, len, &why);
	if (getenv("FUZZ_STATE_TRACE"))
		fprintf(stderr, "fuzz_state vm: %s %s\n", nvmx_status_name(st), nvmx_reason_name(why.reason));
	if (st != chk || why.reason != why_check.reason)
		die("nvmx_vm_restore_check and nvmx_vm_restore disagree", nvmx_reason_name(why.reason));
	if (st == NVMX_STATUS_CORRUPT_STATE) {
		if (why.reason <= NVMX_REASON_STATE_OK ||
		    !strncmp(nvmx_reason_name(why.reason), "UNKNOWN", 7))
			die("VM refusal without a STATE_ reason", nvmx_reason_name(why.reason));
		size_t na = vm_save(&B, out1);
		if (na != nb || memcmp(before, out1, na) != 0)
			die("a refused VM restore changed the VM", nvmx_reason_name(why.reason));
	} else if (st == NVMX_STATUS_OK) {
		size_t n1 = vm_save(&B, out1);
		if (nvmx_vm_restore(C.h.vm, out1, n1, &why) != NVMX_STATUS_OK)
			die("the canonical form of an accepted VM blob is refused:",
			    nvmx_reason_name(why.reason));
		size_t n2 = vm_save(&C, out2);
		if (n1 != n2 || memcmp(out1, out2, n1) != 0)
			die("vm save(restore(x)) is not a fixed point", NULL);
	} else if (st != NVMX_STATUS_NO_MEMORY) {
		die("unexpected VM status", nvmx_status_name(st));
	}
	/* Leave the VMs as every input finds them. */
	vm_fresh(&B);
	vm_fresh(&C);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!nvm_pristine) {
		if (fx_init(&A) != 0 || fx_init(&B) != 0 || fx_init(&C) != 0)
			die("fixture", NULL);
		npristine = save(&B, pristine);
		caps0 = B.h.vm->caps;
		nvm_pristine = vm_save(&B, vm_pristine);
	}
	if (data[0] & 2) {
		fuzz_vm(data, size);
		return 0;
	}
	fresh(&B);
	fresh(&C);
	size_t len;
	if (data[0] & 1) {
		fresh(&A);
		len = make_state(&A, size > 1 ? data[1] : 0);
		memcpy(B.h.mem, A.h.mem, A.h.mem_size);
		memcpy(B.h.l1, A.h.l1, REFHOST_VMCS_SLOTS * sizeof(uint64_t));
		bool reseal = true;
		for (size_t i = 2; i + 6 <= size && i < 2 + 6 * 64; i += 6)
			mutate(blob, len, data + i, &reseal);
		if (reseal && len >= SU_HDR)
			su_reseal(blob, len);
	} else {
		len = size - 1 < MAX_BLOB ? size - 1 : MAX_BLOB;
		memcpy(blob, data + 1, len);
	}
	memcpy(C.h.mem, B.h.mem, B.h.mem_size);
	memcpy(C.h.l1, B.h.l1, REFHOST_VMCS_SLOTS * sizeof(uint64_t));

	size_t nb = save(&B, before);
	struct nvmx_state_refusal why;
	enum nvmx_status st = nvmx_vcpu_restore(B.v, blob, len, &why);
	if (getenv("FUZZ_STATE_TRACE"))
		fprintf(stderr, "fuzz_state: %s %s\n", nvmx_status_name(st), nvmx_reason_name(why.reason));
	if (st == NVMX_STATUS_CORRUPT_STATE) {
		if (why.reason <= NVMX_REASON_STATE_OK ||
		    !strncmp(nvmx_reason_name(why.reason), "UNKNOWN", 7))
			die("refusal without a STATE_ reason", nvmx_reason_name(why.reason));
		size_t na = save(&B, out1);
		if (na != nb || memcmp(before, out1, na) != 0)
			die("a refused restore changed the vCPU", nvmx_reason_name(why.reason));
	} else if (st == NVMX_STATUS_OK) {
		if (nvmx_vcpu_in_l2(B.v))
			check_vmcs02(&B);
		size_t n1 = save(&B, out1);
		if (nvmx_vcpu_restore(C.v, out1, n1, &why) != NVMX_STATUS_OK)
			die("the canonical form of an accepted blob is refused:",
			    nvmx_reason_name(why.reason));
		size_t n2 = save(&C, out2);
		if (n1 != n2 || memcmp(out1, out2, n1) != 0)
			die("save(restore(x)) is not a fixed point", NULL);
		/* The next entry from the restored VMCS12 checks it like a
		 * VMWRITTEN one: what it accepts the hardware accepts. */
		if (!nvmx_vcpu_in_l2(C.v) && C.v->vmxon && C.v->cur) {
			struct nvmx_result res;
			bool launch = !C.v->cur->launched;
			if (nvmx_entry_enter(C.v, launch, &res) == NVMX_STATUS_OK &&
			    res.outcome == NVMX_OUTCOME_L2_ENTERED)
				check_vmcs02(&C);
		}
	} else if (st != NVMX_STATUS_HOST_FAILURE && st != NVMX_STATUS_NO_MEMORY) {
		die("unexpected status", nvmx_status_name(st));
	}
	return 0;
}
