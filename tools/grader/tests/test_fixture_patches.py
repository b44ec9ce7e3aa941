import pathlib
import subprocess
import tempfile
import unittest

import check_fixtures


class FixturePatchTest(unittest.TestCase):
    def test_every_fixture_patch_applies_to_the_file_it_names(self):
        patches = sorted((check_fixtures.ROOT / "tests/grade_fixtures").rglob("*.patch"))
        self.assertTrue(patches)
        with tempfile.TemporaryDirectory() as temp:
            for patch in patches:
                with self.subTest(patch=str(patch.relative_to(check_fixtures.ROOT))):
                    target = pathlib.Path(temp) / patch.with_suffix("").name
                    try:
                        check_fixtures.apply_patch(patch, target)
                    except subprocess.CalledProcessError:
                        self.fail("make the fixture again on the file as it is today")


if __name__ == "__main__":
    unittest.main()
