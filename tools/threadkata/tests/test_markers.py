"""The markers are declared once per language; here the declarations are checked to agree."""

import pathlib
import re
import unittest

from threadkata import markers

ROOT = pathlib.Path(__file__).resolve().parents[3]
GTEST_SOURCE = pathlib.Path("/usr/src/googletest/googletest/src/gtest.cc")


class MarkersAgree(unittest.TestCase):
    def test_the_watchdog_marker_is_the_one_tests_support_declares(self):
        header = (ROOT / "tests/support/markers.h").read_text(encoding="utf-8")
        declared = re.search(r'kWatchdogMarker\[\] = "([^"]*)";', header)
        self.assertIsNotNone(declared, "tests/support/markers.h no longer declares kWatchdogMarker")
        self.assertEqual(declared.group(1), markers.WATCHDOG)

    def test_the_watchdog_prints_the_declared_marker(self):
        source = (ROOT / "tests/support/deadline.cc").read_text(encoding="utf-8")
        self.assertIn("kWatchdogMarker", source, "deadline.cc spells the marker out again")

    def test_the_limiter_prints_the_declared_lines(self):
        script = (ROOT / "tools/threadkata/limit_output.sh").read_text(encoding="utf-8")
        self.assertIn(f'echo "{markers.LIMITER_EXIT}$status"', script)
        self.assertIn(f'echo "{markers.LIMITER_OUTPUT_LIMIT}$limit bytes exceeded"', script)
        self.assertIn(f'echo "{markers.LIMITER_PREFIX}$(cat "$reason")"', script)
        for marker in (markers.LIMITER_MEMORY_LIMIT, markers.LIMITER_THREAD_LIMIT):
            self.assertIn(f'echo "{marker.removeprefix(markers.LIMITER_PREFIX)}', script)

    @unittest.skipUnless(GTEST_SOURCE.exists(), "GoogleTest's source is not installed")
    def test_googletest_prints_the_declared_lines(self):
        source = GTEST_SOURCE.read_text(encoding="utf-8", errors="replace")
        for marker in (
            markers.GTEST_RUN,
            markers.GTEST_OK,
            markers.GTEST_FAILED,
            markers.GTEST_SKIPPED,
            markers.GTEST_PASSED,
        ):
            self.assertIn(f'"{marker.rstrip()}', source, marker)


if __name__ == "__main__":
    unittest.main()
