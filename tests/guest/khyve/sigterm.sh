# timeout: 400
# SIGTERM presses the ACPI power button: the guest's button driver sees it
# and its init powers off through S5, so khyve exits 1.  A guest that ignores
# the button is ended by a second SIGTERM with status 4.
. "$GUEST_LIB"

# start_guest LABEL CMDLINE: khyve in the background, console in $T/LABEL.console.
start_guest() {
	_console_file=$T/$1.console
	"$KHYVE" -c 1 -m 256M -l com1,stdio -o "boot.kernel=$GUEST_KERNEL" \
	    -o "boot.initrd=$GUEST_INITRD" \
	    -o "boot.cmdline=console=ttyS0 panic=-1 quiet khyve.test=wait $2" \
	    "t$$-$1" < /dev/null > "$_console_file" 2>&1 &
	guest_pid=$!
	_watch "$guest_pid" $((180 * ${KHYVE_TIMEOUT_SCALE:-1})) "$T/.$1.timeout" &
	guest_dog=$!
}

# wait_line FILE ERE SECONDS: until a console line matches (the guest is up).
wait_line() {
	_n=0
	until tr -d '\r' < "$1" | grep -Eq -- "$2"; do
		kill -0 "$guest_pid" 2>/dev/null || { echo "khyve ended early"; tail -n 20 "$1"; return 1; }
		[ "$_n" -lt "$3" ] || { echo "no /$2/ after ${3}s"; tail -n 20 "$1"; return 1; }
		sleep 1
		_n=$((_n + 1))
	done
}

# stop_guest: waits for khyve and its watchdog; prints khyve's status.
stop_guest() {
	wait "$guest_pid"
	_rc=$?
	kill "$guest_dog" 2>/dev/null
	wait "$guest_dog" 2>/dev/null
	return "$_rc"
}

t=$((150 * ${KHYVE_TIMEOUT_SCALE:-1}))

# 1. The guest watches its power button: one SIGTERM is a clean power-off.
start_guest button ""
wait_line "$T/button.console" '^KHYVE-VALUE waiting=1' "$t" || { kill -KILL "$guest_pid"; stop_guest; exit 1; }
grep -q 'KHYVE-PWRBTN-READY' "$T/button.console" || { kill -KILL "$guest_pid"; stop_guest; fail "the guest found no ACPI power button"; exit 1; }
kill -TERM "$guest_pid"
stop_guest
expect_status $? 1 "SIGTERM with a guest that handles the power button" || exit 1
expect_line "$T/button.console" '^KHYVE-GUEST-DOWN poweroff \(power button\)' || exit 1

# 2. The guest ignores the button: the first SIGTERM leaves it running, the
#    second ends khyve at once with status 4.
start_guest deaf "khyve.pwrbtn=off"
wait_line "$T/deaf.console" '^KHYVE-VALUE waiting=1' "$t" || { kill -KILL "$guest_pid"; stop_guest; exit 1; }
kill -TERM "$guest_pid"
sleep 3
kill -0 "$guest_pid" 2>/dev/null || { stop_guest; fail "khyve ended on the first SIGTERM (status $?)"; exit 1; }
kill -TERM "$guest_pid"
stop_guest
expect_status $? 4 "a second SIGTERM" || exit 1
echo "SIGTERM: power button honoured (status 1); second SIGTERM: status 4"
