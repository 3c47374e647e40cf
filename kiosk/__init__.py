"""The terminal program: the Kivy app (`kiosk run`), its CLI and its device plumbing.

Kivy reads these when it is first imported, whichever kiosk module imports it first: its own
command-line parsing off (argv is ours), no log files (they would fill an SD card; journald
keeps the console), and logging through Python's `logging` as set up by the CLI (one format,
the CLI's level, no duplicate lines).
"""
import os

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
