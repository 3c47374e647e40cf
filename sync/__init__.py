"""The hub <-> terminal wire: schemas, signing, the terminal-side sync client (issue: hub sync). Empty until then."""
