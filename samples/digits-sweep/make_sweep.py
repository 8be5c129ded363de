#!/usr/bin/python3
"""Make the tiny digits fine-tuning sweep used by soup's README.

    /usr/bin/python3 samples/digits-sweep/make_sweep.py

Reads data/digits.csv.gz (scikit-learn's copy of the UCI optical digits test
set: 1797 rows, 64 pixel columns 0..16, then the label), trains with torch on
the CPU, and (re)writes base.pt, heldout.pt, test.pt, ingredients/*.pt,
RESULTS.md next to this script. Deterministic (fixed seeds, 2 threads).
"""
import collections
import gzip
import os
import sys

import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(2)
HERE = os.path.dirname(os.path.abspath(__file__))

LRS = [("3e-4", 3e-4), ("1e-3", 1e-3), ("3e-3", 3e-3)]
SEEDS = [1, 2]
NOISE = 0.05  # std of Gaussian input noise (pixels scaled to [0, 1])


def load_digits():
    with gzip.open(os.path.join(HERE, "data", "digits.csv.gz"), "rt") as f:
        arr = np.loadtxt(f, delimiter=",", dtype=np.float64)
    assert arr.shape == (1797, 65), arr.shape
    x = torch.tensor(arr[:, :64] / 16.0, dtype=torch.float32)
    y = torch.tensor(arr[:, 64], dtype=torch.int64)
    return x, y


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.fc2 = nn.Linear(128, 64)
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        return self.out(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def train(model, opt, x, y, epochs, gen, noise=0.0, batch=32):
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            xb = x[idx]
            if noise:
                xb = xb + noise * torch.randn(xb.shape, generator=gen)
            opt.zero_grad()
            loss_fn(model(xb), y[idx]).backward()
            opt.step()
    model.eval()


@torch.no_grad()
def accuracy(sd, x, y):
    m = MLP()
    m.load_state_dict(sd)
    m.eval()
    return (m(x).argmax(1) == y).float().mean().item()


def uniform_soup(sds):
    """Mean of the state dicts, accumulated in float64, cast back to float32."""
    out = collections.OrderedDict()
    for k, v in sds[0].items():
        acc = torch.zeros(v.shape, dtype=torch.float64)
        for sd in sds:
            acc += sd[k].to(torch.float64)
        out[k] = (acc / len(sds)).to(v.dtype)
    return out


def main():
    x, y = load_digits()
    pre_x, pre_y = x[:900], y[:900]
    rest = torch.arange(900, 1797)
    perm = rest[torch.randperm(len(rest), generator=torch.Generator().manual_seed(0))]
    held_idx, test_idx = perm[:400], perm[400:]
    hx, hy, tx, ty = x[held_idx], y[held_idx], x[test_idx], y[test_idx]
    torch.save({"inputs": hx.clone(), "labels": hy.clone()}, os.path.join(HERE, "heldout.pt"))
    torch.save({"inputs": tx.clone(), "labels": ty.clone()}, os.path.join(HERE, "test.pt"))

    # "pretraining": 30 epochs of plain SGD on the first 900 images, seed 0
    torch.manual_seed(0)
    base = MLP()
    train(base, torch.optim.SGD(base.parameters(), lr=0.05, momentum=0.9), pre_x, pre_y,
          epochs=30, gen=torch.Generator().manual_seed(0))
    base_sd = base.state_dict()
    torch.save(base_sd, os.path.join(HERE, "base.pt"))

    ing_dir = os.path.join(HERE, "ingredients")
    os.makedirs(ing_dir, exist_ok=True)
    for f in os.listdir(ing_dir):
        if f.endswith(".pt"):
            os.remove(os.path.join(ing_dir, f))

    rows = [("base.pt", base_sd)]
    fts = []
    for lr_name, lr in LRS:
        for seed in SEEDS:
            gen = torch.Generator().manual_seed(seed)
            sub = torch.randperm(900, generator=gen)[:200]
            m = MLP()
            m.load_state_dict(base_sd)
            train(m, torch.optim.Adam(m.parameters(), lr=lr), pre_x[sub], pre_y[sub],
                  epochs=10, gen=gen, noise=NOISE)
            name = f"ft_lr{lr_name}_s{seed}.pt"
            sd = m.state_dict()
            torch.save(sd, os.path.join(ing_dir, name))
            fts.append(sd)
            rows.append(("ingredients/" + name, sd))
    rows.append(("uniform soup of the 6 ingredients", uniform_soup(fts)))

    lines = [
        "# digits-sweep: measured accuracies",
        "",
        f"Produced by `make_sweep.py` (PyTorch {torch.__version__}, Python {sys.version.split()[0]}, CPU, 2 threads).",
        f"Held-out: {len(hy)} images, test: {len(ty)} images (never used for training).",
        "",
        "| model | held-out acc | test acc |",
        "|---|---|---|",
    ]
    for name, sd in rows:
        lines.append(f"| {name} | {accuracy(sd, hx, hy):.4f} | {accuracy(sd, tx, ty):.4f} |")
    lines.append("")
    text = "\n".join(lines)
    with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
        f.write(text)
    print(text)
    for root, _, files in sorted(os.walk(HERE)):
        for fn in sorted(files):
            full = os.path.join(root, fn)
            print(f"{os.path.getsize(full):9d}  {os.path.relpath(full, HERE)}")


if __name__ == "__main__":
    main()
