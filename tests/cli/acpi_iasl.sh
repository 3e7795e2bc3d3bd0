#!/usr/bin/env bash
# The ACPI tables through ACPICA's own tools: test_acpi_dump writes every
# table of a few machines (one vCPU; 2 sockets x 2 cores x 2 threads with
# COM1/COM2, MCFG and a keyboard; 320 vCPUs with x2APIC entries), then
#   iasl -d        must disassemble each one without errors or checksum
#                  complaints,
#   acpiexec -b    must load the DSDT and evaluate \_S5 to {5, 5, 0, 0}
#                  and the root bridge's _CRS.
# Skipped (exit 0 with a note) when acpica-tools is not installed, except
# under CI=true, where that is a failure.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
dump=$BUILD/asan/tests/test_acpi_dump

if ! command -v iasl >/dev/null || ! command -v acpiexec >/dev/null; then
	echo "acpi_iasl: acpica-tools not installed, skipped"
	[ "${CI:-}" = true ] && exit 1	# .ci/run installs it
	exit 0
fi
if [ ! -x "$dump" ]; then
	echo "acpi_iasl: $dump missing (make BUILD=$BUILD unit)"
	exit 1
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0

if ! KHYVE_ACPI_DUMP_DIR=$dir "$dump" >"$dir/dump.log" 2>&1; then
	echo "acpi_iasl: $dump failed:"; cat "$dir/dump.log"
	exit 1
fi

for m in "$dir"/*/; do
	m=${m%/}
	for t in "$m"/[A-Z]*.dat; do	# rsdp.dat: this iasl cannot read an RSDP
		name=$(basename "$m")/$(basename "$t")
		out=$(cd "$m" && iasl -d "$(basename "$t")" 2>&1)
		rc=$?
		dsl=${t%.dat}.dsl
		if [ $rc -ne 0 ] || [ ! -s "$dsl" ] ||
		    grep -Eiq 'error|invalid|incorrect checksum|warning' <<<"$out" ||
		    grep -Eiq 'incorrect checksum|\*\*\*\* (Unknown|Invalid)' "$dsl"; then
			echo "FAIL iasl -d $name"; echo "$out" | tail -15
			fail=1
		fi
	done
	# Only the DSDT holds AML: load it and evaluate what Linux evaluates.
	out=$(acpiexec -b 'evaluate \_S5; evaluate \_SB.PCI0._CRS; evaluate \_SB.PCI0._HID' \
	    "$m/DSDT.dat" 2>&1)
	if [ $? -ne 0 ] || grep -Eiq 'error|exception|warning|AE_NOT' <<<"$out" ||
	    [ "$(grep -A5 'Evaluation of \\_S5 returned' <<<"$out" |
	        grep -c 'Integer\] = 000000000000000[05]')" -ne 4 ]; then
		echo "FAIL acpiexec $(basename "$m")/DSDT.dat"; echo "$out" | tail -30
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "acpi_iasl: all tables disassemble and evaluate cleanly"
exit $fail
