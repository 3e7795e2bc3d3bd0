# timeout: 400
# What the guest kernel finds odd about khyve's platform must be no worse than
# what it finds under QEMU on the same guest: every complaint in khyve's
# guest's dmesg must also appear in QEMU's guest's dmesg.
. "$GUEST_LIB"

complaints() {	# complaints CONSOLE: the guest's complaint lines, numbers blurred
	_console "$1" | sed -n 's/^KHYVE-DMESG //p' |
	    sed -E 's/0x[0-9a-fA-F]+/N/g; s/[0-9]+/N/g' | sort -u
}

boot_linux dm 200 "khyve.test=dmesg" -c 2 -m 512M
expect_status $? 1 "poweroff" || exit 1
expect_line "$T/dm.console" '^KHYVE-VALUE dmesg_done=1' || exit 1
complaints "$T/dm.console" > "$T/khyve.txt"

[ -n "${QEMU:-}" ] && [ -x "$QEMU" ] ||
    skip "needs QEMU as the yardstick (KHYVE_TESTBED_QEMU=1 in the testbed)"
boot_guest qemu 300 "$QEMU" -enable-kvm -cpu host -smp 2 -m 512M -display none \
    -vga none -net none -no-reboot -serial stdio -monitor none \
    -kernel "$GUEST_KERNEL" -initrd "$GUEST_INITRD" \
    -append "console=ttyS0 panic=-1 quiet khyve.test=dmesg"
expect_line "$T/qemu.console" '^KHYVE-VALUE dmesg_done=1' || exit 1
complaints "$T/qemu.console" > "$T/allowed.txt"

extra=$(grep -vxFf "$T/allowed.txt" "$T/khyve.txt")
echo "complaints: $(wc -l < "$T/khyve.txt") under khyve, $(wc -l < "$T/allowed.txt") under QEMU"
if [ -n "$extra" ]; then
	echo "the guest complains about khyve's platform:"
	echo "$extra"
	exit 1
fi
echo "no complaint beyond QEMU's"
