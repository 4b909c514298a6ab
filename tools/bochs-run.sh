#!/usr/bin/env bash
# Boot a Multiboot kernel on Bochs, bare or as L1 under nvmx-l0, and collect
# what it prints (docs/bare-metal-l0.md "Running on Bochs").
#
#   tools/bochs-run.sh [--l0 NVMX-L0.ELF] [--l0-args "ARGS"] [--args "ARGS"]
#                      [--module FILE [--module-args "ARGS"]]...
#                      [--idle SECONDS] [--boot SECONDS] [--timeout SECONDS] --out DIR KERNEL.ELF
#
# DIR receives x.iso (built with grub-mkrescue), bochsrc.txt, serial.txt
# (COM1: what the kernel prints), e9.txt (Bochs' stdout: port 0xE9, where
# nvmx-l0 prints, and the debugger's own lines) and bochs.log. Bochs is
# stopped after --idle seconds without new output (default 30) or --timeout
# seconds in all (default 300); before the first byte of serial or 0xE9
# output (BIOS and GRUB print neither) the idle limit is --boot seconds
# (default 120), so that a loaded machine's slow boot is not taken for a
# hang. Exit status: 0 when the machine stopped by
# itself, 124 on a timeout.
set -euo pipefail
mods=() mod_args=() l0="" l0_args="" args="" idle=30 boot=120 total=300 out="" kernel=""
while [ $# -gt 0 ]; do
	case "$1" in
	--l0) l0=$2; shift 2 ;;
	--l0-args) l0_args=$2; shift 2 ;;
	--args) args=$2; shift 2 ;;
	--module) mods+=("$2"); mod_args+=(""); shift 2 ;;
	--module-args) mod_args[${#mod_args[@]}-1]=$2; shift 2 ;;
	--idle) idle=$2; shift 2 ;;
	--boot) boot=$2; shift 2 ;;
	--timeout) total=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-*) echo "bochs-run.sh: unknown option $1" >&2; exit 2 ;;
	*) kernel=$1; shift ;;
	esac
done
[ -n "$out" ] && [ -n "$kernel" ] || { sed -n '2,15p' "$0" >&2; exit 2; }
for p in bochs grub-mkrescue xorriso; do
	command -v "$p" >/dev/null || { echo "bochs-run.sh: $p missing (tools/install-deps.sh)" >&2; exit 2; }
done
rm -rf "$out"
mkdir -p "$out/iso/boot/grub"
cp "$kernel" "$out/iso/boot/kernel.elf"
{
	echo "set timeout=0"
	echo "set default=0"
	echo "menuentry \"nvmx\" {"
	if [ -n "$l0" ]; then
		cp "$l0" "$out/iso/boot/nvmx-l0.elf"
		echo "  multiboot /boot/nvmx-l0.elf $l0_args"
		echo "  module /boot/kernel.elf $args"
	else
		echo "  multiboot /boot/kernel.elf $args"
	fi
	# later modules: the kernel's own (under nvmx-l0, passed on to L1)
	for i in "${!mods[@]}"; do
		cp "${mods[$i]}" "$out/iso/boot/mod$i"
		echo "  module /boot/mod$i ${mod_args[$i]}"
	done
	echo "  boot"
	echo "}"
} >"$out/iso/boot/grub/grub.cfg"
grub-mkrescue -o "$out/x.iso" "$out/iso" >"$out/grub-mkrescue.log" 2>&1 ||
	{ cat "$out/grub-mkrescue.log" >&2; exit 2; }
cat >"$out/bochsrc.txt" <<RC
megs: 512
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path=$out/x.iso, status=inserted
boot: cdrom
display_library: rfb, options="timeout=0"
cpu: model=corei7_icelake_u, count=1, ips=100000000, reset_on_triple_fault=0, ignore_bad_msrs=0
com1: enabled=1, mode=file, dev=$out/serial.txt
port_e9_hack: enabled=1
clock: sync=none, time0=946681200
log: $out/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
RC
printf 'c\nq\n' >"$out/dbg.rc"
: >"$out/serial.txt"
bochs -q -f "$out/bochsrc.txt" -rc "$out/dbg.rc" </dev/null >"$out/e9.txt" 2>"$out/bochs.stderr" &
pid=$!
start=$SECONDS last=$SECONDS lastsize=-1 status=0
while kill -0 "$pid" 2>/dev/null; do
	sleep 1
	# output: COM1 and nvmx-l0's lines on 0xE9 (not the debugger's banner)
	size=$(($(stat -c %s "$out/serial.txt") + $(grep -ac '^nvmx-l0\|^{' "$out/e9.txt" || true)))
	if [ "$size" != "$lastsize" ]; then
		lastsize=$size last=$SECONDS
	fi
	limit=$idle
	[ "$size" -gt 0 ] || limit=$boot
	if [ $((SECONDS - last)) -ge "$limit" ] || [ $((SECONDS - start)) -ge "$total" ]; then
		echo "bochs-run.sh: stopping Bochs after $((SECONDS - start))s ($((SECONDS - last))s without output)" >&2
		kill "$pid" 2>/dev/null || true
		status=124
		break
	fi
done
wait "$pid" 2>/dev/null || true
# Bochs' error lines about VMX (a refused VM entry names its check there).
grep -aE "VMFAIL|VMENTER|VMEXIT|VMX" "$out/bochs.log" >"$out/bochs-vmx.txt" 2>/dev/null || true
exit $status
