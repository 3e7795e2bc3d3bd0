# timeout: 30
# A few bytes of real-mode code: OUT 0x4b, OUT 0x4c to port 0xf4, then HLT.
. "$GUEST_LIB"
[ -x "$TINYVM" ] || fail "tinyvm is not built: $TINYVM" || exit 1
"$TINYVM"
