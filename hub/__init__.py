"""The central server, `kiosk-hub` (DESIGN.md; issue #13). Nothing outside hub/ imports it."""
