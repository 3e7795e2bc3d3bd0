# timeout: 100
# PVH: the same kernel as an uncompressed ELF vmlinux, entered at its Xen
# PHYS32_ENTRY note in 32-bit protected mode; it boots to the marker and
# powers off (status 1).
. "$GUEST_LIB"
[ -f "$GUEST_VMLINUX" ] || skip "no vmlinux: $GUEST_VMLINUX"
boot_guest pvh 90 "$KHYVE" -c 2 -m 256M -l com1,stdio \
    -o "boot.kernel=$GUEST_VMLINUX" -o "boot.initrd=$GUEST_INITRD" \
    -o "boot.cmdline=console=ttyS0 khyve.test=true" "t$$-pvh"; rc=$?
expect_line pvh.console '^KHYVE-GUEST-UP' || exit 1
expect_line pvh.console '^KHYVE-TEST-END true rc=0' || exit 1
expect_status $rc 1 "poweroff" || exit 1
