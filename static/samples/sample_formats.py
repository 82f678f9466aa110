"""The two weight formats the sample models are written in, byte for byte from their specs (Debian has no
safetensors or gguf package): safetensors as tests/fixtures/models/safetensors/make_fixtures.py writes it, GGUF as
tests/fixtures/models/gguf/make_fixtures.py does, here with real weights. Used by make_samples.py.
"""
import json
import struct

import numpy as np

DTYPE_ORDER = ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
SAFETENSORS_DTYPE = {np.dtype("<f4"): "F32", np.dtype("<f2"): "F16"}


def safetensors_bytes(tensors, metadata):
    """The format as the Rust writer lays it out: sorted by dtype (widest first) then name, header padded to 8."""
    order = sorted(tensors, key=lambda name: (-DTYPE_ORDER.index(SAFETENSORS_DTYPE[tensors[name].dtype]), name))
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in order:
        data = np.ascontiguousarray(tensors[name]).tobytes(order="C")
        header[name] = {"dtype": SAFETENSORS_DTYPE[tensors[name].dtype], "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def read_safetensors(data):
    """Reads the tensors back from the bytes (to score the model as stored)."""
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + length])
    types = {"F32": "<f4", "F16": "<f2"}
    return {name: np.frombuffer(data[8 + length + spec["data_offsets"][0]:8 + length + spec["data_offsets"][1]], dtype=types[spec["dtype"]]).reshape(spec["shape"])
            for name, spec in header.items() if name != "__metadata__"}


GGUF_STRING, GGUF_ARRAY, GGUF_U32, GGUF_F32 = 8, 9, 4, 6
GGML_F32, GGML_Q8_0 = 0, 8


def gguf_string(text):
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def gguf_kv(key, kind, value):
    out = gguf_string(key) + struct.pack("<I", kind)
    if kind == GGUF_STRING:
        return out + gguf_string(value)
    if kind == GGUF_ARRAY:
        return out + struct.pack("<IQ", GGUF_STRING, len(value)) + b"".join(gguf_string(item) for item in value)
    return out + struct.pack({GGUF_U32: "<I", GGUF_F32: "<f"}[kind], value)


def quantize_q8_0(values):
    """gguf-py's Q8_0: blocks of 32 along a row, a float16 scale max|x|/127 and 32 int8s rounded half away from 0."""
    blocks = values.reshape(-1, 32).astype(np.float32)
    scale = np.abs(blocks).max(axis=1, keepdims=True) / 127
    with np.errstate(divide="ignore"):
        inverse = np.where(scale == 0, 0, 1 / scale)
    quants = np.trunc(blocks * inverse + np.sign(blocks) * 0.5).astype(np.int8)
    data = b"".join(scale[i].astype("<f2").tobytes() + quants[i].tobytes() for i in range(len(blocks)))
    dequantized = (scale.astype(np.float16).astype(np.float32) * quants).reshape(values.shape)
    return data, dequantized


def gguf_bytes(kvs, name, ggml_type, table, data, alignment=32):
    out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, 1, len(kvs)))
    for kv in kvs:
        out += gguf_kv(*kv)
    # ne is innermost first: a row of the table (one previous character) is ne[0].
    out += gguf_string(name) + struct.pack("<I", 2) + struct.pack("<QQ", table.shape[1], table.shape[0]) + struct.pack("<IQ", ggml_type, 0)
    out += b"\x00" * (-len(out) % alignment)
    out += data + b"\x00" * (-len(data) % alignment)
    return bytes(out)
