"""Released migrations are frozen: a database that ran one never runs it again, so changing its
file would make databases that ran the old text differ from ones that run the new. Every
migration file (and its rollback) has its sha256 in migrations/checksums.txt, written as
`sha256sum` prints it (so `sha256sum -c migrations/checksums.txt` checks it too)."""

from __future__ import annotations

import hashlib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CHECKSUMS = REPO_ROOT / "migrations" / "checksums.txt"


def recorded() -> dict[str, str]:
    sums = {}
    for line in CHECKSUMS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, path = line.split(maxsplit=1)
            sums[path.lstrip("*")] = digest
    return sums


def shipped() -> list[str]:
    return sorted(str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "migrations").glob("*/*.sql"))


def sha256(path: str) -> str:
    return hashlib.sha256((REPO_ROOT / path).read_bytes()).hexdigest()


def test_released_migrations_are_unchanged():
    changed = [path for path, digest in recorded().items() if (REPO_ROOT / path).exists() and sha256(path) != digest]
    assert not changed, (
        f"released migrations are frozen: add a new migration instead of changing {', '.join(changed)} "
        "(databases that ran the old text never run it again)")


def test_released_migrations_are_still_shipped():
    gone = [path for path in recorded() if not (REPO_ROOT / path).exists()]
    assert not gone, f"released migrations are frozen: {', '.join(gone)} must stay (add a new migration instead)"


def test_every_migration_has_its_checksum():
    missing = [path for path in shipped() if path not in recorded()]
    assert not missing, (
        f"new migration files without a checksum: {', '.join(missing)}. Once the migration is final, "
        f"add its checksum: sha256sum {' '.join(missing)} >> migrations/checksums.txt")


def test_the_checksum_file_is_in_order_and_has_one_line_per_file():
    paths = [line.split(maxsplit=1)[1] for line in CHECKSUMS.read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert paths == sorted(set(paths)), "one line per file, sorted by path"
