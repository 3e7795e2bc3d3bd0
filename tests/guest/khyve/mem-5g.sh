# timeout: 210
# -m 5G
. "$GUEST_LIB"
check_mem m5g 5120 -c 1 -m 5G
