/* SPDX-License-Identifier: MIT */
/*
 * nvmx-run [scenario-file | -]
 *
 * Plays a scenario (docs/scenario-format.md) line by line and prints, for
 * every command, `<the command as written> -> <outcome>`. With no argument
 * it plays the built-in demo and prints its narration.
 *
 * Exit status: 0 when every line ran and every `expect` held; 1 at the first
 * `expect` that does not hold (the run stops there); 2 when a line was
 * malformed, refused or not allowed at that point (an `error` line; the run
 * goes on), or the file cannot be read.
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { EXIT_MISMATCH = 1, EXIT_SCRIPT_ERROR = 2 };

struct player {
	struct runner r;
	const char *source;     /* file name for messages */
	bool narrate;           /* echo comment lines (the demo) */
	unsigned errors;        /* error lines of kind SCRIPT_ERROR */
	bool have_last;         /* a command ran: expect may follow */
	unsigned last_line;
	char last_cmd[512];
	struct outcome last;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Cut the comment off a line. `#` starts a comment at the start of a line or
 * after a blank, except the outcome word right after `expect` (`expect #GP`).
 * Returns the trimmed command text, or "" for a blank or comment line.
 */
static char *strip(char *line, bool *comment_only)
{
	while (is_blank(*line))
		line++;
	*comment_only = *line == '#';
	if (*comment_only)
		return line;
	size_t n = strlen(line);
	bool expect = n >= 6 && strncasecmp(line, "expect", 6) == 0 && (line[6] == 0 || is_blank(line[6]));
	size_t keep = 0; /* index of the first token after expect */
	if (expect) {
		keep = 6;
		while (line[keep] && is_blank(line[keep]))
			keep++;
	}
	for (size_t i = 1; i < n; i++) {
		if (line[i] == '#' && is_blank(line[i - 1]) && !(expect && i == keep)) {
			line[i] = 0;
			break;
		}
	}
	n = strlen(line);
	while (n > 0 && is_blank(line[n - 1]))
		line[--n] = 0;
	return line;
}

/* Returns false when the run must stop (an expect did not hold). */
static bool play_line(struct player *p, char *raw, unsigned lineno)
{
	bool comment;
	char *text = strip(raw, &comment);
	if (comment) {
		if (p->narrate)
			printf("%s\n", text);
		return true;
	}
	if (*text == 0)
		return true;

	char words[512];
	struct cmd_line cl;
	struct outcome o;
	memset(&o, 0, sizeof(o));
	if (strlen(text) >= sizeof(words)) {
		outcome_error(&o, "line too long");
	} else {
		strcpy(words, text);
		if (!split_words(words, &cl))
			outcome_error(&o, "too many words (at most %d)", RUNNER_MAX_TOKENS);
	}
	if (o.kind == OUTCOME_OK && word_is(cl.tok[0], "expect")) {
		char want[RUNNER_OUTCOME_MAX], err[128];
		const char *rest = text + 6;
		while (is_blank(*rest))
			rest++;
		if (!p->have_last) {
			outcome_error(&o, "expect must follow a command");
		} else if (!canonical_outcome(rest, want, sizeof(want), err, sizeof(err))) {
			outcome_error(&o, "%s", err);
		} else if (p->last.kind != OUTCOME_OK || strcmp(want, p->last.text) != 0) {
			printf("%s -> mismatch: line %u '%s' gave '%s'\n", text, p->last_line,
			       p->last_cmd, p->last.text);
			fprintf(stderr, "nvmx-run: %s:%u: expected '%s' but line %u '%s' gave '%s'\n",
			        p->source, lineno, want, p->last_line, p->last_cmd, p->last.text);
			return false;
		} else {
			return true; /* the expectation holds: nothing to print */
		}
	} else if (o.kind == OUTCOME_OK) {
		runner_exec(&p->r, &cl, &o);
		p->have_last = true;
		p->last_line = lineno;
		snprintf(p->last_cmd, sizeof(p->last_cmd), "%s", text);
		p->last = o;
	}
	printf("%s -> %s\n", text, o.text);
	if (o.kind == OUTCOME_SCRIPT_ERROR) {
		p->errors++;
		fprintf(stderr, "nvmx-run: %s:%u: %s\n", p->source, lineno, o.text);
	}
	return true;
}

static int finish(struct player *p, bool stopped)
{
	fflush(stdout);
	bool wrong = p->r.host_live && p->r.h.l1_skips_wrong;
	if (wrong)
		fprintf(stderr, "nvmx-run: %s: %llu skipped VMCS01 writes were not redundant (last field %#x)\n",
		        p->source, (unsigned long long)p->r.h.l1_skips_wrong, p->r.h.l1_skip_wrong_field);
	runner_fini(&p->r);
	if (stopped || wrong)
		return EXIT_MISMATCH;
	return p->errors ? EXIT_SCRIPT_ERROR : 0;
}

static int play_demo(struct player *p)
{
	char buf[512];
	unsigned n = 0;
	for (const char *const *l = runner_demo; *l; l++) {
		snprintf(buf, sizeof(buf), "%s", *l);
		if (!play_line(p, buf, ++n))
			return finish(p, true);
	}
	return finish(p, false);
}

static int play_file(struct player *p, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned n = 0;
	bool stopped = false;
	while (getline(&line, &cap, f) >= 0) {
		if (!play_line(p, line, ++n)) {
			stopped = true;
			break;
		}
	}
	free(line);
	return finish(p, stopped);
}

int main(int argc, char **argv)
{
	static struct player p; /* large: the reference host lives inside */
	/* Options first: --trace FILE (docs/trace-format.md), --vmcs01-skip
	 * (a KVM-like L0 policy whose skipped VMCS01 writes are all checked). */
	int a = 1;
	const char *trace_path = NULL;
	for (; a < argc && strncmp(argv[a], "--", 2) == 0 && strcmp(argv[a], "--help") != 0; a++) {
		if (strcmp(argv[a], "--trace") == 0 && a + 1 < argc) {
			trace_path = argv[++a];
		} else if (strcmp(argv[a], "--vmcs01-skip") == 0) {
			runner_opts.vmcs01_skip = true;
			runner_opts.verify = true;
		} else if (strcmp(argv[a], "--vmcs01-skip-unchecked") == 0) {
			runner_opts.vmcs01_skip = true; /* for timing: no check */
		} else {
			fprintf(stderr, "nvmx-run: unknown option %s\n", argv[a]);
			return EXIT_SCRIPT_ERROR;
		}
	}
	argc -= a - 1;
	argv += a - 1;
	if (argc > 2 || (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	                               strcmp(argv[1], "--help") == 0))) {
		fprintf(stderr, "usage: nvmx-run [--trace FILE] [--vmcs01-skip[-unchecked]] [scenario-file | -]\n"
		                "  Plays a libnvmx scenario on the reference host; with no\n"
		                "  argument, plays the built-in demo. See docs/scenario-format.md;\n"
		                "  --trace writes one JSON line per transition (docs/trace-format.md),\n"
		                "  --vmcs01-skip runs a KVM-like L0 that skips redundant VMCS01 writes,\n"
		                "  each checked against a full load (-unchecked: not checked, for timing).\n");
		return argc > 2 ? EXIT_SCRIPT_ERROR : 0;
	}
	if (trace_path) {
		runner_opts.trace = fopen(trace_path, "w");
		if (!runner_opts.trace) {
			perror(trace_path);
			return EXIT_SCRIPT_ERROR;
		}
	}
	if (!runner_init(&p.r)) {
		fprintf(stderr, "nvmx-run: cannot set up the reference host\n");
		return EXIT_SCRIPT_ERROR;
	}
	int rc;
	if (argc == 1) {
		p.source = "demo";
		p.narrate = true;
		rc = play_demo(&p);
	} else if (strcmp(argv[1], "-") == 0) {
		p.source = "stdin";
		rc = play_file(&p, stdin);
	} else {
		FILE *f = fopen(argv[1], "r");
		if (!f) {
			perror(argv[1]);
			runner_fini(&p.r);
			return EXIT_SCRIPT_ERROR;
		}
		p.source = argv[1];
		rc = play_file(&p, f);
		fclose(f);
	}
	if (runner_opts.trace && fclose(runner_opts.trace) != 0) {
		perror(trace_path);
		rc = rc ? rc : EXIT_SCRIPT_ERROR;
	}
	return rc;
}
