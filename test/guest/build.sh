#!/usr/bin/env bash
# Builds the tiny Linux test guest from the host's Debian packages (see shared/notes/test-guest.md) into
# $GUEST_CACHE/<key>/, where <key> is a hash of every input (kernel, qemu-ga, busybox, this script, init):
#   vmlinux            uncompressed ELF kernel, booted by QEMU -kernel through its PVH note
#   initramfs.cpio.gz  busybox-static + qemu-ga (+ its libraries) + virtio modules + /init
#   stamp              the inputs the key was made from; a complete directory for the key skips the build
# The cache is outside the checkout on purpose: libvirt's QEMU runs as its own user (libvirt-qemu), which
# can't open files under a clone in a 0700 directory (root's home, mktemp -d). Every directory on the way
# is made 0755 and the files 0644, so any checkout, anywhere, shares one build per content.
#
# Reproducible (two builds give the same sha256) and idempotent. Safe to run concurrently (flock).
# Needs: linux-image-amd64 (installed, or unpacked by .ci/host-setup.sh), busybox-static,
# qemu-guest-agent, kmod, cpio, gzip, xz-utils (and zstd only for zstd-compressed kernels/modules).
#
# Environment:
#   GUEST_CACHE          cache root (default /var/cache/pulumi-qemu-vcpu/guest)
#   GUEST_OUT_DIR        exact output directory instead of $GUEST_CACHE/<key>
#   GUEST_KERNEL_ROOT    extra root holding boot/vmlinuz-* + lib/modules/* (default
#                        /var/cache/pulumi-qemu-vcpu/kernel, where .ci/host-setup.sh unpacks the kernel)
#   GUEST_KERNEL_SEARCH  space-separated roots to search instead of "/ $GUEST_KERNEL_ROOT"
#   GUEST_KVER           use this kernel version instead of the newest one found
#   GUEST_FORCE=1        rebuild even if the stamp matches
set -euo pipefail
export LC_ALL=C
umask 022

t0=$(date +%s%N)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${GUEST_CACHE:-/var/cache/pulumi-qemu-vcpu/guest}
KROOT=${GUEST_KERNEL_ROOT:-/var/cache/pulumi-qemu-vcpu/kernel}
SEARCH=${GUEST_KERNEL_SEARCH:-/ $KROOT}
QGA=/usr/sbin/qemu-ga
BUSYBOX=/bin/busybox
MODULES=(virtio_pci virtio_console)

die() { echo "build.sh: ERROR: $*" >&2; exit 1; }
need_cmd() { # need_cmd CMD APT-PACKAGE
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install the Debian package '$2' (apt-get install $2, or run .ci/host-setup.sh)"
}
elapsed() { echo "$(( ($(date +%s%N) - t0) / 1000000 ))"; }

need_cmd xz xz-utils
need_cmd cpio cpio
need_cmd gzip gzip
need_cmd modprobe kmod
need_cmd depmod kmod
need_cmd ldd libc-bin
need_cmd sha256sum coreutils
need_cmd flock util-linux
[ -x "$QGA" ] || die "$QGA not found: install the Debian package 'qemu-guest-agent' (or run .ci/host-setup.sh)"
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found: install the Debian package 'busybox-static' (or run .ci/host-setup.sh)"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked (package 'busybox'); install 'busybox-static' instead"
fi

# ---------------------------------------------------------------- kernel selection
# Candidates: ROOT/boot/vmlinuz-KVER with ROOT/{usr/,}lib/modules/KVER. Newest KVER wins (sort -V); on a tie
# the first root in SEARCH (the installed system) wins.
moddir_of() { # moddir_of ROOT KVER -> prints the modprobe -d base dir, or fails
	local r=${1%/}
	if [ -d "$r/lib/modules/$2/kernel" ]; then echo "${r:-/}"
	elif [ -d "$r/usr/lib/modules/$2/kernel" ]; then echo "$r/usr"
	else return 1; fi
}
cands=()
for root in $SEARCH; do
	for vmlinuz in "${root%/}"/boot/vmlinuz-*; do
		[ -f "$vmlinuz" ] || continue
		kver=${vmlinuz##*/vmlinuz-}
		if [ -n "${GUEST_KVER:-}" ] && [ "$kver" != "$GUEST_KVER" ]; then continue; fi
		moddir_of "$root" "$kver" >/dev/null || continue
		cands+=("$kver|$root")
	done
done
[ ${#cands[@]} -gt 0 ] || die "no kernel with modules found under: $SEARCH${GUEST_KVER:+ (GUEST_KVER=$GUEST_KVER)}.
  Install the Debian package 'linux-image-amd64', or run .ci/host-setup.sh (unpacks it into $KROOT)."
best=$(printf '%s\n' "${cands[@]}" | awk -F'|' '{print $1}' | sort -V | tail -n1)
for c in "${cands[@]}"; do
	if [ "${c%%|*}" = "$best" ]; then KROOT_SEL=${c#*|}; break; fi
done
KVER=$best
VMLINUZ=${KROOT_SEL%/}/boot/vmlinuz-$KVER
MODBASE=$(moddir_of "$KROOT_SEL" "$KVER")

# ---------------------------------------------------------------- stamp
script_hash=$(cat "$HERE/build.sh" "$HERE/init" | sha256sum | cut -d' ' -f1)
qga_version=$("$QGA" --version 2>/dev/null | head -n1 || true)
stamp_text="kernel=$KVER
vmlinuz=$VMLINUZ $(stat -c '%s %Y' "$VMLINUZ")
modules=$MODBASE
qemu-ga=$qga_version $(stat -c '%s %Y' "$(readlink -f "$QGA")")
busybox=$(stat -c '%s %Y' "$(readlink -f "$BUSYBOX")")
script=$script_hash"
key=$(printf '%s' "$stamp_text" | sha256sum | cut -c1-16)
OUT=${GUEST_OUT_DIR:-$CACHE/$key}

# libvirt's QEMU user must reach the files: umask 022 makes new directories 0755; existing ones are fixed
mkdir -p "$OUT"
chmod 0755 "$OUT"
[ -n "${GUEST_OUT_DIR:-}" ] || chmod 0755 "$CACHE" "$(dirname "$CACHE")"
exec 9>"$OUT/.lock"
flock 9 # another build.sh (a parallel jest worker) may be building: wait for it, then re-check the stamp

if [ "${GUEST_FORCE:-0}" != 1 ] && [ -f "$OUT/stamp" ] && [ -f "$OUT/vmlinux" ] && [ -f "$OUT/initramfs.cpio.gz" ] &&
	[ "$(cat "$OUT/stamp")" = "$stamp_text" ]; then
	echo "build.sh: up to date (kernel $KVER from $KROOT_SEL) in $(elapsed) ms"
	echo "VMLINUX=$OUT/vmlinux"
	echo "INITRAMFS=$OUT/initramfs.cpio.gz"
	exit 0
fi

echo "build.sh: building guest: kernel $KVER ($VMLINUZ), $qga_version"
WORK=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- 1. vmlinux
# Find each compressed-payload magic in the bzImage and keep the first payload that decompresses to an ELF.
try_payload() { # try_payload OFFSET DECOMPRESSOR...
	local off=$1; shift
	tail -c +"$((off + 1))" "$VMLINUZ" | "$@" >"$WORK/vmlinux.try" 2>/dev/null || true
	[ "$(head -c 4 "$WORK/vmlinux.try" | od -An -c | tr -d ' ')" = '177ELF' ]
}
t1=$(date +%s%N)
found=""
if [ "$(head -c 4 "$VMLINUZ" | od -An -c | tr -d ' ')" = '177ELF' ]; then
	cp "$VMLINUZ" "$WORK/vmlinux.try" && found=plain
fi
for spec in 'xz|\xfd7zXZ\x00|xz -dc' 'zstd|\x28\xb5\x2f\xfd|zstd -dcq' 'gzip|\x1f\x8b\x08|gzip -dc'; do
	[ -z "$found" ] || break
	IFS='|' read -r fmt magic cmd <<<"$spec"
	if [ "$fmt" = zstd ] && ! command -v zstd >/dev/null; then
		if grep -qaP "$magic" "$VMLINUZ"; then
			echo "build.sh: note: kernel may be zstd-compressed; install 'zstd' if extraction fails" >&2
		fi
		continue
	fi
	for off in $(grep -abooP "$magic" "$VMLINUZ" | cut -d: -f1 | head -n 8); do
		# shellcheck disable=SC2086
		if try_payload "$off" $cmd; then found="$fmt@$off"; break; fi
	done
done
[ -n "$found" ] || die "could not extract an ELF vmlinux from $VMLINUZ (tried xz, zstd, gzip payloads)"
grep -qa 'Xen' "$WORK/vmlinux.try" || echo "build.sh: warning: no Xen ELF note string in vmlinux; PVH boot may fail" >&2
mv "$WORK/vmlinux.try" "$WORK/vmlinux"
echo "build.sh: vmlinux ($found) $(stat -c %s "$WORK/vmlinux") bytes in $(( ($(date +%s%N) - t1) / 1000000 )) ms"

# ---------------------------------------------------------------- 2. initramfs tree
t1=$(date +%s%N)
T=$WORK/root
mkdir -p "$T"
chmod 0755 "$T" # mktemp makes 0700, which would become the mode of / in the guest
(cd "$T" && mkdir -p bin sbin usr/bin usr/sbin lib/modules dev proc sys run tmp var/run var/log etc root)
chmod 1777 "$T/tmp"

install -m 0755 "$HERE/init" "$T/init"

# busybox and one symlink per applet, at the applet's canonical path
install -m 0755 "$BUSYBOX" "$T/bin/busybox"
"$BUSYBOX" --list-full | while read -r applet; do
	[ "$applet" != bin/busybox ] || continue
	mkdir -p "$T/$(dirname "$applet")"
	[ -e "$T/$applet" ] || ln -s /bin/busybox "$T/$applet"
done

# qemu-ga and its libraries. Copy each to the path ldd printed (usrmerge keeps /lib and /lib64 valid),
# dereferencing symlinks. Parsing is plain POSIX awk (Debian's mawk has no \s).
install -m 0755 "$(readlink -f "$QGA")" "$T/sbin/qemu-ga"
ldd_out=$(ldd "$QGA") || die "ldd $QGA failed"
if grep -q 'not found' <<<"$ldd_out"; then die "qemu-ga has unresolved libraries:
$ldd_out"; fi
libs=$(awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// { print $1 }' <<<"$ldd_out" | sort -u)
grep -q 'ld-linux' <<<"$libs" || die "no ELF interpreter found in ldd output of $QGA:
$ldd_out"
for lib in $libs; do
	mkdir -p "$T$(dirname "$lib")"
	cp -L "$lib" "$T$lib"
	chmod 0755 "$T$lib"
done

# /sbin/shutdown: qemu-ga's guest-shutdown runs "/sbin/shutdown -P|-r|-H +0 msg"; busybox has no shutdown.
cat >"$T/sbin/shutdown" <<'EOF'
#!/bin/sh
# qemu-ga calls: shutdown -P|-r|-H +0 "message"
case "$1" in
	-r) exec reboot -f ;;
	-H) exec halt -f ;;
	*) exec poweroff -f ;;
esac
EOF
chmod 0755 "$T/sbin/shutdown"

# virtio modules: dependency order from modprobe, one module per call (extra names would be taken as
# module parameters), deduplicated. Compressed modules are unpacked so busybox insmod can load them.
depbase=$MODBASE
if [ ! -s "$MODBASE/lib/modules/$KVER/modules.dep" ]; then
	# An unpacked (not installed) kernel package has no modules.dep: generate one in a scratch copy-free way.
	if [ -w "$MODBASE/lib/modules/$KVER" ]; then
		depmod -b "$MODBASE" "$KVER"
	else
		die "$MODBASE/lib/modules/$KVER/modules.dep missing and not writable; run depmod -b $MODBASE $KVER"
	fi
fi
: >"$T/lib/modules/load-order"
for mod in "${MODULES[@]}"; do
	deps=$(modprobe -d "$depbase" -S "$KVER" --show-depends "$mod") ||
		die "modprobe --show-depends $mod failed for kernel $KVER (base $depbase)"
	while read -r kind path _; do
		[ "$kind" = insmod ] || continue # "builtin NAME": nothing to load
		name=$(basename "$path")
		case "$name" in
			*.ko) cp "$path" "$T/lib/modules/$name" ;;
			*.ko.xz) name=${name%.xz}; xz -dc "$path" >"$T/lib/modules/$name" ;;
			*.ko.zst) need_cmd zstd zstd; name=${name%.zst}; zstd -dcq "$path" >"$T/lib/modules/$name" ;;
			*.ko.gz) name=${name%.gz}; gzip -dc "$path" >"$T/lib/modules/$name" ;;
			*) die "unexpected module file $path" ;;
		esac
		grep -qxF "$name" "$T/lib/modules/load-order" || echo "$name" >>"$T/lib/modules/load-order"
	done <<<"$deps"
done
chmod 0644 "$T"/lib/modules/*
[ -s "$T/lib/modules/load-order" ] || echo "build.sh: note: virtio modules are all built in" >&2

# ---------------------------------------------------------------- 3. cpio (reproducible)
(
	cd "$T"
	find . -exec touch -h -d @0 {} +
	find . | sort | cpio -o -H newc -R 0:0 --reproducible --quiet | gzip -n -9 >"$WORK/initramfs.cpio.gz"
)
echo "build.sh: initramfs $(stat -c %s "$WORK/initramfs.cpio.gz") bytes ($(wc -l <"$T/lib/modules/load-order") modules, $(echo "$libs" | wc -w) libs) in $(( ($(date +%s%N) - t1) / 1000000 )) ms"

# ---------------------------------------------------------------- install atomically
chmod 0644 "$WORK/vmlinux" "$WORK/initramfs.cpio.gz"
rm -f "$OUT/stamp"
mv -f "$WORK/vmlinux" "$OUT/vmlinux"
mv -f "$WORK/initramfs.cpio.gz" "$OUT/initramfs.cpio.gz"
printf '%s\n' "$stamp_text" >"$OUT/stamp.tmp"
mv -f "$OUT/stamp.tmp" "$OUT/stamp"
echo "build.sh: built in $(elapsed) ms"
echo "VMLINUX=$OUT/vmlinux"
echo "INITRAMFS=$OUT/initramfs.cpio.gz"
