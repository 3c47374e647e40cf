# Releases for systemd/install-pi.sh, which sources this file (its globals and helpers --
# ROOT, DRY_RUN, run, try_run, say, die, has_role, role_units -- are defined there).
#
# Each release is a venv under /opt/kiosk/releases/<version>; /opt/kiosk/current points at the
# one in use. deploy_release builds one, checks it, switches, starts the units and rolls back
# when they do not become active; deploy_hub does the same for the hub, its database first.
# shellcheck shell=bash disable=SC2154 # the globals above come from install-pi.sh

KEEP_RELEASES=3
SETTLE=${KIOSK_SETTLE_S:-5}  # seconds the units must stay active after the first "active"

release_version() {
  if [ -n "$VERSION" ]; then echo "$VERSION"; return; fi
  if [ -n "$RELEASE_DIR" ]; then basename "$RELEASE_DIR"; return; fi
  if [ -f "$FROM" ]; then  # a wheel: kiosk-0.1.0-py3-none-any.whl
    local name hash
    name=$(basename "$FROM"); name=${name#*-}; hash=$(sha256sum "$FROM" | cut -c1-8)
    echo "${name%%-*}-$hash"; return
  fi
  local version commit
  version=$("$PYTHON" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
    "$FROM/pyproject.toml")
  commit=$(git -C "$FROM" rev-parse --short=8 HEAD 2>/dev/null || echo local)
  echo "$version-$commit"
}

build_release() {  # build_release VERSION
  local target="$ROOT/opt/kiosk/releases/$1"
  if [ -n "$RELEASE_DIR" ]; then
    run cp -a "$RELEASE_DIR" "$target"
    relocate "$RELEASE_DIR" "/opt/kiosk/releases/$1"
  else
    run "$PYTHON" -m venv "$target"
    # PIP_INDEX_URL / PIP_FIND_LINKS from the environment choose where the wheels come from
    local extras="" offline=()
    if has_role hub; then extras="[hub]"; fi  # Alembic and psycopg
    if [ -n "$WHEELS" ]; then offline=(--no-index --find-links "$WHEELS"); fi
    run "$target/bin/python" -m pip install --quiet --no-cache-dir "${offline[@]}" "$FROM$extras"
  fi
  run install -m 0755 "$SCRIPT_DIR/kiosk-run.sh" "$target/bin/kiosk-run"
}

# relocate BUILT NOW_AT: a venv's scripts name their interpreter by absolute path
# (#!/build/kiosk-1.2/bin/python) -- where it was first made, wherever it was copied since.
# Point the copied ones at the release's own interpreter; the system's (/usr/bin) stay.
relocate() {
  local script shebang
  for script in "$1"/bin/*; do  # the originals: with --dry-run nothing was copied
    if [ ! -f "$script" ] || [ -L "$script" ]; then continue; fi
    shebang=$(head -n1 "$script")
    [[ "$shebang" =~ ^\#\!(/[^[:space:]]*)/bin/python[0-9.]*$ ]] || continue
    case "${BASH_REMATCH[1]}" in /usr|/usr/local|"$2") continue ;; esac
    run sed -i "1 s|^.*\$|#!$2/bin/python|" "$ROOT$2/bin/$(basename "$script")"
  done
}

# The KEY=VALUE lines of /etc/kiosk/$1 (kiosk.env, hub.env: the units' EnvironmentFile), quotes off.
unit_env() {
  local file="$ROOT/etc/kiosk/$1"
  [ -f "$file" ] || return 0
  sed -n -E "s/^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=[[:space:]]*(\"(.*)\"|'(.*)'|(.*))[[:space:]]*$/\1=\3\4\5/p" "$file"
}

# as_service USER ENV_FILE [NAME=VALUE...] CMD...: CMD as the service's user in its unit's
# environment: the Environment= defaults given, then /etc/kiosk/ENV_FILE (the EnvironmentFile,
# which wins as it does for systemd). It may hold a token or a database password: the printed
# command names those variables, never their values.
as_service() {
  local user=$1 file=$2 defaults=() env_lines=() shown=() line
  shift 2
  while [[ "${1:-}" =~ ^[A-Z_][A-Z0-9_]*= ]]; do defaults+=("$1"); shift; done
  mapfile -t env_lines < <(unit_env "$file")
  for line in "${env_lines[@]}"; do shown+=("${line%%=*}=…"); done
  echo "+ $RUNUSER -u $user -- env ${defaults[*]} ${shown[*]}${shown[*]:+ }$*"
  if [ "$DRY_RUN" -eq 0 ]; then "$RUNUSER" -u "$user" -- env "${defaults[@]}" "${env_lines[@]}" "$@"; fi
}

health_check() {  # health_check RELEASE: the new release's own check, as the service user
  local config="$ROOT/etc/kiosk/kiosk.toml"
  if has_screen; then
    as_service kiosk kiosk.env KIOSK_CONFIG="$config" "$1/bin/kiosk" doctor
  else  # a headless queue host: the config loads, tickets.sqlite opens
    as_service kiosk kiosk.env KIOSK_CONFIG="$config" "$1/bin/kiosk" tickets user list
  fi
}

hub_cmd() {  # hub_cmd RELEASE ARGS...: that release's kiosk-hub, as kiosk-hub.service runs it
  local release=$1; shift
  as_service kiosk-hub hub.env KIOSK_HUB_DATA_DIR="$ROOT/var/lib/kiosk-hub" "$ROOT$release/bin/kiosk-hub" "$@"
}

switch_to() {  # switch_to VERSION: repoint /opt/kiosk/current atomically
  run ln -sfn "releases/$1" "$ROOT/opt/kiosk/current.new"
  run mv -T "$ROOT/opt/kiosk/current.new" "$ROOT/opt/kiosk/current"
}

# Units are started with --no-block: a Type=notify start job waits for READY up to the unit's
# TimeoutStartSec (120 s), longer than --timeout; wait_active does the waiting.
wait_active() {  # wait_active UNIT...: all active within TIMEOUT seconds, and staying so
  [ "$DRY_RUN" -eq 0 ] || { echo "+ wait up to ${TIMEOUT}s for: $*"; return 0; }
  local deadline=$((SECONDS + TIMEOUT)) unit pending settled=0 restarts="" now
  while :; do
    pending=""
    for unit in "$@"; do
      "$SYSTEMCTL" is-active --quiet "$unit" || pending="$pending $unit"
    done
    if [ -z "$pending" ]; then
      # Type=exec units are active as soon as the program runs: still active a moment later,
      # and not restarted in between (a crash loop is "active" half of the time), means it did
      # not stop at once on a bad argument or a broken import.
      now=$(for unit in "$@"; do "$SYSTEMCTL" show --property NRestarts --value "$unit" 2>/dev/null; done)
      if [ "$settled" -eq 1 ] && [ "$now" = "$restarts" ]; then return 0; fi
      if [ "$settled" -eq 0 ] || [ "$SECONDS" -lt "$deadline" ]; then
        settled=1 restarts=$now
        sleep "$SETTLE"
        continue
      fi
      pending=" $* (restarting)"
    fi
    settled=0
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "not active after ${TIMEOUT}s:$pending"
      return 1
    fi
    sleep 1
  done
}

prune_releases() {  # prune_releases CURRENT PREVIOUS: keep those and the newest few
  local keep=$1 previous=$2 old count=0
  while read -r old; do
    [ -n "$old" ] || continue
    count=$((count + 1))
    if [ "$old" = "$keep" ] || [ "$old" = "$previous" ] || [ "$count" -le "$KEEP_RELEASES" ]; then
      continue
    fi
    run rm -rf "$ROOT/opt/kiosk/releases/$old"
  done < <(find "$ROOT/opt/kiosk/releases" -mindepth 1 -maxdepth 1 -type d -printf '%C@ %f\n' 2>/dev/null \
             | sort -rn | cut -d' ' -f2)
}

# Install the release, switch to it, start the role's units; roll back when it is unhealthy.
deploy_release() {
  local version previous="" units
  version=$(release_version)
  [[ "$version" =~ ^[0-9A-Za-z][0-9A-Za-z._+-]*$ ]] || die "bad release name '$version'"
  read -r -a units <<<"$(role_units)"
  ensure_dir /opt/kiosk/releases 0755 root:root
  if [ -L "$ROOT/opt/kiosk/current" ]; then
    previous=$(basename "$(readlink "$ROOT/opt/kiosk/current")")
  fi
  local target="$ROOT/opt/kiosk/releases/$version"
  if [ "$previous" = "$version" ]; then
    say "release $version is already current"
    run "$SYSTEMCTL" enable "${units[@]}"
    try_run "not started" "$SYSTEMCTL" --no-block start "${units[@]}" || true
    wait_active "${units[@]}" || die "release $version: services not active (journalctl -u ${units[0]})"
    return
  fi
  # .complete is written last: a build cut short (power, network) is made again, never used
  if [ -f "$target/.complete" ]; then
    say "release $version: already built"
  else
    if [ -e "$target" ]; then run rm -rf "$target"; fi
    build_release "$version"
    run touch "$target/.complete"
  fi
  if has_role hub; then deploy_hub "$version" "$previous"; return; fi
  # The app holds the printer, the reader and the display: the check needs them free. The
  # queue service keeps running (the doctor asks it too) until the switch. On a first install
  # there is nothing to keep: this box's own queue starts first, so that the doctor finds it.
  if [ -z "$previous" ] && has_role queue-host && has_screen; then
    switch_to "$version"
    run "$SYSTEMCTL" enable kiosk-tickets.service
    try_run "the queue service did not start" "$SYSTEMCTL" --no-block start kiosk-tickets.service || true
    wait_active kiosk-tickets.service || die "release $version: the queue service is not active (journalctl -u kiosk-tickets)"
  fi
  local holders=()
  if has_screen && [ -n "$previous" ]; then holders=(kiosk.service); run "$SYSTEMCTL" stop "${holders[@]}"; fi
  if ! health_check "$target"; then
    say "release $version failed its health check: staying on ${previous:-nothing}"
    if [ ${#holders[@]} -gt 0 ]; then run "$SYSTEMCTL" --no-block start "${holders[@]}"; fi
    exit 1
  fi
  switch_to "$version"
  run "$SYSTEMCTL" enable "${units[@]}"
  # a unit that fails at once fails `restart` too: the same as never becoming active, below
  try_run "the new release did not start" "$SYSTEMCTL" --no-block restart "${units[@]}" || true
  if wait_active "${units[@]}"; then
    say "release $version is current"
    prune_releases "$version" "$previous"
    return
  fi
  if [ -z "$previous" ]; then die "release $version did not start and there is none to go back to"; fi
  say "rolling back to $previous"
  switch_to "$previous"
  try_run "the previous release did not start either" "$SYSTEMCTL" --no-block restart "${units[@]}" || true
  wait_active "${units[@]}" || say "the previous release $previous is not active either"
  exit 1
}

# The hub's upgrade puts its database first: the hub stops (no writes), the database is backed
# up, the new release migrates it and checks itself; only then the switch. Whatever fails after
# the backup puts the backup back (kiosk-hub restore) before the old release starts again, so
# the old release never meets a schema it does not know.
deploy_hub() {  # deploy_hub VERSION PREVIOUS
  local version=$1 previous=$2 release="/opt/kiosk/releases/$1" backup
  if [ ! -d "$ROOT/var/lib/kiosk-hub/keys" ]; then
    switch_to "$version"
    run "$SYSTEMCTL" enable kiosk-hub.service
    say "release $version installed; the hub has no database yet: run kiosk-hub init (docs/deploy.md), then: systemctl start kiosk-hub"
    return
  fi
  backup="$ROOT/var/lib/kiosk-hub/backups/before-$version-$(date -u +%Y%m%dT%H%M%SZ).backup"
  ensure_dir /var/lib/kiosk-hub/backups 0750 kiosk-hub:kiosk-hub
  if [ -n "$previous" ]; then run "$SYSTEMCTL" stop kiosk-hub.service; fi
  if ! hub_cmd "$release" backup "$backup"; then
    say "the hub's database could not be backed up: nothing was changed, staying on ${previous:-nothing}"
    hub_start "$previous"
    exit 1
  fi
  if ! hub_cmd "$release" migrate || ! hub_cmd "$release" check; then
    say "release $version failed to migrate or check the database: putting the backup back, staying on ${previous:-nothing}"
    hub_restore "$release" "$backup"
    hub_start "$previous"
    exit 1
  fi
  switch_to "$version"
  run "$SYSTEMCTL" enable kiosk-hub.service
  try_run "the new release did not start" "$SYSTEMCTL" --no-block restart kiosk-hub.service || true
  if wait_active kiosk-hub.service; then
    say "release $version is current (the database as it was before: $backup)"
    prune_releases "$version" "$previous"
    return
  fi
  [ -n "$previous" ] || die "release $version did not start and there is none to go back to (journalctl -u kiosk-hub)"
  say "rolling back to $previous, with the database as it was"
  run "$SYSTEMCTL" stop kiosk-hub.service
  hub_restore "$release" "$backup"
  switch_to "$previous"
  hub_start "$previous"
  wait_active kiosk-hub.service || say "the previous release $previous is not active either"
  exit 1
}

hub_restore() {  # hub_restore RELEASE BACKUP
  hub_cmd "$1" restore "$2" ||
    say "the backup was NOT put back: stop kiosk-hub and run kiosk-hub restore $2 (docs/hub.md) before starting it"
}

hub_start() {  # hub_start PREVIOUS: the hub that ran before, running again
  [ -n "$1" ] || return 0
  try_run "the previous release did not start" "$SYSTEMCTL" --no-block start kiosk-hub.service || true
}

