# timeout: 40
# -e (x86.strictio): an access to an unclaimed port stops the VM with the
# illumos message and status 4; without -e it reads as all ones and the
# guest goes on (here: to cli; hlt, so khyve reports a halt, status 2).
# The guest is a 178-byte PVH kernel written byte by byte: it prints
# KHYVE-TINY-UP on COM1, then runs `in $0x99, %al` at 0x100099.
. "$GUEST_LIB"
tiny_strict() {
	printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000\002\000\003'
	printf '\000\001\000\000\000\210\000\020\000\064\000\000\000\000\000\000'
	printf '\000\000\000\000\000\064\000\040\000\002\000\000\000\000\000\000'
	printf '\000\001\000\000\000\000\000\000\000\000\000\020\000\000\000\020'
	printf '\000\262\000\000\000\262\000\000\000\005\000\000\000\000\020\000'
	printf '\000\004\000\000\000t\000\000\000t\000\020\000t\000\020\000\024\000'
	printf '\000\000\024\000\000\000\004\000\000\000\004\000\000\000\004\000'
	printf '\000\000\004\000\000\000\022\000\000\000Xen\000\210\000\020\000f'
	printf '\272\370\003\276\243\000\020\000\254\204\300t\003\356\353\370\344'
	printf '\231\372\364\000\000\000\000\000\000KHYVE\055TINY\055UP\012\000'
}
tiny_strict > "$T/strict.elf"
boot_guest strict 30 "$KHYVE" -e -c 1 -m 64M -l com1,stdio \
    -o "boot.kernel=$T/strict.elf" "t$$-strict"; rc=$?
expect_line strict.console '^KHYVE-TINY-UP' || exit 1
expect_line strict.console '^Unhandled inb 0x0099 at 0x100099$' || exit 1
expect_status $rc 4 "strict I/O" || exit 1
boot_guest lax 30 "$KHYVE" -c 1 -m 64M -l com1,stdio \
    -o "boot.kernel=$T/strict.elf" "t$$-lax"; rc=$?
expect_line lax.console '^KHYVE-TINY-UP' || exit 1
expect_status $rc 2 "unclaimed port, then halt" || exit 1
