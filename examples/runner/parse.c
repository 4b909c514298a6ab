/* SPDX-License-Identifier: MIT */
/* Words of the scenario format: numbers, VMCS fields, MSRs, outcomes. */
#include "runner.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>


bool word_is(const char *w, const char *lit)
{
	for (; *w && *lit; w++, lit++) {
		if (tolower((unsigned char)*w) != tolower((unsigned char)*lit))
			return false;
	}
	return *w == 0 && *lit == 0;
}

bool parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == 0)
		return false;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (x > (UINT64_MAX - d) / base)
			return false;
		x = x * base + d;
	}
	*v = x;
	return true;
}

/* Upper-case copy of a name; false if it does not fit. */
static bool upper_copy(const char *s, char *buf, size_t bufsz)
{
	size_t n = strlen(s);
	if (n + 1 > bufsz)
		return false;
	for (size_t i = 0; i <= n; i++)
		buf[i] = (char)toupper((unsigned char)s[i]);
	return true;
}

bool parse_field(const char *s, uint64_t *enc)
{
	if (parse_u64(s, enc))
		return true;
	char name[64];
	if (!upper_copy(s, name, sizeof(name)))
		return false;
	uint32_t e;
	if (!nvmx_vmcs_field_by_name(name, &e))
		return false;
	*enc = e;
	return true;
}

/* SDM appendix A names (and IA32_FEATURE_CONTROL, SDM 24.7). */
static const struct {
	uint32_t msr;
	const char *name;
} msr_names[] = {
	{ NVMX_MSR_IA32_FEATURE_CONTROL, "IA32_FEATURE_CONTROL" },
	{ NVMX_MSR_IA32_VMX_BASIC, "IA32_VMX_BASIC" },
	{ NVMX_MSR_IA32_VMX_PINBASED_CTLS, "IA32_VMX_PINBASED_CTLS" },
	{ NVMX_MSR_IA32_VMX_PROCBASED_CTLS, "IA32_VMX_PROCBASED_CTLS" },
	{ NVMX_MSR_IA32_VMX_EXIT_CTLS, "IA32_VMX_EXIT_CTLS" },
	{ NVMX_MSR_IA32_VMX_ENTRY_CTLS, "IA32_VMX_ENTRY_CTLS" },
	{ NVMX_MSR_IA32_VMX_MISC, "IA32_VMX_MISC" },
	{ NVMX_MSR_IA32_VMX_CR0_FIXED0, "IA32_VMX_CR0_FIXED0" },
	{ NVMX_MSR_IA32_VMX_CR0_FIXED1, "IA32_VMX_CR0_FIXED1" },
	{ NVMX_MSR_IA32_VMX_CR4_FIXED0, "IA32_VMX_CR4_FIXED0" },
	{ NVMX_MSR_IA32_VMX_CR4_FIXED1, "IA32_VMX_CR4_FIXED1" },
	{ NVMX_MSR_IA32_VMX_VMCS_ENUM, "IA32_VMX_VMCS_ENUM" },
	{ NVMX_MSR_IA32_VMX_PROCBASED_CTLS2, "IA32_VMX_PROCBASED_CTLS2" },
	{ NVMX_MSR_IA32_VMX_EPT_VPID_CAP, "IA32_VMX_EPT_VPID_CAP" },
	{ NVMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS, "IA32_VMX_TRUE_PINBASED_CTLS" },
	{ NVMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS, "IA32_VMX_TRUE_PROCBASED_CTLS" },
	{ NVMX_MSR_IA32_VMX_TRUE_EXIT_CTLS, "IA32_VMX_TRUE_EXIT_CTLS" },
	{ NVMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS, "IA32_VMX_TRUE_ENTRY_CTLS" },
	{ NVMX_MSR_IA32_VMX_VMFUNC, "IA32_VMX_VMFUNC" },
	{ NVMX_MSR_IA32_VMX_PROCBASED_CTLS3, "IA32_VMX_PROCBASED_CTLS3" },
	{ NVMX_MSR_IA32_VMX_EXIT_CTLS2, "IA32_VMX_EXIT_CTLS2" },
};

bool parse_msr(const char *s, uint32_t *msr)
{
	uint64_t v;
	if (parse_u64(s, &v)) {
		if (v > UINT32_MAX)
			return false;
		*msr = (uint32_t)v;
		return true;
	}
	for (size_t i = 0; i < sizeof(msr_names) / sizeof(msr_names[0]); i++) {
		if (word_is(s, msr_names[i].name)) {
			*msr = msr_names[i].msr;
			return true;
		}
	}
	return false;
}

const char *msr_name(uint32_t msr)
{
	for (size_t i = 0; i < sizeof(msr_names) / sizeof(msr_names[0]); i++) {
		if (msr_names[i].msr == msr)
			return msr_names[i].name;
	}
	return NULL;
}

bool split_words(char *line, struct cmd_line *cl)
{
	cl->ntok = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == 0)
			return true;
		if (cl->ntok == RUNNER_MAX_TOKENS)
			return false;
		cl->tok[cl->ntok++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = 0;
	}
}

/* The fault outcomes, by vector (SDM 6.15). */
static const char *const fault_names[32] = {
	[0] = "#DE", [1] = "#DB", [3] = "#BP", [4] = "#OF", [5] = "#BR",
	[6] = "#UD", [7] = "#NM", [8] = "#DF", [10] = "#TS", [11] = "#NP", [12] = "#SS",
	[13] = "#GP", [14] = "#PF", [16] = "#MF", [17] = "#AC", [18] = "#MC", [19] = "#XM",
	[20] = "#VE", [21] = "#CP",
};

const char *fault_name(uint8_t vector, char *buf, size_t bufsz)
{
	if (vector < 32 && fault_names[vector])
		return fault_names[vector];
	snprintf(buf, bufsz, "#%u", vector);
	return buf;
}

/* "key=<number>" */
static bool parse_keyed(const char *w, const char *key, uint64_t *v)
{
	size_t n = strlen(key);
	if (strncmp(w, key, n) != 0)
		return false;
	return parse_u64(w + n, v);
}

bool canonical_outcome(const char *in, char *out, size_t outsz, char *err, size_t errsz)
{
	char buf[RUNNER_OUTCOME_MAX];
	if (strlen(in) >= sizeof(buf)) {
		snprintf(err, errsz, "outcome too long");
		return false;
	}
	strcpy(buf, in);
	struct cmd_line w;
	if (!split_words(buf, &w) || w.ntok == 0) {
		snprintf(err, errsz, "expect needs one outcome");
		return false;
	}
	const char *k = w.tok[0];
	uint64_t a, b;
#define ARGS(n)                                                                           \
	do {                                                                              \
		if (w.ntok != (n) + 1u) {                                                 \
			snprintf(err, errsz, "outcome '%s' takes %u operand%s", k, (n),   \
			         (n) == 1 ? "" : "s");                                    \
			return false;                                                     \
		}                                                                         \
	} while (0)
	if (word_is(k, "ok")) {
		if (w.ntok == 1) {
			snprintf(out, outsz, "ok");
			return true;
		}
		ARGS(1);
		if (!parse_u64(w.tok[1], &a))
			goto bad_number;
		snprintf(out, outsz, "ok 0x%" PRIx64, a);
		return true;
	}
	static const char *const bare[] = { "vmfail-invalid", "l2-running", "l0-handled",
		                            "no-exit", "vmx-abort", "init-l1", "init-blocked",
	                            "l2-#GP" };
	for (size_t i = 0; i < sizeof(bare) / sizeof(bare[0]); i++) {
		if (word_is(k, bare[i])) {
			ARGS(0);
			snprintf(out, outsz, "%s", bare[i]);
			return true;
		}
	}
	if (word_is(k, "vmfail-valid")) {
		ARGS(1);
		if (!parse_u64(w.tok[1], &a))
			goto bad_number;
		snprintf(out, outsz, "vmfail-valid %" PRIu64, a);
		return true;
	}
	if (word_is(k, "entry-fail") || word_is(k, "exit-to-l1")) {
		ARGS(2);
		if (!parse_u64(w.tok[1], &a) || !parse_keyed(w.tok[2], "qual=", &b))
			goto bad_number;
		if (word_is(k, "entry-fail"))
			snprintf(out, outsz, "entry-fail 0x%" PRIx64 " qual=0x%" PRIx64, a, b);
		else
			snprintf(out, outsz, "exit-to-l1 %" PRIu64 " qual=0x%" PRIx64, a, b);
		return true;
	}
	if (word_is(k, "refused")) {
		/* A restore the library refused: the reason name, upper case. */
		ARGS(1);
		snprintf(out, outsz, "refused %s", w.tok[1]);
		for (char *c = out + 8; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
		return true;
	}
	if (word_is(k, "virtual-interrupt")) {
		ARGS(1);
		if (!parse_u64(w.tok[1], &a))
			goto bad_number;
		snprintf(out, outsz, "virtual-interrupt 0x%" PRIx64, a);
		return true;
	}
	if (word_is(k, "l2-access-ok")) {
		ARGS(1);
		if (!parse_keyed(w.tok[1], "hpa=", &a))
			goto bad_number;
		snprintf(out, outsz, "l2-access-ok hpa=0x%" PRIx64, a);
		return true;
	}
	if (k[0] == '#') {
		ARGS(0);
		for (unsigned v = 0; v < 32; v++) {
			if (fault_names[v] && word_is(k, fault_names[v])) {
				snprintf(out, outsz, "%s", fault_names[v]);
				return true;
			}
		}
		snprintf(err, errsz, "unknown fault '%s'", k);
		return false;
	}
	if (word_is(k, "error")) {
		snprintf(err, errsz, "error lines cannot be expected");
		return false;
	}
	snprintf(err, errsz, "unknown outcome '%s'", k);
	return false;
bad_number:
	snprintf(err, errsz, "bad number in outcome");
	return false;
#undef ARGS
}
