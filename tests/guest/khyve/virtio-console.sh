# timeout: 240
# virtio-console: a line the guest writes on port1 arrives on the host's
# UNIX socket, and the host's answer arrives back in the guest.
. "$GUEST_LIB"
echo_prog=${TINYVM%/*}/unixecho
[ -x "$echo_prog" ] || fail "no $echo_prog" || exit 1
sock=$T/con.sock
( "$echo_prog" "$sock" > con.out 2> con.err ) &
helper=$!
boot_linux con 180 "khyve.test=virtio-console" -c 1 -m 256M \
    -s 5,virtio-console,port1=$sock
rc=$?
kill $helper 2>/dev/null
wait $helper 2>/dev/null
c=$T/con.console
_console "$c" | grep '^KHYVE-VALUE'
expect_status $rc 1 "poweroff" || exit 1
expect_line "$c" '^KHYVE-TEST-END virtio-console rc=0' || exit 1
[ "$(cat con.out)" = hello-from-the-guest ] || { cat con.err; fail "host got '$(cat con.out)'"; } || exit 1
[ "$(guest_value "$c" con.reply)" = "echo: hello-from-the-guest" ] || fail "guest got no echo" || exit 1
[ ! -e "$sock" ] || fail "khyve left its socket behind" || exit 1
echo "guest -> host socket -> guest: one line each way"
