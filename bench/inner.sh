#!/bin/sh
# bench/inner.sh: the measurements, run where KVM is real (directly on a
# VT-x/AMD-V host, or inside the testbed's level-1 host); POSIX sh, so that
# busybox runs it.  bench/run starts it and turns its output into the table.
#
# Each result is one line on stdout:
#   R CASE VMM REP key=value...
# Within a repetition the VMMs take turns, and the first to go alternates
# from one repetition to the next.
#
# Environment (bench/run sets it): KHYVE QEMU VMMTIME KVMLOOP EXITGUEST_A
# EXITGUEST_B EXITS GUEST_KERNEL GUEST_INITRD BENCH_REPS BENCH_MEM_REPS
# BENCH_EXIT_REPS BENCH_CASES (boot pvh mem exit) BENCH_SETTLE BENCH_LIMIT BENCH_TMP
set -u
: "${BENCH_REPS:=5}" "${BENCH_MEM_REPS:=2}" "${BENCH_EXIT_REPS:=5}"
: "${BENCH_CASES:=boot mem exit}" "${BENCH_SETTLE:=2}" "${BENCH_LIMIT:=240}"
: "${BENCH_TMP:=/tmp/khyve-bench}"
mkdir -p "$BENCH_TMP"
CMDLINE="console=ttyS0 panic=-1 quiet"

say() { echo "# $*"; }
exec 2>&1

# vmm_cmd VMM CPUS MEM: the command line that boots the test guest
# (KERNEL: the bzImage, or the ELF vmlinux for a PVH boot).
# QEMU gets -nodefaults: no NIC, disks or VGA it would otherwise add, so it
# carries what khyve carries (a UART and the platform).
vmm_cmd() {
	case $1 in
	khyve)
		echo "$KHYVE -c $2 -m $3 -l com1,stdio -o boot.kernel=$KERNEL" \
		    "-o boot.initrd=$GUEST_INITRD" ;;
	qemu-pc|qemu-microvm)
		echo "$QEMU -enable-kvm -cpu host -M ${1#qemu-} -smp $2 -m $3" \
		    "-nodefaults -no-user-config -display none -serial stdio" \
		    "-monitor none -no-reboot -kernel $KERNEL -initrd $GUEST_INITRD" ;;
	esac
}

# run_vmm LABEL VMM CPUS MEM GUESTARGS [VMMTIME OPTIONS...]: one boot; prints
# vmmtime's line.  khyve's command line goes through -o boot.cmdline=, QEMU's
# through -append; both get the same words.  In the testbed a guest kernel
# may die of "Oops: int3" (QEMU's emulation losing a race with the kernel
# patching its own code; tests/testbed/README.md): such a boot is done again,
# once, and the flake is noted as a comment line.
run_vmm() {
	_line=$(run_once "$@")
	if grep -q 'Oops: int3' "$BENCH_TMP/$1.console" 2>/dev/null; then
		echo "# flake: $1 died of Oops: int3 under $2; booted again" >&2
		_line=$(run_once "$@")
	fi
	echo "$_line"
}
run_once() {
	_label=$1 _vmm=$2 _cpus=$3 _mem=$4 _args="$CMDLINE $5"
	shift 5
	_con=$BENCH_TMP/$_label.console
	case $_vmm in
	khyve)
		# shellcheck disable=SC2046  # word splitting on purpose
		"$VMMTIME" -t "$BENCH_LIMIT" -o "$_con" "$@" -- \
		    $(vmm_cmd "$_vmm" "$_cpus" "$_mem") -o "boot.cmdline=$_args" "bench$$" ;;
	*)
		# shellcheck disable=SC2046
		"$VMMTIME" -t "$BENCH_LIMIT" -o "$_con" "$@" -- \
		    $(vmm_cmd "$_vmm" "$_cpus" "$_mem") -append "$_args" ;;
	esac
}

# turns REP A B...: the VMMs in the order for repetition REP (rotated by one
# per repetition, so each goes first as often as the others).
turns() {
	_r=$1
	shift
	_k=$(( (_r - 1) % $# ))
	while [ "$_k" -gt 0 ]; do
		_f=$1; shift; set -- "$@" "$_f"; _k=$((_k - 1))
	done
	echo "$@"
}

vmms="khyve qemu-pc"
[ "${BENCH_MICROVM:-1}" = 1 ] && vmms="$vmms qemu-microvm"

# --- the VMMs run at all ---
say "khyve: $KHYVE"
say "qemu: $QEMU ($("$QEMU" --version | head -n 1))"
say "kernel: $(uname -r) on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
    "$(grep -c ^processor /proc/cpuinfo) CPUs, $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)"

KERNEL=$GUEST_KERNEL
for c in $BENCH_CASES; do
	case $c in
	pvh)
		# The same kernel as an ELF vmlinux entered at its PVH note
		# (no decompression in the guest); QEMU boots it the same way.
		[ -f "${GUEST_VMLINUX:-}" ] || { say "pvh: no GUEST_VMLINUX"; continue; }
		KERNEL=$GUEST_VMLINUX
		for r in $(seq 1 "$BENCH_REPS"); do
			for v in $(turns "$r" $vmms); do
				echo "R boot-pvh $v $r $(run_vmm "pvh-$v-$r" "$v" 1 256M khyve.test=true)"
			done
		done
		KERNEL=$GUEST_KERNEL ;;
	boot)
		# Boot: start to KHYVE-GUEST-UP, and start to exit after the
		# guest's init powers off (khyve.test=true does nothing).
		for r in $(seq 1 "$BENCH_REPS"); do
			for cpus in 1 2; do
				for v in $(turns "$r" $vmms); do
					l="boot-${cpus}cpu-$v-$r"
					echo "R boot-${cpus}cpu $v $r $(run_vmm "$l" "$v" "$cpus" 256M khyve.test=true)"
				done
			done
		done ;;
	mem)
		# Memory: boot to the idle shell (no khyve.test), wait
		# BENCH_SETTLE seconds, read /proc, kill.
		for r in $(seq 1 "$BENCH_MEM_REPS"); do
			for m in 256 2048; do
				for v in $(turns "$r" $vmms); do
					l="mem-${m}m-$v-$r"
					echo "R mem-${m}m $v $r $(run_vmm "$l" "$v" 1 "${m}M" '' \
					    -m 'khyve guest: busybox shell' -s "$BENCH_SETTLE" \
					    -g $((m * 1048576)))"
				done
			done
		done ;;
	exit)
		# Exit cost: the same tiny guest with few and with many port
		# writes; the difference over the difference in writes is the
		# cost of one exit, start-up cancelled out.  bare-irqchip: the
		# bare loop with KVM's in-kernel irqchip and PIT, as khyve has.
		for r in $(seq 1 "$BENCH_EXIT_REPS"); do
			for v in $(turns "$r" khyve bare bare-irqchip); do
				for g in A B; do
					eval "elf=\$EXITGUEST_$g"
					case $v in
					khyve) line=$("$VMMTIME" -t "$BENCH_LIMIT" -o "$BENCH_TMP/exit-$v-$g.console" -- \
					    "$KHYVE" -c 1 -m 64M -l com1,stdio -o "boot.kernel=$elf" "bench$$") ;;
					bare) line=$("$VMMTIME" -t "$BENCH_LIMIT" -o "$BENCH_TMP/exit-$v-$g.console" -- \
					    "$KVMLOOP" "$elf") ;;
					bare-irqchip) line=$("$VMMTIME" -t "$BENCH_LIMIT" -o "$BENCH_TMP/exit-$v-$g.console" -- \
					    "$KVMLOOP" --irqchip "$elf") ;;
					esac
					eval "t_$g=\$(echo \"\$line\" | sed -n 's/.*exit=\([0-9.]*\).*/\1/p')"
					eval "rc_$g=\$(echo \"\$line\" | sed -n 's/.* rc=\([-0-9]*\).*/\1/p')"
				done
				# shellcheck disable=SC2154  # set by eval
				echo "R exit $v $r t_few=$t_A t_many=$t_B rc=$rc_B ns_per_exit=$(awk -v a="$t_A" -v b="$t_B" -v n="$EXITS" \
				    'BEGIN { printf "%.0f", (b - a) * 1e9 / n }')"
			done
		done ;;
	esac
done
say "done"
