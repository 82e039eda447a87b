from pathlib import Path

import pytest

from cpaas.platform.migrations import MigrationError, load_migrations


def test_files_load_in_version_order(tmp_path: Path) -> None:
    (tmp_path / "0002_b.sql").write_text("B")
    (tmp_path / "0001_a.sql").write_text("A")
    assert [m.version for m in load_migrations(tmp_path)] == [1, 2]


def test_a_badly_named_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "init.sql").write_text("A")
    with pytest.raises(MigrationError, match="NNNN_description.sql"):
        load_migrations(tmp_path)


def test_duplicate_versions_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("A")
    (tmp_path / "0001_b.sql").write_text("B")
    with pytest.raises(MigrationError, match="duplicate"):
        load_migrations(tmp_path)
