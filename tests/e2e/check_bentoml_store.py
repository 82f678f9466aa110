"""Reads a BentoML model store folder the way BentoML's store does, and prints what it found as JSON.

Used by tests/e2e/store-folder-out.test.ts on the folder the app wrote (issue 18). Run with Debian's python3 and
python3-yaml (PyYAML, what BentoML reads model.yaml with); no BentoML code is used. The reading follows
bentoml/BentoML src/bentoml/_internal/store.py and models/model.py:

- `Store.list(name)`: every folder under `<store>/<name>/`, sorted by name; each loads as `Model.from_path`
  does: `model.yaml` opened as text and `yaml.safe_load`ed, a mapping with `name` and `version`
  (checked here against the folder it sits in) and `creation_time` read with `datetime.fromisoformat`.
- `Store.get(name)`: `<name>/latest` read with `read_text().strip()`; it must name a version folder.

Usage: python3 check_bentoml_store.py STORE_DIR
Prints {"models": {name: {"latest_raw", "latest", "latest_resolves", "newest", "versions": {version: {...}}}},
"problems": [...]}; each version: name, version, labels, metadata, creation_time (isoformat), model_yaml_sha256
and files {path: sha256} (model.yaml aside).
"""

import datetime
import hashlib
import json
import sys
from pathlib import Path

import yaml


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def creation_time(value) -> datetime.datetime:
    # BentoML's cattr hook: fromisoformat for a string; PyYAML gives a datetime for an unquoted timestamp.
    return value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(value)


def read_version(folder: Path, name: str, problems: list) -> dict:
    with open(folder / "model.yaml") as stream:  # no encoding: as Model.from_path opens it
        info = yaml.safe_load(stream)
    if not isinstance(info, dict):
        problems.append(f"{folder}: model.yaml is not a mapping")
        return {}
    if info.get("name") != name or info.get("version") != folder.name:
        problems.append(f"{folder}: model.yaml says {info.get('name')}:{info.get('version')}")
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative != "model.yaml":
            files[relative] = sha256_of(path)
    return {
        "name": info.get("name"),
        "version": info.get("version"),
        "labels": info.get("labels"),
        "metadata": info.get("metadata"),
        "creation_time": creation_time(info["creation_time"]).isoformat(),
        "model_yaml_sha256": sha256_of(folder / "model.yaml"),
        "files": files,
    }


def read_store(store: Path) -> dict:
    problems: list = []
    models = {}
    for model_dir in sorted(p for p in store.iterdir() if p.is_dir()):
        name = model_dir.name
        versions = {v.name: read_version(v, name, problems) for v in sorted(p for p in model_dir.iterdir() if p.is_dir())}
        latest_file = model_dir / "latest"
        raw = latest_file.read_text() if latest_file.is_file() else None
        latest = raw.strip() if raw is not None else None
        resolves = latest is not None and (model_dir / latest).is_dir() and latest in versions
        if latest is not None and not resolves:
            problems.append(f"{name}/latest names {latest!r}, which is not a version folder")
        # _recreate_latest's pick: the version-sorted list sorted newest first (stable, so ties keep version order).
        dated = sorted(((key, creation_time(v["creation_time"])) for key, v in versions.items() if v), key=lambda kv: kv[1], reverse=True)
        newest = dated[0][0] if dated else None
        models[name] = {"latest_raw": raw, "latest": latest, "latest_resolves": resolves, "newest": newest, "versions": versions}
    return {"models": models, "problems": problems}


if __name__ == "__main__":
    print(json.dumps(read_store(Path(sys.argv[1])), indent=1, sort_keys=True))
