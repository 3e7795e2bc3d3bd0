# The CPUs the guest sees: how many, and the topology /proc/cpuinfo reports.
echo "KHYVE-VALUE nproc=$(nproc)"
echo "KHYVE-VALUE online=$(cat /sys/devices/system/cpu/online)"
field() { grep -m1 "^$1" /proc/cpuinfo | sed 's/.*: *//'; }
echo "KHYVE-VALUE cores=$(field 'cpu cores')"
echo "KHYVE-VALUE siblings=$(field siblings)"
echo "KHYVE-VALUE sockets=$(grep '^physical id' /proc/cpuinfo | sort -u | wc -l)"
