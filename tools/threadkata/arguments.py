"""Argument types that the tools' command lines share (argparse)."""

import argparse


def positive_int(text):
    """A whole number above 0, or argparse's error saying what is wrong."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be above 0")
    return value
