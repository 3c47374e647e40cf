#!/bin/sh
# `kiosk run` for kiosk.service, on the DRM card that drives the panel.
#
# SDL's KMS/DRM driver opens /dev/dri/card<SDL_KMSDRM_DEVICE_INDEX> (default 0). On a Pi 5
# card0 can be the V3D render node's card (no display) and the DSI panel's card number can
# change from boot to boot, so pick the card with a connected connector: KIOSK_DRM_CONNECTOR
# (e.g. DSI-1, HDMI-A-1) when set, else the first connected one. An explicit
# SDL_KMSDRM_DEVICE_INDEX (/etc/kiosk/kiosk.env) wins. `exec` keeps the PID, so the app's
# sd_notify messages come from the unit's main process.
#
# Testing: KIOSK_SYSFS replaces /sys; KIOSK_RUN_PRINT_ENV=1 prints the choice and exits.
set -eu

sysfs=${KIOSK_SYSFS:-/sys}
if [ -z "${SDL_KMSDRM_DEVICE_INDEX:-}" ]; then
  for status in "$sysfs"/class/drm/card*-*/status; do
    [ -r "$status" ] || continue
    [ "$(cat "$status")" = "connected" ] || continue
    connector=$(basename "$(dirname "$status")")   # card1-DSI-1
    if [ -n "${KIOSK_DRM_CONNECTOR:-}" ] && [ "${connector#*-}" != "$KIOSK_DRM_CONNECTOR" ]; then
      continue
    fi
    card=${connector%%-*}                           # card1
    SDL_KMSDRM_DEVICE_INDEX=${card#card}
    export SDL_KMSDRM_DEVICE_INDEX
    echo "kiosk-run: $connector is connected: SDL_KMSDRM_DEVICE_INDEX=$SDL_KMSDRM_DEVICE_INDEX" >&2
    break
  done
fi
if [ -n "${KIOSK_RUN_PRINT_ENV:-}" ]; then
  echo "SDL_KMSDRM_DEVICE_INDEX=${SDL_KMSDRM_DEVICE_INDEX:-}"
  exit 0
fi
exec "$(dirname "$0")/kiosk" run "$@"
