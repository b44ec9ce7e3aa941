"""Entry point of tools/grade (which runs tools/setup first, then this with Debian's Python)."""

import sys

from threadkata_grader import cli

if __name__ == "__main__":
    sys.exit(cli.main())
