# timeout: 180
# reboot -f in the guest: khyve exits 0.
. "$GUEST_LIB"
check_exit reboot reboot 0
