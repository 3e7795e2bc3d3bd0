# timeout: 300
# The issue's "done when" command: -c 2 -m 1G, hostbridge, virtio-blk,
# virtio-net on tap0, virtio-rnd, lpc, com1 on stdio.  The guest makes a
# file system on the disk, mounts it and writes a file, reads entropy and
# pings the host end of the tap (inside a network namespace of its own).
. "$GUEST_LIB"
if [ -z "${KHYVE_IN_NETNS:-}" ]; then
	[ -e /dev/net/tun ] || fail "no /dev/net/tun on this host" || exit 1
	KHYVE_IN_NETNS=1 exec unshare -n busybox sh "$0"
fi
dd if=/dev/zero of=disk.img bs=1048576 count=0 seek=64 2>/dev/null
ip link set lo up
# khyve creates tap0 and it goes with khyve; boot_linux may boot twice (an
# emulation flake), so give every tap0 that appears its address until done.
(
	while [ ! -e "$T/.all.done" ]; do
		if ip link show tap0 > /dev/null 2>&1 &&
		    ! ip addr show dev tap0 2>/dev/null | grep -q 10.0.0.1; then
			ip addr add 10.0.0.1/24 dev tap0
			ip link set tap0 up
		fi
		sleep 0.1
	done
) &
boot_linux all 240 "khyve.test=virtio-all" -c 2 -m 1G -s 0,hostbridge \
    -s 2,virtio-blk,disk.img -s 3,virtio-net,tap0 -s 4,virtio-rnd -s 31,lpc
rc=$?
: > "$T/.all.done"
wait
c=$T/all.console
_console "$c" | grep '^KHYVE-VALUE'
expect_status $rc 1 "poweroff" || exit 1
expect_line "$c" '^KHYVE-TEST-END virtio-all rc=0' || exit 1
[ "$(guest_value "$c" all.file)" = "hello from the guest" ] || fail "file on the disk" || exit 1
[ "$(guest_value "$c" all.hwrng)" = 1024 ] || fail "entropy" || exit 1
[ "$(guest_value "$c" all.ping)" = 1 ] || fail "ping" || exit 1
grep -q 'hello from the guest' disk.img || fail "the file is not in the image" || exit 1
echo "disk mounted and written, network reached, entropy read"
