# timeout: 60
# Kernels and initrds khyve cannot boot: a clear one-line message naming
# the file, status 4, never a crash (the sanitized build runs here).
. "$GUEST_LIB"
try() {	# try LABEL WANT-ERE khyve-options...
	_tl=$1 _want=$2
	shift 2
	boot_guest "$_tl" 20 "$KHYVE" -c 1 -m 128M "$@" "t$$-$_tl"
	expect_status $? 4 "$_tl" || return 1
	expect_line "$_tl.console" "$_want" || return 1
	[ "$(wc -l < "$T/$_tl.console")" -eq 1 ] ||
	    fail "$_tl: want one line of output" || return 1
	echo "$_tl: status 4, $(cat "$T/$_tl.console")"
}
echo "just some text" > "$T/notakernel"
head -c 300000 "$GUEST_KERNEL" > "$T/truncated"
head -c 200 "$GUEST_KERNEL" > "$T/stub"
head -c 3000 "$GUEST_VMLINUX" > "$T/shortelf"
dd if=/dev/zero of="$T/bigrd" bs=1M count=160 2> /dev/null
try nokernel '^virtual machine cannot be booted$' || exit 1
try missing "/nonexistent/bzImage: No such file or directory" \
    -o boot.kernel=/nonexistent/bzImage || exit 1
try text "notakernel: not a Linux bzImage or ELF kernel" \
    -o "boot.kernel=$T/notakernel" || exit 1
try truncated "truncated: .*300000|truncated" \
    -o "boot.kernel=$T/truncated" || exit 1
try stub "stub: (truncated|not a Linux)" -o "boot.kernel=$T/stub" || exit 1
try shortelf "shortelf: truncated" -o "boot.kernel=$T/shortelf" || exit 1
try bigrd "bigrd: initrd of 167772160 bytes does not fit" \
    -o "boot.kernel=$GUEST_KERNEL" -o "boot.initrd=$T/bigrd" || exit 1
try dirrd "not a regular file" \
    -o "boot.kernel=$GUEST_KERNEL" -o "boot.initrd=$T" || exit 1
