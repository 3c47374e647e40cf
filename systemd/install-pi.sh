#!/usr/bin/env bash
# Install or upgrade lobby-kiosk on Raspberry Pi OS Bookworm (or Debian 12): docs/deploy.md.
#
#   systemd/install-pi.sh --role terminal|display|queue-host|hub[,ROLE...] [--dry-run]
#                         [--from PATH | --release DIR] [--wheels DIR] [--version NAME] [--timeout SECONDS]
#
# --from PATH     build a release from a source tree or a wheel (default: this checkout)
# --release DIR   install a release built elsewhere: a venv folder with bin/kiosk
# --wheels DIR    no network: every package from the wheels in DIR (pip wheel -w DIR '.[hub]')
# --dry-run       print every action, change nothing
#
# Idempotent: a second run with the same release changes nothing. Each release goes to
# /opt/kiosk/releases/<version> beside the previous one; /opt/kiosk/current points at the one
# in use. An upgrade stops the app (it holds the devices), runs the new release's health check
# (`kiosk doctor`; `kiosk-hub check` for the hub), switches the link, restarts the services and waits
# until they are active -- for kiosk.service that is its READY, sent after the first frame,
# just before its first watchdog ping. If the check fails or a service does not become active
# within --timeout seconds (default 90), the previous release is put back and started again.
#
# For tests and image builds: KIOSK_ROOT prefixes every path written or read; the commands
# SYSTEMCTL, APT_GET, DPKG_QUERY, GETENT, USERADD, USERMOD, CHOWN, RUNUSER, UDEVADM, PYTHON
# can be replaced by the environment.
set -euo pipefail

ROOT=${KIOSK_ROOT:-}
SYSTEMCTL=${SYSTEMCTL:-systemctl}
APT_GET=${APT_GET:-apt-get}
DPKG_QUERY=${DPKG_QUERY:-dpkg-query}
GETENT=${GETENT:-getent}
USERADD=${USERADD:-useradd}
USERMOD=${USERMOD:-usermod}
CHOWN=${CHOWN:-chown}
RUNUSER=${RUNUSER:-runuser}
UDEVADM=${UDEVADM:-udevadm}
PYTHON=${PYTHON:-python3}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=$(dirname "$SCRIPT_DIR")

# Same list as ./dev's APT_PACKAGES (tests/test_deploy_script.py keeps them equal).
APT_PACKAGES=(
  python3 python3-venv python3-dev
  libgl1-mesa-dri libegl1 libmtdev1
  fonts-wqy-microhei
  espeak-ng
  alsa-utils
)
DEVICE_GROUPS=(video render input dialout lp)

ROLES=""
DRY_RUN=0
FROM=""
RELEASE_DIR=""
WHEELS=""
VERSION=""
TIMEOUT=90

die() { echo "install-pi: $*" >&2; exit 1; }
say() { echo "install-pi: $*"; }
usage() {
  sed -n '4,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Every change goes through run: printed always, executed unless --dry-run.
run() {
  echo "+ $*"
  if [ "$DRY_RUN" -eq 0 ]; then "$@"; fi
}

# try_run WHY CMD...: like run, but a failure is reported (with WHY) and returned, not fatal.
try_run() {
  local why=$1; shift
  run "$@" && return 0
  say "'$*' failed: $why"
  return 1
}

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --role) ROLES=${2:-}; shift 2 ;;
      --dry-run) DRY_RUN=1; shift ;;
      --from) FROM=${2:-}; shift 2 ;;
      --release) RELEASE_DIR=${2:-}; shift 2 ;;
      --wheels) WHEELS=${2:-}; shift 2 ;;
      --version) VERSION=${2:-}; shift 2 ;;
      --timeout) TIMEOUT=${2:-}; shift 2 ;;
      -h|--help) usage ;;
      *) echo "install-pi: unknown argument: $1" >&2; usage ;;
    esac
  done
  [ -n "$ROLES" ] || { echo "install-pi: --role is required" >&2; usage; }
  local role
  for role in ${ROLES//,/ }; do
    case "$role" in
      terminal|display|queue-host|hub) ;;
      *) die "unknown role '$role' (terminal, display, queue-host, hub)" ;;
    esac
  done
  [ -z "$FROM" ] || [ -z "$RELEASE_DIR" ] || die "--from and --release exclude each other"
  if has_role hub && [ "$ROLES" != hub ]; then die "the hub runs on its own server: --role hub alone"; fi
  [[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout takes whole seconds, not '$TIMEOUT'"
  if [ -n "$RELEASE_DIR" ] && [ ! -x "$RELEASE_DIR/bin/kiosk" ]; then
    die "$RELEASE_DIR is not a release (no bin/kiosk)"
  fi
  if [ -n "$WHEELS" ]; then
    [ -d "$WHEELS" ] || die "--wheels $WHEELS is not a folder"
    WHEELS=$(cd "$WHEELS" && pwd)
    if [ -z "$RELEASE_DIR" ] && [ -z "$FROM" ]; then  # the project's own wheel is among them
      local found=("$WHEELS"/lobby_kiosk-*.whl)
      [ -f "${found[0]}" ] || die "no lobby_kiosk-*.whl in $WHEELS: make the wheels with pip wheel -w DIR '.[hub]'"
      [ ${#found[@]} -eq 1 ] || die "several lobby_kiosk wheels in $WHEELS: name one with --from"
      FROM=${found[0]}
    fi
  fi
  if [ -z "$RELEASE_DIR" ] && [ -z "$FROM" ]; then FROM=$SOURCE_DIR; fi
}

has_role() { [[ ",$ROLES," == *",$1,"* ]]; }
has_screen() { has_role terminal || has_role display; }

service_user() { if [ "$ROLES" = hub ]; then echo kiosk-hub; else echo kiosk; fi; }

# The units this machine runs, by role.
role_units() {
  local units=()
  if has_screen; then units+=(kiosk.service kiosk-sync.service); fi
  if has_role queue-host; then units+=(kiosk-tickets.service); fi
  if has_role hub; then units+=(kiosk-hub.service); fi
  echo "${units[@]}"
}

# ---- the system ----------------------------------------------------------------------------

install_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    # shellcheck disable=SC2016 # ${Status} is dpkg-query's format, not the shell's
    "$DPKG_QUERY" -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then say "apt packages: all installed"; return; fi
  run "$APT_GET" update -qq
  run env DEBIAN_FRONTEND=noninteractive "$APT_GET" install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_user() {
  local user=$1 group
  if "$GETENT" passwd "$user" >/dev/null 2>&1; then
    say "user $user: exists"
  else
    run "$USERADD" --system --user-group --home-dir "/var/lib/$user" --shell /usr/sbin/nologin "$user"
  fi
  [ "$user" = kiosk ] || return 0
  for group in "${DEVICE_GROUPS[@]}"; do
    if ! "$GETENT" group "$group" >/dev/null 2>&1; then
      say "group $group does not exist here: skipped"
    elif ! "$GETENT" group "$group" | cut -d: -f4 | tr ',' '\n' | grep -qx "$user"; then
      run "$USERMOD" --append --groups "$group" "$user"
    fi
  done
}

ensure_dir() {  # ensure_dir PATH MODE OWNER
  if [ -d "$ROOT$1" ]; then return; fi
  run install -d -m "$2" "$ROOT$1"
  run "$CHOWN" "$3" "$ROOT$1"
}

# copy_file SRC DEST MODE: only when missing or different; prints what it did.
copy_file() {
  if [ -f "$ROOT$2" ] && cmp -s "$1" "$ROOT$2"; then return 1; fi
  run install -D -m "$3" "$1" "$ROOT$2"
}

install_files() {
  local user unit changed=0
  user=$(service_user)
  ensure_dir /etc/kiosk 0755 root:root
  ensure_dir "/var/lib/$user" 0750 "$user:$user"
  if [ "$user" = kiosk ]; then
    ensure_dir /var/lib/kiosk/kivy 0750 kiosk:kiosk
    ensure_dir /var/cache/kiosk 0750 kiosk:kiosk
    if [ -e "$ROOT/etc/kiosk/kiosk.toml" ]; then
      say "/etc/kiosk/kiosk.toml: kept as it is"
    else
      run install -m 0640 "$SOURCE_DIR/kiosk.example.toml" "$ROOT/etc/kiosk/kiosk.toml"
      run "$CHOWN" root:kiosk "$ROOT/etc/kiosk/kiosk.toml"
      if has_role display && ! has_role terminal; then  # the calling board: `kiosk run` as the display
        run sed -i 's|^role = "terminal"|role = "display"|' "$ROOT/etc/kiosk/kiosk.toml"
      fi
      if has_role queue-host && has_screen; then  # this terminal takes numbers from its own queue
        run sed -i '/^\[tickets\]/,/^\[/ s|^url = ""|url = "http://127.0.0.1:8300"|' "$ROOT/etc/kiosk/kiosk.toml"
      fi
    fi
  fi
  for unit in $(role_units); do
    copy_file "$SCRIPT_DIR/$unit" "/etc/systemd/system/$unit" 0644 && changed=1
  done
  if has_screen; then
    if copy_file "$SCRIPT_DIR/99-kiosk.rules" /etc/udev/rules.d/99-kiosk.rules 0644; then
      # no udevd in a container or an image being built: the rules apply from the next boot
      if try_run "udev is not running here; the rules apply from the next boot" "$UDEVADM" control --reload; then
        try_run "replug the printer and the reader, or reboot" \
          "$UDEVADM" trigger --action=change --subsystem-match=usb --subsystem-match=tty || true
      fi
    fi
  fi
  if copy_file "$SCRIPT_DIR/journald-kiosk.conf" /etc/systemd/journald.conf.d/kiosk.conf 0644; then
    run "$SYSTEMCTL" restart systemd-journald.service
  fi
  if [ "$changed" -eq 1 ]; then run "$SYSTEMCTL" daemon-reload; fi
}

# The queue host needs the kiosks' token (kiosk tickets serve stops without one): made once,
# kept in kiosk.env (the units' EnvironmentFile), never printed into a log.
queue_token() {
  has_role queue-host || return 0
  local config="$ROOT/etc/kiosk/kiosk.toml" env_file="$ROOT/etc/kiosk/kiosk.env"
  if [ -f "$env_file" ] && grep -q '^[[:space:]]*KIOSK_TICKETS_TOKEN=..*' "$env_file"; then
    say "queue token: in /etc/kiosk/kiosk.env"; return 0
  fi
  if [ -f "$config" ] && sed -n '/^\[tickets\]/,/^\[/p' "$config" | grep -q '^[[:space:]]*token[[:space:]]*=[[:space:]]*"[^"]'; then
    say "queue token: [tickets] token in /etc/kiosk/kiosk.toml"; return 0
  fi
  echo "+ append KIOSK_TICKETS_TOKEN=<a new random token> to $env_file"
  if [ "$DRY_RUN" -eq 0 ]; then
    local token
    token=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')
    (umask 027 && echo "KIOSK_TICKETS_TOKEN=$token" >>"$env_file")
    "$CHOWN" root:kiosk "$env_file"
    chmod 0640 "$env_file"
  fi
  say "queue token made: every terminal of this lobby needs the same KIOSK_TICKETS_TOKEN line in its /etc/kiosk/kiosk.env (docs/deploy.md)"
}

# The console: no blanking, no blinking cursor over the app, no login prompt on tty1.
console_settings() {
  has_screen || return 0
  local cmdline="" candidate
  for candidate in /boot/firmware/cmdline.txt /boot/cmdline.txt; do
    if [ -f "$ROOT$candidate" ]; then cmdline=$ROOT$candidate; break; fi
  done
  if [ -z "$cmdline" ]; then
    say "no cmdline.txt under $ROOT/boot: console blanking left as it is (not a Raspberry Pi?)"
  else
    local option
    for option in consoleblank=0 vt.global_cursor_default=0; do
      if grep -qw -- "$option" "$cmdline"; then continue; fi
      # cmdline.txt is one line; the option goes at its end
      run sed -i "1 s/\$/ $option/" "$cmdline"
    done
  fi
  if [ -e "$ROOT/etc/systemd/system/getty.target.wants/getty@tty1.service" ]; then
    run "$SYSTEMCTL" disable getty@tty1.service
  fi
}

# ---- releases: systemd/install-release.sh ---------------------------------------------------
# shellcheck source-path=SCRIPTDIR source=install-release.sh
. "$SCRIPT_DIR/install-release.sh"

main() {
  parse_args "$@"
  if [ "$DRY_RUN" -eq 1 ]; then say "dry run: nothing is changed"; fi
  install_packages
  ensure_user "$(service_user)"
  install_files
  queue_token
  console_settings
  deploy_release
  if [ "$DRY_RUN" -eq 1 ]; then say "dry run: nothing was changed"; fi
}

main "$@"
