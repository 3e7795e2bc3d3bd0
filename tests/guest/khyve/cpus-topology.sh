# timeout: 180
# -c sockets=1,cores=2,threads=2: four vCPUs, 2 cores of 2 threads in one package.
. "$GUEST_LIB"
check_cpus topo 4 2 4 -c sockets=1,cores=2,threads=2 -m 256M
