# bench-disk (make bench, in the guest): O_DIRECT on /dev/vda with
# bench/loadgen: sequential write, sequential read (1 MiB requests), then
# 4 KiB random reads one at a time.  The host chooses the sizes on the
# kernel command line: bench.mib= (MiB moved and the random reads' span),
# bench.secs= (the most a sequential run may take), bench.rsecs= (random).
mib=64 secs=30 rsecs=3
for w in $(cat /proc/cmdline); do
	case $w in
	bench.mib=*)	mib=${w#*=} ;;
	bench.secs=*)	secs=${w#*=} ;;
	bench.rsecs=*)	rsecs=${w#*=} ;;
	esac
done
[ -b /dev/vda ] || { echo "no /dev/vda"; exit 1; }
echo "KHYVE-VALUE disk.queues=$(ls /sys/block/vda/mq | wc -l)"
loadgen seqwrite -s "$mib" -t "$secs" /dev/vda || exit 1
loadgen seqread -s "$mib" -t "$secs" /dev/vda || exit 1
loadgen randread -s "$mib" -t "$rsecs" /dev/vda || exit 1
echo "KHYVE-VALUE disk.interrupts=$(grep -E 'virtio.*req' /proc/interrupts | awk '{ s += $2 } END { print s + 0 }')"
