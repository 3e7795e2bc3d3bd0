# timeout: 40
# A guest that triple-faults ends khyve with status 3.  The guest is a
# 182-byte PVH kernel written here byte by byte (the level-1 host has no
# assembler): an ELF32 loaded whole at 1 MiB with a Xen PHYS32_ENTRY note;
# its code prints KHYVE-TINY-UP on COM1, loads an empty IDT and runs int3.
. "$GUEST_LIB"
tiny_triple() {
	printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000\002\000\003'
	printf '\000\001\000\000\000\210\000\020\000\064\000\000\000\000\000\000'
	printf '\000\000\000\000\000\064\000\040\000\002\000\000\000\000\000\000'
	printf '\000\001\000\000\000\000\000\000\000\000\000\020\000\000\000\020'
	printf '\000\266\000\000\000\266\000\000\000\005\000\000\000\000\020\000'
	printf '\000\004\000\000\000t\000\000\000t\000\020\000t\000\020\000\024\000'
	printf '\000\000\024\000\000\000\004\000\000\000\004\000\000\000\004\000'
	printf '\000\000\004\000\000\000\022\000\000\000Xen\000\210\000\020\000f'
	printf '\272\370\003\276\247\000\020\000\254\204\300t\003\356\353\370\017'
	printf '\001\035\241\000\020\000\314\000\000\000\000\000\000KHYVE\055TIN'
	printf 'Y\055UP\012\000'
}
tiny_triple > "$T/triple.elf"
boot_guest tf 30 "$KHYVE" -c 1 -m 64M -l com1,stdio \
    -o "boot.kernel=$T/triple.elf" "t$$-tf"; rc=$?
expect_line tf.console '^KHYVE-TINY-UP' || exit 1
expect_status $rc 3 "triple fault" || exit 1
