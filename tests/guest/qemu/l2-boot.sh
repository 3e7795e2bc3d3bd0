# timeout: 180
# QEMU as the level-2 VMM: proves the KVM modules, the guest kernel and its
# initramfs before khyve can boot Linux (KHYVE_TESTBED_QEMU=1).
. "$GUEST_LIB"
[ -n "${QEMU:-}" ] && [ -x "$QEMU" ] || skip "no level-2 QEMU (KHYVE_TESTBED_QEMU=1 carries it)"
start=$(cut -d' ' -f1 /proc/uptime)
boot_guest l2 150 "$QEMU" -enable-kvm -cpu host -smp 2 -m 256M -display none -vga none \
    -net none -no-reboot -serial stdio -monitor none \
    -kernel "$GUEST_KERNEL" -initrd "$GUEST_INITRD" -append "console=ttyS0 quiet khyve.test=cpus"
expect_status $? 0 "qemu" || exit 1
end=$(cut -d' ' -f1 /proc/uptime)
echo "level-2 boot to poweroff: $(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }') s"
expect_line l2.console '^KHYVE-GUEST-UP' || exit 1
expect_line l2.console '^KHYVE-TEST-END cpus rc=0' || exit 1
[ "$(guest_value l2.console nproc)" = 2 ] || fail "nproc is not 2" || exit 1
