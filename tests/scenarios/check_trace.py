#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The trace format of nvmx-run --trace (docs/trace-format.md).

Usage: check_trace.py NVMX_RUN SCENARIO BENCH_EXIT

Plays SCENARIO (trace_kvm_l1.nvmx: L2 CPUID, RDMSR and VMCALL exits handled
by an L1 that does what KVM's L1 code does) in both modes, plain and
--vmcs01-skip, and checks that every line has the documented keys and
types, that each round_trip line is the sum of the transitions it closes,
and that the CPUID round trips in steady state count exactly what
bench_exit's roundtrip_cpuid_plain and roundtrip_cpuid_plain_skip report.
"""
import json
import os
import subprocess
import sys
import tempfile

TRANSITION = {"seq": int, "kind": str, "mode": str, "exit_reason": int, "outcome": int,
              "reason": int, "reflected": bool, "l1_exits": int, "vmcs02_reads": int,
              "vmcs02_writes": int, "vmcs01_reads": int, "vmcs01_writes": int, "ns": int}
ROUND_TRIP = {"seq": int, "kind": str, "mode": str, "exit_reason": int, "l1_exits": int,
              "vmcs02_reads": int, "vmcs02_writes": int, "vmcs01_reads": int,
              "vmcs01_writes": int, "ns": int}
COUNTS = ("l1_exits", "vmcs02_reads", "vmcs02_writes", "vmcs01_reads", "vmcs01_writes", "ns")
CPUID = 10


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def play(nvmx_run, scenario, skip):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.jsonl")
        args = [nvmx_run, "--trace", path] + (["--vmcs01-skip"] if skip else []) + [scenario]
        r = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            fail("%s exited %d: %s" % (" ".join(args), r.returncode, r.stderr))
        with open(path) as f:
            return [json.loads(line) for line in f]


def check_lines(lines, mode):
    if not lines:
        fail("empty trace")
    open_rt = None
    rts = []
    for i, ev in enumerate(lines):
        if ev.get("seq") != i:
            fail("line %d: seq %r" % (i, ev.get("seq")))
        keys = ROUND_TRIP if ev.get("kind") == "round_trip" else TRANSITION
        if set(ev) != set(keys):
            fail("line %d: keys %s, want %s" % (i, sorted(ev), sorted(keys)))
        for k, t in keys.items():
            if type(ev[k]) is not t:
                fail("line %d: %s is %r" % (i, k, ev[k]))
        if ev["mode"] != mode:
            fail("line %d: mode %s, want %s" % (i, ev["mode"], mode))
        if ev["kind"] == "l2_exit":
            if ev["l1_exits"] != 0:
                fail("line %d: an L2 exit is no L1 exit" % i)
            if ev["reflected"]:
                open_rt = dict(ev, l1_exits=0)
        elif ev["kind"] == "l1_insn":
            if ev["l1_exits"] != 1 or ev["reflected"]:
                fail("line %d: an L1 instruction is one L1 exit" % i)
            if open_rt is not None:
                for k in COUNTS:
                    open_rt[k] += ev[k]
        elif ev["kind"] == "round_trip":
            if open_rt is None:
                fail("line %d: a round trip nothing opened" % i)
            for k in COUNTS:
                if ev[k] != open_rt[k]:
                    fail("line %d: %s %d, the transitions sum to %d" % (i, k, ev[k], open_rt[k]))
            if ev["exit_reason"] != open_rt["exit_reason"]:
                fail("line %d: exit reason %d, opened by %d" % (i, ev["exit_reason"],
                                                               open_rt["exit_reason"]))
            rts.append(ev)
            open_rt = None
        else:
            fail("line %d: kind %r" % (i, ev["kind"]))
    return rts


def bench_counts(bench_exit):
    env = dict(os.environ, NVMX_BENCH="roundtrip_cpuid_plain")
    r = subprocess.run([bench_exit], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=env)
    if r.returncode != 0:
        fail("bench_exit exited %d: %s" % (r.returncode, r.stderr))
    out = {}
    for line in r.stdout.splitlines():
        b = json.loads(line)
        out[b["bench"]] = b
    for name in ("roundtrip_cpuid_plain", "roundtrip_cpuid_plain_skip"):
        if name not in out:
            fail("bench_exit printed no %s line" % name)
    return out


def main():
    if len(sys.argv) != 4:
        fail("usage: check_trace.py NVMX_RUN SCENARIO BENCH_EXIT")
    nvmx_run, scenario, bench_exit = sys.argv[1:]
    bench = bench_counts(bench_exit)
    for skip, name in ((False, "roundtrip_cpuid_plain"), (True, "roundtrip_cpuid_plain_skip")):
        mode = "skip" if skip else "plain"
        rts = check_lines(play(nvmx_run, scenario, skip), mode)
        cpuid = [r for r in rts if r["exit_reason"] == CPUID]
        if len(cpuid) < 2:
            fail("%s: %d CPUID round trips" % (mode, len(cpuid)))
        # The first one follows VMLAUNCH; from the second on, steady state.
        b = bench[name]
        want = {"l1_exits": b["l1_exits"], "vmcs02_reads": b["vmcs_reads"],
                "vmcs02_writes": b["vmcs_writes"], "vmcs01_reads": b["l1_reads"],
                "vmcs01_writes": b["l1_writes"]}
        for r in cpuid[1:]:
            for k, v in want.items():
                if r[k] != v:
                    fail("%s: CPUID round trip seq %d: %s %d, bench_exit %s says %s" %
                         (mode, r["seq"], k, r[k], name, v))
        print("%s: %d round trips, CPUID: %s" % (mode, len(rts), want))
    print("ok")


main()
