# timeout: 500
# khyveload -h: the kernel, initrd and command line come from a Debian-style
# grub.cfg in a host directory; khyve NAME runs the prepared VM with no
# boot.* keys.  The boot state is used once; a reboot (status 0) means
# "load again"; re-loading re-initialises; --destroy removes the directory.
. "$GUEST_LIB"
KHYVE_RUNDIR=$T/run
export KHYVE_RUNDIR
H=$T/host
mkdir -p "$H/boot/grub"
cp "$GUEST_KERNEL" "$H/boot/vmlinuz-6.1.0-99-amd64"
cp "$GUEST_INITRD" "$H/boot/initrd.img-6.1.0-99-amd64"
cat > "$H/boot/grub/grub.cfg" <<'CFG'
if [ "${next_entry}" ] ; then
   set default="${next_entry}"
else
   set default="0"
fi
function load_video {
  insmod all_video
}
menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'gnulinux-simple-x' {
	load_video
	insmod gzio
	if [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi
	search --no-floppy --fs-uuid --set=root 0000
	echo	'Loading Linux 6.1.0-99-amd64 ...'
	linux	/boot/vmlinuz-6.1.0-99-amd64 console=ttyS0 panic=-1 quiet khyve.test=true
	echo	'Loading initial ramdisk ...'
	initrd	/boot/initrd.img-6.1.0-99-amd64
}
submenu 'Advanced options for Debian GNU/Linux' {
	menuentry 'Debian GNU/Linux (recovery mode)' {
		linux	/boot/vmlinuz-6.1.0-99-amd64 single
	}
}
CFG

"$KHYVELOAD" -m 256M -h "$H" vm1 > load1.out 2>&1; rc=$?
cat load1.out
expect_status $rc 0 "khyveload -h" || exit 1
expect_line load1.out "entry 'Debian GNU/Linux'" || exit 1
expect_line load1.out "initrd  /boot/initrd.img-6.1.0-99-amd64" || exit 1
"$KHYVECTL" --list > list1.out
expect_line list1.out '^vm1 +prepared' || exit 1

boot_guest run1 150 "$KHYVE" -c 1 -l com1,stdio vm1
expect_status $? 1 "khyve vm1 (poweroff)" || exit 1
expect_line run1.console '^KHYVE-TEST-END true rc=0' || exit 1

# Used once: a second run without the loader cannot boot.
boot_guest again 20 "$KHYVE" -c 1 vm1
expect_status $? 4 "khyve vm1 without loading again" || exit 1
expect_line again.console '^virtual machine cannot be booted$' || exit 1

# The reboot loop: status 0 means "load again and run again".
n=0 rc=0
while [ $n -lt 2 ]; do
	n=$((n + 1))
	ex=reboot
	[ $n -lt 2 ] || ex=poweroff
	"$KHYVELOAD" -m 256M -h "$H" -e khyve.exit=$ex vm1 > load$n.out 2>&1 ||
	    { cat load$n.out; fail "reload $n"; exit 1; }
	expect_line load$n.out "cmdline .* khyve.exit=$ex" || exit 1
	boot_guest loop$n 150 "$KHYVE" -c 1 -l com1,stdio vm1; rc=$?
	[ $rc -eq 0 ] || break
done
expect_status $rc 1 "the second round powers off" || exit 1
expect_line loop1.console '^KHYVE-GUEST-DOWN reboot' || exit 1

"$KHYVECTL" --vm=vm1 --destroy || fail "destroy" || exit 1
[ ! -e "$KHYVE_RUNDIR/vm1" ] || fail "vm1's directory is still there" || exit 1
echo "loaded from grub.cfg, ran, reloaded after a reboot, destroyed"
