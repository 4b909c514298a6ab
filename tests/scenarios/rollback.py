#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Roll-back check for nvmx-run's save/restore (docs/nested-state.md).

usage: rollback.py <nvmx-run> <scenario> <tmpdir>

Plays the scenario whole (A). For every `# cut` comment line: plays the lines
before it plus `save <tmp>` (its output must be A's first lines, then
`save ... -> ok`), then, in a fresh nvmx-run, `restore <tmp>` plus the lines
after it: `restore ... -> ok` and then exactly the rest of A. Also checks
that saving does not change what the run prints afterwards, and that a
corrupted blob, or VM blob (<file>.vm), is refused with a named reason while
the run goes on.
"""
import os
import subprocess
import sys


# meson's MALLOC_PERTURB_ makes every run pay for filling 256 MiB of freed L1
# memory; this test plays the scenario about forty times.
ENV = {k: v for k, v in os.environ.items() if k != "MALLOC_PERTURB_"}


def play(runner, lines):
    p = subprocess.run([runner, "-"], input="".join(lines), capture_output=True, text=True,
                       env=ENV)
    return p.returncode, p.stdout.splitlines()


def main():
    runner, scenario, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(tmp, exist_ok=True)
    lines = open(scenario).readlines()
    rc, full = play(runner, lines)
    if rc != 0:
        print("the whole scenario fails (%d)" % rc)
        return 1
    cuts = [i for i, l in enumerate(lines) if l.strip().startswith("# cut")]
    if not cuts:
        print("no '# cut' lines")
        return 1
    failures = 0
    for n, i in enumerate(cuts):
        blob = os.path.join(tmp, "cut%d.nvmxstate" % n)
        what = lines[i].strip()
        for mode in ("", " flush"):
            rc, head = play(runner, lines[:i] + ["save %s%s\n" % (blob, mode)])
            k = len(head) - 1
            if rc != 0 or head[:k] != full[:k] or head[k] != "save %s%s -> ok" % (blob, mode):
                print("FAIL %s%s: the run up to the cut differs or save failed" % (what, mode))
                print("\n".join(head[-3:]))
                failures += 1
                continue
            # Saving changes nothing that the run prints afterwards.
            rc, with_save = play(runner, lines[:i] + ["save %s.x%s\n" % (blob, mode)] + lines[i:])
            if rc != 0 or with_save[:k] + with_save[k + 1:] != full:
                print("FAIL %s%s: saving changed the rest of the run" % (what, mode))
                failures += 1
            rc, tail = play(runner, ["restore %s\n" % blob] + lines[i + 1:])
            if rc != 0 or not tail or tail[0] != "restore %s -> ok" % blob or tail[1:] != full[k:]:
                print("FAIL %s%s: the restored run differs (exit %d)" % (what, mode, rc))
                want, got = full[k:], tail[1:]
                for j in range(max(len(want), len(got))):
                    a = want[j] if j < len(want) else "<none>"
                    b = got[j] if j < len(got) else "<none>"
                    if a != b:
                        print("  first difference: want '%s'\n                      got  '%s'" % (a, b))
                        break
                if tail:
                    print("  " + tail[0])
                failures += 1
            else:
                print("ok %s%s: %d lines after the restore as in the whole run" % (what, mode, len(tail) - 1))
    # A corrupted blob: refused with its reason, the run goes on unchanged.
    blob = os.path.join(tmp, "cut0.nvmxstate")
    bad = os.path.join(tmp, "bad.nvmxstate")
    data = bytearray(open(blob, "rb").read())
    data[-1] ^= 0x40
    open(bad, "wb").write(data)
    with open(bad + ".host", "wb") as f:
        f.write(open(blob + ".host", "rb").read())
    i = cuts[0]
    rc, out = play(runner, lines[:i] + ["restore %s\n" % bad] + lines[i + 1:])
    want = full
    got = [l for l in out if not l.startswith("restore ")]
    refused = [l for l in out if l.startswith("restore ")]
    if rc != 0 or got != want or refused != ["restore %s -> refused STATE_CHECKSUM" % bad]:
        print("FAIL refused restore: %s" % refused)
        failures += 1
    else:
        print("ok corrupt blob: %s, the run went on unchanged" % refused[0].split("-> ")[1])
    # The VM blob beside it (<file>.vm, nvmx_vm_save's bytes): written by
    # every save; a corrupted one is refused before anything changes.
    for j in range(len(cuts)):
        vm = os.path.join(tmp, "cut%d.nvmxstate.vm" % j)
        if not os.path.exists(vm) or open(vm, "rb").read(4) != b"NMXV":
            print("FAIL save %d wrote no VM blob %s" % (j, vm))
            failures += 1
    with open(bad, "wb") as f:
        f.write(open(blob, "rb").read())
    vmdata = bytearray(open(blob + ".vm", "rb").read())
    vmdata[-1] ^= 0x40
    open(bad + ".vm", "wb").write(vmdata)
    rc, out = play(runner, lines[:i] + ["restore %s\n" % bad] + lines[i + 1:])
    got = [l for l in out if not l.startswith("restore ")]
    refused = [l for l in out if l.startswith("restore ")]
    if rc != 0 or got != want or refused != ["restore %s -> refused STATE_CHECKSUM" % bad]:
        print("FAIL refused VM blob: %s" % refused)
        failures += 1
    else:
        print("ok corrupt VM blob: %s, the run went on unchanged" % refused[0].split("-> ")[1])
    print("%d cut(s), %d failure(s)" % (len(cuts), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
