#!/usr/bin/python3
"""Generate the PyTorch / safetensors test fixtures for soup.

Run from anywhere (outputs always go next to this script):

    /usr/bin/python3 tests/Soups.Tests/Fixtures/pytorch/make_fixtures.py

Deterministic: fixed seeds, single-threaded-ish (2 threads), re-runnable; every
output file is overwritten. Needs only torch + the standard library.
"""
import argparse
import collections
import json
import os
import shutil
import struct
import sys

import torch
import torch.nn as nn

torch.set_num_threads(2)

OUT = os.path.dirname(os.path.abspath(__file__))
TORCH_VERSION = torch.__version__


# --------------------------------------------------------------------------
# The tiny model
# --------------------------------------------------------------------------
class TinyNet(nn.Module):
    """1x8x8 input -> conv(1->4, 3x3) -> BN -> ReLU -> avgpool(2x2) -> 16
    -> fc1(16->64) -> ReLU -> head(64->n_out)."""

    def __init__(self, n_out=10):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.fc1 = nn.Linear(16, 64)
        self.head = nn.Linear(64, n_out)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        x = self.pool(x).flatten(1)
        return self.head(torch.relu(self.fc1(x)))


def make_base():
    torch.manual_seed(0)
    return TinyNet()


def make_ingredient(base, seed):
    """Copy of base + seed-dependent noise on the parameters, then exactly one
    train-mode forward pass so BN running stats move and num_batches_tracked=1."""
    m = TinyNet()
    m.load_state_dict(base.state_dict())
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
        m.train()
        x = torch.randn(8, 1, 8, 8, generator=g) * (1.0 + 0.5 * seed) + 0.1 * seed
        m(x)
    m.eval()
    return m.state_dict()


# --------------------------------------------------------------------------
# Independent safetensors writer (struct + json only)
# --------------------------------------------------------------------------
ST_DTYPE = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def tensor_bytes(t):
    """Raw little-endian bytes of the tensor's values in C (row-major) order."""
    assert sys.byteorder == "little"
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: reinterpret bits
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def write_safetensors(path, tensors, metadata=None):
    """tensors: mapping name -> tensor. Data laid out in sorted-name order."""
    names = sorted(tensors)
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    blobs = []
    offset = 0
    for n in names:
        t = tensors[n]
        b = tensor_bytes(t)
        header[n] = {
            "dtype": ST_DTYPE[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(b)],
        }
        blobs.append(b)
        offset += len(b)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    pad = (-(8 + len(hjson))) % 8  # data section starts 8-byte aligned
    hjson += b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)
    return offset  # total data bytes


# --------------------------------------------------------------------------
# Reference averages (float64 accumulation, cast back to ingredient dtype)
# --------------------------------------------------------------------------
def weighted_average(sds, weights):
    """sum_i w_i * t_i in float64 with w normalised to sum 1; ingredients
    accumulated in order 0,1,2; non-float tensors copied from sds[0]."""
    w = torch.tensor(weights, dtype=torch.float64)
    w = w / w.sum()
    out = collections.OrderedDict()
    for k, v0 in sds[0].items():
        if v0.is_floating_point():
            acc = torch.zeros(v0.shape, dtype=torch.float64)
            for wi, sd in zip(w, sds):
                acc += wi * sd[k].to(torch.float64)
            out[k] = acc.to(v0.dtype)
        else:
            out[k] = v0.clone()
    return out


def uniform_average(sds):
    """(t_0 + t_1 + t_2) / 3 in float64, cast back; non-float from sds[0]."""
    out = collections.OrderedDict()
    for k, v0 in sds[0].items():
        if v0.is_floating_point():
            acc = torch.zeros(v0.shape, dtype=torch.float64)
            for sd in sds:
                acc += sd[k].to(torch.float64)
            out[k] = (acc / len(sds)).to(v0.dtype)
        else:
            out[k] = v0.clone()
    return out


class Evil:
    """Pickles as a call to os.system. Never load malicious.pt."""

    def __reduce__(self):
        return (os.system, ("touch /tmp/soup-fixture-pwned",))


class _DeterministicLegacyPickle:
    """pickle_module for torch.save(..., _use_new_zipfile_serialization=False).

    The legacy writer names storages str(storage._cdata), i.e. a memory
    address, so the file changes on every run. This module renames those keys
    (in the persistent ids AND in the trailing storage-key list) to fixed
    address-like strings in first-seen order; the format is otherwise exactly
    what stock torch.save writes."""

    import pickle as _pickle
    __name__ = "pickle"

    def __init__(self):
        self.keys = {}
        outer = self

        class Pickler(self._pickle.Pickler):
            def __setattr__(self, name, value):
                if name == "persistent_id":
                    inner = value

                    def value(obj):
                        res = inner(obj)
                        if isinstance(res, tuple) and res and res[0] == "storage":
                            res = res[:2] + (outer.rename(res[2]),) + res[3:]
                        return res
                object.__setattr__(self, name, value)

        self.Pickler = Pickler

    def rename(self, key):
        return self.keys.setdefault(key, str(140000000000000 + 4096 * len(self.keys)))

    def dump(self, obj, f, protocol):
        if isinstance(obj, list) and obj and all(k in self.keys for k in obj):
            obj = [self.keys[k] for k in obj]
        self._pickle.dump(obj, f, protocol=protocol)


def save_legacy_deterministic(obj, path):
    """torch.save(obj, path, _use_new_zipfile_serialization=False), made
    reproducible. Besides the address-named keys, the legacy writer emits the
    storage records in sorted(address) order, so after renaming the keys we
    re-emit the trailing key list and the storage records in sorted(new key)
    order (= order of first use in the pickle). Record layout is unchanged:
    int64 element count, then the raw little-endian elements."""
    import io
    import pickle
    import pickletools

    mod = _DeterministicLegacyPickle()
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False, pickle_module=mod)
    raw = buf.getvalue()
    f = io.BytesIO(raw)
    for _ in range(3):  # magic number, protocol version, sys_info
        pickle.load(f)
    for _ in pickletools.genops(f):  # skip the main pickle up to STOP
        pass
    head = raw[: f.tell()]
    keys = pickle.load(f)
    sizes = _legacy_storage_elem_sizes(head)  # key -> element size
    records = {}
    for k in keys:
        (numel,) = struct.unpack("<q", f.read(8))
        records[k] = struct.pack("<q", numel) + f.read(numel * sizes[k])
    assert f.read() == b""
    order = sorted(keys)
    with open(path, "wb") as out:
        out.write(head)
        out.write(pickle.dumps(order, protocol=2))
        for k in order:
            out.write(records[k])


def _legacy_storage_elem_sizes(head):
    """Map storage key -> element size, read from the persistent ids
    ('storage', <torch.XStorage>, key, location, numel, view) in the pickle."""
    import io
    import pickle

    sizes = {}

    class U(pickle.Unpickler):
        def persistent_load(self, pid):
            if pid[0] == "storage":
                sizes[pid[2]] = torch._utils._element_size(pid[1](0).dtype)
            return None

        def find_class(self, module, name):
            if module == "torch._utils" and name == "_rebuild_tensor_v2":
                return lambda *a, **k: None
            return super().find_class(module, name)

    f = io.BytesIO(head)
    for _ in range(3):
        pickle.load(f)
    U(f).load()
    return sizes


def p(name):
    return os.path.join(OUT, name)


def main():
    readme = []  # (file, description)

    # 1. base + ingredients ------------------------------------------------
    base = make_base()
    sds = [make_ingredient(base, s) for s in (1, 2, 3)]
    for i, sd in enumerate(sds):
        torch.save(sd, p(f"ingredient_{i}.pt"))
        readme.append((f"ingredient_{i}.pt",
                       f"TinyNet fine-tune #{i}: base (seed 0) + 0.05*N(0,1) noise on params "
                       f"(seed {i + 1}) + one train-mode BN forward; plain torch.save(state_dict), fp32 + int64 num_batches_tracked=1"))
    sd0 = sds[0]

    # 2. expected averages --------------------------------------------------
    torch.save(uniform_average(sds), p("expected_uniform.pt"))
    readme.append(("expected_uniform.pt",
                   "uniform soup of ingredient_0..2 by PyTorch: (t0+t1+t2)/3 in float64, cast to float32; non-float (num_batches_tracked) copied from ingredient_0"))
    torch.save(weighted_average(sds, [1.0, 2.0, 3.0]), p("expected_weighted_1_2_3.pt"))
    readme.append(("expected_weighted_1_2_3.pt",
                   "weighted soup, weights 1,2,3 normalised to 1/6,2/6,3/6: sum w_i*t_i in float64 (order 0,1,2), cast to float32; non-float from ingredient_0"))

    # 3. safetensors copies -------------------------------------------------
    for i, sd in enumerate(sds):
        write_safetensors(p(f"ingredient_{i}.safetensors"), sd)
        readme.append((f"ingredient_{i}.safetensors",
                       f"same tensors as ingredient_{i}.pt, written by the independent struct+json writer in make_fixtures.py (sorted-name layout, header space-padded to 8-byte alignment, __metadata__ format=pt)"))

    # 4. sharded safetensors ------------------------------------------------
    shard_dir = p("sharded")
    if os.path.isdir(shard_dir):
        shutil.rmtree(shard_dir)
    os.makedirs(shard_dir)
    names = sorted(sd0)
    half = (len(names) + 1) // 2
    shards = [names[:half], names[half:]]
    weight_map = {}
    total = 0
    for k, shard_names in enumerate(shards, start=1):
        fname = f"model-{k:05d}-of-{len(shards):05d}.safetensors"
        total += write_safetensors(os.path.join(shard_dir, fname),
                                   {n: sd0[n] for n in shard_names})
        for n in shard_names:
            weight_map[n] = fname
    index = {"metadata": {"total_size": total},
             "weight_map": {n: weight_map[n] for n in sorted(weight_map)}}
    with open(os.path.join(shard_dir, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    readme.append(("sharded/model-00001-of-00002.safetensors",
                   "first half (sorted names: " + ", ".join(shards[0]) + ") of ingredient_0's tensors"))
    readme.append(("sharded/model-00002-of-00002.safetensors",
                   "second half (" + ", ".join(shards[1]) + ") of ingredient_0's tensors"))
    readme.append(("sharded/model.safetensors.index.json",
                   f"Hugging Face shard index: metadata.total_size={total} (sum of tensor data bytes) + weight_map"))

    # 5. nested checkpoint ---------------------------------------------------
    torch.save({"state_dict": sd0, "epoch": 3, "best_acc": 0.91,
                "optimizer": {"state": {}, "param_groups": [{"lr": 0.01, "params": [0, 1]}]},
                "arch": "tiny"}, p("nested_state_dict.pt"))
    readme.append(("nested_state_dict.pt",
                   'training checkpoint {"state_dict": <ingredient_0>, "epoch": 3, "best_acc": 0.91, "optimizer": {...}, "arch": "tiny"}'))

    # 6. DataParallel-prefixed ----------------------------------------------
    torch.save({"model": collections.OrderedDict(("module." + k, v) for k, v in sd0.items())},
               p("nested_model_dataparallel.pt"))
    readme.append(("nested_model_dataparallel.pt",
                   '{"model": OrderedDict("module."+name -> tensor)} of ingredient_0 (DataParallel-style prefix)'))

    # 7. dtypes ---------------------------------------------------------------
    vals = torch.tensor([[0.0, 1.0, -2.0], [3.5, -0.25, 100.0]])
    ints = torch.tensor([[0, 1, -2], [3, -4, 127]])
    dt = collections.OrderedDict()
    dt["f32"] = vals.to(torch.float32)
    dt["f16"] = vals.to(torch.float16)
    dt["bf16"] = vals.to(torch.bfloat16)
    dt["f64"] = (vals.to(torch.float64) + 1e-10)
    dt["i64"] = ints.to(torch.int64) * 1000000007
    dt["i32"] = ints.to(torch.int32) * 100000
    dt["i16"] = ints.to(torch.int16) * 200
    dt["i8"] = ints.to(torch.int8)
    dt["u8"] = torch.tensor([[0, 1, 2], [128, 254, 255]], dtype=torch.uint8)
    dt["bool"] = torch.tensor([[True, False, True], [False, False, True]])
    dt["scalar"] = torch.tensor(3.5)
    dt["empty"] = torch.zeros(0, 4)
    torch.save(dt, p("dtypes.pt"))
    readme.append(("dtypes.pt",
                   "flat dict: f32,f16,bf16,f64,i64,i32,i16,i8,u8,bool (each [2,3]), scalar (0-dim f32 = 3.5), empty (f32 [0,4])"))
    write_safetensors(p("dtypes_expected.safetensors"), dt)
    readme.append(("dtypes_expected.safetensors",
                   "the same tensors as dtypes.pt, by the independent safetensors writer (for comparison)"))

    # 8. views sharing one storage --------------------------------------------
    vb = torch.arange(60, dtype=torch.float32).reshape(6, 10)
    views = collections.OrderedDict()
    views["base"] = vb
    views["row"] = vb[2]
    views["col"] = vb[:, 3]
    views["transposed"] = vb.t()
    views["block"] = vb[1:4, 2:8]
    views["strided"] = vb[::2, ::3]
    for k, v in views.items():
        assert v.storage().data_ptr() == vb.storage().data_ptr(), k
    torch.save(views, p("views.pt"))
    view_desc = "; ".join(f"{k}: shape {list(v.shape)} stride {list(v.stride())} offset {v.storage_offset()}"
                          for k, v in views.items())
    readme.append(("views.pt",
                   "six tensors that are views of ONE 60-float storage (arange(60).reshape(6,10)): " + view_desc))
    write_safetensors(p("views_expected.safetensors"),
                      {k: v.contiguous() for k, v in views.items()})
    readme.append(("views_expected.safetensors",
                   "contiguous values of the views in views.pt, by the independent safetensors writer"))

    # 9. legacy (non-zip) format ----------------------------------------------
    save_legacy_deterministic(sd0, p("legacy.pt"))
    readme.append(("legacy.pt",
                   "ingredient_0 saved with _use_new_zipfile_serialization=False (legacy non-zip pickle format, storage keys renamed from memory addresses to fixed strings for determinism; soup must refuse it with a clear message)"))

    # 10. hostile / non-allow-listed pickles (never loaded here) ---------------
    torch.save({"payload": Evil(), "weight": torch.ones(2, 2)}, p("malicious.pt"))
    readme.append(("malicious.pt",
                   "zip-format torch.save of {\"payload\": <object whose __reduce__ is os.system('touch /tmp/soup-fixture-pwned')>, \"weight\": ones(2,2)}; must be refused, NEVER unpickle it with torch.load"))
    torch.save({"state_dict": sd0, "args": argparse.Namespace(lr=0.1)}, p("namespace.pt"))
    readme.append(("namespace.pt",
                   '{"state_dict": <ingredient_0>, "args": argparse.Namespace(lr=0.1)}: harmless but non-allow-listed global argparse.Namespace'))

    # 11. mismatches -----------------------------------------------------------
    torch.manual_seed(4)
    other = TinyNet(n_out=12).state_dict()
    ms = collections.OrderedDict((k, other[k] if k.startswith("head.") else v) for k, v in sd0.items())
    torch.save(ms, p("mismatch_shape.pt"))
    readme.append(("mismatch_shape.pt",
                   "ingredient_0 but head has 12 out-features: head.weight [12,64] and head.bias [12] (fresh init, seed 4)"))
    mn = collections.OrderedDict(("classifier.weight" if k == "head.weight" else k, v) for k, v in sd0.items())
    torch.save(mn, p("mismatch_names.pt"))
    readme.append(("mismatch_names.pt",
                   "ingredient_0 with head.weight renamed to classifier.weight (same position, same values)"))
    md = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in sd0.items())
    torch.save(md, p("mismatch_dtype.pt"))
    readme.append(("mismatch_dtype.pt",
                   "ingredient_0 with every float tensor converted to float16 (num_batches_tracked stays int64)"))

    # 12. README --------------------------------------------------------------
    lines = [
        "# PyTorch / safetensors fixtures",
        "",
        f"All files generated by `make_fixtures.py` with PyTorch {TORCH_VERSION} "
        f"(Python {sys.version.split()[0]}, torch.save default zip format unless noted). "
        "Regenerate (deterministic, overwrites everything here):",
        "",
        "    /usr/bin/python3 tests/Soups.Tests/Fixtures/pytorch/make_fixtures.py",
        "",
        "Model `TinyNet` state dict (ingredients, expected_*, nested, sharded):",
        "",
    ]
    for k, v in sd0.items():
        lines.append(f"- `{k}`: {str(v.dtype).replace('torch.', '')} {list(v.shape)}")
    lines += ["", "Files (all made by PyTorch " + TORCH_VERSION + "):", ""]
    for f, d in readme:
        lines.append(f"- `{f}`: {d}")
    lines.append("- `make_fixtures.py`: the generator (torch + standard library only; includes the independent safetensors writer)")
    lines.append("- `README.md`: this file (written by make_fixtures.py)")
    lines += [
        "",
        "Format notes (as written by this PyTorch version):",
        "",
        "- zip entries are stored uncompressed under a top-level folder named after the file "
        "(`ingredient_0/data.pkl`, `ingredient_0/data/0`, ..., `ingredient_0/version`); pickle protocol 2.",
        "- state dicts are `collections.OrderedDict` with a `_metadata` attribute, restored by a pickle BUILD op.",
        "- tensors are `torch._utils._rebuild_tensor_v2(persistent_id, storage_offset, size, stride, requires_grad, backward_hooks)`; "
        "persistent ids are `('storage', torch.FloatStorage|LongStorage|..., key, 'cpu', numel)`.",
        "- `views.pt` stores the 60-float storage once (`views/data/0`, 240 bytes); every view references key '0' "
        "with its own offset and stride.",
        "- `malicious.pt` references the global `posix system` (how os.system pickles on Linux).",
        "",
    ]
    with open(p("README.md"), "w") as f:
        f.write("\n".join(lines))

    # sizes -------------------------------------------------------------------
    total_bytes = 0
    for root, dirs, files in os.walk(OUT):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for fn in sorted(files):
            full = os.path.join(root, fn)
            sz = os.path.getsize(full)
            total_bytes += sz
            print(f"{sz:9d}  {os.path.relpath(full, OUT)}")
    print(f"{total_bytes:9d}  total")


if __name__ == "__main__":
    main()
