# timeout: 180
# -c 2: two vCPUs.
. "$GUEST_LIB"
check_cpus c2 2 "" "" -c 2 -m 256M
