"""The central server, `kiosk-hub` (issue: hub). Only the command's honest placeholder exists so far."""
