#!/usr/bin/python3
"""Writes the sample models of issue 25 ("Try with sample models") into this folder: one BentoML-format bundle
per version, index.json (what the app imports) and expected.json (what the tests check the app shows).

Run with Debian's python3 and its real libraries (python3-sklearn, python3-onnx, python3-torch, python3-numpy,
python3-yaml):  /usr/bin/python3 static/samples/make_samples.py

- iris_classifier (3 versions): scikit-learn's LogisticRegression fitted on iris (sklearn ships the data) and
  exported to ONNX. skl2onnx is not in Debian, so the graph is built with onnx.helper from the fitted
  coefficients (MatMul, Add, Softmax, ArgMax: what predict_proba and predict compute for a multinomial model)
  and checked here against sklearn's own predict_proba.
- digits_mlp (3 versions): a two-layer MLP trained with torch on sklearn's 8x8 digits, saved as safetensors
  (no safetensors package in Debian: the format is written as tests/fixtures/models/safetensors/make_fixtures.py
  writes it), the last version in float16.
- char_bigram (2 versions): a character bigram language model counted with numpy over the Zen of Python (which
  ships with Python: `import this`), saved as GGUF (written as tests/fixtures/models/gguf/make_fixtures.py
  writes it), the second quantized to Q8_0 the way gguf-py quantizes.

Every metric is computed from the weights as stored (float16 and Q8_0 included), on data held out from training.
Bundles are laid out as tests/fixtures/bentoml/make_fidelity_bundles.py lays them out (BentoML's model.yaml,
`shutil.make_archive`); times are fixed and training is seeded, so a rerun writes the same bytes.
"""

import base64
import codecs
import contextlib
import hashlib
import io
import json
import os
import platform
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import onnx
import sklearn
import torch
import yaml
from onnx import TensorProto, helper, numpy_helper
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

with contextlib.redirect_stdout(io.StringIO()):  # importing `this` prints the Zen
    import this

sys.dont_write_bytecode = True  # no __pycache__ next to the served files
from sample_formats import GGML_F32, GGML_Q8_0, GGUF_ARRAY, GGUF_F32, GGUF_STRING, GGUF_U32, gguf_bytes, quantize_q8_0, read_safetensors, safetensors_bytes  # noqa: E402

HERE = Path(__file__).resolve().parent
FILE_TIME = datetime(2025, 12, 1, tzinfo=timezone.utc).timestamp()
# The label that marks a version as a sample: "Remove sample models" removes exactly the versions carrying it.
SAMPLE_LABEL = {"sample": "true"}
# The one alias the app sets after importing (name@alias -> version index in that model's list).
ALIAS = ("iris_classifier", "production", 2)


def version_of(name, index):
    """A fixed version in BentoML's format: 16 lower-case base32 characters of 10 bytes (here from a hash, not uuid1)."""
    digest = hashlib.sha256(f"{name}/{index}".encode()).digest()[:10]
    return base64.b32encode(digest).decode().lower()


def info(name, version, module, labels, metadata, framework, signatures, created):
    """model.yaml's fields in BentoML's order (Model.info.to_dict). No BentoML made these: its version is empty."""
    return {
        "name": name,
        "version": version,
        "module": module,
        "labels": {**labels, **SAMPLE_LABEL},
        "options": {},
        "metadata": metadata,
        "context": {
            "framework_name": framework[0],
            "framework_versions": framework[1],
            "bentoml_version": "",
            "python_version": platform.python_version(),
        },
        "signatures": signatures,
        "api_version": "v1",
        "creation_time": created.isoformat(),
    }


def r(value, digits=4):
    return round(float(value), digits)


# ---------------------------------------------------------------------------------------------------
# iris_classifier: scikit-learn -> ONNX


def iris_onnx(coef, intercept, features):
    """The fitted model as an ONNX graph: probabilities = softmax(x @ coef.T + intercept), label = argmax."""
    count = len(features)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["float_input", "coef"], ["scores"]),
            helper.make_node("Add", ["scores", "intercept"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
            helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0),
        ],
        "iris_classifier",
        [helper.make_tensor_value_info("float_input", TensorProto.FLOAT, ["N", count])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]), helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 3])],
        initializer=[numpy_helper.from_array(coef.T.astype(np.float32), "coef"), numpy_helper.from_array(intercept.astype(np.float32), "intercept")],
    )
    model = helper.make_model(graph, producer_name="make_samples.py", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def run_iris_graph(model, x):
    """The graph's arithmetic in numpy, from the initializers as stored in the ONNX file."""
    weights = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    logits = x.astype(np.float32) @ weights["coef"] + weights["intercept"]
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def iris_versions():
    iris = datasets.load_iris()
    x_train, x_test, y_train, y_test = train_test_split(iris.data, iris.target, test_size=0.3, random_state=3, stratify=iris.target)
    specs = [
        # (C, feature columns, creation time, labels)
        (0.05, [0, 1], datetime(2025, 6, 2, 9, 15, tzinfo=timezone.utc), {"stage": "dev", "team": "risk", "deprecated": "true"}),
        (0.5, [0, 1, 2, 3], datetime(2025, 7, 14, 16, 40, tzinfo=timezone.utc), {"stage": "staging", "team": "risk"}),
        (5.0, [0, 1, 2, 3], datetime(2025, 9, 1, 11, 5, tzinfo=timezone.utc), {"stage": "production", "team": "risk"}),
    ]
    out = []
    for index, (c, features, created, labels) in enumerate(specs):
        clf = LogisticRegression(C=c, max_iter=1000, random_state=0).fit(x_train[:, features], y_train)
        model = iris_onnx(clf.coef_, clf.intercept_, features)
        probabilities = run_iris_graph(model, x_test[:, features])
        # The graph must compute what sklearn computes (float32 weights against sklearn's float64).
        assert np.allclose(probabilities, clf.predict_proba(x_test[:, features]), atol=1e-5), "ONNX graph differs from predict_proba"
        assert (probabilities.argmax(axis=1) == clf.predict(x_test[:, features])).all()
        metadata = {
            "C": c,
            "features": [iris.feature_names[i] for i in features],
            "classes": [str(name) for name in iris.target_names],
            "accuracy": r(accuracy_score(y_test, probabilities.argmax(axis=1))),
            "loss": r(log_loss(y_test, probabilities, labels=[0, 1, 2])),
            "train_rows": len(x_train),
            "test_rows": len(x_test),
        }
        version = version_of("iris_classifier", index)
        out.append({
            "info": info("iris_classifier", version, "bentoml.onnx", labels, metadata,
                         ("onnx", {"onnx": onnx.__version__, "scikit-learn": sklearn.__version__}), {"run": {"batchable": False}}, created),
            "files": {"saved_model.onnx": model.SerializeToString()},
            "format": "xztar",
            "expected": {
                "kind": "onnx",
                "inputs": [{"name": "float_input", "type": "FLOAT", "shape": ["N", len(features)]}],
                "outputs": [{"name": "label", "type": "INT64", "shape": ["N"]}, {"name": "probabilities", "type": "FLOAT", "shape": ["N", 3]}],
                "operators": {"MatMul": 1, "Add": 1, "Softmax": 1, "ArgMax": 1},
                "parameters": int(clf.coef_.size + clf.intercept_.size),
                "try": {"input": x_test[0, features].tolist(), "probabilities": probabilities[0].tolist(), "label": int(probabilities[0].argmax())},
            },
        })
    return out


# ---------------------------------------------------------------------------------------------------
# digits_mlp: torch -> safetensors

class Mlp(torch.nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.fc1 = torch.nn.Linear(64, hidden)
        self.fc2 = torch.nn.Linear(hidden, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def mlp_scores(weights, x, y):
    """Accuracy and cross-entropy of the stored weights (cast to float32) on held-out rows, in numpy."""
    w = {name: value.astype(np.float32) for name, value in weights.items()}
    logits = np.maximum(x @ w["fc1.weight"].T + w["fc1.bias"], 0) @ w["fc2.weight"].T + w["fc2.bias"]
    logits = logits - logits.max(axis=1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return accuracy_score(y, logits.argmax(axis=1)), float(-log_probs[np.arange(len(y)), y].mean())


def digits_versions():
    digits = datasets.load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.3, random_state=0, stratify=digits.target)
    specs = [
        # (hidden units, epochs, stored dtype, creation time, labels)
        (16, 5, np.float32, datetime(2025, 6, 20, 8, 0, tzinfo=timezone.utc), {"stage": "dev", "team": "vision", "epochs": "5", "deprecated": "true"}),
        (32, 15, np.float32, datetime(2025, 8, 11, 13, 30, tzinfo=timezone.utc), {"stage": "production", "team": "vision", "epochs": "15"}),
        (32, 30, np.float16, datetime(2025, 10, 3, 10, 45, tzinfo=timezone.utc), {"stage": "staging", "team": "vision", "epochs": "30"}),
    ]
    out = []
    torch.set_num_threads(1)  # one thread: the same sums in the same order on any machine
    for index, (hidden, epochs, dtype, created, labels) in enumerate(specs):
        torch.manual_seed(index)
        model = Mlp(hidden)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        inputs, targets = torch.from_numpy(x_train), torch.from_numpy(y_train).long()
        order = torch.Generator().manual_seed(index)
        for _ in range(epochs):
            for batch in torch.randperm(len(inputs), generator=order).split(64):
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(inputs[batch]), targets[batch]).backward()
                optimizer.step()
        tensors = {name: value.detach().numpy().astype(dtype) for name, value in model.state_dict().items()}
        data = safetensors_bytes(tensors, {"format": "pt"})
        accuracy, loss = mlp_scores(read_safetensors(data), x_test, y_test)
        dtype_name = "F16" if dtype == np.float16 else "F32"
        config = {"input_size": 64, "hidden_size": hidden, "num_classes": 10, "activation": "relu", "torch_dtype": "float16" if dtype == np.float16 else "float32"}
        metadata = {"hidden_size": hidden, "epochs": epochs, "batch_size": 64, "learning_rate": 0.01, "accuracy": r(accuracy), "loss": r(loss), "test_rows": len(x_test)}
        out.append({
            "info": info("digits_mlp", version_of("digits_mlp", index), "", labels, metadata, ("torch", {"torch": str(torch.__version__)}), {}, created),
            "files": {"model.safetensors": data, "config.json": (json.dumps(config, indent=2) + "\n").encode()},
            "format": "zip",
            "expected": {
                "kind": "safetensors",
                "tensors": [{"name": name, "dtype": dtype_name, "shape": list(value.shape)} for name, value in sorted(tensors.items())],
                "parameters": int(sum(value.size for value in tensors.values())),
                "dtypes": [dtype_name],
            },
        })
    return out


# ---------------------------------------------------------------------------------------------------
# char_bigram: numpy -> GGUF

ALPHABET = list("abcdefghijklmnopqrstuvwxyz") + [" ", "\n", ".", ",", "'", "?"]  # 32: "?" stands for any other character


def encode(text):
    index = {char: i for i, char in enumerate(ALPHABET)}
    return np.array([index.get(char, index["?"]) for char in text.lower()])


def bigram_versions():
    lines = codecs.decode(this.s, "rot13").strip().split("\n")[2:]  # the aphorisms, without the title and blank line
    train, test = encode("\n".join(lines[:14]) + "\n"), encode("\n".join(lines[14:]) + "\n")
    counts = np.zeros((len(ALPHABET), len(ALPHABET)))
    np.add.at(counts, (train[:-1], train[1:]), 1)
    specs = [
        # (add-alpha smoothing, stored type, creation time, labels)
        (1.0, GGML_F32, datetime(2025, 7, 1, 7, 0, tzinfo=timezone.utc), {"stage": "staging", "team": "nlp"}),
        (0.1, GGML_Q8_0, datetime(2025, 11, 2, 18, 20, tzinfo=timezone.utc), {"stage": "production", "team": "nlp"}),
    ]
    out = []
    for index, (alpha, ggml_type, created, labels) in enumerate(specs):
        smoothed = counts + alpha
        table = np.log(smoothed / smoothed.sum(axis=1, keepdims=True)).astype(np.float32)  # row: previous character
        if ggml_type == GGML_Q8_0:
            data, stored = quantize_q8_0(table)
        else:
            data, stored = table.astype("<f4").tobytes(), table
        loss = float(-stored[test[:-1], test[1:]].mean())
        quantized = ggml_type == GGML_Q8_0
        kvs = [
            ("general.architecture", GGUF_STRING, "bigram"),
            ("general.name", GGUF_STRING, "char_bigram"),
            ("general.description", GGUF_STRING, "Character bigram log-probabilities counted over the Zen of Python"),
            ("general.file_type", GGUF_U32, 7 if quantized else 0),
            *([("general.quantization_version", GGUF_U32, 2)] if quantized else []),
            ("bigram.context_length", GGUF_U32, 1),
            ("bigram.smoothing", GGUF_F32, alpha),
            ("tokenizer.ggml.model", GGUF_STRING, "char"),
            ("tokenizer.ggml.tokens", GGUF_ARRAY, ALPHABET),
        ]
        metadata = {"smoothing": alpha, "vocab_size": len(ALPHABET), "loss": r(loss), "perplexity": r(np.exp(loss), 3), "train_chars": len(train), "test_chars": len(test)}
        out.append({
            "info": info("char_bigram", version_of("char_bigram", index), "", labels, metadata, ("numpy", {"numpy": np.__version__}), {}, created),
            "files": {"char_bigram.gguf": gguf_bytes(kvs, "output.weight", ggml_type, table, data)},
            "format": "zip",
            "expected": {
                "kind": "gguf",
                "architecture": "bigram",
                "contextLength": 1,
                "quantization": "MOSTLY_Q8_0" if quantized else "ALL_F32",  # general.file_type by llama.cpp's name
                "parameters": int(table.size),
                "tensors": [{"name": "output.weight", "dtype": "Q8_0" if quantized else "F32", "shape": [len(ALPHABET), len(ALPHABET)]}],
            },
        })
    return out


# ---------------------------------------------------------------------------------------------------


def write_bundle(version, scratch):
    """The model folder as BentoML writes it, archived with the call BentoML's exporter makes."""
    i = version["info"]
    model = Path(scratch) / i["name"]
    model.mkdir()
    with open(model / "model.yaml", "w", encoding="utf8") as stream:
        yaml.safe_dump(i, stream, sort_keys=False)
    for path, data in version["files"].items():
        (model / path).write_bytes(data)
    for path in [model, *model.iterdir()]:
        os.utime(path, (FILE_TIME, FILE_TIME))
    archive = shutil.make_archive(str(Path(scratch) / "out"), version["format"], str(model), owner="root", group="root")
    name = f"{i['name']}-{i['version']}{'.bentomodel' if version['format'] == 'xztar' else '.zip'}"
    shutil.move(archive, HERE / name)
    data = (HERE / name).read_bytes()
    entry = {"file": name, "tag": f"{i['name']}:{i['version']}", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    expected = {
        **entry,
        "labels": i["labels"],
        "metadata": i["metadata"],
        "created": i["creation_time"],
        "files": [{"path": p, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for p, d in version["files"].items()],
        **version["expected"],
    }
    return entry, expected


def main():
    versions = iris_versions() + digits_versions() + bigram_versions()
    for old in HERE.glob("*.bentomodel"):
        old.unlink()
    for old in HERE.glob("*.zip"):
        old.unlink()
    with tempfile.TemporaryDirectory() as scratch:
        written = [write_bundle(version, tempfile.mkdtemp(dir=scratch)) for version in versions]
    name, alias, target = ALIAS
    index = {
        "label": SAMPLE_LABEL,
        "bundles": [entry for entry, _ in written],
        "aliases": [{"name": name, "alias": alias, "version": version_of(name, target)}],
        "bytes": sum(entry["size"] for entry, _ in written),
    }
    (HERE / "index.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf8")
    (HERE / "expected.json").write_text(json.dumps({"versions": [expected for _, expected in written]}, indent=1) + "\n", encoding="utf8")


main()
