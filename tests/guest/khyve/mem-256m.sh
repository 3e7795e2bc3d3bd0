# timeout: 210
# -m 256M
. "$GUEST_LIB"
check_mem m256 256 -c 1 -m 256M
