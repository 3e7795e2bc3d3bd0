#!/usr/bin/env bash
# Every bad value gets one line naming it, and bhyve's status:
# 64 (EX_USAGE) for a malformed flag value, 4 for other errors.
. "$(dirname "$0")/lib/cli.sh"
PROG=$BUILD/asan/khyve
NCPU=$(getconf _NPROCESSORS_CONF)
MAXCPU=$((NCPU - 1))

# -c, checked when the line has been read
check topo-mismatch 4 "khyve: Topology (2 sockets, 2 cores, 1 threads) does not match 3 vCPUs" \
    -c 3,sockets=2,cores=2 vm0
check topo-key 64 "khyve: invalid cpu topology 'cpus=2,dies=2'" -c cpus=2,dies=2 vm0
check topo-cpus 4 "khyve: Invalid value for cpus: 'two'" -c two vm0
check topo-zero 4 "khyve: Invalid value for cpus: '0'" -c 0 vm0
check topo-big 4 "khyve: Invalid value for cpus: '65536'" -c 65536 vm0
check topo-sockets 4 "khyve: Invalid value for sockets: '-2'" -c sockets=-2 vm0
check topo-threads 4 "khyve: Invalid value for threads: '1.5'" -c threads=1.5 vm0
check topo-product 4 "khyve: Computed number of vCPUs too high: 8589672450" \
    -c sockets=65535,cores=65535,threads=2 vm0
check topo-from-o 4 "khyve: Invalid value for cores: 'x'" -o cores=x vm0
# Accepted topologies get as far as the memory size.
check topo-ok 64 "khyve: invalid memsize 'bad'" -c 4,sockets=2,cores=2 -m bad vm0
check topo-empty 64 "khyve: invalid memsize 'bad'" -c "" -m bad vm0

# -m
for m in 12X 1.5G -1 0 "" G 1GB 99999999999999999999; do
	check "mem-$m" 64 "khyve: invalid memsize '$m'" -m "$m" vm0
done
check mem-from-o 64 "khyve: invalid memsize 'lots'" -o memory.size=lots vm0

# -p and vcpu.N.cpuset
check pin-range 64 "khyve: invalid vcpu pinning configuration '0:$NCPU': hostcpu '$NCPU' outside valid range from 0 to $MAXCPU" \
    -p 0:$NCPU vm0
check pin-format 64 "khyve: invalid vcpu pinning configuration '0': invalid format" -p 0 vm0
check pin-vcpu 64 "khyve: invalid vcpu pinning configuration '-1:0': invalid vcpu '-1'" -p -1:0 vm0
check pin-ok 64 "khyve: invalid memsize 'bad'" -p 0:0 -m bad vm0
check cpuset-range 4 "khyve: Invalid hostcpu range 1-0" -o vcpu.0.cpuset=1-0 vm0
check cpuset-junk 4 "khyve: invalid cpuset for vcpu 0: '0-x'" -o vcpu.0.cpuset=0-x vm0
check cpuset-host 4 "khyve: hostcpu '$NCPU' outside valid range from 0 to $MAXCPU" \
    -o vcpu.0.cpuset=0-$NCPU vm0
check cpuset-unused 64 "khyve: invalid memsize 'bad'" -o vcpu.5.cpuset=junk -m bad vm0

# -o and -k
check o-syntax 64 "khyve: invalid configuration option 'memory.size'" -o memory.size vm0
check o-empty 64 "khyve: invalid configuration option 'name='" -o name= vm0
check o-node 4 "khyve: 'memory' is a node, not a value" -o memory=1G vm0
check o-value 4 "khyve: 'memory.size' is a value, not a node" -o memory.size.x=1 vm0
check o-path 4 "khyve: invalid config path 'a..b'" -o a..b=1 vm0
printf 'name=vm0\n# comment\n\nnot an option\n' >"$TMP/bad.conf"
check k-line 4 "khyve: $TMP/bad.conf:4: invalid config option 'not an option'" -k "$TMP/bad.conf"
printf 'x86=1\n' >"$TMP/node.conf"
check k-node 4 "khyve: $TMP/node.conf:1: 'x86' is a node, not a value" -k "$TMP/node.conf" vm0
check k-missing 4 "khyve: Failed to open configuration file $TMP/nope.conf: No such file or directory" \
    -k "$TMP/nope.conf" vm0

# -s
check s-field 4 'khyve: Invalid PCI slot info field "3"' -s 3 vm0
check s-slot 4 'khyve: Invalid PCI slot info field "32,virtio-net"' -s 32,virtio-net vm0
check s-func 4 'khyve: Invalid PCI slot info field "0:3:8,virtio-net"' -s 0:3:8,virtio-net vm0
check s-bus 4 'khyve: Invalid PCI slot info field "256:3:0,virtio-net"' -s 256:3:0,virtio-net vm0
check s-junk 4 'khyve: Invalid PCI slot info field "3x,virtio-net"' -s 3x,virtio-net vm0
check s-device 4 'khyve: pci slot 0:4:2: unknown device "no-such-device"' -s 4:2,no-such-device vm0

# -l
check l-device 64 "khyve: invalid lpc device configuration 'com9,stdio'" -l com9,stdio vm0
check l-nopath 64 "khyve: invalid lpc device configuration 'com1'" -l com1 vm0
check l-bootrom 4 'khyve: invalid bootrom option "bootrom"' -l bootrom vm0
check l-fwcfg 64 "khyve: invalid lpc device configuration 'fwcfg,seabios'" -l fwcfg,seabios vm0

# -B, -f, -r, the name
check B-type 64 "khyve: invalid SMBIOS configuration 'type=3,x=1'" -B type=3,x=1 vm0
check B-field 64 "khyve: invalid SMBIOS configuration 'type=1,colour=red'" -B type=1,colour=red vm0
check f-item 64 "khyve: invalid fwcfg item 'opt/x'" -f opt/x vm0
check f-kind 64 "khyve: invalid fwcfg item 'opt/x,blob=1'" -f opt/x,blob=1 vm0
check restore 4 "khyve: restoring from checkpoint 'ck.img' is not supported yet" -r ck.img vm0
check name-slash 4 "khyve: invalid VM name '../etc'" ../etc
check name-empty 4 "khyve: invalid VM name ''" -o name=x ""
check name-dotdot 4 "khyve: invalid VM name '..'" -o name=.. -m 1G
finish
