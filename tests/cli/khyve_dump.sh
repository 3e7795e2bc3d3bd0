#!/usr/bin/env bash
# config.dump: the whole tree, sorted, on stdout; status 1 as bhyve.
. "$(dirname "$0")/lib/cli.sh"
PROG=$BUILD/asan/khyve

# The issue's "done when" command.
check_golden topology 1 dump-topology.txt - \
    -c sockets=2,cores=2 -m 1G -o config.dump=true vm0
# Only the defaults bhyve sets before parsing, and the name.
check_golden defaults 1 dump-defaults.txt - -o config.dump=1 vm0
# Every flag that writes a key.
check_golden all-flags 1 dump-all-flags.txt - \
    -A -a -C -D -e -H -I -P -S -u -W -w -x -Y \
    -c cpus=4,sockets=2,cores=2,threads=1 -m 512 -p 0:0 -p 0:0 -p 3:0 \
    -G w127.0.0.1:1234 -K fr -U 01234567-89ab-cdef-0123-456789abcdef \
    -B type=1,manufacturer=Acme,product=Box,serial=42 \
    -f name=opt/khyve/x,string=hello \
    -l com1,stdio -l COM2,/dev/null -l bootrom,/fw/CODE.fd,/fw/VARS.fd \
    -l pc-testdev -o boot.kernel=/boot/vmlinuz -o 'boot.cmdline=console=ttyS0 quiet' \
    -o config.dump=true vm0
# The name from name= (no argument) and from -k; later settings win;
# %(var) references are stored raw.
cat >"$TMP/vm.conf" <<'CONF'
# a khyve config file
name=fromfile

memory.size=2G
pci.0.4.0.path=/vms/%(name)/disk.img
CONF
check_golden config-file 1 dump-config-file.txt - \
    -m 1G -k "$TMP/vm.conf" -o x86.strictmsr=false -o config.dump=yes
check_golden name-override 1 dump-name-override.txt - \
    -o name=fromopt -o config.dump=on vmarg
# config.dump=false (or absent) does not dump; this stops at memsize.
check memsize-after-no-dump 64 "khyve: invalid memsize 'x'" \
    -m x -o config.dump=false vm0
check bad-dump-bool 4 "khyve: invalid boolean value 'maybe' for 'config.dump'" \
    -o config.dump=maybe vm0
finish
