# The "done when" machine: a file system on the virtio disk, the
# network through the tap, entropy from virtio-rnd, all at once.
mke2fs -q /dev/vda > /dev/null 2>&1 || mke2fs /dev/vda || exit 1
mkdir -p /mnt
mount -t ext2 /dev/vda /mnt || mount /dev/vda /mnt || exit 1
echo "hello from the guest" > /mnt/hello
sync
echo "KHYVE-VALUE all.file=$(cat /mnt/hello)"
umount /mnt || exit 1
echo "KHYVE-VALUE all.hwrng=$(head -c 1024 /dev/hwrng | wc -c)"
eth=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
ip addr add 10.0.0.2/24 dev "$eth"
ip link set "$eth" up
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	if ping -c 1 -W 2 10.0.0.1 > /dev/null 2>&1; then ok=1; break; fi
	sleep 1
done
echo "KHYVE-VALUE all.ping=$ok"
echo "KHYVE-VALUE all.ncpu=$(nproc)"
[ "$ok" = 1 ]
