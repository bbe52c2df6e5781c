#!/usr/bin/env python3
"""Decode an MDS dataset with MosaicML Streaming's own reader and print it as JSON.

Usage: scripts/read-mds.py DATASET_DIR
       scripts/read-mds.py --write-reference SPEC_JSON OUT_DIR

The second form writes the samples of SPEC_JSON ({"columns", "compression", "hashes",
"size_limit", "samples"}; bytes values as {"base64": ...}) with `streaming.MDSWriter` itself,
so a test can compare our shards with the reference writer's byte for byte.

Checks each shard file against index.json (size and hashes), decompresses it the way
`streaming` does (`streaming.base.compression.decompress`), and checks that the config JSON a
shard embeds is byte for byte `json.dumps(config, sort_keys=True)`. Then decodes every sample
with `MDSReader` and prints {"shards": [...], "samples": [...]}: bytes columns as
{"sha256", "len"}, every other column as decoded.

Needs (no torch): pip install --no-deps mosaicml-streaming==0.13.0 and
pip install 'numpy<2.2' 'xxhash<4' 'zstd<2' typing_extensions brotli 'python-snappy<1' tqdm filelock
"""

import hashlib
import importlib.util
import json
import os
import struct
import sys
import tempfile
import types

INSTALL = ("pip install --no-deps mosaicml-streaming==0.13.0 && pip install 'numpy<2.2' 'xxhash<4' 'zstd<2' "
           "typing_extensions brotli 'python-snappy<1' tqdm filelock pillow")


class _TorchStub(types.ModuleType):
    """Any attribute is a placeholder class: enough for `from torch... import X` at import time."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        stub = type(name, (), {"__init__": lambda self, *args, **kwargs: None})
        setattr(self, name, stub)
        return stub


def load_streaming():
    """Import the MDS reader without torch: stub torch and skip the package __init__s."""
    for name in ("torch", "torch.distributed", "torch.utils", "torch.utils.data"):
        module = _TorchStub(name)
        module.__path__ = []
        sys.modules.setdefault(name, module)
    sys.modules["torch"].distributed = sys.modules["torch.distributed"]
    sys.modules["torch"].utils = sys.modules["torch.utils"]
    sys.modules["torch.utils"].data = sys.modules["torch.utils.data"]
    spec = importlib.util.find_spec("streaming")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("streaming")
    root = list(spec.submodule_search_locations)[0]
    for name, path in (("streaming", root), ("streaming.base", os.path.join(root, "base"))):
        package = types.ModuleType(name)
        package.__path__ = [path]
        sys.modules[name] = package
    from streaming.base.compression import decompress
    from streaming.base.format import reader_from_json
    from streaming.base.hashing import get_hash
    return decompress, reader_from_json, get_hash


def jsonable(value):
    if isinstance(value, (bytes, bytearray)):
        return {"sha256": hashlib.sha256(value).hexdigest(), "len": len(value)}
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_reference(spec_path, out_dir):
    import base64
    load_streaming()
    from streaming.base.format.mds.writer import MDSWriter
    with open(spec_path) as fh:
        spec = json.load(fh)
    writer = MDSWriter(columns=spec["columns"], out=out_dir, compression=spec["compression"],
                       hashes=spec["hashes"], size_limit=spec["size_limit"])
    for sample in spec["samples"]:
        writer.write({key: base64.b64decode(value["base64"]) if isinstance(value, dict) and "base64" in value else value
                      for key, value in sample.items()})
    writer.finish()
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--write-reference":
        try:
            return write_reference(sys.argv[2], sys.argv[3])
        except ImportError as error:
            print(f"MosaicML Streaming is not importable ({error}). Install it with: {INSTALL}", file=sys.stderr)
            return 3
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        decompress, reader_from_json, get_hash = load_streaming()
    except ImportError as error:
        print(f"MosaicML Streaming is not importable ({error}). Install it with: {INSTALL}", file=sys.stderr)
        return 3

    dataset = sys.argv[1]
    with open(os.path.join(dataset, "index.json")) as fh:
        index = json.load(fh)
    assert index["version"] == 2, index.get("version")

    out = {"shards": [], "samples": []}
    with tempfile.TemporaryDirectory() as scratch:
        for number, shard in enumerate(index["shards"]):
            stored = shard["zip_data"] or shard["raw_data"]
            with open(os.path.join(dataset, stored["basename"]), "rb") as fh:
                data = fh.read()
            assert len(data) == stored["bytes"], (stored, len(data))
            for algo, digest in stored["hashes"].items():
                assert get_hash(algo, data) == digest, (algo, stored["basename"])
            if shard["zip_data"]:
                data = decompress(shard["compression"], data)
                assert not os.path.exists(os.path.join(dataset, shard["raw_data"]["basename"])), "raw shard left beside zstd"
            raw = shard["raw_data"]
            assert len(data) == raw["bytes"], (raw, len(data))
            for algo, digest in raw["hashes"].items():
                assert get_hash(algo, data) == digest, (algo, raw["basename"])

            # Layout: num_samples, offsets[num_samples + 1], config JSON, samples.
            count = struct.unpack_from("<I", data, 0)[0]
            assert count == shard["samples"], (count, shard["samples"])
            offsets = struct.unpack_from(f"<{count + 1}I", data, 4)
            config_start = 4 + 4 * (count + 1)
            config = {k: shard[k] for k in ("version", "format", "compression", "hashes", "size_limit",
                                             "column_names", "column_encodings", "column_sizes")}
            expected = json.dumps(config, sort_keys=True).encode("utf-8")
            assert data[config_start:offsets[0]] == expected, (data[config_start:offsets[0]], expected)
            assert offsets[-1] == len(data), (offsets[-1], len(data))

            with open(os.path.join(scratch, raw["basename"]), "wb") as fh:
                fh.write(data)
            reader = reader_from_json(scratch, None, shard)
            reader.validate(False)
            out["shards"].append({"basename": stored["basename"], "samples": count, "compression": shard["compression"],
                                  "size_limit": shard["size_limit"], "column_names": shard["column_names"]})
            for i in range(count):
                sample = reader.decode_sample(reader.get_sample_data(i))
                row = {key: jsonable(value) for key, value in sample.items()}
                row["_shard"] = number
                out["samples"].append(row)
    json.dump(out, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
