# bench-net (make bench, in the guest): eth0 is 10.0.0.2/24 next to the
# host's tap (10.0.0.1).  The guest sends to the host's port 5000 for
# bench.secs= seconds (guest to host), then receives what the host sends
# to its port 5001 (host to guest) and prints that rate; bench/loadgen on
# both ends.
secs=3
for w in $(cat /proc/cmdline); do
	case $w in bench.secs=*) secs=${w#*=} ;; esac
done
eth=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
[ -n "$eth" ] || { echo "no network interface"; exit 1; }
ip link set lo up
ip addr add 10.0.0.2/24 dev "$eth"
ip link set "$eth" up
# Listening from the start: the host sends as soon as its receive is done.
loadgen tcp-recv -p 5001 -w 30 -k net.h2g > /tmp/h2g.out &
rx=$!
ok=0
for i in $(seq 20); do
	if ping -c 1 -W 1 10.0.0.1 > /dev/null 2>&1; then ok=1; break; fi
done
[ $ok = 1 ] || { echo "the host does not answer ping"; exit 1; }
loadgen tcp-send -p 5000 -w 30 -t "$secs" -s 0 -k net.g2h_send 10.0.0.1
rc=$?
wait $rx || rc=1
cat /tmp/h2g.out
if [ $rc != 0 ]; then
	# What the guest's side saw, for the bench's log; does a ping still pass?
	stats() {
		for f in rx_packets rx_dropped rx_length_errors tx_packets tx_dropped; do
			printf ' %s=%s' $f "$(cat "/sys/class/net/$eth/statistics/$f")"
		done
		echo
		grep virtio /proc/interrupts | sed 's/^/bench-net: /'
		grep '^Tcp:' /proc/net/snmp | sed 's/^/bench-net: /'
	}
	echo "bench-net: $eth$(stats)"
	echo "bench-net: ping after the failure: $(ping -c 3 -W 1 10.0.0.1 2>&1 | grep -c 'bytes from')/3"
	echo "bench-net: $eth$(stats)"
	dmesg | grep -iE 'virtio|eth0|net' | tail -n 5 | sed 's/^/bench-net: /'
fi
# Frames the guest's driver threw away (a broken merged frame, say).
echo "KHYVE-VALUE net.rx_dropped=$(cat /sys/class/net/$eth/statistics/rx_dropped)"
echo "KHYVE-VALUE net.interrupts=$(grep -E 'virtio.*(input|output)' /proc/interrupts | awk '{ s += $2 } END { print s + 0 }')"
exit $rc
