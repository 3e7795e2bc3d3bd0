# timeout: 400
# virtio-net over a tap, inside a network namespace this test creates: the
# host side of the tap and the guest ping each other, then 8 MiB go each
# way over TCP and both sides agree on the checksums.
. "$GUEST_LIB"
if [ -z "${KHYVE_IN_NETNS:-}" ]; then
	[ -e /dev/net/tun ] || fail "no /dev/net/tun on this host" || exit 1
	KHYVE_IN_NETNS=1 exec unshare -n busybox sh "$0"
fi
n=8388608
want_tx=$(yes khyve-net-tx | head -c $n | md5sum | cut -c1-32)
want_rx=$(yes khyve-net-rx | head -c $n | md5sum | cut -c1-32)
ip link set lo up
"$KHYVE" -c 2 -m 512M -s 0,hostbridge -s 3,virtio-net,tap0,mac=58:9c:fc:00:00:42 \
    -s 31,lpc -l com1,stdio \
    -o "boot.kernel=$GUEST_KERNEL" -o "boot.initrd=$GUEST_INITRD" \
    -o "boot.cmdline=console=ttyS0 panic=-1 quiet khyve.test=virtio-net" \
    tnet$$ < /dev/null > net.console 2>&1 &
pid=$!
i=0
until ip link show tap0 > /dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || { cat net.console; fail "khyve made no tap0"; kill -KILL $pid; exit 1; }
	sleep 0.1
done
ip addr add 10.0.0.1/24 dev tap0
ip link set tap0 up
# The listener's stdin must not end: busybox nc would half-close at once
# and the sender stop at the FIN.  A fifo held open by fd 3 never ends.
mkfifo hold
(nc -l -p 5000 < hold > tx.bin; head -c $n tx.bin | md5sum | cut -c1-32 > tx.md5) &
exec 3> hold
lim=$((200 * ${KHYVE_TIMEOUT_SCALE:-1}))
i=0
# khyve still runs a guest that can get on (a stuck or dead one ends the wait).
alive() {
	kill -0 $pid 2>/dev/null &&
	    ! grep -qE 'detected stalls|Kernel panic|Oops: ' net.console
}
while [ $i -lt $lim ] && alive && ! grep -q 'net.tx=done' net.console; do
	sleep 1
	i=$((i + 1))
done
# Host to guest: the guest listens on 5001 from the start.
for j in 1 2 3 4 5; do
	alive || break
	if yes khyve-net-rx | head -c $n | timeout 120 nc 10.0.0.2 5001; then break; fi
	sleep 1
done
while [ $i -lt $lim ] && alive && ! grep -q 'KHYVE-TEST-END' net.console; do
	sleep 1
	i=$((i + 1))
done
exec 3>&-
rm -f hold
# The guest powers off after its scenario; a stuck one is killed.
grep -q 'KHYVE-TEST-END' net.console || kill -KILL $pid 2>/dev/null
wait $pid
rc=$?
echo "khyve exit status $rc"
[ ! -x "${KHYVECTL:-}" ] || "$KHYVECTL" --vm=tnet$$ --destroy > /dev/null 2>&1
c=net.console
_console "$c" | grep -E '^KHYVE-VALUE|virtio|needs reset|ERROR|Sanitizer'
echo "host received $(wc -c < tx.bin) bytes from the guest"
expect_line "$c" '^KHYVE-TEST-END virtio-net rc=0' || exit 1
[ "$(guest_value "$c" net.driver)" = virtio_net ] || fail "virtio_net not bound" || exit 1
[ "$(guest_value "$c" net.mac)" = 58:9c:fc:00:00:42 ] || fail "mac= not seen by the guest" || exit 1
[ "$(guest_value "$c" net.ping3)" = 3 ] || fail "pings lost" || exit 1
[ "$(cat tx.md5)" = "$want_tx" ] || { od -c tx.bin | head -n 5; fail "guest to host: checksum $(cat tx.md5), want $want_tx"; } || exit 1
[ "$(guest_value "$c" net.rx_md5)" = "$want_rx" ] || fail "host to guest: checksum differs" || exit 1
echo "ping 3/3; 8 MiB each way over TCP, checksums agree (khyve status $rc)"
