# timeout: 300
# The issue's own example: khyveload reads the kernel that lives inside the
# guest's disk image (GPT, ext4, grub.cfg; built on the host by
# load-disk.prep), khyve runs it with that image as its virtio-blk disk,
# khyvectl destroys it.
. "$GUEST_LIB"
KHYVE_RUNDIR=$T/run
export KHYVE_RUNDIR
if [ ! -f "$PREP/guest.img" ]; then
	cat "$PREP/prep.log" 2>/dev/null
	fail "no disk image from load-disk.prep"
	exit 1
fi
cp "$PREP/guest.img" guest.img
"$KHYVELOAD" -m 512M -d guest.img vm1 > load.out 2>&1; rc=$?
cat load.out
expect_status $rc 0 "khyveload -d" || exit 1
expect_line load.out "from guest.img partition 1 \\(/boot/grub/grub.cfg, entry 'Debian GNU/Linux'\\)" || exit 1
boot_guest run 150 "$KHYVE" -c 2 -s 2,virtio-blk,guest.img -l com1,stdio vm1
expect_status $? 1 "khyve vm1 (poweroff)" || exit 1
expect_line run.console '^KHYVE-TEST-END true rc=0' || exit 1
"$KHYVECTL" --vm=vm1 --destroy || fail "destroy" || exit 1
[ ! -e "$KHYVE_RUNDIR/vm1" ] || fail "vm1's directory is still there" || exit 1
echo "booted the kernel inside guest.img, destroyed vm1"
