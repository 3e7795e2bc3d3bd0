# timeout: 180
# Boot the test guest and see its marker; poweroff ends khyve with status 1.
. "$GUEST_LIB"
boot_linux up 150 "khyve.test=true" -c 1 -m 256M; rc=$?
expect_line up.console "^KHYVE-GUEST-UP" || exit 1
expect_line up.console "^KHYVE-TEST-END true rc=0" || exit 1
expect_status $rc 1 "poweroff" || exit 1
