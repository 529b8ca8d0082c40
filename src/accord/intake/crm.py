"""CRM exports: the shipped HubSpot and Salesforce mappings, and finding their files.

The mappings themselves are data (mappings/*.toml, documented in
docs/intake.md); this module only picks one, overlays the user's overrides,
and pairs each of its sources with the export files in a folder.
"""

from __future__ import annotations

from pathlib import Path

from accord.domain.schema import BY_NAME
from accord.errors import BadInputError, BundleError
from accord.intake.csvmap import ReadOptions, file_matches, lookup_files, read_header
from accord.intake.mapfile import Mapping, Source, load_mapping, shipped_mapping

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


def _signature(source: Source) -> list[tuple[str, ...]]:
    """The column groups a file must have to be this source's: one of each required
    bundle column's own columns (unless optional), and the `where` column."""
    required = BY_NAME[source.table].required
    groups = [
        spec.columns + spec.join
        for spec in source.fields
        if spec.target in required and not spec.optional and (spec.columns or spec.join)
    ]
    if source.where:
        groups.append((source.where[0],))
    return groups


def _by_header(
    mapping: Mapping, path: Path, options: ReadOptions | None
) -> tuple[str | None, str | None]:
    """(the file name to read it as, a warning): a CSV file named like none of the
    mapping's files (a HubSpot export of a saved view, named after the view) is read
    as the one kind of file whose columns its header has; else left out, with why."""
    try:
        header = set(read_header(path, options))
    except BundleError:
        return None, f"{path.name}: not a file the {mapping.name} mapping reads; left out"
    kinds: dict[tuple[str, ...], list[Source]] = {}
    for source in mapping.sources:
        kinds.setdefault(source.files, []).append(source)
    scores: dict[str, int] = {}
    for patterns, sources in kinds.items():
        signatures = [g for s in sources for g in _signature(s)]
        if not signatures or not all(any(c in header for c in g) for g in signatures):
            continue
        used = {
            c
            for s in sources
            for f in s.fields
            for link in f.chain()
            for c in link.columns + link.join
        }
        name = patterns[0].replace("*", "").strip("-_ ") or patterns[0]
        scores[name] = max(scores.get(name, 0), len(used & header))
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        name = ranked[0][0]
        return name, (
            f"{path.name}: read as {name} by its columns (its name is not one the "
            f"{mapping.name} mapping knows)"
        )
    return None, f"{path.name}: not a file the {mapping.name} mapping reads; left out"


def find_inputs(
    mapping: Mapping,
    paths: list[Path],
    options: ReadOptions | None = None,
    warnings: list[str] | None = None,
) -> dict[str, list[Path]]:
    """Source name → the files (among `paths`, or inside those that are folders) it reads.

    A CSV file whose name no source reads is recognised by its header where only
    one kind of file fits; otherwise it is left out. Both are said in `warnings`."""
    if not paths:
        raise BadInputError("name a folder or the CSV files to import")
    files = export_files(paths)
    read_as: dict[Path, str] = {}
    for f in files:
        if f.suffix.lower() != ".csv" or any(file_matches(f.name, s) for s in mapping.sources):
            continue
        if any(file_matches(f.name, lookup) for lookup in lookup_files(mapping)):
            continue  # read by a lookup, not a source
        name, note = _by_header(mapping, f, options)
        if name is not None:
            read_as[f] = name
        if note is not None and warnings is not None:
            warnings.append(note)
    inputs: dict[str, list[Path]] = {}
    for source in mapping.sources:
        found = [f for f in files if file_matches(read_as.get(f, f.name), source)]
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
