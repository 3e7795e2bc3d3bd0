#!/usr/bin/env bash
# The man pages render without warnings, khyve.8 covers every flag of the
# usage text, and khyve_config.5 covers every key the flags write.
. "$(dirname "$0")/lib/cli.sh"
if ! command -v groff >/dev/null; then
	echo "groff not installed: skipped"
	exit 0
fi
for page in man/*.[58]; do
	groff -mdoc -ww -z "$page" >"$TMP/warn" 2>&1
	[ -s "$TMP/warn" ] && fail "$page" "warnings: $(head -3 "$TMP/warn")"
done
render() { groff -mdoc -Tascii -P-c -P-b -P-u "$1" 2>/dev/null; }
render man/khyve.8 >"$TMP/khyve.txt"
render man/khyve_config.5 >"$TMP/config.txt"
for flag in $(grep -o '^ *-[A-Za-z]:' "$GOLDEN/khyve.usage" | tr -d ' :'); do
	grep -q -- "^ *$flag\b" "$TMP/khyve.txt" || fail khyve.8 "flag $flag not described"
done
for key in $(cut -d= -f1 "$GOLDEN"/dump-*.txt | sort -u | grep -v '^pci\.'); do
	k=$(sed -E 's/^(vcpu|fwcfg)\.[0-9]+\./\1.N./' <<<"$key")
	grep -qF -- "$k" "$TMP/config.txt" || fail khyve_config.5 "key $k not described"
done
finish
