/* SPDX-License-Identifier: MIT */
/*
 * bench_exit: the cost of one L2 exit reflected to L1 (CPUID, I/O, MSR,
 * external interrupt) and of one exit L0 keeps, with the hardware VMCS
 * reads and writes per exit. The exit half is always measured
 * ("round_trip": false); when VM entry works (nvmx_entry_enter accepts the
 * VMCS12 set up here) the roundtrip_* lines add L1's VMRESUME, presented
 * through nvmx_vcpu_emulate_vmx_insn as a host would ("round_trip": true).
 *
 * The round trip includes the reference host's callbacks (VMCS02 and L1
 * state accesses, the host-state list, INVVPID, trace). To split library
 * from host time, the callbacks of one CPUID round trip are recorded and
 * replayed alone through the same host functions ("roundtrip_cpuid_host")
 * and through callbacks that do nothing ("..._replay_nop", the replay's own
 * loop and calls). "roundtrip_<kind>_library" is, per batch, the round trip
 * minus (host replay minus no-op replay), the three timed back to back:
 * the time outside the host's callback bodies, calls into them included.
 * It is an estimate (the replay runs with warmer caches than the round
 * trip).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "core.h"
#include "entry/entry.h"
#include "exit/exit.h"
#include "rt_baseline.h"

#define VMCS12_GPA 0x10000ull
#define MSR_BM 0x20000ull
#define IO_A 0x21000ull
#define IO_B 0x22000ull

struct ctx {
	struct refhost *h;
	struct nvmx_l2_exit e;
	bool round_trip;
	bool failed;
};

#define S(name, val) (s->f[NVMX_IDX_##name] = (val))

/* A VMCS12 describing a 64-bit L2 and a 64-bit L1 host, as a hypervisor
 * would build it, with the controls the benchmarks exercise. */
static void setup_vmcs12(struct refhost *h, struct nvmx_vmcs12 *s)
{
	rt_vmcs12_baseline(h->vm, s);
	S(CPU_BASED_VM_EXEC_CONTROL,
	  V12(s, CPU_BASED_VM_EXEC_CONTROL) | NVMX_PROC_USE_IO_BITMAPS | NVMX_PROC_USE_MSR_BITMAPS);
	S(VM_EXIT_CONTROLS, V12(s, VM_EXIT_CONTROLS) | NVMX_EXIT_CTL_ACK_INTR_ON_EXIT);
	S(IO_BITMAP_A, IO_A);
	S(IO_BITMAP_B, IO_B);
	S(MSR_BITMAP, MSR_BM);
	/* Port 0x60 and MSR 0x10 (reads) exit to L1. */
	uint8_t b = 1;
	refhost_mem_write(h, IO_A + 0x60 / 8, &b, 1);
	b = 1 << (0x10 % 8);
	refhost_mem_write(h, MSR_BM + 0x10 / 8, &b, 1);
}

static bool l1_enters_l2(struct ctx *c, bool launch)
{
	struct nvmx_result res;
	enum nvmx_status st = nvmx_entry_enter(c->h->vcpu, launch, &res);
	return st == NVMX_STATUS_OK && res.action == NVMX_ACTION_RUN_L2;
}

/* L1 executes VMRESUME, presented to the instruction module as a host would
 * (exit reason, length and instruction information from its VMCS01 exit
 * fields; built once here, as they do not change). */
static struct nvmx_insn_exit vmresume_exit;

static bool l1_vmresume(struct ctx *c)
{
	struct nvmx_result res;
	return nvmx_vcpu_emulate_vmx_insn(c->h->vcpu, &vmresume_exit, &res) == NVMX_STATUS_OK &&
	       res.action == NVMX_ACTION_RUN_L2;
}

static void op_exit(void *p)
{
	struct ctx *c = p;
	struct nvmx_vcpu *v = c->h->vcpu;
	struct nvmx_result res;
	if (nvmx_vcpu_handle_exit(v, &c->e, &res) != NVMX_STATUS_OK)
		c->failed = true;
	if (c->round_trip) {
		if (v->in_l2 || !l1_vmresume(c))
			c->failed = true;
	} else {
		v->in_l2 = true; /* back in L2 without an entry: exit half only */
	}
}

/* ---- recording the host callbacks of one round trip ---- */

enum rec_kind { REC_VMCS_READ, REC_VMCS_READ_N, REC_VMCS_WRITE, REC_L1_READ, REC_L1_READ_N,
                REC_L1_WRITE, REC_L1_WRITE_N, REC_GPR_READ, REC_GPR_WRITE, REC_INVVPID, REC_TRACE, REC_OTHER };

struct rec_call {
	enum rec_kind kind;
	uint32_t a;
	uint64_t b, c;
	struct nvmx_trace ev;
};

static struct {
	struct nvmx_host_ops orig;
	struct rec_call call[256];
	unsigned n;
	struct nvmx_field_value fv[64];
	unsigned nfv;
	uint32_t fields[128];           /* the fields of *_read_n calls (a = first, b = n) */
	unsigned nfields;
	bool overflow;
} rec;

/* Records sorted by kind (record_round_trip), [first[k], first[k + 1]). */
static unsigned first[REC_OTHER + 2];

static struct rec_call *rec_add(enum rec_kind k)
{
	if (rec.n == NVMX_ARRAY_SIZE(rec.call)) {
		rec.overflow = true;
		return &rec.call[0];
	}
	struct rec_call *c = &rec.call[rec.n++];
	memset(c, 0, sizeof(*c));
	c->kind = k;
	return c;
}

/* A record with its two arguments. */
static void rec_ab(enum rec_kind k, uint32_t a, uint64_t b)
{
	struct rec_call *c = rec_add(k);
	c->a = a;
	c->b = b;
}

static uint64_t rec_vmcs_read(void *h, uint32_t f)
{
	rec_add(REC_VMCS_READ)->a = f;
	return rec.orig.vmcs_read(h, f);
}
/* The fields of one *_read_n call, kept in rec.fields. */
static void rec_read_n(enum rec_kind k, const uint32_t *f, unsigned n)
{
	if (n > NVMX_ARRAY_SIZE(rec.fields) - rec.nfields) {
		rec.overflow = true;
		return;
	}
	memcpy(&rec.fields[rec.nfields], f, n * sizeof(*f));
	rec_ab(k, rec.nfields, n);
	rec.nfields += n;
}
static void rec_vmcs_read_n(void *h, const uint32_t *f, uint64_t *val, unsigned n)
{
	rec_read_n(REC_VMCS_READ_N, f, n);
	rec.orig.vmcs_read_n(h, f, val, n);
}
static void rec_l1_read_n(void *h, const uint32_t *f, uint64_t *val, unsigned n)
{
	rec_read_n(REC_L1_READ_N, f, n);
	rec.orig.l1_read_n(h, f, val, n);
}
static void rec_vmcs_write(void *h, uint32_t f, uint64_t v)
{
	rec_ab(REC_VMCS_WRITE, f, v);
	rec.orig.vmcs_write(h, f, v);
}
static uint64_t rec_l1_read(void *h, uint32_t f)
{
	rec_add(REC_L1_READ)->a = f;
	return rec.orig.l1_read(h, f);
}
static void rec_l1_write(void *h, uint32_t f, uint64_t v)
{
	rec_ab(REC_L1_WRITE, f, v);
	rec.orig.l1_write(h, f, v);
}
static void rec_l1_write_n(void *h, const struct nvmx_field_value *fv, unsigned n)
{
	if (rec.nfv || n > NVMX_ARRAY_SIZE(rec.fv))
		rec.overflow = true;
	else
		memcpy(rec.fv, fv, n * sizeof(*fv));
	rec.nfv = n;
	rec_add(REC_L1_WRITE_N);
	rec.orig.l1_write_n(h, fv, n);
}
static uint64_t rec_gpr_read(void *h, unsigned r)
{
	rec_add(REC_GPR_READ)->a = r;
	return rec.orig.l1_gpr_read(h, r);
}
static void rec_gpr_write(void *h, unsigned r, uint64_t v)
{
	rec_ab(REC_GPR_WRITE, r, v);
	rec.orig.l1_gpr_write(h, r, v);
}
static void rec_invvpid(void *h, uint32_t type, uint16_t vpid, uint64_t la)
{
	struct rec_call *c = rec_add(REC_INVVPID);
	c->a = type;
	c->b = vpid;
	c->c = la;
	rec.orig.hw_invvpid(h, type, vpid, la);
}
static void rec_trace(void *h, const struct nvmx_trace *ev)
{
	rec_add(REC_TRACE)->ev = *ev;
	if (rec.orig.trace)
		rec.orig.trace(h, ev);
}

/* One round trip with every callback above recorded; false when it could
 * not be recorded whole. */
static bool record_round_trip(struct refhost *h, const struct nvmx_l2_exit *e)
{
	struct nvmx_vm *vm = h->vm;
	rec.orig = vm->ops;
	rec.n = rec.nfv = rec.nfields = 0;
	rec.overflow = false;
	vm->ops.vmcs_read = rec_vmcs_read;
	vm->ops.vmcs_write = rec_vmcs_write;
	vm->ops.l1_read = rec_l1_read;
	vm->ops.l1_write = rec_l1_write;
	vm->ops.l1_write_n = rec.orig.l1_write_n ? rec_l1_write_n : NULL;
	vm->ops.vmcs_read_n = rec.orig.vmcs_read_n ? rec_vmcs_read_n : NULL;
	vm->ops.l1_read_n = rec.orig.l1_read_n ? rec_l1_read_n : NULL;
	vm->ops.l1_gpr_read = rec_gpr_read;
	vm->ops.l1_gpr_write = rec_gpr_write;
	vm->ops.hw_invvpid = rec_invvpid;
	vm->ops.trace = rec_trace;
	struct ctx c = { .h = h, .e = *e, .round_trip = true };
	op_exit(&c);
	vm->ops = rec.orig;
	/* Sort by kind (insertion sort: a few dozen records), then index. */
	for (unsigned i = 1; i < rec.n; i++) {
		struct rec_call t = rec.call[i];
		unsigned j = i;
		for (; j > 0 && rec.call[j - 1].kind > t.kind; j--)
			rec.call[j] = rec.call[j - 1];
		rec.call[j] = t;
	}
	for (unsigned k = 0, i = 0; k <= REC_OTHER + 1; k++) {
		while (i < rec.n && rec.call[i].kind < (enum rec_kind)k)
			i++;
		first[k] = i;
	}
	return !c.failed && !rec.overflow;
}

struct replay {
	struct refhost *h;
	const struct nvmx_host_ops *ops;
};

/* The recorded callbacks, through the host's own functions (or nop_ops). */
/*
 * Kind by kind, so that each loop has one call site with one target (as
 * each call site of the library has): a loop over mixed kinds would add
 * indirect-branch mispredictions the round trip does not have.
 */
static void op_replay(void *p)
{
	const struct replay *r = p;
	struct refhost *h = r->h;
	const struct nvmx_host_ops *o = r->ops;
	const struct rec_call *c = rec.call;
	for (unsigned i = first[REC_VMCS_READ]; i < first[REC_VMCS_READ + 1]; i++)
		(void)o->vmcs_read(h, c[i].a);
	uint64_t val[32];
	for (unsigned i = first[REC_VMCS_READ_N]; i < first[REC_VMCS_READ_N + 1]; i++)
		o->vmcs_read_n(h, &rec.fields[c[i].a], val, (unsigned)c[i].b);
	for (unsigned i = first[REC_VMCS_WRITE]; i < first[REC_VMCS_WRITE + 1]; i++)
		o->vmcs_write(h, c[i].a, c[i].b);
	for (unsigned i = first[REC_L1_READ]; i < first[REC_L1_READ + 1]; i++)
		(void)o->l1_read(h, c[i].a);
	for (unsigned i = first[REC_L1_READ_N]; i < first[REC_L1_READ_N + 1]; i++)
		o->l1_read_n(h, &rec.fields[c[i].a], val, (unsigned)c[i].b);
	for (unsigned i = first[REC_L1_WRITE]; i < first[REC_L1_WRITE + 1]; i++)
		o->l1_write(h, c[i].a, c[i].b);
	for (unsigned i = first[REC_L1_WRITE_N]; i < first[REC_L1_WRITE_N + 1]; i++)
		o->l1_write_n(h, rec.fv, rec.nfv);
	for (unsigned i = first[REC_GPR_READ]; i < first[REC_GPR_READ + 1]; i++)
		(void)o->l1_gpr_read(h, c[i].a);
	for (unsigned i = first[REC_GPR_WRITE]; i < first[REC_GPR_WRITE + 1]; i++)
		o->l1_gpr_write(h, c[i].a, c[i].b);
	for (unsigned i = first[REC_INVVPID]; i < first[REC_INVVPID + 1]; i++)
		o->hw_invvpid(h, c[i].a, (uint16_t)c[i].b, c[i].c);
	if (o->trace)
		for (unsigned i = first[REC_TRACE]; i < first[REC_TRACE + 1]; i++)
			o->trace(h, &c[i].ev);
}

/* Callbacks that do nothing: the replay through them is the replay's own
 * cost (loop, dispatch, indirect calls), subtracted so that the host's
 * share is not overstated. */
static uint64_t nop_read(void *h, uint32_t f) { (void)h; return f; }
static void nop_write(void *h, uint32_t f, uint64_t v) { (void)h; (void)f; (void)v; }
static void nop_write_n(void *h, const struct nvmx_field_value *fv, unsigned n)
{
	(void)h; (void)fv; (void)n;
}
static void nop_read_n(void *h, const uint32_t *f, uint64_t *val, unsigned n)
{
	(void)h;
	if (n)
		val[0] = f[0];
}
static uint64_t nop_gpr_read(void *h, unsigned r) { (void)h; return r; }
static void nop_gpr_write(void *h, unsigned r, uint64_t v) { (void)h; (void)r; (void)v; }
static void nop_invvpid(void *h, uint32_t t, uint16_t vpid, uint64_t la)
{
	(void)h; (void)t; (void)vpid; (void)la;
}
static void nop_trace(void *h, const struct nvmx_trace *ev) { (void)h; (void)ev; }

static const struct nvmx_host_ops nop_ops = {
	.vmcs_read = nop_read, .vmcs_write = nop_write, .l1_read = nop_read,
	.l1_write = nop_write, .l1_write_n = nop_write_n, .l1_gpr_read = nop_gpr_read,
	.l1_gpr_write = nop_gpr_write, .hw_invvpid = nop_invvpid, .trace = nop_trace,
	.vmcs_read_n = nop_read_n, .l1_read_n = nop_read_n,
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/*
 * The library's share of a round trip, batch by batch: 500 round
 * trips, then 500 replays of their callbacks through the host's functions,
 * then 500 through no-op callbacks, back to back, so that all three see the
 * same load of a shared machine. Per batch, library = round trip - (host
 * replay - no-op replay): the time outside the host's callback bodies,
 * the calls into them included. The line gives median and p99 over the
 * batches.
 */
static void library_share(const char *name, struct refhost *h, const struct nvmx_l2_exit *e,
                          const struct replay *real, const struct replay *nop)
{
	const char *only = getenv("NVMX_BENCH");
	if (only && *only && !strstr(name, only))
		return;
	enum { BATCHES = 200, PER = 500 };
	static double lib[BATCHES];
	struct ctx c = { .h = h, .e = *e, .round_trip = true };
	uint64_t rt_reads = 0, rt_writes = 0;
	for (unsigned b = 0; b < BATCHES; b++) {
		uint64_t rr = h->vmcs_reads, ww = h->vmcs_writes;
		uint64_t t0 = bench_now_ns();
		for (unsigned i = 0; i < PER; i++)
			op_exit(&c);
		uint64_t t1 = bench_now_ns();
		rt_reads += h->vmcs_reads - rr;
		rt_writes += h->vmcs_writes - ww;
		for (unsigned i = 0; i < PER; i++)
			op_replay((void *)real);
		uint64_t t2 = bench_now_ns();
		for (unsigned i = 0; i < PER; i++)
			op_replay((void *)nop);
		uint64_t t3 = bench_now_ns();
		lib[b] = ((double)(t1 - t0) - ((double)(t2 - t1) - (double)(t3 - t2))) / PER;
	}
	qsort(lib, BATCHES, sizeof(lib[0]), cmp_double);
	if (c.failed)
		fprintf(stderr, "bench_exit: %s: an operation failed\n", name);
	printf("{\"bench\": \"%s\", \"ns_median\": %.1f, \"ns_p99\": %.1f, \"iterations\": %u, "
	       "\"vmcs_reads\": %.2f, \"vmcs_writes\": %.2f, \"callbacks\": %u, \"measures\": \"per batch of 500: "
	       "round trips minus (their callbacks replayed through the host minus the same replay "
	       "through no-op callbacks), batches interleaved: an estimate\"}\n",
	       name, lib[BATCHES / 2], lib[(unsigned)((BATCHES - 1) * 0.99)], BATCHES * PER,
	       (double)rt_reads / (BATCHES * PER), (double)rt_writes / (BATCHES * PER), rec.n);
	fflush(stdout);
}

static double bench(const char *name, struct refhost *h, bool round_trip, struct nvmx_l2_exit e)
{
	struct ctx c = { .h = h, .e = e, .round_trip = round_trip };
	char extra[160];
	for (unsigned i = 0; i < 1000; i++) /* warm-up */
		op_exit(&c);
	snprintf(extra, sizeof(extra), "\"round_trip\": %s, \"measures\": \"%s\"",
	         round_trip ? "true" : "false",
	         round_trip ? "exit + L1 VMRESUME" : "exit only");
	double median = bench_run(name, h, op_exit, NULL, &c, 200, 500, extra);
	if (c.failed)
		fprintf(stderr, "bench_exit: %s: an operation failed\n", name);
	return median;
}

/*
 * A CPUID round trip through an L1 that handles the exit as KVM's L1 code
 * does, without VMCS shadowing (issue 12, "Measured"): it VMREADs the exit
 * reason, the exit qualification, the instruction length, guest RIP and
 * the VM-exit interruption information, VMWRITEs guest RIP past the CPUID,
 * and VMRESUMEs. Each VMREAD, VMWRITE and VMRESUME is an exit of L1 to L0
 * handled by the library (refhost_exec, as a host presents it).
 */
struct plain {
	struct refhost *h;
	struct nvmx_l2_exit e;
	uint64_t l1_exits;
	bool failed;
};

static bool plain_insn(struct plain *p, uint32_t reason, uint64_t rcx, uint64_t rdx)
{
	struct refhost_insn in = { .exit_reason = reason, .reg1 = 1, .reg2 = 2, .addr_size = 8 };
	struct nvmx_result res;
	p->h->gpr[1] = rcx;
	p->h->gpr[2] = rdx;
	p->l1_exits++;
	return refhost_exec(p->h, &in, &res) == NVMX_STATUS_OK &&
	       (res.outcome == NVMX_OUTCOME_SUCCEED || res.action == NVMX_ACTION_RUN_L2);
}

static void op_plain(void *arg)
{
	struct plain *p = arg;
	struct nvmx_result res;
	if (nvmx_vcpu_handle_exit(p->h->vcpu, &p->e, &res) != NVMX_STATUS_OK ||
	    res.outcome != NVMX_OUTCOME_EXIT_TO_L1) {
		p->failed = true;
		return;
	}
	static const uint32_t rd[5] = { NVMX_F_VM_EXIT_REASON, NVMX_F_EXIT_QUALIFICATION,
	                                NVMX_F_VM_EXIT_INSTRUCTION_LEN, NVMX_F_GUEST_RIP,
	                                NVMX_F_VM_EXIT_INTR_INFO };
	uint64_t val[5];
	bool ok = true;
	for (unsigned i = 0; i < 5; i++) {
		ok &= plain_insn(p, NVMX_EXIT_REASON_VMREAD, 0, rd[i]);
		val[i] = p->h->gpr[1];
	}
	ok &= plain_insn(p, NVMX_EXIT_REASON_VMWRITE, val[3] + val[2], NVMX_F_GUEST_RIP);
	ok &= plain_insn(p, NVMX_EXIT_REASON_VMRESUME, 0, 0);
	if (!ok || !p->h->vcpu->in_l2)
		p->failed = true;
}

/* One line per L1 policy: the library's default (every host-state field
 * written) and a KVM-like L0 that declares what it intercepts of L1. */
static void bench_plain(const char *name, struct refhost *h, const struct nvmx_l2_exit *e)
{
	const char *only = getenv("NVMX_BENCH");
	if (only && *only && !strstr(name, only))
		return;
	struct plain p = { .h = h, .e = *e };
	for (unsigned i = 0; i < 1000; i++) /* warm-up */
		op_plain(&p);
	p.l1_exits = 0;
	enum { BATCHES = 200, PER = 500 };
	char extra[256];
	/* bench_run prints the line; l1_exits is counted over the same
	 * operations, so the warm-up above gives its per-round-trip value. */
	struct plain probe = p;
	op_plain(&probe);
	snprintf(extra, sizeof(extra),
	         "\"l1_exits\": %llu, \"round_trip\": true, \"measures\": \"L2 CPUID exit, L1 "
	         "VMREADs 5 fields, VMWRITEs guest RIP, VMRESUMEs: each an L1 exit through the library\"",
	         (unsigned long long)probe.l1_exits);
	bench_run(name, h, op_plain, NULL, &p, BATCHES, PER, extra);
	if (p.failed || probe.failed)
		fprintf(stderr, "bench_exit: %s: an operation failed\n", name);
}

/* VMCS01's MSR bitmap of a KVM-like L0: WRMSR exits except for what KVM
 * passes through (FS/GS/KERNEL_GS bases, SYSENTER MSRs, SPEC_CTRL,
 * PRED_CMD); SDM 25.6.9 layout. */
static uint8_t kvm_l1_bitmap[4096];

static void kvm_like_l1_policy(struct nvmx_vcpu *v)
{
	memset(kvm_l1_bitmap, 0xff, sizeof(kvm_l1_bitmap));
	static const uint32_t low[] = { 0x48, 0x49, 0x174, 0x175, 0x176 };
	for (unsigned i = 0; i < NVMX_ARRAY_SIZE(low); i++)
		kvm_l1_bitmap[2048 + low[i] / 8] &= (uint8_t)~(1u << (low[i] % 8));
	for (uint32_t m = 0x100; m <= 0x102; m++)
		kvm_l1_bitmap[3072 + m / 8] &= (uint8_t)~(1u << (m % 8));
	struct nvmx_l0_policy pol;
	nvmx_l0_policy_default(&pol);
	pol.l1_flags = NVMX_L1_SKIP_UNCHANGED | NVMX_L1_MOV_DR_EXITING;
	pol.l1_cr0_mask = ~0x8ull;     /* all but TS */
	pol.l1_cr4_mask = ~0x1078eull; /* all but TSD, PVI, DE, PGE, PCE, OSFXSR, OSXMMEXCPT, FSGSBASE */
	pol.l1_msr_bitmap = kvm_l1_bitmap;
	if (nvmx_vcpu_set_l0_policy(v, &pol) != NVMX_STATUS_OK)
		fprintf(stderr, "bench_exit: the KVM-like L1 policy was refused\n");
}

int main(void)
{
	struct refhost h;
	if (refhost_init(&h, 16u << 20, NULL) != NVMX_STATUS_OK)
		return 1;
	struct nvmx_vcpu *v = h.vcpu;
	v->vmxon = true;
	v->vmxon_ptr = 0x1000;
	struct nvmx_vmcs12 *s;
	if (nvmx_vmcs12_load(v, VMCS12_GPA, &s) != NVMX_STATUS_OK)
		return 1;
	v->cur = s;
	v->current_vmptr = VMCS12_GPA;
	setup_vmcs12(&h, s);

	struct refhost_insn in = { .exit_reason = NVMX_EXIT_REASON_VMRESUME, .addr_size = 8 };
	vmresume_exit.size = sizeof(vmresume_exit);
	vmresume_exit.exit_reason = NVMX_EXIT_REASON_VMRESUME;
	vmresume_exit.insn_len = 3;
	vmresume_exit.flags = NVMX_INSN_INFO_VALID;
	vmresume_exit.insn_info = refhost_insn_info(&in);

	struct ctx probe = { .h = &h };
	bool round_trip = l1_enters_l2(&probe, true);
	if (!round_trip) {
		s->launched = true;
		v->in_l2 = true;
		fprintf(stderr, "bench_exit: VM entry unavailable; measuring the exit half only\n");
	}

	struct nvmx_l2_exit e;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);

	struct nvmx_l2_exit ex[4];
	static const char *const names[4][2] = {
		{ "exit_cpuid_to_l1", "roundtrip_cpuid" }, { "exit_io_to_l1", "roundtrip_io" },
		{ "exit_msr_to_l1", "roundtrip_msr" }, { "exit_extint_to_l1", "roundtrip_extint" },
	};
	for (unsigned i = 0; i < 4; i++)
		ex[i] = e;
	ex[0].exit_reason = NVMX_EXIT_REASON_CPUID;
	ex[0].insn_len = 2;
	ex[1].exit_reason = NVMX_EXIT_REASON_IO_INSTRUCTION;
	ex[1].qualification = 0x60ull << 16 | 8;
	ex[1].insn_len = 1;
	ex[2].exit_reason = NVMX_EXIT_REASON_RDMSR;
	ex[2].operand = 0x10;
	ex[2].insn_len = 2;
	ex[3].exit_reason = NVMX_EXIT_REASON_EXTERNAL_INTERRUPT;
	ex[3].intr_info = 0x41 | NVMX_INTR_INFO_VALID;
	/* The exit half alone, then (when VM entry works) the full round trip
	 * with L1's VMRESUME, which also completes the lazy guest-state sync. */
	for (unsigned i = 0; i < 4; i++)
		bench(names[i][0], &h, false, ex[i]);
	if (round_trip)
		for (unsigned i = 0; i < 4; i++)
			bench(names[i][1], &h, true, ex[i]);

	/* Host and library shares of each round trip (the host replay lines
	 * for CPUID only). */
	for (unsigned i = 0; round_trip && i < 4; i++) {
		if (!record_round_trip(&h, &ex[i])) {
			fprintf(stderr, "bench_exit: %s: could not record the callbacks\n", names[i][1]);
			continue;
		}
		struct replay real = { &h, &rec.orig }, nop = { &h, &nop_ops };
		if (i == 0) {
			char extra[160];
			snprintf(extra, sizeof(extra),
			         "\"callbacks\": %u, \"measures\": \"the host callbacks of one CPUID round trip, replayed\"",
			         rec.n);
			bench_run("roundtrip_cpuid_host", &h, op_replay, NULL, &real, 200, 500, extra);
			bench_run("roundtrip_cpuid_host_replay_nop", &h, op_replay, NULL, &nop, 200, 500,
			          "\"measures\": \"the same replay through callbacks that do nothing\"");
		}
		char name[64];
		snprintf(name, sizeof(name), "%s_library", names[i][1]);
		library_share(name, &h, &ex[i], &real, &nop);
	}

	/* The CPUID round trip through a KVM-like L1 (its VMREADs, VMWRITE
	 * and VMRESUME all exits), under the default L0 policy and under a
	 * KVM-like one that lets the library skip redundant VMCS01 writes. */
	if (round_trip) {
		bench_plain("roundtrip_cpuid_plain", &h, &ex[0]);
		kvm_like_l1_policy(v);
		bench("roundtrip_cpuid_skip", &h, true, ex[0]);
		bench_plain("roundtrip_cpuid_plain_skip", &h, &ex[0]);
		struct nvmx_l0_policy def;
		nvmx_l0_policy_default(&def);
		(void)nvmx_vcpu_set_l0_policy(v, &def);
	}

	/* An exit L0 keeps (L1 does not intercept RDMSR of 0x11): no
	 * round trip through L1 either way. */
	e.exit_reason = NVMX_EXIT_REASON_RDMSR;
	e.intr_info = 0;
	e.operand = 0x11;
	struct ctx c = { .h = &h, .e = e };
	if (!v->in_l2)
		v->in_l2 = true;
	bench_run("exit_msr_l0_kept", &h, op_exit, NULL, &c, 200, 500,
	          "\"round_trip\": false, \"measures\": \"decision only (L0 keeps the exit)\"");
	refhost_fini(&h);
	return 0;
}
