# timeout: 560
# virtio-blk: the guest writes a pattern and syncs, the image holds exactly
# it; a read-only disk refuses writes; a SIGKILL after the guest flushed
# loses nothing; a missing image is an error before the guest starts.
. "$GUEST_LIB"
dd if=/dev/zero of=disk.img bs=1048576 count=0 seek=64 2>/dev/null
want=$(yes khyve-pattern | head -c 1048576 | md5sum | cut -c1-32)
got() { head -c 1048576 "$1" | md5sum | cut -c1-32; }

# A missing image: khyve's own message, status 4, no guest.
"$KHYVE" -m 256M -s 2,virtio-blk,nosuch.img -l com1,stdio \
    -o "boot.kernel=$GUEST_KERNEL" tmissing$$ > missing.out 2>&1
expect_status $? 4 "missing image" || exit 1
expect_line missing.out 'Could not open backing file: nosuch.img: No such file or directory' || exit 1

boot_linux w 180 "khyve.test=virtio-blk khyve.blk=write" -c 2 -m 256M \
    -s 0,hostbridge -s 2,virtio-blk,disk.img,ser=KHYVETEST01 -s 31,lpc
expect_status $? 1 "poweroff" || exit 1
c=$T/w.console
expect_line "$c" '^KHYVE-TEST-END virtio-blk rc=0' || exit 1
_console "$c" | grep '^KHYVE-VALUE'
[ "$(guest_value "$c" blk.size)" = 131072 ] || fail "size in sectors" || exit 1
[ "$(guest_value "$c" blk.serial)" = KHYVETEST01 ] || fail "serial" || exit 1
[ "$(guest_value "$c" blk.queues)" = 2 ] || fail "want 2 queues for 2 vCPUs" || exit 1
[ "$(guest_value "$c" blk.pattern)" = "$want" ] || fail "guest pattern differs" || exit 1
[ "$(guest_value "$c" blk.readback)" = "$want" ] || fail "guest read back other data" || exit 1
[ "$(got disk.img)" = "$want" ] || fail "the image does not hold the pattern" || exit 1
echo "write: the image holds the guest's 1 MiB pattern"

dd if=/dev/zero of=ro.img bs=1048576 count=0 seek=16 2>/dev/null
boot_linux r 180 "khyve.test=virtio-blk khyve.blk=ro" -c 1 -m 256M \
    -s 2,virtio-blk,ro.img,ro
expect_status $? 1 "poweroff" || exit 1
c=$T/r.console
expect_line "$c" '^KHYVE-TEST-END virtio-blk rc=0' || exit 1
[ "$(guest_value "$c" blk.ro)" = 1 ] || fail "guest does not see ro" || exit 1
[ "$(guest_value "$c" blk.write)" = refused ] || fail "write to ro disk accepted" || exit 1
[ -z "$(tr -d '\0' < ro.img | head -c 1)" ] ||
    fail "the read-only image changed" || exit 1
echo "ro: the guest's write was refused, the image is unchanged"

# Flush, then SIGKILL: nothing flushed may be lost.
dd if=/dev/zero of=k.img bs=1048576 count=0 seek=16 2>/dev/null
"$KHYVE" -c 1 -m 256M -s 2,virtio-blk,k.img -l com1,stdio \
    -o "boot.kernel=$GUEST_KERNEL" -o "boot.initrd=$GUEST_INITRD" \
    -o "boot.cmdline=console=ttyS0 panic=-1 quiet khyve.test=virtio-blk khyve.blk=kill" \
    tkill$$ < /dev/null > k.console 2>&1 &
pid=$!
i=0
while [ $i -lt $((150 * ${KHYVE_TIMEOUT_SCALE:-1})) ] && ! grep -q 'blk.flushed=1' k.console; do
	sleep 1
	i=$((i + 1))
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
[ ! -x "${KHYVECTL:-}" ] || "$KHYVECTL" --vm=tkill$$ --destroy > /dev/null 2>&1
grep -q 'blk.flushed=1' k.console || { tail -n 20 k.console; fail "the guest never flushed"; exit 1; }
[ "$(got k.img)" = "$want" ] || fail "data flushed before SIGKILL was lost" || exit 1
echo "kill: the flushed pattern survived SIGKILL"
