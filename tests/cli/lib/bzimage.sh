# make_bzimage FILE: a bzImage header good enough for khyve's loader (boot
# protocol 2.15, 64-bit, relocatable, kernel_alignment 2 MiB,
# pref_address 16 MiB; Documentation/arch/x86/boot.rst) and 8 KiB of
# "kernel": 10752 bytes in all.  Sourced by tests/cli/*.sh.
_poke() {	# _poke FILE OFFSET BYTES-AS-PRINTF-ESCAPES
	printf "$3" | dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none
}
make_bzimage() {
	head -c $((5 * 512 + 8192)) /dev/zero > "$1"
	_poke "$1" 0x1f1 '\x04'
	_poke "$1" 0x201 '\x6a'
	_poke "$1" 0x202 'HdrS\x0f\x02'
	_poke "$1" 0x211 '\x01'
	_poke "$1" 0x22c '\xff\xff\xff\x7f\x00\x00\x20\x00\x01\x00\x03\x00\xff\x07'
	_poke "$1" 0x258 '\x00\x00\x00\x01'
	printf 'kernel-bytes' | dd of="$1" bs=1 seek=3000 conv=notrunc status=none
}
