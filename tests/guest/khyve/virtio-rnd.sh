# timeout: 200
# hostbridge, lpc and virtio-rnd on the PCI bus: the guest sees their IDs,
# virtio-pci binds the entropy device and /dev/hwrng gives bytes.
. "$GUEST_LIB"
boot_linux rnd 180 "khyve.test=virtio-pci" -c 1 -m 256M \
    -s 0,hostbridge -s 4,virtio-rnd -s 31,lpc
expect_status $? 1 "poweroff" || exit 1
c=$T/rnd.console
expect_line "$c" '^KHYVE-TEST-END virtio-pci rc=0' || exit 1
_console "$c" | grep '^KHYVE-VALUE'
[ "$(guest_value "$c" pci.0000:00:00.0)" = "0x1275:0x1275:none" ] ||
    fail "hostbridge not at 00:00.0" || exit 1
[ "$(guest_value "$c" pci.0000:00:1f.0)" = "0x8086:0x7000:none" ] ||
    fail "lpc not at 00:1f.0" || exit 1
[ "$(guest_value "$c" pci.0000:00:04.0)" = "0x1af4:0x1044:virtio-pci" ] ||
    fail "virtio-rnd not bound at 00:04.0" || exit 1
[ "$(guest_value "$c" hwrng.bytes)" = 4096 ] || fail "/dev/hwrng gave no 4096 bytes" || exit 1
[ "$(guest_value "$c" hwrng.distinct)" -ge 250 ] || fail "/dev/hwrng bytes look constant" || exit 1
echo "hostbridge, lpc, virtio-rnd seen and bound; /dev/hwrng: 4096 bytes"
