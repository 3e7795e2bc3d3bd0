# timeout: 180
# -c 1: one vCPU.
. "$GUEST_LIB"
check_cpus c1 1 1 1 -c 1 -m 256M
