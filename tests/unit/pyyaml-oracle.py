"""PyYAML and cattrs as BentoML uses them, as an oracle for the model.yaml tests (tests/unit/py-oracle.ts).

Run with Debian's python3 (python3-yaml, python3-cattr). Reads one JSON job on stdin and prints one JSON answer:

- "dump": documents; answers what `yaml.safe_dump(doc, sort_keys=False)` writes for each (BentoML's
  ModelInfo.dump call, PyYAML's defaults otherwise).
- "files": {"path", "expect"?}; each file is opened the way BentoML's Model.from_path opens model.yaml (no
  encoding: the locale's) and loaded with `yaml.safe_load`; answers whether that worked, whether the data equals
  "expect" with the same Python types (float is not int, key order counts), how each signature structures into
  a class shaped like BentoML's ModelSignature, what the context structures to, and whether creation_time reads
  with datetime.fromisoformat and writes back the same with isoformat().
- "signatures": signature mappings to structure directly.
- "json": JSON texts; answers `yaml.safe_dump(json.loads(text), sort_keys=False)` for each (Python's own
  reading of JSON, to check the shelf's).
- "archives": bundle files (zip, or tar with any compression, as BentoML exports them); answers each one's
  model.yaml bytes, base64, read with zipfile/tarfile.

Typed JSON in: a number with a fraction or exponent is a float, one without is an int (as json.loads reads them),
NaN and Infinity are floats, {"$bytes": base64} is bytes. The classes below are written for this test from
BentoML's field types (src/bentoml/_internal/models/model.py); no BentoML code is used.
"""

import base64
import datetime
import json
import locale
import math
import sys
import tarfile
import typing as t
import zipfile

import attr
import cattr
import yaml

NOT_IN_FILE = "<not in the file: BentoML would write its own>"


@attr.frozen
class Signature:
    batchable: bool = False
    batch_dim: t.Tuple[int, int] = (0, 0)
    input_spec: t.Any = None
    output_spec: t.Any = None


@attr.frozen
class Context:
    framework_name: str
    framework_versions: t.Dict[str, str]
    bentoml_version: str = attr.field(factory=lambda: NOT_IN_FILE)
    python_version: str = attr.field(factory=lambda: NOT_IN_FILE)


converter = cattr.Converter()


def typed(value):
    if isinstance(value, dict):
        if list(value) == ["$bytes"]:
            return base64.b64decode(value["$bytes"])
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return value


def difference(a, b, path="$"):
    """The first place where a and b differ in value or Python type, or None."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} {a!r} vs {type(b).__name__} {b!r}"
    if isinstance(a, float):
        same = (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
        return None if same else f"{path}: {a!r} vs {b!r}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)!r} vs {list(b)!r}"
        return next((d for k in a for d in [difference(a[k], b[k], f"{path}.{k}")] if d), None)
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b)) for d in [difference(x, y, f"{path}.{i}")] if d), None)
    return None if a == b else f"{path}: {a!r} vs {b!r}"


def structure_signature(raw):
    try:
        sig = converter.structure(raw, Signature)
        return {"ok": True, "batchable": sig.batchable, "batch_dim": list(sig.batch_dim)}
    except Exception as error:  # cattrs raises ClassValidationError, TypeError, ... as BentoML sees them
        return {"ok": False, "error": f"{type(error).__name__}: {error!r}"}


def check_file(job):
    answer = {}
    try:
        with open(job["path"]) as stream:  # no encoding, as BentoML's Model.from_path
            data = yaml.safe_load(stream)
    except Exception as error:
        return {"loaded": False, "error": f"{type(error).__name__}: {error}"}
    answer["loaded"] = True
    if "expect" in job:
        answer["difference"] = difference(data, typed(job["expect"]))
    sigs = data.get("signatures") or {}
    answer["signatures"] = {name: structure_signature(raw) for name, raw in sigs.items()}
    try:
        ctx = converter.structure(data["context"], Context)
        answer["context"] = {"bentoml_version": ctx.bentoml_version, "python_version": ctx.python_version}
    except Exception as error:
        answer["context"] = {"error": f"{type(error).__name__}: {error!r}"}
    created = data.get("creation_time")
    if isinstance(created, str):
        answer["creation_time_stable"] = datetime.datetime.fromisoformat(created).isoformat() == created
    return answer


def model_yaml(path):
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            data = archive.read("model.yaml")
    else:
        with tarfile.open(path) as archive:
            data = archive.extractfile("./model.yaml").read()
    return base64.b64encode(data).decode("ascii")


def main():
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    answer = {
        "encoding": locale.getpreferredencoding(False),
        "dump": [yaml.safe_dump(typed(doc), sort_keys=False) for doc in job.get("dump", [])],
        "files": [check_file(item) for item in job.get("files", [])],
        "signatures": [structure_signature(typed(raw)) for raw in job.get("signatures", [])],
        "archives": [model_yaml(path) for path in job.get("archives", [])],
        "json": [yaml.safe_dump(json.loads(text), sort_keys=False) for text in job.get("json", [])],
    }
    sys.stdout.buffer.write(json.dumps(answer).encode("ascii"))


main()
