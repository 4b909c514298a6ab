/* SPDX-License-Identifier: MIT */
/*
 * Events while L2 runs (`l2 ...`). Each event is parsed and checked here into
 * a struct l2_event; deliver_l2_event() is the one place where an event is
 * turned into a hardware exit under VMCS02 and handed to the library. It is
 * not wired yet: every well-formed event answers `error not implemented`.
 */
#include "runner.h"

#include <string.h>

enum l2_kind {
	L2_CPUID, L2_HLT, L2_VMCALL, L2_RDTSC, L2_RDMSR, L2_WRMSR, L2_IO, L2_CR_WRITE,
	L2_CR_READ, L2_EXCEPTION, L2_EXTINT, L2_NMI, L2_ACCESS, L2_VMX, L2_PREEMPTION_TIMER,
	L2_INVLPG,
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
	{ "vmx", L2_VMX, 1, 1, "l2 vmx <instruction>" },
	{ "preemption-timer", L2_PREEMPTION_TIMER, 0, 0, "l2 preemption-timer" },
	{ "invlpg", L2_INVLPG, 1, 1, "l2 invlpg <address>" },
};

/* VMX instructions L2 may execute (each exits unconditionally, SDM 26.1.2). */
static const struct {
	const char *name;
	uint32_t reason;
} l2_vmx_insns[] = {
	{ "vmxon", NVMX_EXIT_VMXON },     { "vmxoff", NVMX_EXIT_VMXOFF },
	{ "vmclear", NVMX_EXIT_VMCLEAR }, { "vmptrld", NVMX_EXIT_VMPTRLD },
	{ "vmptrst", NVMX_EXIT_VMPTRST }, { "vmread", NVMX_EXIT_VMREAD },
	{ "vmwrite", NVMX_EXIT_VMWRITE }, { "vmlaunch", NVMX_EXIT_VMLAUNCH },
	{ "vmresume", NVMX_EXIT_VMRESUME }, { "invept", NVMX_EXIT_INVEPT },
	{ "invvpid", NVMX_EXIT_INVVPID }, { "vmfunc", NVMX_EXIT_VMFUNC },
};

static bool num(const char *s, uint64_t max, uint64_t *v, const char *what,
                struct outcome *o)
{
	if (parse_u64(s, v) && *v <= max)
		return true;
	outcome_error(o, "bad %s '%s'", what, s);
	return false;
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
				ev->a = l2_vmx_insns[i].reason;
				return true;
			}
		}
		outcome_error(o, "'%s' is not a VMX instruction", t[0]);
		return false;
	case L2_INVLPG:
		return num(t[0], ~0ull, &ev->a, "address", o);
	default:
		return true;
	}
}

/*
 * Deliver a checked event to L2. This is where the reference host's model of
 * VMCS02 will decide whether the event causes a hardware exit (`no-exit` via
 * outcome_no_exit otherwise), hand the exit to the library, and print its
 * result with outcome_from_result (`exit-to-l1`, `l0-handled`) or, for an
 * access the shadow EPT maps, outcome_l2_access_ok.
 */
static void deliver_l2_event(struct runner *r, const struct l2_event *ev, struct outcome *o)
{
	(void)r;
	(void)ev;
	outcome_error(o, "not implemented");
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
		deliver_l2_event(r, &ev, o);
}
