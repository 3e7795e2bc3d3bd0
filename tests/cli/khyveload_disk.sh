#!/usr/bin/env bash
# khyveload -d: the kernel from the guest's own disk image, built here with
# sfdisk and mkfs.ext4 -d (no KVM needed): GPT, MBR with a logical
# partition, a bare file system, a separate /boot; the guest memory it
# fills is byte for byte what -h fills from the same files.  Broken tables
# and file systems are refused with a message, and the image is never
# written to.
. "$(dirname "$0")/lib/cli.sh"
. "$(dirname "$0")/lib/bzimage.sh"
PROG=$BUILD/asan/khyveload
export KHYVE_RUNDIR=$TMP/run
for tool in sfdisk mkfs.ext4; do
	if ! command -v $tool > /dev/null; then
		[ "${CI:-}" != true ] || { echo "FAIL: $tool missing (e2fsprogs, fdisk)"; exit 1; }
		echo "$tool not installed: skipped"
		exit 0
	fi
done

R=$TMP/root
mkdir -p "$R/boot/grub"
make_bzimage "$R/boot/vmlinuz-6.1.0-9-amd64"
printf 'initrd-bytes' > "$R/boot/initrd.img-6.1.0-9-amd64"
ln -s boot/vmlinuz-6.1.0-9-amd64 "$R/vmlinuz"
cat > "$R/boot/grub/grub.cfg" <<'CFG'
set default="1>0"
menuentry 'Debian GNU/Linux' $menuentry_id_option 'simple' {
	linux	/boot/vmlinuz-6.1.0-9-amd64 root=/dev/vda1 ro quiet
	initrd	/boot/initrd.img-6.1.0-9-amd64
}
submenu 'Advanced options' {
	menuentry 'Debian GNU/Linux, with Linux 6.1.0-9-amd64' {
		load_video
		echo	'Loading Linux 6.1.0-9-amd64 ...'
		linux	/boot/vmlinuz-6.1.0-9-amd64 root=/dev/vda1 ro advanced
		initrd	/boot/initrd.img-6.1.0-9-amd64
	}
}
CFG

# mkdisk IMAGE LABEL-TYPE START: one Linux partition holding $R as ext4.
mkdisk() {
	truncate -s 24M "$1"
	printf 'label: %s\nstart=%s, size=30000, type=%s\n' "$2" "$3" \
	    "$([ "$2" = gpt ] && echo L || echo 83)" | sfdisk -q "$1" ||
	    fail mkdisk "sfdisk $2"
	mkfs.ext4 -q -F -E offset=$(($3 * 512)) -d "$R" "$1" 14M ||
	    fail mkdisk "mkfs.ext4"
}

mkdisk "$TMP/gpt.img" gpt 2048
sum=$(sha256sum < "$TMP/gpt.img")
run -m 32M -d "$TMP/gpt.img" vmd
[ "$RC" -eq 0 ] || fail gpt "status $RC: $(cat "$TMP/err")"
grep -q "from $TMP/gpt.img partition 1 (/boot/grub/grub.cfg, entry 'Debian GNU/Linux, with Linux 6.1.0-9-amd64')" \
    "$TMP/out" || fail gpt "$(cat "$TMP/out")"
grep -q "cmdline root=/dev/vda1 ro advanced$" "$TMP/out" || fail gpt "$(cat "$TMP/out")"
[ "$(sha256sum < "$TMP/gpt.img")" = "$sum" ] || fail gpt "the image was written to"
cp "$KHYVE_RUNDIR/vmd/mem" "$TMP/mem.disk"
cp "$KHYVE_RUNDIR/vmd/boot" "$TMP/boot.disk"
run -m 32M -h "$R" vmh
[ "$RC" -eq 0 ] || fail same-as-host "status $RC: $(cat "$TMP/err")"
cmp -s "$TMP/mem.disk" "$KHYVE_RUNDIR/vmh/mem" || fail same-as-host "guest memory differs"
cmp -s "$TMP/boot.disk" "$KHYVE_RUNDIR/vmh/boot" || fail same-as-host "boot state differs"

# The guest upgrades its kernel (a new file, a new first entry, as
# grub-mkconfig writes it): the next load boots the new one.
make_bzimage "$R/boot/vmlinuz-6.1.0-10-amd64"
printf 'new-kernel' | dd of="$R/boot/vmlinuz-6.1.0-10-amd64" bs=1 seek=4000 conv=notrunc status=none
cp "$R/boot/grub/grub.cfg" "$TMP/grub.cfg.old"
{ printf "menuentry 'Debian GNU/Linux' {\n linux /boot/vmlinuz-6.1.0-10-amd64 root=/dev/vda1 ro\n}\n"
  grep -v '^set default' "$TMP/grub.cfg.old"; } > "$R/boot/grub/grub.cfg"
mkdisk "$TMP/upgraded.img" gpt 2048
run -m 32M -d "$TMP/upgraded.img" vmd
[ "$RC" -eq 0 ] || fail upgrade "status $RC: $(cat "$TMP/err")"
grep -q "kernel  /boot/vmlinuz-6.1.0-10-amd64" "$TMP/out" || fail upgrade "$(cat "$TMP/out")"
grep -q "new-kernel" "$KHYVE_RUNDIR/vmd/mem" || fail upgrade "the new kernel is not in guest memory"
cp "$TMP/grub.cfg.old" "$R/boot/grub/grub.cfg"

# -e kernel= follows the guest's symlink inside its own file system.
run -m 32M -d "$TMP/gpt.img" -e kernel=/vmlinuz vmd
[ "$RC" -eq 0 ] || fail symlink "status $RC: $(cat "$TMP/err")"
grep -q "kernel  /vmlinuz (10752 bytes)" "$TMP/out" || fail symlink "$(cat "$TMP/out")"

# MBR: the file system in a logical partition (5) inside an extended one.
truncate -s 24M "$TMP/mbr.img"
printf 'label: dos\nstart=2048, size=4096, type=82\nstart=8192, size=40000, type=5\nstart=10240, size=30000, type=83\n' |
    sfdisk -q "$TMP/mbr.img" || fail mbr sfdisk
mkfs.ext4 -q -F -E offset=$((10240 * 512)) -d "$R" "$TMP/mbr.img" 14M || fail mbr mkfs
run -m 32M -d "$TMP/mbr.img" vmm
[ "$RC" -eq 0 ] || fail mbr "status $RC: $(cat "$TMP/err")"
grep -q "from $TMP/mbr.img partition 5 " "$TMP/out" || fail mbr "$(cat "$TMP/out")"

# A bare file system (no table), extlinux.conf, a second disk before it
# without any configuration.
rm "$R/boot/grub/grub.cfg"
mkdir -p "$R/boot/extlinux"
printf 'DEFAULT l0\nLABEL l0\n MENU LABEL Debian 12\n LINUX /boot/vmlinuz-6.1.0-9-amd64\n INITRD /boot/initrd.img-6.1.0-9-amd64\n APPEND root=/dev/vda ro\n' \
    > "$R/boot/extlinux/extlinux.conf"
truncate -s 12M "$TMP/bare.img"; mkfs.ext4 -q -F -d "$R" "$TMP/bare.img" || fail bare mkfs
mkdir -p "$TMP/data"
echo data > "$TMP/data/file"
truncate -s 4M "$TMP/data.img"; mkfs.ext4 -q -F -d "$TMP/data" "$TMP/data.img" || fail bare mkfs
run -m 32M -d "$TMP/data.img" -d "$TMP/bare.img" vmb
[ "$RC" -eq 0 ] || fail bare "status $RC: $(cat "$TMP/err")"
grep -q "from $TMP/bare.img (/boot/extlinux/extlinux.conf, entry 'Debian 12')" "$TMP/out" ||
    fail bare "$(cat "$TMP/out")"

# A separate /boot: grub.cfg at /grub/grub.cfg, paths from that root.
mkdir -p "$TMP/boot/grub"
cp "$R/boot/vmlinuz-6.1.0-9-amd64" "$TMP/boot/"
printf "menuentry 'sep' {\n linux /vmlinuz-6.1.0-9-amd64 root=/dev/vda2\n}\n" > "$TMP/boot/grub/grub.cfg"
truncate -s 4M "$TMP/sep.img"; mkfs.ext4 -q -F -d "$TMP/boot" "$TMP/sep.img" || fail separate mkfs
run -m 32M -d "$TMP/sep.img" vms
[ "$RC" -eq 0 ] || fail separate "status $RC: $(cat "$TMP/err")"
grep -q "(/grub/grub.cfg, entry 'sep')" "$TMP/out" || fail separate "$(cat "$TMP/out")"

# Refused, with the problem named; nothing left behind.
brk() {	# brk NAME IMAGE ERE
	run -m 32M -d "$2" vmx
	[ "$RC" -eq 1 ] || fail "$1" "status $RC"
	grep -Eq -- "$3" "$TMP/err" || fail "$1" "stderr: $(cat "$TMP/err")"
	[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "$1" "more than one line: $(cat "$TMP/err")"
	[ ! -e "$KHYVE_RUNDIR/vmx" ] || fail "$1" "vmx left behind"
}
cp "$TMP/gpt.img" "$TMP/b1.img"
printf 'X' | dd of="$TMP/b1.img" bs=1 seek=$((512 + 24)) conv=notrunc status=none
brk gpt-header "$TMP/b1.img" "b1.img: GPT: header checksum mismatch"
cp "$TMP/gpt.img" "$TMP/b2.img"
printf 'X' | dd of="$TMP/b2.img" bs=1 seek=$((1024 + 60)) conv=notrunc status=none
brk gpt-entries "$TMP/b2.img" "b2.img: GPT: partition entry array checksum mismatch"
cp "$TMP/gpt.img" "$TMP/b3.img"
dd if=/dev/zero of="$TMP/b3.img" bs=1024 seek=$((2048 / 2 + 1)) count=1 conv=notrunc status=none
brk no-superblock "$TMP/b3.img" "b3.img: no ext2/3/4 file system in its 1 gpt partition"
head -c 3000000 "$TMP/gpt.img" > "$TMP/b4.img"
brk truncated "$TMP/b4.img" "b4.img: GPT: .*off the disk|does not fit"
cp "$TMP/mbr.img" "$TMP/b5.img"
printf '\xff\xff\xff\x7f' | dd of="$TMP/b5.img" bs=1 seek=$((446 + 12)) conv=notrunc status=none
brk mbr-past-end "$TMP/b5.img" "b5.img: partition 1 .* does not fit on the disk"
head -c 100 /dev/urandom > "$TMP/b6.img"
brk tiny "$TMP/b6.img" "b6.img: too short for a disk"
head -c 1048576 /dev/zero > "$TMP/b7.img"
brk zeros "$TMP/b7.img" "b7.img: no ext2/3/4 file system in its 1 none partition"
brk missing "$TMP/nope.img" "nope.img: No such file or directory"
brk data-only "$TMP/data.img" "data.img: no boot configuration"

# Random damage to the file system's metadata: refused or loaded, never a
# crash (this is the sanitized build).
for i in 1 2 3 4 5 6 7 8; do
	cp "$TMP/bare.img" "$TMP/r.img"
	for j in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		off=$(( (RANDOM * 32768 + RANDOM) % (256 * 1024) ))
		head -c 4 /dev/urandom | dd of="$TMP/r.img" bs=1 seek=$off conv=notrunc status=none
	done
	run -m 32M -d "$TMP/r.img" vmr
	case $RC in
	0|1) ;;
	*) fail "random-$i" "status $RC: $(tail -5 "$TMP/err")" ;;
	esac
done
finish
