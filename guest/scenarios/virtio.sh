# Which virtio devices the guest found (for device tests to grep).
for d in /sys/bus/virtio/devices/*; do
	[ -e "$d" ] || continue
	echo "KHYVE-VALUE virtio.${d##*/}=$(cat "$d/device")"
done
ls /sys/block
