"""The quick loop's hook that skips importing modules marked slow as a whole
(conftest.py) reads the assignment pytest uses (the last) and never hides a
module it cannot read (its own import error must name it)."""

from conftest import _marked_slow_as_a_whole


def test_the_last_pytestmark_decides(tmp_path):
    module = tmp_path / "test_m.py"
    module.write_text("import pytest\npytestmark = pytest.mark.slow\npytestmark = []\n")
    assert not _marked_slow_as_a_whole(module)
    module.write_text("import pytest\npytestmark = []\npytestmark = [pytest.mark.browser, pytest.mark.slow]\n")
    assert _marked_slow_as_a_whole(module)


def test_a_module_it_cannot_read_is_collected_as_usual(tmp_path):
    broken, latin = tmp_path / "test_broken.py", tmp_path / "test_latin.py"
    broken.write_text("import pytest\npytestmark = pytest.mark.slow\ndef (:\n")
    latin.write_bytes(b"import pytest\npytestmark = pytest.mark.slow\nname = \"caf\xe9\"\n")
    assert not _marked_slow_as_a_whole(broken)
    assert not _marked_slow_as_a_whole(latin)
