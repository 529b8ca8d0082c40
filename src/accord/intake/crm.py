"""CRM exports: the shipped HubSpot and Salesforce mappings, and finding their files.

The mappings themselves are data (mappings/*.toml, documented in
docs/intake.md); this module only picks one, overlays the user's overrides,
and pairs each of its sources with the export files in a folder.
"""

from __future__ import annotations

from pathlib import Path

from accord.errors import BadInputError
from accord.intake.csvmap import file_matches
from accord.intake.mapfile import Mapping, load_mapping, shipped_mapping

CRMS = ("hubspot", "salesforce")


def crm_mapping(crm: str, override: Path | None = None) -> Mapping:
    """The shipped mapping of `crm`, with `override` laid over it when given."""
    base = shipped_mapping(crm)
    return load_mapping(override, base=base) if override else load_mapping(base)


def export_files(paths: list[Path]) -> list[Path]:
    """The files named, and those inside the folders named."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise BadInputError(f"{path}: no such file or folder")
    return files


def find_inputs(mapping: Mapping, paths: list[Path]) -> dict[str, list[Path]]:
    """Source name → the files (among `paths`, or inside those that are folders) it reads."""
    if not paths:
        raise BadInputError("name a folder or the CSV files to import")
    files = export_files(paths)
    inputs: dict[str, list[Path]] = {}
    for source in mapping.sources:
        found = [f for f in files if file_matches(f.name, source)]
        if found:
            inputs[source.name] = found
    if not inputs:
        patterns = sorted({p for s in mapping.sources for p in s.files})
        where = ", ".join(str(p) for p in paths)
        raise BadInputError(
            f"{where}: no file is a {mapping.name} export that the mapping reads "
            f"(expected file names like {', '.join(patterns)})"
        )
    return inputs
