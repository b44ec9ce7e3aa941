"""Entry point of tools/grade (which runs tools/setup first, then this with Debian's Python)."""

import pathlib
import sys

# The engine (tools/threadkata) sits beside the grader.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from threadkata_grader import cli  # pylint: disable=wrong-import-position

if __name__ == "__main__":
    sys.exit(cli.main())
