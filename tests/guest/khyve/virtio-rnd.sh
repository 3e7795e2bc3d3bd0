# timeout: 400
# hostbridge, lpc and virtio-rnd on the PCI bus: the guest reaches config
# space through ECAM (MCFG), sees their IDs, virtio-pci binds the entropy
# device with MSI-X and /dev/hwrng gives bytes; again with pci=nomsi, so
# the interrupts take INTx through the _PRT and the IOAPIC.
. "$GUEST_LIB"
check_rnd() {
	c=$T/$1.console
	expect_line "$c" '^KHYVE-TEST-END virtio-pci rc=0' || return 1
	_console "$c" | grep -E "^KHYVE-VALUE|pci-cfg"
	[ "$(guest_value "$c" pci.0000:00:00.0)" = "0x1275:0x1275:none" ] ||
	    fail "hostbridge not at 00:00.0" || return 1
	[ "$(guest_value "$c" pci.0000:00:1f.0)" = "0x8086:0x7000:none" ] ||
	    fail "lpc not at 00:1f.0" || return 1
	[ "$(guest_value "$c" pci.0000:00:04.0)" = "0x1af4:0x1044:virtio-pci" ] ||
	    fail "virtio-rnd not bound at 00:04.0" || return 1
	[ "$(guest_value "$c" hwrng.bytes)" = 4096 ] || fail "/dev/hwrng gave no 4096 bytes" || return 1
	[ "$(guest_value "$c" hwrng.distinct)" -ge 250 ] || fail "/dev/hwrng bytes look constant" || return 1
	[ "$(guest_value "$c" pci.ecam)" -ge 1 ] || fail "the guest does not use ECAM" || return 1
}
boot_linux rnd 180 "khyve.test=virtio-pci" -c 1 -m 256M \
    -s 0,hostbridge -s 4,virtio-rnd -s 31,lpc
expect_status $? 1 "poweroff" || exit 1
check_rnd rnd || exit 1
[ "$(guest_value "$T/rnd.console" irq.msi)" -ge 1 ] || fail "virtio-rnd without MSI-X" || exit 1
echo "MSI-X: hostbridge, lpc, virtio-rnd seen and bound; /dev/hwrng: 4096 bytes"

boot_linux intx 180 "khyve.test=virtio-pci pci=nomsi" -c 1 -m 256M \
    -s 0,hostbridge -s 4,virtio-rnd -s 31,lpc
expect_status $? 1 "poweroff" || exit 1
check_rnd intx || exit 1
[ "$(guest_value "$T/intx.console" irq.msi)" = 0 ] || fail "pci=nomsi still MSI" || exit 1
echo "INTx: /dev/hwrng works through the _PRT and the IOAPIC"
