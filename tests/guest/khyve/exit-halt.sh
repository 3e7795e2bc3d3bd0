# timeout: 180
# halt -f in the guest: khyve exits 2.
. "$GUEST_LIB"
check_exit halt halt 2
