# virtio-net: eth0 gets 10.0.0.2/24 next to the host's tap (10.0.0.1),
# pings it, sends it 8 MiB over TCP (port 5000) and receives 8 MiB back
# (port 5001); the host compares checksums.
n=8388608
eth=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
[ -n "$eth" ] || { echo "no network interface"; exit 1; }
echo "KHYVE-VALUE net.mac=$(cat /sys/class/net/$eth/address)"
echo "KHYVE-VALUE net.driver=$(basename "$(readlink /sys/class/net/$eth/device/driver)")"
ip link set lo up
ip addr add 10.0.0.2/24 dev "$eth"
ip link set "$eth" up
# A listener whose stdin never ends (busybox nc half-closes at its EOF).
mkfifo /tmp/hold
(nc -l -p 5001 < /tmp/hold > /tmp/rx.bin; head -c $n /tmp/rx.bin | md5sum | cut -c1-32 > /tmp/rx.md5) &
exec 3> /tmp/hold
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	if ping -c 1 -W 2 10.0.0.1 > /dev/null 2>&1; then ok=1; break; fi
	sleep 1
done
echo "KHYVE-VALUE net.ping=$ok"
[ $ok = 1 ] || exit 1
echo "KHYVE-VALUE net.ping3=$(ping -c 3 -W 2 10.0.0.1 2>/dev/null | grep -c 'bytes from')"
# The host listens once it has seen the ping; retry the connect a little.
for i in 1 2 3 4 5 6 7 8 9 10; do
	if yes khyve-net-tx | head -c $n | nc 10.0.0.1 5000; then break; fi
	sleep 1
done
echo "KHYVE-VALUE net.tx=done"
for i in $(seq 60); do
	[ -s /tmp/rx.md5 ] && break
	sleep 1
done
echo "KHYVE-VALUE net.rx_md5=$(cat /tmp/rx.md5)"
echo "KHYVE-VALUE net.rx_bytes=$(wc -c < /tmp/rx.bin)"
exec 3>&-
echo "KHYVE-VALUE net.offload=$(cat /sys/class/net/$eth/features 2>/dev/null; ethtool -k "$eth" 2>/dev/null | grep -c 'tcp-segmentation-offload: on')"
