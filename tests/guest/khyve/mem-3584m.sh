# timeout: 210
# -m 3584M: 3 GiB below the PCI hole, 512 MiB above 4 GiB.
. "$GUEST_LIB"
check_mem m3584 3584 -c 1 -m 3584M
