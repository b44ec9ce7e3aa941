"""The terminal: rich, with colour only on a terminal and never with NO_COLOR or --no-color."""

import os
import sys

import rich.console
import rich.markup


def console(no_color=False):
    return rich.console.Console(
        no_color=no_color or "NO_COLOR" in os.environ,
        highlight=False,
        emoji=False,
        soft_wrap=True,
    )


def err_console():
    return rich.console.Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def escape(text):
    return rich.markup.escape(text)


def interactive():
    return sys.stdin.isatty() and sys.stdout.isatty()
