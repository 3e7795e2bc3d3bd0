# virtio-blk in the guest, as khyve.blk= on the command line asks:
#   write   write a 1 MiB pattern to /dev/vda, fsync, read it back
#   ro      a write to /dev/vda must fail
#   kill    write the pattern with fsync, say so, then wait to be killed
mode=write
for w in $(cat /proc/cmdline); do
	case $w in khyve.blk=*) mode=${w#khyve.blk=} ;; esac
done
[ -b /dev/vda ] || { echo "no /dev/vda"; exit 1; }
echo "KHYVE-VALUE blk.size=$(cat /sys/block/vda/size)"
echo "KHYVE-VALUE blk.ro=$(cat /sys/block/vda/ro)"
echo "KHYVE-VALUE blk.serial=$(cat /sys/block/vda/serial 2>/dev/null)"
echo "KHYVE-VALUE blk.queues=$(ls /sys/block/vda/mq | wc -l)"
yes khyve-pattern | head -c 1048576 > /tmp/pattern
echo "KHYVE-VALUE blk.pattern=$(md5sum < /tmp/pattern | cut -c1-32)"
case $mode in
write|kill)
	dd if=/tmp/pattern of=/dev/vda bs=65536 conv=fsync 2>/dev/null || exit 1
	echo 3 > /proc/sys/vm/drop_caches
	echo "KHYVE-VALUE blk.readback=$(head -c 1048576 /dev/vda | md5sum | cut -c1-32)"
	if [ "$mode" = kill ]; then
		echo "KHYVE-VALUE blk.flushed=1"
		while :; do sleep 1; done
	fi
	;;
ro)
	if dd if=/tmp/pattern of=/dev/vda bs=4096 count=1 conv=fsync 2>/dev/null; then
		echo "KHYVE-VALUE blk.write=accepted"
	else
		echo "KHYVE-VALUE blk.write=refused"
	fi
	;;
esac
exit 0
