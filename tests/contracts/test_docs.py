"""The repository carries its own product documentation (a clone has no ../shared): the
user guide, the feature list and the design documents in docs/, and the README points at
them, never outside the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("user-guide.txt", "FEATURES.md", "ARCHITECTURE.md", "CONVENTIONS.md", "LOCAL-INFRA.md", "DOMAIN-NOTES.md")


def test_the_product_and_design_documents_are_in_docs() -> None:
    for name in DOCS:
        path = ROOT / "docs" / name
        assert path.is_file(), f"docs/{name} is missing"
        assert len(path.read_text()) > 1_000, f"docs/{name} is too short to be the document"
    guide = (ROOT / "docs" / "user-guide.txt").read_text()
    for screen in ("Quick Message", "Bulk Campaign", "Traffic Anomaly", "Spam Detection", "Campaign Intelligence"):
        assert screen in guide, screen


def test_no_readme_points_outside_the_repository() -> None:
    readmes = [ROOT / "README.md", *ROOT.glob("services/*/README.md"), *ROOT.glob("libs/*/README.md")]
    for readme in readmes:
        text = readme.read_text()
        assert not re.search(r"\.\./shared\b", text), f"{readme.relative_to(ROOT)} points at ../shared"
    assert "docs/user-guide.txt" in (ROOT / "README.md").read_text()
