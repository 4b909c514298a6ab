#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Plot the round-trip cost per exit reason and mode from nvmx-run traces.

Usage: tools/plot-trace.py OUT.png TRACE.jsonl [TRACE.jsonl ...]

Each TRACE is the output of `nvmx-run --trace FILE [--vmcs01-skip] SCENARIO`
(docs/trace-format.md). The figure has two panels over the exit reasons
found in `round_trip` lines: the median nanoseconds per round trip, and the
accesses per round trip (VMCS01 writes, VMCS01 reads, VMCS02 accesses, L1
exits), one bar per mode (plain, skip). Needs Debian's python3-matplotlib
(tools/install-deps.sh).
"""
import json
import statistics
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Basic exit reasons (SDM appendix C) a trace is likely to hold.
NAMES = {0: "exception/NMI", 1: "ext. interrupt", 10: "CPUID", 12: "HLT", 14: "INVLPG",
         16: "RDTSC", 18: "VMCALL", 28: "CR access", 30: "I/O", 31: "RDMSR", 32: "WRMSR",
         48: "EPT violation"}


def load(paths):
    rts = {}
    for p in paths:
        with open(p) as f:
            for line in f:
                ev = json.loads(line)
                if ev.get("kind") != "round_trip":
                    continue
                rts.setdefault((ev["exit_reason"], ev["mode"]), []).append(ev)
    return rts


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    out, paths = sys.argv[1], sys.argv[2:]
    rts = load(paths)
    if not rts:
        sys.exit("plot-trace: no round_trip line in " + ", ".join(paths))
    reasons = sorted({r for r, _ in rts})
    modes = sorted({m for _, m in rts})
    width = 0.8 / len(modes)
    fig, (ax_ns, ax_n) = plt.subplots(1, 2, figsize=(11, 4.2))
    for j, mode in enumerate(modes):
        xs = [i + (j - (len(modes) - 1) / 2) * width for i in range(len(reasons))]
        ns = [statistics.median(e["ns"] for e in rts.get((r, mode), [{"ns": 0}]))
              for r in reasons]
        ax_ns.bar(xs, ns, width, label=mode)
        # Accesses of one round trip: all runs of a reason count alike
        # after the first (the first follows VMLAUNCH): take the median.
        def med(key):
            return [statistics.median(e[key] for e in rts.get((r, mode), [{key: 0}]))
                    for r in reasons]
        w01, r01 = med("vmcs01_writes"), med("vmcs01_reads")
        a02 = [a + b for a, b in zip(med("vmcs02_reads"), med("vmcs02_writes"))]
        bottom = [0.0] * len(reasons)
        for vals, label, hatch in ((w01, "VMCS01 writes", ""), (r01, "VMCS01 reads", "//"),
                                   (a02, "VMCS02 accesses", "..")):
            ax_n.bar(xs, vals, width, bottom=bottom, hatch=hatch, edgecolor="black",
                     color="C%d" % j, alpha=1.0 if not hatch else 0.55,
                     label="%s: %s" % (mode, label))
            bottom = [b + v for b, v in zip(bottom, vals)]
        for x, e, top in zip(xs, med("l1_exits"), bottom):
            ax_n.annotate("%d L1 exits" % e, (x, top), ha="center", va="bottom", fontsize=7)
    labels = ["%s (%d)" % (NAMES.get(r, "reason"), r) for r in reasons]
    for ax in (ax_ns, ax_n):
        ax.set_xticks(range(len(reasons)))
        ax.set_xticklabels(labels)
    ax_ns.set_ylabel("ns per round trip (median, library + reference host)")
    ax_ns.set_title("Round-trip time per exit reason")
    ax_ns.legend(loc="lower right")
    ax_n.set_ylabel("accesses per round trip (median)")
    ax_n.set_title("VMCS accesses and L1 exits per round trip")
    ax_n.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print("wrote " + out)


main()
