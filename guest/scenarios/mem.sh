# The memory the guest sees.
echo "KHYVE-VALUE memtotal_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
grep -E '^(MemTotal|MemFree)' /proc/meminfo
