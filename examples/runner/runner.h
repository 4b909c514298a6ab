/* SPDX-License-Identifier: MIT */
/*
 * nvmx-run: plays a scenario (docs/scenario-format.md)
 * against libnvmx on the reference host.
 *
 * Layout: parse.c turns words into numbers, VMCS field encodings, MSR
 * indices and outcomes; outcome.c turns a struct nvmx_result into the outcome
 * text; commands.c holds the command table (one handler per verb); l2.c
 * parses the `l2` events and delivers them to the reference host's hardware
 * model (l2model.h, hw_ept.h); demo.c is the built-in scenario; main.c reads lines and checks
 * `expect`.
 */
#ifndef NVMX_RUNNER_H
#define NVMX_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "refhost.h"

#define RUNNER_MAX_TOKENS 8
#define RUNNER_OUTCOME_MAX 256
/* Default L1 memory, and the bounds `l1 memory` accepts. */
#define RUNNER_MEM_MIN (64ull << 10)
#define RUNNER_MEM_MAX (16ull << 30)
/* Memory operands are stored in the last 4 KiB page of L1 memory. */
#define RUNNER_SCRATCH_SIZE 4096ull

/* What happened to one command. */
enum outcome_kind {
	OUTCOME_OK = 0,         /* an architectural outcome (text holds it) */
	OUTCOME_SCRIPT_ERROR,   /* malformed, refused or not allowed now: error line */
	OUTCOME_LIB_ERROR,      /* the library returned a non-OK status: error line */
};

struct outcome {
	enum outcome_kind kind;
	char text[RUNNER_OUTCOME_MAX];
};

/* One command line, split into words. */
struct cmd_line {
	const char *tok[RUNNER_MAX_TOKENS];
	unsigned ntok;
};

/* The L1 operating mode `l1 mode` selects. */
enum l1_mode { L1_MODE_REAL, L1_MODE_PROTECTED, L1_MODE_COMPAT, L1_MODE_LONG };

struct runner {
	struct refhost h;
	bool host_live;         /* h is initialized */
	bool touched;           /* a command used the host: `l1 memory` is too late */
	bool vmx_seen;          /* L1 has been in VMX operation: caps are fixed */
	bool l2_running;        /* who runs: L2 (true) or L1 */
	bool shut_down;         /* a VMX abort shut L1 down: nothing runs */
	enum l1_mode mode;
	uint64_t mem_size;
};

/* ---- trace.c ---- */
struct runner_opts {
	FILE *trace;            /* --trace FILE, else NULL */
	bool vmcs01_skip;       /* --vmcs01-skip, --vmcs01-skip-unchecked */
	bool verify;            /* --vmcs01-skip: each skipped write checked */
	uint32_t l0_flags;      /* NVMX_L0_* the scenario asked for (`l0 emulate-apic`) */
};
extern struct runner_opts runner_opts;
/* Around each library call that is a transition: an L2 exit
 * (nvmx_vcpu_handle_exit) or an L1 VMX instruction (an L1 exit). */
void runner_trace_begin(struct runner *r);
void runner_trace_end(struct runner *r, bool l2_exit, uint32_t exit_reason,
                      const struct nvmx_result *res);
/* The L0 policy of the options, set on every new reference host. */
bool runner_apply_l0(struct runner *r);

/* ---- parse.c ---- */
/* Decimal or 0x-hex, the whole word, no overflow. */
bool parse_u64(const char *s, uint64_t *v);
/* A VMCS field: SDM name (optionally with _HIGH) or an encoding number. */
bool parse_field(const char *s, uint64_t *enc);
/* An MSR: SDM appendix A name, IA32_FEATURE_CONTROL, or a number. */
bool parse_msr(const char *s, uint32_t *msr);
/* The SDM name of a capability MSR (or IA32_FEATURE_CONTROL), or NULL. */
const char *msr_name(uint32_t msr);
/* Case-insensitive word comparison. */
bool word_is(const char *w, const char *lit);
/* Split `line` (modified in place) into words. False when there are more
 * than RUNNER_MAX_TOKENS. */
bool split_words(char *line, struct cmd_line *cl);
/* Bring an outcome written in a script (`expect <outcome>`) to the form the
 * runner prints. False (with a message in err) when it is not an outcome. */
bool canonical_outcome(const char *in, char *out, size_t outsz, char *err, size_t errsz);

/* ---- outcome.c ---- */
void outcome_set(struct outcome *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void outcome_error(struct outcome *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void outcome_status(struct outcome *o, enum nvmx_status s);
/* The mnemonic of an exception vector ("#GP"), "#<n>" for others. */
const char *fault_name(uint8_t vector, char *buf, size_t bufsz);
/*
 * The outcome of an L1 VMX instruction or an L2 event from the library's
 * result. `value` is printed after `ok` when has_value (vmread, vmptrst).
 * Updates who runs: L2_ENTERED makes L2 run; EXIT_TO_L1 and ENTRY_FAILED
 * give L1 the processor back.
 */
void outcome_from_result(struct runner *r, const struct nvmx_result *res, bool has_value,
                         uint64_t value, struct outcome *o);
/* Outcomes the reference host decides without the library (l2 events). */
void outcome_no_exit(struct outcome *o);
void outcome_l2_access_ok(struct outcome *o, uint64_t hpa);

/* ---- commands.c ---- */
bool runner_init(struct runner *r);
void runner_fini(struct runner *r);
/* A fresh host with mem_size bytes of L1 memory: false once a command used
 * the host (`l1 memory` and a first `restore`), or when it cannot be had. */
bool runner_resize(struct runner *r, uint64_t mem_size);
/* Run one command (already split); the outcome goes into *o. */
void runner_exec(struct runner *r, const struct cmd_line *cl, struct outcome *o);

/* ---- l2.c ---- */
void runner_l2(struct runner *r, const struct cmd_line *cl, struct outcome *o);

/* ---- state.c ---- */
/* save <file> [flush], restore <file>: the library's nested state in
 * <file>, the reference host's own state (L1 memory, L1 registers and
 * VMCS01, EPT01, who runs) in <file>.host. */
void runner_save(struct runner *r, const struct cmd_line *cl, struct outcome *o);
void runner_restore(struct runner *r, const struct cmd_line *cl, struct outcome *o);

/* ---- demo.c ---- */
extern const char *const runner_demo[];

#endif
