#!/usr/bin/env bash
# Fetches QEMU 10.0 (qemu-system-x86) from bookworm-backports and unpacks it into .cache/qemu10/root WITHOUT
# installing it: a private apt state (own sources.list, empty dpkg status) is used for `apt-get download`, and
# every .deb is unpacked with `dpkg -x`. Libraries the 10.0 packages need at a version the host lacks are
# downloaded and unpacked too (found from the packages' Depends, checked with ldd afterwards).
#
# Running the result next to the system QEMU 7.2 needs (note "Addendum"):
#   QEMU_MODULE_DIR=<root>/usr/lib/x86_64-linux-gnu/qemu   (else 7.2's modules: "Only modules from the same build")
#   -L <root>/usr/share/seabios -L <root>/usr/share/qemu    (10.0's firmware and option ROMs)
#   -nodefaults -no-user-config
#   LD_LIBRARY_PATH=<root>/usr/lib/x86_64-linux-gnu        (only if extra libraries were unpacked)
#
# Prints those, and QEMU10_JSON=<file> (binary, root, env, args, version) for test/guest/guest.ts.
# Idempotent: with a matching stamp it does nothing and needs no network. QEMU10_REFRESH=1 re-resolves.
# Exit codes: 0 ok, 3 not possible on this system (not Debian bookworm amd64), 1 any other failure.
set -euo pipefail
export LC_ALL=C
umask 022

t0=$(date +%s%N)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BASE=${QEMU10_DIR:-$REPO/.cache/qemu10}
ROOT=$BASE/root
APTDIR=$BASE/apt
DEBS=$BASE/debs
JSON=$BASE/qemu10.json
SERIES=${QEMU10_SERIES:-10.0}
SUITE=bookworm-backports
TRIPLET=x86_64-linux-gnu

die() { echo "qemu10.sh: ERROR: $*" >&2; exit 1; }
unsupported() { echo "qemu10.sh: UNSUPPORTED: $*" >&2; exit 3; }
ms() { echo "$(( ($(date +%s%N) - $1) / 1000000 ))"; }

emit() { # print the usage and write the JSON
	local version=$1 binary=$ROOT/usr/bin/qemu-system-x86_64 ld=""
	local moddir=$ROOT/usr/lib/$TRIPLET/qemu
	local d
	for d in "$ROOT/usr/lib/$TRIPLET" "$ROOT/lib/$TRIPLET"; do
		if compgen -G "$d/*.so*" >/dev/null; then ld=${ld:+$ld:}$d; fi
	done
	local args=()
	for d in "$ROOT/usr/share/seabios" "$ROOT/usr/share/qemu"; do
		[ -d "$d" ] && args+=(-L "$d")
	done
	args+=(-nodefaults -no-user-config)
	{
		printf '{\n  "version": "%s",\n  "binary": "%s",\n  "root": "%s",\n  "env": {"QEMU_MODULE_DIR": "%s"%s},\n  "args": [' \
			"$version" "$binary" "$ROOT" "$moddir" "${ld:+, \"LD_LIBRARY_PATH\": \"$ld\"}"
		local first=1 a
		for a in "${args[@]}"; do
			[ $first = 1 ] || printf ', '
			printf '"%s"' "$a"
			first=0
		done
		printf ']\n}\n'
	} >"$JSON.tmp"
	mv -f "$JSON.tmp" "$JSON"
	echo "QEMU10_VERSION=$version"
	echo "QEMU10_BINARY=$binary"
	echo "QEMU10_ROOT=$ROOT"
	echo "QEMU10_ENV=QEMU_MODULE_DIR=$moddir${ld:+ LD_LIBRARY_PATH=$ld}"
	echo "QEMU10_ARGS=${args[*]}"
	echo "QEMU10_JSON=$JSON"
	echo "usage: env QEMU_MODULE_DIR=$moddir${ld:+ LD_LIBRARY_PATH=$ld} $binary ${args[*]} ..."
}

# ------------------------------------------------------------------ platform
[ -r /etc/os-release ] || unsupported "no /etc/os-release"
# shellcheck disable=SC1091
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ "$codename" = bookworm ] || unsupported "bookworm-backports needs Debian 12 (bookworm), this is '${codename:-unknown}'"
[ "$(dpkg --print-architecture)" = amd64 ] || unsupported "amd64 only"
for c in apt-get apt-cache dpkg-deb flock ldd; do command -v "$c" >/dev/null || die "'$c' missing"; done

mkdir -p "$BASE"
exec 9>"$BASE/.lock"
flock 9

if [ "${QEMU10_REFRESH:-0}" != 1 ] && [ -f "$BASE/stamp" ] && [ -x "$ROOT/usr/bin/qemu-system-x86_64" ] && [ -x "$ROOT/usr/bin/qemu-system-ppc64" ]; then
	version=$(cat "$BASE/stamp")
	emit "$version"
	echo "qemu10.sh: up to date ($version) in $(ms "$t0") ms"
	exit 0
fi

# ------------------------------------------------------------------ private apt state, same mirror as the host
mirror=""
shopt -s nullglob
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -r "$f" ] || continue
	mirror=$(awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
		if ($(i+1) == "bookworm" && $i !~ /security/) { print $i; exit } }' "$f")
	[ -z "$mirror" ] || break
done
if [ -z "$mirror" ]; then
	for f in /etc/apt/sources.list.d/*.sources; do
		# deb822 stanzas: the first one with Suites containing "bookworm" and a non-security URI
		mirror=$(awk 'BEGIN { RS = ""; FS = "\n" } {
			uris = ""; suites = ""; types = ""
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
				if ($i ~ /^Suites:/) { suites = " " $i " "; sub(/^ Suites:/, "", suites) }
				if ($i ~ /^Types:/) { types = $i }
			}
			if (types ~ /deb( |$)/ && suites ~ /[ \t]bookworm[ \t]/ && uris !~ /security/) { split(uris, u, /[ \t]+/); print u[1]; exit }
		}' "$f")
		[ -z "$mirror" ] || break
	done
fi
shopt -u nullglob
if [ -z "$mirror" ]; then
	mirror=http://deb.debian.org/debian
	echo "qemu10.sh: warning: no bookworm mirror found in /etc/apt/sources.list*, using $mirror" >&2
fi
mirror=${mirror%/}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "$keyring missing: install the Debian package 'debian-archive-keyring'"

mkdir -p "$APTDIR"/{etc/sources.list.d,etc/preferences.d,etc/apt.conf.d,state/lists/partial,cache/archives/partial}
: >"$APTDIR/state/status" # empty dpkg status: candidates are resolved from the archive alone
cat >"$APTDIR/etc/sources.list" <<EOF
deb [signed-by=$keyring] $mirror $SUITE main
deb [signed-by=$keyring] $mirror bookworm main
EOF
APT=(
	-o "Dir::Etc::SourceList=$APTDIR/etc/sources.list"
	-o "Dir::Etc::SourceParts=$APTDIR/etc/sources.list.d"
	-o "Dir::Etc::Preferences=$APTDIR/etc/preferences"
	-o "Dir::Etc::PreferencesParts=$APTDIR/etc/preferences.d"
	-o "Dir::Etc::Parts=$APTDIR/etc/apt.conf.d"
	-o "Dir::State=$APTDIR/state"
	-o "Dir::State::status=$APTDIR/state/status"
	-o "Dir::Cache=$APTDIR/cache"
	-o "APT::Default-Release=$SUITE"
	-o "Debug::NoLocking=1"
	-o "APT::Sandbox::User=root"
)
t1=$(date +%s%N)
apt-get "${APT[@]}" -qq update || die "apt-get update of the private state ($mirror $SUITE) failed"
echo "qemu10.sh: private apt update ($mirror $SUITE + bookworm) in $(ms "$t1") ms"

version=$(apt-cache "${APT[@]}" madison qemu-system-x86 |
	awk -F'|' -v s="$SUITE" -v series="$SERIES" '{ gsub(/ /, "", $2) } $3 ~ s && index($2, "1:" series ".") == 1 { print $2 }' |
	sort -V | tail -n1)
[ -n "$version" ] || die "no qemu-system-x86 $SERIES.x in $SUITE (apt-cache madison shows: $(apt-cache "${APT[@]}" madison qemu-system-x86 | tr '\n' ';'))"
echo "qemu10.sh: qemu-system-x86 $version"

# ------------------------------------------------------------------ download: the QEMU packages + unmet dependencies
rm -rf "$DEBS" "$ROOT.new"
mkdir -p "$DEBS"
chown _apt "$DEBS" 2>/dev/null || true
t1=$(date +%s%N)
download() { # download PKG[=VER]...
	(cd "$DEBS" && apt-get "${APT[@]}" -qq download "$@") || die "apt-get download $* failed"
}
# qemu-system-ppc too: 10.0's pseries supports SMT (threads > 1) under TCG, 7.2's does not.
download "qemu-system-x86=$version" "qemu-system-ppc=$version" "qemu-system-common=$version" "qemu-system-data=$version"

# Is dependency "NAME [(OP VER)]" satisfied by the host's dpkg or by an already downloaded .deb?
have_version() { # have_version NAME -> prints the version available (downloaded wins), or nothing
	local deb
	deb=$(find "$DEBS" -maxdepth 1 -name "${1}_*.deb" | head -n1)
	if [ -n "$deb" ]; then dpkg-deb -f "$deb" Version; return; fi
	dpkg-query -W -f='${db:Status-Abbrev}|${Version}\n' "$1" 2>/dev/null | awk -F'|' '$1 ~ /^ii/ { print $2; exit }'
}
satisfied() { # satisfied "name (>= 1.2)"
	local spec=$1 name op ver have
	name=$(sed -E 's/^[[:space:]]*([^[:space:](:]+).*/\1/' <<<"$spec")
	op=$(sed -nE 's/.*\(([<>=]+)[[:space:]]*([^)]*)\).*/\1/p' <<<"$spec")
	ver=$(sed -nE 's/.*\(([<>=]+)[[:space:]]*([^)]*)\).*/\2/p' <<<"$spec")
	have=$(have_version "$name")
	[ -n "$have" ] || return 1
	[ -z "$op" ] && return 0
	case "$op" in '>=') op=ge ;; '<=') op=le ;; '>>') op=gt ;; '<<') op=lt ;; '=') op=eq ;; *) return 1 ;; esac
	dpkg --compare-versions "$have" "$op" "$ver"
}
extra=()
for round in 1 2 3 4 5; do
	missing=()
	for deb in "$DEBS"/*.deb; do
		deps=$( { dpkg-deb -f "$deb" Pre-Depends; dpkg-deb -f "$deb" Depends; } | tr '\n' ',' )
		IFS=',' read -ra items <<<"$deps"
		for item in "${items[@]}"; do
			[ -n "${item// /}" ] || continue
			ok=0
			IFS='|' read -ra alts <<<"$item"
			for alt in "${alts[@]}"; do
				if satisfied "$alt"; then ok=1; break; fi
			done
			[ $ok = 1 ] && continue
			first=$(sed -E 's/^[[:space:]]*([^[:space:](:]+).*/\1/' <<<"${alts[0]}")
			printf '%s\n' "${missing[@]}" | grep -qxF "$first" || missing+=("$first")
			echo "qemu10.sh: unmet on host: $(xargs <<<"$item") (needed by $(dpkg-deb -f "$deb" Package)) -> downloading $first"
		done
	done
	[ ${#missing[@]} -gt 0 ] || break
	download "${missing[@]}"
	extra+=("${missing[@]}")
	[ "$round" -lt 5 ] || die "dependency resolution did not converge"
done
echo "qemu10.sh: downloaded $(find "$DEBS" -name '*.deb' | wc -l) packages ($(du -sh "$DEBS" | cut -f1)) in $(ms "$t1") ms${extra[*]:+; extra: ${extra[*]}}"

# ------------------------------------------------------------------ unpack
t1=$(date +%s%N)
mkdir -p "$ROOT.new"
for deb in "$DEBS"/*.deb; do dpkg -x "$deb" "$ROOT.new"; done
rm -rf "$ROOT"
mv "$ROOT.new" "$ROOT"
rm -rf "$DEBS"
echo "qemu10.sh: unpacked into $ROOT in $(ms "$t1") ms"

bin=$ROOT/usr/bin/qemu-system-x86_64
[ -x "$bin" ] || die "$bin missing after unpacking"
ld=""
for d in "$ROOT/usr/lib/$TRIPLET" "$ROOT/lib/$TRIPLET"; do
	if compgen -G "$d/*.so*" >/dev/null; then ld=${ld:+$ld:}$d; fi
done
if LD_LIBRARY_PATH=$ld ldd "$bin" | grep 'not found'; then
	die "$bin still has unresolved libraries (above)"
fi
got=$(LD_LIBRARY_PATH=$ld QEMU_MODULE_DIR=$ROOT/usr/lib/$TRIPLET/qemu "$bin" --version | head -n1)
case "$got" in
	*"version $SERIES."*) ;;
	*) die "unexpected version from $bin: $got" ;;
esac
rm -rf "$APTDIR/state/lists" "$APTDIR/cache" # 40+ MB of indexes, not needed once unpacked
echo "$version" >"$BASE/stamp"
emit "$version"
echo "qemu10.sh: done ($got) in $(ms "$t0") ms"
