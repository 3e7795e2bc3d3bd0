# guest/pack.sh: shell functions shared by guest/build and tests/testbed/run to
# assemble initramfs images from Debian packages.  Sourced by bash scripts that
# set -eu.  Everything is cached under $KHYVE_CACHE (default /var/cache/khyve),
# outside the clone, so a fresh clone on the same machine reuses it.

# Not root and no writable /var/cache/khyve: fall back to the user's cache.
if [ -z "${KHYVE_CACHE:-}" ]; then
	KHYVE_CACHE=/var/cache/khyve
	mkdir -p "$KHYVE_CACHE" 2>/dev/null && [ -w "$KHYVE_CACHE" ] ||
	    KHYVE_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/khyve
fi

log() { echo "${0##*/}: $*" >&2; }
die() { log "$*"; exit 1; }

# Picks the kernel package: $KHYVE_KERNEL_PKG, else the newest
# linux-image-VERSION-cloud-amd64 that apt knows (not -dbg, not -unsigned),
# else the newest one already in the cache (works without apt lists).
kernel_package() {
	local pkg
	if [ -n "${KHYVE_KERNEL_PKG:-}" ]; then
		echo "$KHYVE_KERNEL_PKG"
		return
	fi
	pkg=$(apt-cache pkgnames linux-image- 2>/dev/null |
	    grep -E '^linux-image-[0-9][^ ]*-cloud-amd64$' | sort -V | tail -n 1 || true)
	if [ -z "$pkg" ]; then
		pkg=$(ls "$KHYVE_CACHE"/debs 2>/dev/null | sed -n 's/_.*//; /^linux-image-[0-9].*-cloud-amd64$/p' |
		    sort -V | tail -n 1)
	fi
	[ -n "$pkg" ] || die "no linux-image-*-cloud-amd64 package known (run apt-get update)"
	echo "$pkg"
}

# fetch_deb PACKAGE: prints the path of the package's .deb, downloading it
# with apt-get into the cache the first time.
fetch_deb() {
	local pkg=$1 deb
	mkdir -p "$KHYVE_CACHE/debs"
	deb=$(ls "$KHYVE_CACHE/debs/${pkg}"_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -z "$deb" ]; then
		log "downloading $pkg (apt-get download)"
		(cd "$KHYVE_CACHE/debs" && apt-get download -q "$pkg" >&2 2>/dev/null) ||
		    (cd "$KHYVE_CACHE/debs" && apt-get download "$pkg" >&2) ||
		    die "apt-get download $pkg failed"
		deb=$(ls "$KHYVE_CACHE/debs/${pkg}"_*.deb | sort -V | tail -n 1)
	fi
	echo "$deb"
}

# fetch_kernel PACKAGE: unpacks the kernel package once into
# $KHYVE_CACHE/kernel/PACKAGE and sets KROOT (the unpacked tree), KVER (the
# module directory's name) and KIMAGE (the bzImage).
fetch_kernel() {
	local pkg=$1 deb tmp
	KROOT=$KHYVE_CACHE/kernel/$pkg
	if [ ! -d "$KROOT" ]; then
		deb=$(fetch_deb "$pkg")
		tmp=$KROOT.tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp"
		dpkg-deb -x "$deb" "$tmp"
		mv "$tmp" "$KROOT"	# atomic: a half-unpacked tree is never used
	fi
	KVER=$(ls "$KROOT/lib/modules" | head -n 1)
	KIMAGE=$(ls "$KROOT"/boot/vmlinuz-* | head -n 1)
	[ -n "$KVER" ] && [ -f "$KIMAGE" ] || die "$KROOT: not a kernel package"
}

# The .ko file of a module name ('-' and '_' are the same), compressed or not.
module_file() {
	local want=${1//-/_} f n
	while read -r f; do
		n=${f##*/}; n=${n%%.ko*}
		if [ "${n//-/_}" = "$want" ]; then echo "$f"; return 0; fi
	done < <(find "$KROOT/lib/modules/$KVER/kernel" -name '*.ko*')
	return 1
}

# A module's direct dependencies, read from its .modinfo section (this needs
# only binutils, no depmod: Debian's package has no modules.dep).
module_depends() {
	local f=$1 tmp
	tmp=$(mktemp)
	case $f in
	*.xz)	xz -dc "$f" > "$tmp" ;;
	*.zst)	zstd -qdc "$f" > "$tmp" ;;
	*.gz)	gzip -dc "$f" > "$tmp" ;;
	*)	cat "$f" > "$tmp" ;;
	esac
	objcopy -O binary --only-section=.modinfo "$tmp" "$tmp.info"
	tr '\0' '\n' < "$tmp.info" | sed -n 's/^depends=//p' | tr ',' ' '
	rm -f "$tmp" "$tmp.info"
}

# stage_modules DEST NAME...: copies the named modules and everything they
# depend on, decompressed, into DEST, and writes DEST/load.list with the
# file names in a loading order (dependencies first).  Modules built into the
# kernel are noted in DEST/builtin.list and skipped.
stage_modules() {
	local dest=$1; shift
	local -A done_=()
	mkdir -p "$dest"
	: > "$dest/load.list"
	: > "$dest/builtin.list"
	local m
	for m in "$@"; do
		_stage_one "$dest" "$m"
	done
}

_stage_one() {
	local dest=$1 name=${2//-/_} f d base
	[ -z "${done_[$name]:-}" ] || return 0
	done_[$name]=1
	if ! f=$(module_file "$name"); then
		if grep -qE "/${name//_/[-_]}\.ko" "$KROOT/lib/modules/$KVER/modules.builtin"; then
			echo "$name" >> "$dest/builtin.list"
			return 0
		fi
		die "module $name: not in $KVER"
	fi
	for d in $(module_depends "$f"); do
		_stage_one "$dest" "$d"
	done
	base=${f##*/}; base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
	case $f in
	*.xz)	xz -dc "$f" > "$dest/$base" ;;
	*.zst)	zstd -qdc "$f" > "$dest/$base" ;;
	*.gz)	gzip -dc "$f" > "$dest/$base" ;;
	*)	cp "$f" "$dest/$base" ;;
	esac
	echo "$base" >> "$dest/load.list"
}

# stage_busybox ROOT: a minimal root with the static busybox from Debian's
# busybox-static package and a link for each of its applets.
stage_busybox() {
	local root=$1 bb a
	bb=$(command -v busybox || true)
	[ -n "$bb" ] && file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
	    bb=/bin/busybox
	[ -x "$bb" ] || die "busybox not found: install busybox-static"
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,root,usr/bin,usr/sbin,lib/modules}
	cp "$bb" "$root/bin/busybox"
	for a in $("$root/bin/busybox" --list-full); do
		[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
	done
}

# copy_libs ROOT FILE...: copies the shared libraries that ldd lists for the
# programs FILE... (the dynamic loader included) into ROOT at the same paths.
copy_libs() {
	local root=$1 f lib; shift
	for f in "$@"; do
		for lib in $(ldd "$f" 2>/dev/null | grep -oE '/[^ ]+' || true); do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
}

# copy_with_libs ROOT FILE...: copies programs to the same paths under ROOT,
# with their shared libraries.
copy_with_libs() {
	local root=$1 f; shift
	for f in "$@"; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
	copy_libs "$root" "$@"
}

# prune_cache FOLDER KEEP: the cache keeps images by a hash of their inputs,
# so every change leaves an old one behind.  Removes the entries of FOLDER
# not used for a day (use touches them), KEEP (the one in use) excepted.
prune_cache() {
	local dir=$1 keep=$2
	touch "$keep"
	find "$dir" -mindepth 1 -maxdepth 1 -mtime +0 ! -path "$keep" \
	    -exec rm -rf {} + 2>/dev/null || true
}

# make_cpio ROOT OUT [gzip]: packs ROOT as a newc cpio archive owned by root.
make_cpio() {
	local root=$1 out=$2 z=${3:-}
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	    cpio --null -o -H newc -R 0:0 --quiet) > "$out.tmp"
	if [ "$z" = gzip ]; then
		gzip -1 -n < "$out.tmp" > "$out"
		rm -f "$out.tmp"
	else
		mv "$out.tmp" "$out"
	fi
}

# extract_vmlinux BZIMAGE OUT: the uncompressed ELF kernel inside a bzImage.
# The setup header gives setup_sects (0x1f1) and, for the protected-mode
# part, payload_offset (0x248) and payload_length (0x24c); the payload's first
# bytes say how it is compressed.
extract_vmlinux() {
	local bz=$1 out=$2 sects off len start magic
	sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$bz" | tr -d ' ')
	[ "$sects" -ne 0 ] || sects=4
	off=$(od -An -tu4 -j $((0x248)) -N4 "$bz" | tr -d ' ')
	len=$(od -An -tu4 -j $((0x24c)) -N4 "$bz" | tr -d ' ')
	start=$(( (sects + 1) * 512 + off ))
	magic=$(od -An -tx1 -j "$start" -N6 "$bz" | tr -d ' ')
	# tail/head instead of dd: byte offsets without block-size games.
	_payload() { tail -c +$((start + 1)) "$bz" | head -c "$len"; }
	case $magic in
	28b52ffd*)	_payload | zstd -qdc > "$out.tmp" 2>/dev/null || true ;;
	fd377a585a00)	_payload | xz -qdc > "$out.tmp" 2>/dev/null || true ;;
	1f8b*)		_payload | gzip -qdc > "$out.tmp" 2>/dev/null || true ;;
	5d00*)		_payload | xz -qdc --format=lzma > "$out.tmp" 2>/dev/null || true ;;
	425a68*)	_payload | bzip2 -qdc > "$out.tmp" 2>/dev/null || true ;;
	02214c18*)	_payload | lz4 -qdc > "$out.tmp" 2>/dev/null || true ;;
	*)		die "$bz: unknown payload compression (magic $magic)" ;;
	esac
	# The kernel's build appends the uncompressed size after the stream, so a
	# decompressor may complain about trailing bytes; judge by the result.
	[ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
	    die "$bz: payload did not decompress to an ELF file"
	mv "$out.tmp" "$out"
}
