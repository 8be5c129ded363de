#!/usr/bin/python3
"""Fixtures for issue #10: strategies that use the pretrained base, computed by independent PyTorch code.

Run with Debian's python3-torch (outputs go next to this script, overwriting):

    /usr/bin/python3 tests/Soups.Tests/Fixtures/merging/make_merging_fixtures.py

The ingredients are ../realworld/mean_ingredient_0..3.safetensors (TinyNet fine-tunes of one base); the base is
make_base() of ../pytorch/make_fixtures.py, written here as base.safetensors. Every expected soup below is the
definition in issue #10 written out plainly in float64 and cast to float32; integer tensors are the first
ingredient's. The interpolation curve is evaluated with the DigitsCnn of ../eval on its held-out split.
"""
import collections
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pytorch"))
sys.path.insert(0, os.path.join(HERE, "..", "eval"))
from make_fixtures import make_base, write_safetensors  # noqa: E402

torch.set_num_threads(2)


def p(name):
    return os.path.join(HERE, name)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    dtypes = {"F32": torch.float32, "I64": torch.int64}
    out = collections.OrderedDict()
    for name, h in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        b, e = h["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:e]), dtype=dtypes[h["dtype"]]).reshape(h["shape"]).clone()
    return out


def per_tensor(sds, base, float_fn):
    """Applies float_fn(list of float64 ingredient tensors, float64 base tensor) to every float tensor."""
    out = collections.OrderedDict()
    for k, v0 in sds[0].items():
        if v0.is_floating_point():
            out[k] = float_fn([sd[k].double() for sd in sds], base[k].double()).to(v0.dtype)
        else:
            out[k] = v0.clone()
    return out


def model_stock(xs, b, ts, name):
    k = len(xs)
    taus = [x - b for x in xs]
    mean = sum(xs) / k
    norms = [t.norm() for t in taus]
    if any(n == 0 for n in norms):  # a frozen tensor: the angle is undefined, take the ingredients' mean
        ts[name] = None
        return mean
    cos = []
    for i in range(k):
        for j in range(i + 1, k):
            cos.append(float(torch.dot(taus[i].flatten(), taus[j].flatten()) / (norms[i] * norms[j])))
    c = sum(cos) / len(cos)
    t = k * c / (1 + (k - 1) * c)
    ts[name] = t
    return t * mean + (1 - t) * b


def task_arithmetic(xs, b, lam):
    return b + lam * sum(x - b for x in xs)


def ties(xs, b, density, lam):
    taus = [(x - b).flatten() for x in xs]
    n = taus[0].numel()
    k = max(1, round(density * n))
    trimmed = []
    for t in taus:
        keep = torch.zeros_like(t)
        keep[torch.topk(t.abs(), k).indices] = 1
        trimmed.append(t * keep)
    elected = torch.sign(sum(trimmed))
    num = torch.zeros_like(taus[0])
    count = torch.zeros_like(taus[0])
    for t in trimmed:
        agree = (torch.sign(t) == elected) & (t != 0)
        num += torch.where(agree, t, torch.zeros_like(t))
        count += agree.double()
    merged = torch.where(count > 0, num / count.clamp(min=1), torch.zeros_like(num))
    return b + lam * merged.reshape(b.shape)


class DigitsCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(32, 64, 3, padding=1)
        self.conv3 = torch.nn.Conv2d(64, 128, 3, padding=1)
        self.fc = torch.nn.Linear(128 * 3 * 3, 256)
        self.head = torch.nn.Linear(256, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.max_pool2d(F.relu(self.conv3(x)), 2)
        return self.head(F.relu(self.fc(x.flatten(1))))


def main():
    notes = []
    base = make_base().state_dict()
    write_safetensors(p("base.safetensors"), base)
    notes.append(("base.safetensors", "make_base() of ../pytorch/make_fixtures.py: the TinyNet every ingredient was fine-tuned from"))
    sds = [read_safetensors(os.path.join(HERE, "..", "realworld", f"mean_ingredient_{i}.safetensors")) for i in range(4)]

    ts = {}
    write_safetensors(p("expected_model_stock.safetensors"), per_tensor(sds, base, lambda xs, b: model_stock(xs, b, ts, None)))
    # per_tensor does not pass names; recompute t per tensor with names for the JSON record.
    ts = {}
    for k in sds[0]:
        if sds[0][k].is_floating_point():
            model_stock([sd[k].double() for sd in sds], base[k].double(), ts, k)
    notes.append(("expected_model_stock.safetensors", "Model Stock of the four ingredients with base.safetensors"))

    frozen = []
    for sd in sds[:3]:
        f = collections.OrderedDict(sd)
        f["conv.bias"] = base["conv.bias"].clone()  # a frozen tensor: its task vector is all zeros
        frozen.append(f)
    for i, f in enumerate(frozen):
        write_safetensors(p(f"frozen_ingredient_{i}.safetensors"), f)
    ts_frozen = {}
    out = collections.OrderedDict()
    for k, v0 in frozen[0].items():
        out[k] = (model_stock([f[k].double() for f in frozen], base[k].double(), ts_frozen, k).to(v0.dtype)
                  if v0.is_floating_point() else v0.clone())
    write_safetensors(p("expected_model_stock_frozen.safetensors"), out)
    notes.append(("frozen_ingredient_0..2.safetensors", "ingredients 0..2 with conv.bias set to the base's (a frozen tensor)"))
    notes.append(("expected_model_stock_frozen.safetensors", "Model Stock of the frozen ingredients: conv.bias is their plain mean"))

    write_safetensors(p("expected_task_arithmetic_0.3.safetensors"),
                      per_tensor(sds, base, lambda xs, b: task_arithmetic(xs, b, 0.3)))
    notes.append(("expected_task_arithmetic_0.3.safetensors", "base + 0.3 * sum of the four task vectors"))
    for density, lam in ((0.2, 1.0), (0.5, 0.7)):
        name = f"expected_ties_{density}_{lam}.safetensors"
        write_safetensors(p(name), per_tensor(sds, base, lambda xs, b: ties(xs, b, density, lam)))
        notes.append((name, f"TIES-merging of the four ingredients, density {density}, scale {lam}"))

    # Interpolation curve: theta(alpha) = (1 - alpha) A + alpha B in float64, cast to float32, evaluated.
    a = torch.load(os.path.join(HERE, "..", "eval", "digits_cnn_a.pt"))
    b = torch.load(os.path.join(HERE, "..", "eval", "digits_cnn_b.pt"))
    held = read_safetensors(os.path.join(HERE, "..", "eval", "heldout.safetensors"))
    curve = []
    for alpha in (0.0, 0.25, 0.5, 0.75, 1.0):
        m = DigitsCnn()
        m.load_state_dict({k: ((1 - alpha) * a[k].double() + alpha * b[k].double()).float() for k in a})
        m.eval()
        with torch.no_grad():
            logits = m(held["inputs"])
            loss = F.cross_entropy(logits, held["labels"], reduction="sum").double().item() / len(held["labels"])
            correct = int((logits.argmax(1) == held["labels"]).sum())
        curve.append({"alpha": alpha, "correct": correct, "loss": loss})
    with open(p("expected.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "model_stock_t": ts, "model_stock_frozen_t": ts_frozen,
                   "interpolation_a_b": curve}, f, indent=2)
        f.write("\n")
    notes.append(("expected.json", "Model Stock's t per tensor (null where the mean was taken) and the interpolation "
                  "curve of ../eval/digits_cnn_a.pt and _b.pt: correct and mean loss on ../eval/heldout.safetensors"))

    lines = ["# Strategies with a base (issue #10)", "",
             f"Written by `make_merging_fixtures.py` with PyTorch {torch.__version__}. Regenerate:", "",
             "    /usr/bin/python3 tests/Soups.Tests/Fixtures/merging/make_merging_fixtures.py", "",
             "Ingredients: `../realworld/mean_ingredient_0..3.safetensors`.", ""]
    lines += [f"- `{f}`: {d}" for f, d in notes]
    with open(p("README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for fn in sorted(os.listdir(HERE)):
        print(f"{os.path.getsize(p(fn)):8d}  {fn}")


if __name__ == "__main__":
    main()
