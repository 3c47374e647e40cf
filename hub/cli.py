"""The `kiosk-hub` command: the central server. Its subcommands (serve, init, create-user,
enroll-code, import-demo) arrive with the hub issue; until then it says so plainly."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("kiosk-hub: the central server is not built yet (serve, init, create-user, enroll-code and "
          "import-demo come with the hub issue); terminals run offline on their local content meanwhile.",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
