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
# BENCH_EXIT_REPS BENCH_CASES (boot pvh mem exit disk net) BENCH_SETTLE
# BENCH_LIMIT BENCH_TMP; for disk and net: LOADGEN (bench/loadgen, static),
# BENCH_INITRD (GUEST_INITRD with loadgen and the bench-* scenarios
# appended), BENCH_IO_REPS, BENCH_DISK_MIB, BENCH_NET_SECS, BENCH_MODULES
# (a folder of vhost-net modules and their load.list, for a host without
# /dev/vhost-net), BENCH_IO_VMMS (while developing: the VMMs of disk and net).
set -u
: "${BENCH_REPS:=5}" "${BENCH_MEM_REPS:=2}" "${BENCH_EXIT_REPS:=5}"
: "${BENCH_CASES:=boot pvh mem exit disk net}" "${BENCH_SETTLE:=2}" "${BENCH_LIMIT:=240}"
: "${BENCH_TMP:=/tmp/khyve-bench}" "${BENCH_IO_REPS:=3}" "${BENCH_DISK_MIB:=128}"
: "${BENCH_NET_SECS:=3}" "${BENCH_INITRD:=}" "${LOADGEN:=}"
mkdir -p "$BENCH_TMP"
CMDLINE="console=ttyS0 panic=-1 quiet"
INITRD=$GUEST_INITRD
DEVS=''	# the devices of the disk and net cases, in the VMM's own syntax

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
		    "-o boot.initrd=$INITRD $DEVS" ;;
	qemu-pc|qemu-microvm|qemu-pc-vhost)
		_m=${1#qemu-}
		echo "$QEMU -enable-kvm -cpu host -M ${_m%-vhost} -smp $2 -m $3" \
		    "-nodefaults -no-user-config -display none -serial stdio" \
		    "-monitor none -no-reboot -kernel $KERNEL -initrd $INITRD $DEVS" ;;
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

# guest_values CONSOLE PREFIX: the guest's "KHYVE-VALUE PREFIX.*" lines as
# key=value words, and its scenario's exit status as test_rc=N.
guest_values() {
	tr -d '\r' < "$1" | sed -n -e "s/^KHYVE-VALUE \($2\.[a-z0-9_]*=[-0-9.]*\)\$/\1/p" \
	    -e 's/^KHYVE-TEST-END [^ ]* rc=\([0-9]*\).*/test_rc=\1/p' | tr '\n' ' '
}

# io_run CASE VMM REP: one boot of the disk or net case; prints its R line
# (and comment lines).  Done again, once, after the testbed's "Oops: int3".
io_run() {
	_out=$(io_once "$@")
	if grep -q 'Oops: int3' "$BENCH_TMP/$1-$2-$3.console" 2>/dev/null; then
		echo "# flake: $1-$2-$3 died of Oops: int3 under $2; booted again"
		_out=$(io_once "$@")
	fi
	echo "$_out"
}
io_once() {
	case $1 in
	disk) disk_once "$2" "$3" ;;
	# A network namespace per boot: its own tap0, gone with the VMM.
	net) BENCH_NET_ONE="$2 $3" unshare -n sh "$0" ;;
	esac
}

# disk_once VMM REP: the guest's bench-disk scenario on the raw image, both
# VMMs with O_DIRECT on the host (khyve nocache, QEMU cache=none).
disk_once() {
	_l=disk-$1-$2
	case $1 in
	khyve) DEVS="-s 0,hostbridge -s 2,virtio-blk,$BENCH_TMP/disk.img,nocache" ;;
	*) DEVS="-drive file=$BENCH_TMP/disk.img,format=raw,if=none,id=d0,cache=none -device virtio-blk-pci,drive=d0" ;;
	esac
	# Nothing of the image in the host's page cache, where it can be dropped.
	sync
	{ echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null
	_t=$(run_once "$_l" "$1" 1 512M "khyve.test=bench-disk bench.mib=$BENCH_DISK_MIB")
	grep -q '^KHYVE-TEST-END .* rc=0' "$BENCH_TMP/$_l.console" ||
	    tail -n 15 "$BENCH_TMP/$_l.console" | tr -d '\r' | sed "s/^/# $_l: /"
	echo "R disk $1 $2 $_t $(guest_values "$BENCH_TMP/$_l.console" disk)"
}

# net_one VMM REP, in a network namespace of its own: the guest on tap0
# (10.0.0.2), the host side 10.0.0.1.  The host receives the guest's
# stream on port 5000, then sends its own to the guest's port 5001.
NET_MAC=52:54:00:6b:68:79
# net_host_stats PREFIX: the tap's counters and the host's TCP ones, after
# a failure (busybox ip has no -s; /sys shows another namespace).
net_host_stats() {
	grep -E 'face|tap0' /proc/net/dev | sed "s/^/$1 /"
	grep '^Tcp:' /proc/net/snmp | sed "s/^/$1 /"
}
net_one() {
	_l=net-$1-$2 _con=$BENCH_TMP/net-$1-$2.console
	_tap="-netdev tap,id=n0,ifname=tap0,script=no,downscript=no"
	_nic="-device virtio-net-pci,netdev=n0,mac=$NET_MAC"
	case $1 in
	khyve) DEVS="-s 0,hostbridge -s 3,virtio-net,tap0,mac=$NET_MAC" ;;
	qemu-pc) DEVS="$_tap,vhost=off $_nic" ;;
	qemu-pc-vhost) DEVS="$_tap,vhost=on $_nic" ;;
	esac
	KERNEL=$GUEST_KERNEL INITRD=$BENCH_INITRD
	ip link set lo up
	run_once "$_l" "$1" 1 512M "khyve.test=bench-net bench.secs=$BENCH_NET_SECS" > "$BENCH_TMP/$_l.time" &
	_pid=$!
	_i=0
	until ip link show tap0 > /dev/null 2>&1; do
		_i=$((_i + 1))
		if [ $_i -gt 600 ] || ! kill -0 $_pid 2>/dev/null; then break; fi
		sleep 0.1
	done
	_host=''
	if ip addr add 10.0.0.1/24 dev tap0 && ip link set tap0 up; then
		_host="$("$LOADGEN" tcp-recv -p 5000 -w 150 -P $_pid -k g2h)
$("$LOADGEN" tcp-send -p 5001 -w 20 -P $_pid -t "$BENCH_NET_SECS" -s 0 -k h2g_send 10.0.0.2 ||
		    net_host_stats "# $_l: host")"
	else
		echo "# $_l: no tap0 came up"
	fi
	wait $_pid
	echo "$_host" | grep '^#'
	# The host's TCP retransmissions: lost or late frames both ways.
	_host="$_host
KHYVE-VALUE host_retrans=$(awk '/^Tcp:/ { if (h) print $13; h = 1 }' /proc/net/snmp)"
	grep -q '^KHYVE-TEST-END .* rc=0' "$_con" || tail -n 25 "$_con" | tr -d '\r' | sed "s/^/# $_l: /"
	echo "R net $1 $2 $(cat "$BENCH_TMP/$_l.time") $(echo "$_host" | sed -n 's/^KHYVE-VALUE //p' | tr '\n' ' ')$(guest_values "$_con" net)"
}

# vhost_ready: is there a /dev/vhost-net (loading the modules if need be)?
# Says why not.
vhost_ready() {
	if [ ! -c /dev/vhost-net ]; then
		if [ -f "${BENCH_MODULES:-}/load.list" ]; then
			while read -r _m; do
				grep -q "^${_m%.ko} " /proc/modules ||
				    insmod "$BENCH_MODULES/$_m" || say "vhost-net: insmod $_m failed"
			done < "$BENCH_MODULES/load.list"
		else
			modprobe vhost_net 2>/dev/null
		fi
	fi
	[ -c /dev/vhost-net ] && return 0
	say "vhost-net: unavailable: no /dev/vhost-net after loading vhost_net${BENCH_MODULES:+ from $BENCH_MODULES}"
	return 1
}

if [ -n "${BENCH_NET_ONE:-}" ]; then
	# shellcheck disable=SC2086  # VMM and REP, split on purpose
	net_one $BENCH_NET_ONE
	exit 0
fi

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
	disk|net)
		# Disk and network: the appended initramfs carries loadgen and
		# the bench-* scenarios; 1 vCPU, 512 MiB for every VMM.
		if [ ! -x "$LOADGEN" ] || [ ! -f "$BENCH_INITRD" ]; then
			say "$c: not run: no LOADGEN or BENCH_INITRD"
			continue
		fi
		say "$c: disk_mib=$BENCH_DISK_MIB net_secs=$BENCH_NET_SECS io_reps=$BENCH_IO_REPS"
		INITRD=$BENCH_INITRD
		io_vmms=${BENCH_IO_VMMS:-khyve qemu-pc}
		if [ "$c" = disk ]; then
			dd if=/dev/zero of="$BENCH_TMP/disk.img" bs=1048576 count="$BENCH_DISK_MIB" 2>/dev/null
		elif [ -z "${BENCH_IO_VMMS:-}" ] && vhost_ready; then
			io_vmms="$io_vmms qemu-pc-vhost"
		fi
		for r in $(seq 1 "$BENCH_IO_REPS"); do
			for v in $(turns "$r" $io_vmms); do
				io_run "$c" "$v" "$r"
			done
		done
		rm -f "$BENCH_TMP/disk.img"
		INITRD=$GUEST_INITRD DEVS='' ;;
	esac
done
say "done"
