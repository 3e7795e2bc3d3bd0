# tests/guest/lib.sh: helpers for guest scenarios (POSIX sh; busybox sh in the
# testbed).  A scenario starts with `. "$GUEST_LIB"`.  See tests/guest/README.md.

# The guest's console shows \r\n line ends; drop the \r.
_console() {
	if [ -f "$1" ]; then tr -d '\r' < "$1"; else echo "(there is no ${1##*/})"; fi
}

# _watch PID SECONDS FLAGFILE: kills PID after SECONDS unless it ended first
# (then the caller's TERM ends the watch and its sleep).
_watch() {
	trap 'kill "$_sp" 2>/dev/null; exit 0' TERM
	sleep "$2" &
	_sp=$!
	wait "$_sp"
	: > "$3"
	kill -KILL "$1" 2>/dev/null
}

# boot_guest LABEL SECONDS COMMAND...: runs COMMAND with stdin from /dev/null,
# its output (the guest's serial console) in $T/LABEL.console, killed after
# SECONDS (times KHYVE_TIMEOUT_SCALE).  Returns COMMAND's exit status, or 124
# when it was killed.
boot_guest() {
	_label=$1 _secs=$(($2 * ${KHYVE_TIMEOUT_SCALE:-1}))
	shift 2
	_last_console=$T/$_label.console
	rm -f "$T/.$_label.timeout"
	"$@" < /dev/null > "$T/$_label.console" 2>&1 &
	_pid=$!
	_watch "$_pid" "$_secs" "$T/.$_label.timeout" &
	_dog=$!
	wait "$_pid"
	_rc=$?
	kill "$_dog" 2>/dev/null
	wait "$_dog" 2>/dev/null
	if [ -e "$T/.$_label.timeout" ]; then
		echo "$_label: killed after ${_secs}s; the end of its console:"
		_console "$T/$_label.console" | tail -n 20
		return 124
	fi
	# Not 1 (power-off) is worth knowing when the test then fails.
	[ "$_rc" = 1 ] || echo "$_label: khyve exit status $_rc"
	return "$_rc"
}

# boot_linux LABEL SECONDS CMDLINE [khyve options...]: boots the test guest
# (GUEST_KERNEL + GUEST_INITRD) with khyve, console on stdio.  The kernel gets
# "console=ttyS0 panic=-1 quiet CMDLINE": a guest kernel panic reboots at once
# (status 0, the panic on the console) instead of hanging until the time
# limit; quiet because each character on the emulated UART costs exits, and
# in the testbed a chatty boot takes 2.5 times as long.
# KHYVE_GUEST_CMDLINE replaces "quiet" (e.g. KHYVE_GUEST_CMDLINE= for all messages).
boot_linux() {
	_l=$1 _s=$2 _cmdline=$3
	shift 3
	if [ ! -x "$KHYVE" ]; then
		echo "khyve is not built: $KHYVE" | tee "$T/$_l.console"
		return 4
	fi
	_vm=t$$-$_l
	for _try in 1 2; do
		boot_guest "$_l" "$_s" "$KHYVE" "$@" -l com1,stdio \
		    -o "boot.kernel=$GUEST_KERNEL" -o "boot.initrd=$GUEST_INITRD" \
		    -o "boot.cmdline=console=ttyS0 panic=-1 ${KHYVE_GUEST_CMDLINE-quiet} $_cmdline" "$_vm"
		_brc=$?
		# A VM outlives its process (as in bhyve): remove it whatever happened.
		[ ! -x "${KHYVECTL:-}" ] || "$KHYVECTL" --vm="$_vm" --destroy > /dev/null 2>&1
		# In the testbed a guest kernel may die of "Oops: int3": QEMU's
		# emulation losing a race with the kernel patching its own code,
		# not khyve's doing (tests/testbed/README.md).  Boot it once more.
		[ "$_try" = 1 ] && [ "${KHYVE_WHERE:-}" = testbed ] &&
		    grep -qE "${KHYVE_FLAKE:-Oops: int3}" "$T/$_l.console" || break
		echo "$_l: the guest died of an emulation flake; booting it again:"
		grep -m 3 -E -A 3 "${KHYVE_FLAKE:-Oops: int3}" "$T/$_l.console"
		cp "$T/$_l.console" "$T/$_l.console.flake"
	done
	return "$_brc"
}

# expect_line FILE ERE: a line of FILE matches ERE, or the test fails.
expect_line() {
	if _console "$1" | grep -Eq -- "$2"; then
		return 0
	fi
	echo "expected a line matching /$2/ in ${1##*/}; its last lines:"
	_console "$1" | tail -n 25
	return 1
}

# expect_status GOT WANT WHAT: on a mismatch, shows the end of the last
# guest's console (where a sanitizer report would be).
expect_status() {
	[ "$1" = "$2" ] && return 0
	echo "$3: exit status $1, want $2"
	if [ -n "${_last_console:-}" ]; then
		echo "the end of ${_last_console##*/}:"
		_console "$_last_console" | tail -n 25
	fi
	return 1
}

# guest_value FILE KEY: the VALUE of the guest's "KHYVE-VALUE KEY=VALUE" line.
guest_value() {
	_console "$1" | sed -n "s/^KHYVE-VALUE $2=//p" | head -n 1
}

fail() { echo "FAIL: $*"; return 1; }
skip() { echo "SKIP: $*"; exit 77; }

# --- checks shared by several scenarios ---

# check_cpus LABEL NPROC CORES SIBLINGS [khyve options]: boots with the given
# options, runs the guest's cpus scenario and compares what it reports.
check_cpus() {
	_cl=$1 _np=$2 _co=$3 _si=$4
	shift 4
	boot_linux "$_cl" 150 "khyve.test=cpus" "$@"
	expect_status $? 1 "poweroff" || return 1
	expect_line "$T/$_cl.console" '^KHYVE-TEST-END cpus rc=0' || return 1
	_c=$T/$_cl.console
	[ "$(guest_value "$_c" nproc)" = "$_np" ] || fail "nproc $(guest_value "$_c" nproc), want $_np" || return 1
	[ -z "$_co" ] || [ "$(guest_value "$_c" cores)" = "$_co" ] ||
	    fail "cpu cores $(guest_value "$_c" cores), want $_co" || return 1
	[ -z "$_si" ] || [ "$(guest_value "$_c" siblings)" = "$_si" ] ||
	    fail "siblings $(guest_value "$_c" siblings), want $_si" || return 1
	echo "nproc $_np, cores ${_co:-any}, siblings ${_si:-any}: as wanted"
}

# check_mem LABEL MIB [khyve options]: the guest's MemTotal is at most MIB and
# at least MIB less the kernel's own share: 48 MiB plus 4.5% for page structs
# and reservations.  Measured under QEMU with Debian's 6.12 cloud kernel and
# this initramfs: 256M -> 218368 kB, 3584M -> 3500924 kB, 5G -> 5043068 kB.
check_mem() {
	_ml=$1 _mib=$2
	shift 2
	boot_linux "$_ml" 180 "khyve.test=mem" "$@"
	expect_status $? 1 "poweroff" || return 1
	_kb=$(guest_value "$T/$_ml.console" memtotal_kb)
	[ -n "$_kb" ] || fail "the guest reported no MemTotal" || return 1
	_max=$((_mib * 1024))
	_min=$((_max - 48 * 1024 - _max * 45 / 1000))
	echo "MemTotal $_kb kB; want between $_min and $_max"
	[ "$_kb" -le "$_max" ] && [ "$_kb" -ge "$_min" ]
}

# check_exit LABEL ACTION STATUS: the guest does ACTION (poweroff, reboot,
# halt) and khyve must end with STATUS.
check_exit() {
	boot_linux "$1" 150 "khyve.test=true khyve.exit=$2" -c 1 -m 256M
	expect_status $? "$3" "guest $2 -f" || return 1
	expect_line "$T/$1.console" "^KHYVE-GUEST-DOWN $2" || return 1
}
