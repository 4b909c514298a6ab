/* SPDX-License-Identifier: MIT */
/*
 * fuzz_vmfunc: EPTP lists and VMFUNC. L1 enables EPT and VM function 0
 * (EPTP switching) with a fuzz-built 512-entry EPTP list; L2 runs VMFUNC
 * with fuzz-chosen EAX (function) and ECX (index); between runs L1 rewrites
 * list entries and the VM-function controls, and VMRESUMEs. Checked against
 * rules written here from the SDM:
 *   - the list VMCS02 uses (the library's shadow of L1's list) has a
 *     non-zero entry exactly where L1's entry is a valid EPTP (SDM
 *     27.2.1.1's EPTP checks against the capabilities L1 is offered), and
 *     equal L1 entries map to equal shadow entries;
 *   - a VMFUNC exit goes to L1 exactly when the function is not enabled in
 *     VMCS12, is not 0, the index is 512 or more, or the selected entry is
 *     not a valid EPTP (SDM 26.5.6.3); otherwise it stays with L0 and L2
 *     keeps running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "entry_fixture.h"
#include "fuzz_input.h"
#include "hw_ept.h"

#define FAIL(...)                                                   \
	do {                                                            \
		fprintf(stderr, "fuzz_vmfunc: " __VA_ARGS__);           \
		fprintf(stderr, "\n");                                  \
		abort();                                                \
	} while (0)

static struct entry_fixture *fx;
static uint64_t cap_ept;
static unsigned maxphy;

/* SDM 27.2.1.1, EPTP checks, against what L1 is offered. */
static bool eptp_ok(uint64_t e)
{
	unsigned mt = (unsigned)(e & 7);
	if (!((mt == 0 && (cap_ept & NVMX_EPT_CAP_MT_UC)) || (mt == 6 && (cap_ept & NVMX_EPT_CAP_MT_WB))))
		return false;
	unsigned wl = (unsigned)((e >> 3) & 7);
	if (!((wl == 3 && (cap_ept & NVMX_EPT_CAP_PWL4)) || (wl == 4 && (cap_ept & NVMX_EPT_CAP_PWL5))))
		return false;
	if (((e >> 6) & 1) && !(cap_ept & NVMX_EPT_CAP_AD))
		return false;
	if (((e >> 7) & 1) && !(cap_ept & NVMX_EPT_CAP_SSS))
		return false;
	if ((e >> 8) & 0xf)
		return false;
	return maxphy >= 64 || !(e >> maxphy);
}

/* An EPTP from fuzz bytes: mostly near-valid values. */
static uint64_t make_eptp(struct fuzz_src *in)
{
	uint8_t a = (uint8_t)fuzz_take(in, 1);
	if (a == 0xff)
		return fuzz_take(in, 8);
	static const uint8_t mts[4] = { 6, 0, 1, 7 };
	static const uint8_t wls[4] = { 3, 3, 4, 2 };
	uint64_t page = 0x40000ull + ((uint64_t)(a >> 4) << 12);
	uint64_t e = page | mts[a & 3] | (uint64_t)wls[(a >> 2) & 3] << 3;
	uint8_t b = (uint8_t)fuzz_take(in, 1);
	if (b & 1)
		e |= 1u << 6;
	if (b & 2)
		e |= 1u << 7;
	if (b & 4)
		e |= 1ull << (8 + ((b >> 3) & 3));
	if (b & 0x20)
		e |= 1ull << (maxphy + ((b >> 6) & 3));
	return e;
}

static const uint64_t *list02(void)
{
	if (!(refhost_vmcs02_get(&fx->h, NVMX_F_SECONDARY_VM_EXEC_CONTROL) & NVMX_PROC2_VMFUNC))
		return NULL;
	return refhost_page_va(&fx->h, refhost_vmcs02_get(&fx->h, NVMX_F_EPTP_LIST_ADDRESS));
}

static void check_list(void)
{
	uint64_t fn = fx_get(fx, NVMX_IDX_VM_FUNCTION_CONTROL);
	if (!(fn & NVMX_VMFUNC_EPTP_SWITCHING))
		return;
	const uint64_t *l2 = list02();
	if (!l2)
		FAIL("EPTP switching on, but VMCS02 has no EPTP list (proc2 %#llx list %#llx)",
		     (unsigned long long)refhost_vmcs02_get(&fx->h, NVMX_F_SECONDARY_VM_EXEC_CONTROL),
		     (unsigned long long)refhost_vmcs02_get(&fx->h, NVMX_F_EPTP_LIST_ADDRESS));
	static uint64_t l1[512];
	refhost_mem_read(&fx->h, FX_EPTP_LIST, l1, sizeof(l1));
	for (unsigned i = 0; i < 512; i++) {
		if ((l2[i] != 0) != eptp_ok(l1[i]))
			FAIL("list entry %u: L1 %#llx (%s), shadow %#llx", i, (unsigned long long)l1[i],
			     eptp_ok(l1[i]) ? "valid" : "invalid", (unsigned long long)l2[i]);
		if (i && l1[i] == l1[i - 1] && l2[i] != l2[i - 1])
			FAIL("list entries %u and %u: same L1 EPTP, different shadows", i - 1, i);
	}
}

static bool enter(bool launch)
{
	struct nvmx_result r;
	enum nvmx_status st = fx_enter(fx, launch, &r);
	if (st != NVMX_STATUS_OK)
		FAIL("entry status %d", st);
	if (r.outcome != NVMX_OUTCOME_L2_ENTERED)
		return false;
	check_list();
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_src in = { data, size };
	if (!fx) {
		fx = calloc(1, sizeof(*fx));
		if (!fx || fx_init(fx))
			abort();
	} else {
		fx_reset(fx);
	}
	nvmx_vm_get_cap(fx->h.vm, NVMX_MSR_IA32_VMX_EPT_VPID_CAP, &cap_ept);
	maxphy = nvmx_vm_maxphyaddr(fx->h.vm);
	fx_set(fx, NVMX_IDX_SECONDARY_VM_EXEC_CONTROL, NVMX_PROC2_EPT | NVMX_PROC2_VMFUNC);
	fx_set(fx, NVMX_IDX_EPT_POINTER, 0x40000ull | 0x1e);
	fx_set(fx, NVMX_IDX_VM_FUNCTION_CONTROL,
	       (fuzz_take(&in, 1) & 0x80) ? 0 : NVMX_VMFUNC_EPTP_SWITCHING);
	fx_set(fx, NVMX_IDX_EPTP_LIST_ADDRESS, FX_EPTP_LIST);
	/* The list: runs of one EPTP, so that entries repeat. */
	for (unsigned i = 0; i < 512;) {
		uint64_t e = make_eptp(&in);
		unsigned run = 1 + ((unsigned)fuzz_take(&in, 1) & 63);
		for (; run && i < 512; run--, i++)
			refhost_mem_w64(&fx->h, FX_EPTP_LIST + 8ull * i, e);
	}
	if (!enter(true))
		return 0;
	for (unsigned k = 0; k < 32 && in.n; k++) {
		uint8_t op = (uint8_t)fuzz_take(&in, 1);
		if (op < 0xc0) {
			/* L2 runs VMFUNC. */
			uint64_t eax = op < 0xa0 ? 0 : fuzz_take(&in, 1);
			uint64_t ecx = fuzz_take(&in, 2);
			if (ecx < 0xf000)
				ecx %= 512;
			uint64_t fnc = fx_get(fx, NVMX_IDX_VM_FUNCTION_CONTROL);
			uint64_t e = 0;
			if (ecx < 512)
				refhost_mem_read(&fx->h, FX_EPTP_LIST + 8 * ecx, &e, 8);
			bool to_l1 = eax >= 64 || !((fnc >> eax) & 1) || eax != 0 || ecx >= 512 ||
			             !eptp_ok(e);
			struct nvmx_l2_exit x;
			memset(&x, 0, sizeof(x));
			x.size = sizeof(x);
			x.exit_reason = NVMX_EXIT_REASON_VMFUNC;
			x.insn_len = 3;
			x.operand = eax;
			x.operand2 = ecx;
			struct nvmx_result r;
			if (nvmx_vcpu_handle_exit(fx->v, &x, &r) != NVMX_STATUS_OK)
				FAIL("VMFUNC exit: status not OK");
			if (to_l1 != (r.outcome == NVMX_OUTCOME_EXIT_TO_L1))
				FAIL("VMFUNC eax %llu ecx %llu (entry %#llx): library %s, SDM %s",
				     (unsigned long long)eax, (unsigned long long)ecx, (unsigned long long)e,
				     nvmx_reason_name(r.reason), to_l1 ? "exit to L1" : "L0 switches");
			if (!to_l1 && !nvmx_vcpu_in_l2(fx->v))
				FAIL("an EPTP switch L0 performs left L2");
			if (to_l1) {
				if (fx_get(fx, NVMX_IDX_VM_EXIT_REASON) != NVMX_EXIT_REASON_VMFUNC)
					FAIL("L1 sees exit reason %llu",
					     (unsigned long long)fx_get(fx, NVMX_IDX_VM_EXIT_REASON));
				if (!enter(false))
					return 0;
			}
			continue;
		}
		/* L1 edits its list or its controls (after an exit), then resumes. */
		struct nvmx_l2_exit x;
		memset(&x, 0, sizeof(x));
		x.size = sizeof(x);
		x.exit_reason = NVMX_EXIT_REASON_CPUID;
		x.insn_len = 2;
		struct nvmx_result r;
		if (nvmx_vcpu_handle_exit(fx->v, &x, &r) != NVMX_STATUS_OK ||
		    r.outcome != NVMX_OUTCOME_EXIT_TO_L1)
			FAIL("CPUID did not reach L1");
		if (op == 0xff) {
			fx_set(fx, NVMX_IDX_VM_FUNCTION_CONTROL,
			       fx_get(fx, NVMX_IDX_VM_FUNCTION_CONTROL) ^ NVMX_VMFUNC_EPTP_SWITCHING);
		} else {
			unsigned i = (unsigned)fuzz_take(&in, 2) % 512;
			unsigned n = 1 + (op & 15);
			uint64_t e = make_eptp(&in);
			for (; n && i < 512; n--, i++)
				refhost_mem_w64(&fx->h, FX_EPTP_LIST + 8ull * i, e);
		}
		if (!enter(false))
			return 0;
	}
	return 0;
}
