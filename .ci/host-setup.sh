#!/usr/bin/env bash
# Prepares a Debian 12 host for this project's integration tests. Idempotent and safe to rerun:
#   1. apt-get update   (only when something must be fetched; HOST_SETUP_FORCE_UPDATE=1 always runs it)
#   2. apt-get install  the Debian packages below that are missing (--no-install-recommends)
#   3. guest kernel     linux-image-amd64's kernel, unpacked with `apt-get download` + `dpkg -x` into
#                       $GUEST_KERNEL_ROOT (default /var/cache/pulumi-qemu-vcpu/kernel) instead of installed:
#                       installing it would pull initramfs-tools and run mkinitramfs (~16 s here) for nothing.
#                       Skipped when a kernel with modules is already in /boot or there. test/guest/build.sh looks
#                       in both places. HOST_SETUP_KERNEL=install installs the package instead; =skip skips;
#                       HOST_SETUP_FORCE_KERNEL=1 re-downloads and unpacks even if a kernel is present.
#   4. daemons          virtlogd and libvirtd started by hand (no systemd), each only if not running, then a
#                       poll (with a deadline) until `virsh -c qemu:///system version` answers.
#   5. sshd             a dedicated sshd on 127.0.0.1:22 (config in /etc/pulumi-qemu-vcpu/sshd) for the ssh transports.
#   6. tls/tcp listen   a test CA + server certificate (SAN DNS:localhost, IP:127.0.0.1) under $PKI_DIR (CA key
#                       kept so tests sign client certificates), a managed block in libvirtd.conf (listen_tls,
#                       listen_tcp with auth_tcp="none", listen_addr 127.0.0.1), and libvirtd restarted with
#                       --listen only when the block changed or 16514/16509 are not listening.
#                       Phases 5 and 6 are for the remote-transport tests only: `npm test` runs them, `npm run demo`
#                       skips them (HOST_SETUP_REMOTE=skip), because libvirtd on TCP with auth_tcp="none" lets any
#                       local user drive libvirt.
#   7. browser          Debian's chromium (headless) for the drift --html view test; HOST_SETUP_BROWSER=skip skips it.
# Prints the elapsed time of each phase.
set -euo pipefail
export LC_ALL=C DEBIAN_FRONTEND=noninteractive

PKGS=(
	# hypervisors: x86 (libvirt + raw QMP tests), ppc64 and s390x (firmware-only slot-rule tests under TCG)
	qemu-system-x86 qemu-system-ppc qemu-system-misc qemu-system-data
	# libvirt daemon (qemu driver) and virsh
	libvirt-daemon-system libvirt-clients
	# test guest build (test/guest/build.sh): agent, busybox, module deps, archive tools
	qemu-guest-agent busybox-static kmod cpio xz-utils gzip zstd
	# used by the scripts: flock (util-linux), pgrep (procps), apt keyring for test/guest/qemu10.sh
	util-linux procps debian-archive-keyring
	# qemu+tls / qemu+tcp tests: test CA and certificates (phase 6)
	openssl
)
KERNEL_MODE=${HOST_SETUP_KERNEL:-extract}
KROOT=${GUEST_KERNEL_ROOT:-/var/cache/pulumi-qemu-vcpu/kernel}
URI=qemu:///system

T_ALL=$(date +%s%N)
ms() { echo "$(( ($(date +%s%N) - $1) / 1000000 ))"; }
say() { echo "host-setup: $*"; }
die() { echo "host-setup: ERROR: $*" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || die "must run as root (or with sudo available)"
	SUDO=(sudo -E)
fi

# ------------------------------------------------------------------ what is missing
installed() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'; }
missing=()
for p in "${PKGS[@]}"; do installed "$p" || missing+=("$p"); done

kernel_available() { # a vmlinuz with its modules in / or in $KROOT (what build.sh accepts)
	local root v k
	for root in "" "$KROOT"; do
		for v in "$root"/boot/vmlinuz-*; do
			[ -f "$v" ] || continue
			k=${v##*/vmlinuz-}
			if [ -d "$root/lib/modules/$k/kernel" ] || [ -d "$root/usr/lib/modules/$k/kernel" ]; then return 0; fi
		done
	done
	return 1
}
need_kernel=0
case "$KERNEL_MODE" in
	extract) if [ "${HOST_SETUP_FORCE_KERNEL:-0}" = 1 ] || ! kernel_available; then need_kernel=1; fi ;;
	install) installed linux-image-amd64 || missing+=(linux-image-amd64) ;;
	skip) ;;
	*) die "HOST_SETUP_KERNEL must be extract, install or skip" ;;
esac

# ------------------------------------------------------------------ 1. apt-get update
t=$(date +%s%N)
if [ ${#missing[@]} -gt 0 ] || [ $need_kernel = 1 ] || [ "${HOST_SETUP_FORCE_UPDATE:-0}" = 1 ]; then
	"${SUDO[@]}" apt-get update -qq
	say "phase apt-get update: $(ms "$t") ms"
else
	say "phase apt-get update: skipped (nothing to fetch) $(ms "$t") ms"
fi

# ------------------------------------------------------------------ 2. apt-get install
t=$(date +%s%N)
if [ ${#missing[@]} -gt 0 ]; then
	say "installing: ${missing[*]}"
	"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/host-setup-apt.log 2>&1 || {
		tail -n 40 /tmp/host-setup-apt.log >&2
		die "apt-get install failed (full log: /tmp/host-setup-apt.log)"
	}
	for p in "${missing[@]}"; do installed "$p" || die "package $p is still not installed"; done
	say "phase apt-get install (${#missing[@]} packages): $(ms "$t") ms"
else
	say "phase apt-get install: all ${#PKGS[@]} packages present $(ms "$t") ms"
fi

# ------------------------------------------------------------------ 3. guest kernel (unpacked, not installed)
t=$(date +%s%N)
if [ $need_kernel = 1 ]; then
	kpkg=$(apt-cache depends --important linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" { print $2; exit }')
	[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 to a kernel package (apt-cache depends)"
	tmp=$(mktemp -d)
	chown _apt "$tmp" 2>/dev/null || true
	(cd "$tmp" && "${SUDO[@]}" apt-get download -qq "$kpkg") || die "apt-get download $kpkg failed"
	deb=$(ls "$tmp"/*.deb)
	"${SUDO[@]}" rm -rf "$KROOT.new"
	"${SUDO[@]}" mkdir -p "$KROOT.new"
	"${SUDO[@]}" dpkg -x "$deb" "$KROOT.new"
	kver=$(cd "$KROOT.new/boot" && ls vmlinuz-* | head -n1 | sed 's/^vmlinuz-//')
	[ -n "$kver" ] || die "$deb has no /boot/vmlinuz-*"
	if [ -d "$KROOT.new/lib/modules/$kver" ]; then base=$KROOT.new; else base=$KROOT.new/usr; fi
	"${SUDO[@]}" depmod -b "$base" "$kver" # an unpacked package has no modules.dep
	dpkg-deb -f "$deb" Package Version | "${SUDO[@]}" tee "$KROOT.new/PACKAGE" >/dev/null
	"${SUDO[@]}" rm -rf "$KROOT"
	"${SUDO[@]}" mv "$KROOT.new" "$KROOT"
	"${SUDO[@]}" chmod 0755 "$KROOT"
	rm -rf "$tmp"
	say "phase guest kernel: $kpkg ($kver) unpacked into $KROOT: $(ms "$t") ms"
else
	say "phase guest kernel: present (mode $KERNEL_MODE) $(ms "$t") ms"
fi

# ------------------------------------------------------------------ 4. virtlogd + libvirtd without systemd
t=$(date +%s%N)
running() { # running NAME: pid file with a live process of that name, else any process of that exact name
	local pid
	if [ -r "/run/$1.pid" ]; then
		pid=$(cat "/run/$1.pid" 2>/dev/null || true)
		if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]; then return 0; fi
	fi
	pgrep -x "$1" >/dev/null
}
"${SUDO[@]}" mkdir -p /var/log/libvirt/qemu /run/libvirt /var/lib/libvirt/qemu /var/cache/libvirt
started=()
for d in virtlogd libvirtd; do
	if running "$d"; then continue; fi
	command -v "$d" >/dev/null || die "$d not found (package libvirt-daemon / libvirt-daemon-system)"
	"${SUDO[@]}" "$d" -d
	started+=("$d")
done
deadline=$(( $(date +%s) + 30 ))
until out=$("${SUDO[@]}" virsh -c "$URI" version 2>&1); do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		die "libvirtd did not answer on /run/libvirt/libvirt-sock within 30 s: $out"
	fi
	sleep 0.1
done
say "phase daemons: ${started[*]:-none} started, libvirt answers ($(grep -m1 'Running hypervisor' <<<"$out" | sed 's/^ *//')): $(ms "$t") ms"

# ------------------------------------------------------------------ 5. sshd on 127.0.0.1:22 for qemu+ssh / qemu+libssh tests
# A dedicated sshd (no systemd): its own config in $SSHD_DIR, host keys generated there if missing,
# unix-socket forwarding allowed (libssh's direct-streamlocal; sshd shares its permit list with local TCP
# forwarding, so that must be "local" too, not "no"), root by key only, keys authorized
# from $SSHD_DIR/authorized_keys/<user> (tests write there). Restarted only when the config changed
# or it is not running; then `ssh-keyscan 127.0.0.1` must answer.
SSHD_DIR=/etc/pulumi-qemu-vcpu/sshd
phase_sshd() {
	local t pkgs=() p conf pidfile=/run/pulumi-qemu-vcpu-sshd.pid pid running_ok=0 deadline changed
	t=$(date +%s%N)
	for p in openssh-server netcat-openbsd; do installed "$p" || pkgs+=("$p"); done
	if [ ${#pkgs[@]} -gt 0 ]; then
		"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/tmp/host-setup-apt.log 2>&1 || {
			"${SUDO[@]}" apt-get update -qq
			"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/tmp/host-setup-apt.log 2>&1
		} || { tail -n 40 /tmp/host-setup-apt.log >&2; die "apt-get install ${pkgs[*]} failed"; }
		# Installed just now, for the tests only: a distro sshd its postinst may have started (no
		# policy-rc.d) would hold port 22, and it must not start on the next boot either.
		pid=$(cat /run/sshd.pid 2>/dev/null || true)
		if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sshd ]; then "${SUDO[@]}" kill "$pid"; fi
		"${SUDO[@]}" touch /etc/ssh/sshd_not_to_be_run
	fi
	"${SUDO[@]}" mkdir -p "$SSHD_DIR/authorized_keys" /run/sshd
	"${SUDO[@]}" chmod 0755 "$SSHD_DIR" "$SSHD_DIR/authorized_keys"
	for p in ed25519 rsa; do
		[ -f "$SSHD_DIR/ssh_host_${p}_key" ] || "${SUDO[@]}" ssh-keygen -q -t "$p" -N '' -f "$SSHD_DIR/ssh_host_${p}_key"
	done
	conf=$(cat <<-CONF
		# written by .ci/host-setup.sh (phase sshd); loopback only
		ListenAddress 127.0.0.1:22
		HostKey $SSHD_DIR/ssh_host_ed25519_key
		HostKey $SSHD_DIR/ssh_host_rsa_key
		PidFile $pidfile
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PubkeyAuthentication yes
		AuthorizedKeysFile $SSHD_DIR/authorized_keys/%u
		StrictModes no
		AllowStreamLocalForwarding yes
		AllowTcpForwarding local
		X11Forwarding no
		UsePAM no
		PrintMotd no
		MaxStartups 100:30:200
		Subsystem sftp internal-sftp
	CONF
	)
	if [ "$(cat "$SSHD_DIR/sshd_config" 2>/dev/null)" != "$conf" ]; then
		printf '%s\n' "$conf" | "${SUDO[@]}" tee "$SSHD_DIR/sshd_config.new" >/dev/null
		"${SUDO[@]}" /usr/sbin/sshd -t -f "$SSHD_DIR/sshd_config.new" || die "sshd rejects $SSHD_DIR/sshd_config.new"
		"${SUDO[@]}" mv "$SSHD_DIR/sshd_config.new" "$SSHD_DIR/sshd_config"
		changed=1
	else
		changed=0
	fi
	pid=$(cat "$pidfile" 2>/dev/null || true)
	if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sshd ]; then running_ok=1; fi
	if [ $running_ok = 1 ] && [ $changed = 1 ]; then "${SUDO[@]}" kill "$pid"; running_ok=0
		deadline=$(( $(date +%s) + 10 ))
		while [ -e "/proc/$pid" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
	fi
	[ $running_ok = 1 ] || "${SUDO[@]}" /usr/sbin/sshd -f "$SSHD_DIR/sshd_config"
	deadline=$(( $(date +%s) + 15 ))
	until ssh-keyscan -T 2 127.0.0.1 2>/dev/null | grep -q ssh-ed25519; do
		[ "$(date +%s)" -lt "$deadline" ] || die "sshd on 127.0.0.1:22 does not answer ssh-keyscan within 15 s"
		sleep 0.1
	done
	say "phase sshd: ${pkgs[*]:-no packages} installed, config $([ $changed = 1 ] && echo written || echo unchanged), $([ $running_ok = 1 ] && echo 'already running' || echo started), ssh-keyscan 127.0.0.1 answers: $(ms "$t") ms"
}
if [ "${HOST_SETUP_REMOTE:-on}" = skip ]; then say "phases sshd, tls/tcp listen: skipped (HOST_SETUP_REMOTE=skip)"; else phase_sshd; fi
# ------------------------------------------------------------------ 6. libvirtd listening on TLS and TCP (loopback)
PKI_DIR=${HOST_SETUP_PKI_DIR:-/etc/pulumi-qemu-vcpu/pki}
LIBVIRTD_CONF=/etc/libvirt/libvirtd.conf
make_test_pki() { # CA (key kept for tests) + server cert for localhost/127.0.0.1, only if missing or not matching
	local d=$PKI_DIR
	"${SUDO[@]}" mkdir -p "$d"
	"${SUDO[@]}" chmod 0755 "$d"
	if [ ! -s "$d/cakey.pem" ] || [ ! -s "$d/cacert.pem" ]; then
		"${SUDO[@]}" openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout "$d/cakey.pem" -out "$d/cacert.pem" \
			-subj "/CN=pulumi-qemu-vcpu test CA" -addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
		"${SUDO[@]}" rm -f "$d/servercert.pem"
	fi
	if [ ! -s "$d/servercert.pem" ] || ! "${SUDO[@]}" openssl verify -CAfile "$d/cacert.pem" "$d/servercert.pem" >/dev/null 2>&1 \
		|| ! "${SUDO[@]}" openssl x509 -checkend 86400 -noout -in "$d/servercert.pem" >/dev/null; then
		"${SUDO[@]}" openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$d/serverkey.pem" -out "$d/server.csr" -subj "/CN=localhost" 2>/dev/null
		printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
			"extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" | "${SUDO[@]}" tee "$d/server.ext" >/dev/null
		"${SUDO[@]}" openssl x509 -req -sha256 -days 3650 -in "$d/server.csr" -CA "$d/cacert.pem" -CAkey "$d/cakey.pem" \
			-CAcreateserial -extfile "$d/server.ext" -out "$d/servercert.pem" 2>/dev/null
		"${SUDO[@]}" rm -f "$d/server.csr"
		echo changed
	fi
	"${SUDO[@]}" chmod 0600 "$d/cakey.pem" "$d/serverkey.pem"
}
libvirtd_listen_block() {
	cat <<CONF
# BEGIN pulumi-qemu-vcpu tls/tcp (managed by .ci/host-setup.sh phase 6)
listen_tls = 1
listen_tcp = 1
auth_tcp = "none"
listen_addr = "127.0.0.1"
key_file = "$PKI_DIR/serverkey.pem"
cert_file = "$PKI_DIR/servercert.pem"
ca_file = "$PKI_DIR/cacert.pem"
# END pulumi-qemu-vcpu tls/tcp
CONF
}
libvirtd_listening() { ss -ltnH 2>/dev/null | awk '{print $4}' | grep -qx '127.0.0.1:16514' && ss -ltnH | awk '{print $4}' | grep -qx '127.0.0.1:16509'; }
phase_libvirtd_listen() {
	local t pki conf_new restart=0 pid deadline out
	t=$(date +%s%N)
	pki=$(make_test_pki)
	conf_new=$(sed '/^# BEGIN pulumi-qemu-vcpu tls\/tcp/,/^# END pulumi-qemu-vcpu tls\/tcp/d' "$LIBVIRTD_CONF"; libvirtd_listen_block)
	if [ "$conf_new" != "$(cat "$LIBVIRTD_CONF")" ]; then
		printf '%s\n' "$conf_new" | "${SUDO[@]}" tee "$LIBVIRTD_CONF.new" >/dev/null
		"${SUDO[@]}" mv "$LIBVIRTD_CONF.new" "$LIBVIRTD_CONF"
		restart=1
	fi
	[ -n "$pki" ] && restart=1
	libvirtd_listening || restart=1
	if [ $restart = 1 ]; then # running domains survive a libvirtd restart; connected clients must reconnect
		pid=$(cat /run/libvirtd.pid 2>/dev/null || pgrep -xo libvirtd || true)
		if [ -n "$pid" ]; then
			"${SUDO[@]}" kill "$pid"
			deadline=$(( $(date +%s) + 30 ))
			while [ -e "/proc/$pid" ]; do
				[ "$(date +%s)" -lt "$deadline" ] || die "libvirtd ($pid) did not exit within 30 s"
				sleep 0.1
			done
		fi
		"${SUDO[@]}" libvirtd -d --listen
		deadline=$(( $(date +%s) + 30 ))
		until libvirtd_listening && out=$("${SUDO[@]}" virsh -c "$URI" version 2>&1); do
			[ "$(date +%s)" -lt "$deadline" ] || die "libvirtd --listen did not open 127.0.0.1:16514/16509 and answer within 30 s: ${out:-}"
			sleep 0.1
		done
		say "phase tls/tcp listen: libvirtd restarted with --listen (certs in $PKI_DIR): $(ms "$t") ms"
	else
		say "phase tls/tcp listen: already listening on 127.0.0.1:16514 (tls) and :16509 (tcp) $(ms "$t") ms"
	fi
}
[ "${HOST_SETUP_REMOTE:-on}" = skip ] || phase_libvirtd_listen

# ------------------------------------------------------------------ 7. headless browser for the drift --html view test
# Debian's chromium (no recommends), driven headless over the DevTools protocol by
# test/integration/drift-html.test.ts. Installed only when missing; HOST_SETUP_BROWSER=skip skips it
# (npm run demo does: the demo never opens a browser).
phase_browser() {
	local t
	t=$(date +%s%N)
	if installed chromium; then
		say "phase browser: chromium present $(ms "$t") ms"
		return
	fi
	"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium >/tmp/host-setup-apt.log 2>&1 || {
		"${SUDO[@]}" apt-get update -qq
		"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium >/tmp/host-setup-apt.log 2>&1
	} || { tail -n 40 /tmp/host-setup-apt.log >&2; die "apt-get install chromium failed"; }
	installed chromium || die "package chromium is still not installed"
	say "phase browser: chromium installed ($(chromium --version 2>/dev/null | head -n1)): $(ms "$t") ms"
}
if [ "${HOST_SETUP_BROWSER:-on}" = skip ]; then say "phase browser: skipped (HOST_SETUP_BROWSER=skip)"; else phase_browser; fi

say "done in $(ms "$T_ALL") ms"
