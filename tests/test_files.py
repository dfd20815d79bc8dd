"""chaoslab.files.atomic_write: the one atomic writer (files and directories)."""

import pytest

from chaoslab.files import atomic_write


def test_a_file_appears_whole_and_keeps_its_suffix(tmp_path):
    seen = []

    def write(tmp):
        seen.append(tmp)
        tmp.write_text("new")

    out = atomic_write(tmp_path / "fig.svg", write)
    assert out.read_text() == "new" and seen[0].suffix == ".svg" and seen[0].parent == tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.svg"]


def test_a_directory_is_replaced_as_a_whole(tmp_path):
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "stale").write_text("old")

    def write(tmp):
        tmp.mkdir()
        (tmp / "fresh").write_text("new")

    atomic_write(tmp_path / "store", write)
    assert [p.name for p in (tmp_path / "store").iterdir()] == ["fresh"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]  # nothing left beside it


@pytest.mark.parametrize("make_dir", [False, True])
def test_a_failing_writer_leaves_the_old_content_and_no_temporary(tmp_path, make_dir):
    (tmp_path / "out").write_text("old")

    def write(tmp):
        if make_dir:
            tmp.mkdir()
            (tmp / "half").write_text("x")
        else:
            tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(tmp_path / "out", write)
    assert (tmp_path / "out").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
