/* SPDX-License-Identifier: MIT */
/* The words of the scenario format (examples/runner/parse.c). */
#include <criterion/criterion.h>
#include <string.h>
#include "runner.h"

Test(parse, reads_decimal_and_hex_numbers)
{
	uint64_t v;
	cr_expect(parse_u64("0", &v) && v == 0);
	cr_expect(parse_u64("4096", &v) && v == 4096);
	cr_expect(parse_u64("0x1000", &v) && v == 0x1000);
	cr_expect(parse_u64("0XaBcD", &v) && v == 0xabcd);
	cr_expect(parse_u64("18446744073709551615", &v) && v == UINT64_MAX);
	cr_expect(parse_u64("0xffffffffffffffff", &v) && v == UINT64_MAX);
}

Test(parse, refuses_malformed_and_overflowing_numbers)
{
	uint64_t v = 7;
	static const char *bad[] = { "", "0x", "12x", "-1", "+1", "0x10000000000000000",
		                     "18446744073709551616", "1 2", "ff", "0b1", "1e3" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_not(parse_u64(bad[i], &v), "'%s' accepted", bad[i]);
	cr_expect_eq(v, 7, "a refused number must not change the output");
}

/* Encodings from SDM appendix B. */
Test(parse, names_fields_as_in_appendix_b)
{
	uint64_t e;
	cr_expect(parse_field("GUEST_RIP", &e) && e == 0x681e);
	cr_expect(parse_field("cpu_based_vm_exec_control", &e) && e == 0x4002);
	cr_expect(parse_field("VIRTUAL_PROCESSOR_ID", &e) && e == 0x0000);
	cr_expect(parse_field("TSC_OFFSET_HIGH", &e) && e == 0x2011);
	cr_expect(parse_field("0x1234", &e) && e == 0x1234);
	cr_expect_not(parse_field("GUEST_RIP_HIGH", &e), "natural-width fields have no high half");
	cr_expect_not(parse_field("NOT_A_FIELD", &e));
	cr_expect_not(parse_field("", &e));
}

Test(parse, names_msrs_as_in_appendix_a)
{
	uint32_t m;
	cr_expect(parse_msr("IA32_VMX_BASIC", &m) && m == 0x480);
	cr_expect(parse_msr("ia32_vmx_procbased_ctls2", &m) && m == 0x48b);
	cr_expect(parse_msr("IA32_VMX_EXIT_CTLS2", &m) && m == 0x493);
	cr_expect(parse_msr("IA32_FEATURE_CONTROL", &m) && m == 0x3a);
	cr_expect(parse_msr("0x491", &m) && m == 0x491);
	cr_expect_not(parse_msr("0x100000000", &m), "MSR indices are 32 bits");
	cr_expect_not(parse_msr("IA32_VMX_BASICS", &m));
	cr_expect_str_eq(msr_name(0x48e), "IA32_VMX_TRUE_PROCBASED_CTLS");
	cr_expect_null(msr_name(0x10));
}

Test(parse, splits_at_most_eight_words)
{
	char a[] = "  vmwrite\tGUEST_RIP   0x10  ";
	struct cmd_line cl;
	cr_assert(split_words(a, &cl));
	cr_assert_eq(cl.ntok, 3);
	cr_expect_str_eq(cl.tok[0], "vmwrite");
	cr_expect_str_eq(cl.tok[1], "GUEST_RIP");
	cr_expect_str_eq(cl.tok[2], "0x10");
	char b[] = "a b c d e f g h i";
	cr_expect_not(split_words(b, &cl));
}

static void canon(const char *in, const char *want)
{
	char out[RUNNER_OUTCOME_MAX], err[128];
	cr_assert(canonical_outcome(in, out, sizeof(out), err, sizeof(err)), "'%s': %s", in, err);
	cr_expect_str_eq(out, want, "'%s'", in);
}

static void refused(const char *in)
{
	char out[RUNNER_OUTCOME_MAX], err[128];
	cr_expect_not(canonical_outcome(in, out, sizeof(out), err, sizeof(err)), "'%s'", in);
}

Test(parse, brings_outcomes_to_the_printed_form)
{
	canon("ok", "ok");
	canon("ok 16", "ok 0x10");
	canon("ok 0x0010", "ok 0x10");
	canon("OK 0XFF", "ok 0xff");
	canon("vmfail-invalid", "vmfail-invalid");
	canon("vmfail-valid 0xc", "vmfail-valid 12");
	canon("#gp", "#GP");
	canon("#UD", "#UD");
	canon("#PF", "#PF");
	canon("#SS", "#SS");
	canon("entry-fail 2147483681 qual=2", "entry-fail 0x80000021 qual=0x2");
	canon("exit-to-l1 0x1e qual=0x80", "exit-to-l1 30 qual=0x80");
	canon("l2-running", "l2-running");
	canon("l0-handled", "l0-handled");
	canon("no-exit", "no-exit");
	canon("l2-access-ok hpa=0x1000002000", "l2-access-ok hpa=0x1000002000");
}

Test(parse, refuses_what_is_not_an_outcome)
{
	refused("");
	refused("okay");
	refused("ok 1 2");
	refused("ok x");
	refused("vmfail-valid");
	refused("vmfail-invalid 3");
	refused("#XY");
	refused("entry-fail 0x21");
	refused("entry-fail 0x21 0");
	refused("exit-to-l1 30 hpa=1");
	refused("l2-access-ok 0x1000");
	refused("error unknown command");
}

Test(parse, names_fault_vectors)
{
	char buf[8];
	cr_expect_str_eq(fault_name(6, buf, sizeof(buf)), "#UD");
	cr_expect_str_eq(fault_name(13, buf, sizeof(buf)), "#GP");
	cr_expect_str_eq(fault_name(12, buf, sizeof(buf)), "#SS");
	cr_expect_str_eq(fault_name(14, buf, sizeof(buf)), "#PF");
	cr_expect_str_eq(fault_name(200, buf, sizeof(buf)), "#200");
}
