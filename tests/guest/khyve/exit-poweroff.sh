# timeout: 180
# poweroff -f in the guest: khyve exits 1.
. "$GUEST_LIB"
check_exit off poweroff 1
