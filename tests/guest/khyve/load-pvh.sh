# timeout: 200
# khyveload with an ELF vmlinux: the PVH entry's boot state (32-bit
# protected mode, EBX = start_info) survives the trip through the VM's
# directory; khyve -D runs it and removes the VM when the guest powers off.
. "$GUEST_LIB"
[ -f "$GUEST_VMLINUX" ] || skip "no vmlinux: $GUEST_VMLINUX"
KHYVE_RUNDIR=$T/run
export KHYVE_RUNDIR
mkdir -p h
ln "$GUEST_VMLINUX" h/vmlinux 2> /dev/null || cp "$GUEST_VMLINUX" h/vmlinux
ln "$GUEST_INITRD" h/initrd.gz 2> /dev/null || cp "$GUEST_INITRD" h/initrd.gz
"$KHYVELOAD" -m 256M -h h -e kernel=/vmlinux -e initrd=/initrd.gz \
    -e "cmdline=console=ttyS0 panic=-1 quiet khyve.test=true" vmp > load.out 2>&1; rc=$?
cat load.out
expect_status $rc 0 "khyveload vmlinux" || exit 1
cat "$KHYVE_RUNDIR/vmp/boot"
grep -q '^mode prot32$' "$KHYVE_RUNDIR/vmp/boot" || fail "not a PVH boot state" || exit 1
boot_guest pvh 150 "$KHYVE" -c 2 -D -l com1,stdio vmp
expect_status $? 1 "khyve -D vmp (poweroff)" || exit 1
expect_line pvh.console '^KHYVE-TEST-END true rc=0' || exit 1
[ ! -e "$KHYVE_RUNDIR/vmp" ] || fail "-D left vmp behind" || exit 1
echo "PVH through khyveload, -D removed the VM"
