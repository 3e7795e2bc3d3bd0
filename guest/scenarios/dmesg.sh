# Prints every kernel message that complains about the platform, one
# "KHYVE-DMESG <message>" line each (timestamps dropped), for the host to judge.
dmesg | sed 's/^\[[^]]*\] //' |
    grep -iE 'firmware bug|bios bug|acpi (bios )?(error|warning)|\[firmware|bug:|warning:|call trace|fail|invalid|corrupt|bad |no .* found|not found|timed? ?out|mismatch|inconsisten|problem|unknown|unsupported|broken' |
    while IFS= read -r line; do echo "KHYVE-DMESG $line"; done
echo "KHYVE-VALUE dmesg_done=1"
