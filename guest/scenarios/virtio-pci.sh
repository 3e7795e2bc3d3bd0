# Every PCI function the guest found, with the driver bound to it, and
# bytes from the entropy device when there is one.
for d in /sys/bus/pci/devices/*; do
	[ -e "$d" ] || continue
	drv=none
	[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	echo "KHYVE-VALUE pci.${d##*/}=$(cat "$d/vendor"):$(cat "$d/device"):$drv"
done
for d in /sys/bus/virtio/devices/*; do
	[ -e "$d" ] || continue
	drv=none
	[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	echo "KHYVE-VALUE virtio.${d##*/}=$(cat "$d/device"):$drv"
done
if [ -e /dev/hwrng ]; then
	echo "KHYVE-VALUE hwrng.current=$(cat /sys/class/misc/hw_random/rng_current)"
	echo "KHYVE-VALUE hwrng.bytes=$(head -c 4096 /dev/hwrng | wc -c)"
	# 4 KiB of real entropy compresses to no less than ~4 KiB.
	echo "KHYVE-VALUE hwrng.distinct=$(head -c 4096 /dev/hwrng | od -An -tx1 -v | tr ' ' '\n' | sort -u | grep -c .)"
fi
grep -E "virtio" /proc/interrupts | awk '{n++} END {print "KHYVE-VALUE irq.lines=" n+0}'
grep -E "virtio" /proc/interrupts | grep -c MSI | sed "s/^/KHYVE-VALUE irq.msi=/"
# ECAM in use (the MCFG window reserved by the DSDT) and how IRQs arrived.
# Linux lists the window in /proc/iomem only while it uses it.
echo "KHYVE-VALUE pci.ecam=$(grep -ciE 'PCI (ECAM|MMCONFIG)' /proc/iomem)"
dmesg | grep -iE 'mmconfig|ecam' | sed 's/^/pci-cfg: /'
