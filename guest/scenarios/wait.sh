# Waits (up to 10 minutes) for something outside to end the guest, e.g. the
# power button.
echo "KHYVE-VALUE waiting=1"
sleep 600
