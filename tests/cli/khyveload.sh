#!/usr/bin/env bash
# khyveload: bhyveload's arguments, then loads from a host directory (-h)
# without KVM: a crafted bzImage and a grub.cfg, the VM's directory in a
# scratch runtime dir, what is refused (escapes, -l, bad names, bad
# kernels, missing configs) and that a failed load leaves nothing behind.
. "$(dirname "$0")/lib/cli.sh"
PROG=$BUILD/asan/khyveload
CTL=$BUILD/asan/khyvectl
export KHYVE_RUNDIR=$TMP/run

check_golden no-name 1 - khyveload.usage
check_golden two-names 1 - khyveload.usage a b
check_golden flag-after-name 1 - khyveload.usage vm0 -m 1G
run -q vm0
[ "$RC" -eq 1 ] || fail bad-flag "status $RC"
{ echo "khyveload: illegal option -- q"; cat "$GOLDEN/khyveload.usage"; } >"$TMP/want"
same bad-flag stderr "$TMP/want" "$TMP/err"
check memsize 64 "khyveload: Invalid memsize '1X'" -m 1X vm0
check env 64 "khyveload: invalid environment variable 'novalue'" -e novalue vm0
check loader-lib 64 "khyveload: -l /boot/userboot.so: loader libraries are a FreeBSD userboot feature; khyveload loads Linux kernels itself" \
    -l /boot/userboot.so vm0
check no-source 1 "khyveload: nothing to load from: give -h host-path or -d disk-path" vm0
check bad-name 1 "khyveload: invalid VM name '..'" -h /tmp ..
check bad-console 64 "khyveload: Could not open '/nonexistent/tty'" -c /nonexistent/tty vm0

. "$(dirname "$0")/lib/bzimage.sh"
H=$TMP/host
mkdir -p "$H/boot/grub"
K=$H/boot/vmlinuz-6.1.0-9-amd64
make_bzimage "$K"
printf 'initrd-bytes' > "$H/boot/initrd.img-6.1.0-9-amd64"
cat > "$H/boot/grub/grub.cfg" <<'CFG'
set default="0"
menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'simple' {
	load_video
	insmod ext2
	echo	'Loading Linux 6.1.0-9-amd64 ...'
	linux	/boot/vmlinuz-6.1.0-9-amd64 root=/dev/vda1 ro quiet
	initrd	/boot/initrd.img-6.1.0-9-amd64
}
CFG

run -m 64M -h "$H" -e console=ttyS0 vm1
[ "$RC" -eq 0 ] || fail load-host "status $RC: $(cat "$TMP/err")"
cat > "$TMP/want" <<EOF2
khyveload: loading vm1 from $H (/boot/grub/grub.cfg, entry 'Debian GNU/Linux')
  kernel  /boot/vmlinuz-6.1.0-9-amd64 (10752 bytes)
  initrd  /boot/initrd.img-6.1.0-9-amd64 (12 bytes)
  cmdline root=/dev/vda1 ro quiet console=ttyS0
  memory  64 MiB
EOF2
same load-host stdout "$TMP/want" "$TMP/out"
[ "$(stat -c %s "$KHYVE_RUNDIR/vm1/mem")" = $((64 << 20)) ] || fail load-host "mem size"
grep -q '^rip 0x1000200$' "$KHYVE_RUNDIR/vm1/boot" || fail load-host "boot state: $(cat "$KHYVE_RUNDIR/vm1/boot")"
grep -q "initrd-bytes" "$KHYVE_RUNDIR/vm1/mem" || fail load-host "no initrd in guest memory"
"$CTL" --list > "$TMP/list"
grep -Eq '^vm1 +prepared +- +64M$' "$TMP/list" || fail list "$(cat "$TMP/list")"

# Loading again re-initialises (new memory size, new command line).
run -m 32M -h "$H" -e cmdline=quiet vm1
[ "$RC" -eq 0 ] || fail reload "status $RC: $(cat "$TMP/err")"
[ "$(stat -c %s "$KHYVE_RUNDIR/vm1/mem")" = $((32 << 20)) ] || fail reload "mem size"
grep -q 'cmdline quiet$' "$TMP/out" || fail reload "$(cat "$TMP/out")"

# khyve vm1 checks what it opens before it touches KVM: a -m that differs
# from the loader's size, a damaged boot state.
PROG=$BUILD/asan/khyve
check khyve-memsize 4 "vm1: memory size 128M differs from the 33554432 bytes khyveload gave it" -m 128M vm1
cp "$KHYVE_RUNDIR/vm1/boot" "$TMP/boot.good"
printf 'khyve-boot 1\nmemsize 1\n' > "$KHYVE_RUNDIR/vm1/boot"
check khyve-damaged 4 "vm1: its boot state ($KHYVE_RUNDIR/vm1/boot) is damaged; load it again" vm1
cp "$TMP/boot.good" "$KHYVE_RUNDIR/vm1/boot"
check khyve-bad-name 4 "khyve: invalid VM name '../x'" ../x
PROG=$BUILD/asan/khyveload

# -h: nothing outside the directory can be named.
ln -s /etc/passwd "$H/boot/out"
ln -s ../../.. "$H/boot/up"
check escape-dotdot 1 "khyveload: $H: /../etc/passwd: leads out of the host directory" \
    -h "$H" -e kernel=/../etc/passwd vm2
check escape-symlink 1 "khyveload: $H: /boot/out: leads out of the host directory" \
    -h "$H" -e kernel=/boot/out vm2
check escape-dir 1 "khyveload: $H: /boot/up/etc/passwd: leads out of the host directory" \
    -h "$H" -e kernel=/boot/up/etc/passwd vm2
check missing 1 "khyveload: $H: /nope: No such file or directory" -h "$H" -e kernel=/nope vm2
run -h "$H" -e kernel=/boot/grub/grub.cfg vm2
[ "$RC" -eq 1 ] || fail not-kernel "status $RC"
grep -q "grub.cfg: not a Linux bzImage or ELF kernel" "$TMP/err" || fail not-kernel "$(cat "$TMP/err")"
[ ! -e "$KHYVE_RUNDIR/vm2" ] || fail not-kernel "a failed load left vm2 behind"
mkdir -p "$TMP/nocfg"
check no-config 1 "khyveload: $TMP/nocfg: no boot configuration (looked for /boot/grub/grub.cfg, /boot/extlinux/extlinux.conf and others); name the kernel with -e kernel=PATH" \
    -h "$TMP/nocfg" vm2
printf "menuentry 'x' {\n linux /k\n" > "$H/boot/grub/grub.cfg"
check bad-config 1 "khyveload: $H: /boot/grub/grub.cfg: grub.cfg: 1 block(s) not closed at the end" \
    -h "$H" vm2

# extlinux.conf, with paths relative to its directory.
rm "$H/boot/grub/grub.cfg"
mkdir -p "$H/boot/extlinux"
printf 'DEFAULT l0\nLABEL l0\n  MENU LABEL Debian\n  LINUX ../vmlinuz-6.1.0-9-amd64\n  APPEND ro\n' \
    > "$H/boot/extlinux/extlinux.conf"
run -m 32M -h "$H" vm3
[ "$RC" -eq 0 ] || fail extlinux "status $RC: $(cat "$TMP/err")"
grep -q "extlinux.conf, entry 'Debian'" "$TMP/out" || fail extlinux "$(cat "$TMP/out")"
grep -q "kernel  /boot/extlinux/../vmlinuz-6.1.0-9-amd64" "$TMP/out" || fail extlinux "$(cat "$TMP/out")"

PROG=$CTL
check destroy 0 "" --vm=vm1 --destroy
[ ! -e "$KHYVE_RUNDIR/vm1" ] || fail destroy "vm1 is still there"
check destroy-again 1 "khyvectl: vm1: no such virtual machine" --vm=vm1 --destroy
finish
