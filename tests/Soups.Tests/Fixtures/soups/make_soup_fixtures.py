#!/usr/bin/python3
"""Fixtures for issue #11: exhaustive subset search, Fisher-weighted averaging and multi-pass greedy, computed by
independent PyTorch code on a small sweep trained here with PyTorch.

Run with Debian's python3-torch (outputs go next to this script, overwriting; deterministic, a minute or so):

    /usr/bin/python3 tests/Soups.Tests/Fixtures/soups/make_soup_fixtures.py

The sweep: a DigitsCnn (the architecture of ../eval) pretrained on synthetic task A, then fine-tuned six times on a
related task B with different learning rates and data orders (one basin, some runs over-trained). Written files:

- base.pt, ft_0.pt .. ft_5.pt: torch.save state dicts (float32)
- heldout.safetensors, test.safetensors: {inputs: float32 [N,1,28,28], labels: int64 [N]} of task B (test noisier)
- expected.json: individual scores, greedy steps (passes 1 and 3), every subset's held-out and test accuracy, the best
  subset (all sizes; at most 2), the test oracle, the smallest top-1 logit margin seen (a guard against a different
  libtorch flipping a prediction)
- expected_fisher_<n>.safetensors: the Fisher-weighted soup of ft_0..ft_5 with the first n held-out examples
- fisher_<n>_ft_0.safetensors: ft_0's diagonal Fisher on the same examples (float64 -> float32)
"""
import collections
import itertools
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 100
EPSILON = 1e-8


def p(name):
    return os.path.join(HERE, name)


class DigitsCnn(nn.Module):
    """[N,1,28,28] -> 3x (conv3x3 pad1, ReLU, maxpool2) -> fc 256 -> ReLU -> head 10 (as src/Soups/Models/DigitsCnn.cs)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv3 = nn.Conv2d(64, 128, 3, padding=1)
        self.fc = nn.Linear(128 * 3 * 3, 256)
        self.head = nn.Linear(256, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.max_pool2d(F.relu(self.conv3(x)), 2)
        x = F.relu(self.fc(x.flatten(1)))
        return self.head(x)


def write_safetensors(path, tensors, metadata=None):
    """Plain safetensors writer (struct + json): sorted names, header padded to 8 bytes."""
    kinds = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    blobs, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        b = t.numpy().tobytes()
        header[name] = {"dtype": kinds[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((-(8 + len(text))) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


# ----------------------------------------------------------------------------------------------------------------
# Data: each class is a 7x7 random pattern blown up to 28x28; examples are the pattern, shifted by up to 2 pixels,
# plus Gaussian noise. Task B's patterns are task A's mixed with fresh ones (a related task).
# ----------------------------------------------------------------------------------------------------------------
def patterns(g):
    small = torch.randn(10, 1, 7, 7, generator=g)
    return F.interpolate(small, scale_factor=4, mode="nearest")


def examples(g, protos, n, noise):
    labels = torch.randint(0, 10, (n,), generator=g)
    x = protos[labels].clone()
    shifts = torch.randint(-2, 3, (n, 2), generator=g)
    for i in range(n):
        x[i] = torch.roll(x[i], shifts=(int(shifts[i, 0]), int(shifts[i, 1])), dims=(1, 2))
    x += noise * torch.randn(x.shape, generator=g)
    return x.float(), labels


def train(model, inputs, labels, steps, lr, seed, batch=32):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, inputs.shape[0], (batch,), generator=g)
        opt.zero_grad()
        F.cross_entropy(model(inputs[idx]), labels[idx]).backward()
        opt.step()
    model.eval()


def state(model):
    return collections.OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())


# ----------------------------------------------------------------------------------------------------------------
# References
# ----------------------------------------------------------------------------------------------------------------
MARGINS = []


@torch.no_grad()
def accuracy(sd, inputs, labels):
    m = DigitsCnn()
    m.load_state_dict(sd)
    m.eval()
    logits = torch.cat([m(inputs[i:i + BATCH]) for i in range(0, inputs.shape[0], BATCH)])
    top2 = logits.topk(2, dim=1).values
    MARGINS.append(float((top2[:, 0] - top2[:, 1]).min()))
    return int((logits.argmax(1) == labels).sum()) / labels.shape[0]


def mean(sds):
    out = collections.OrderedDict()
    for k in sds[0]:
        acc = torch.zeros(sds[0][k].shape, dtype=torch.float64)
        for sd in sds:
            acc += sd[k].double()
        out[k] = (acc / len(sds)).float()
    return out


def rank_order(scores):
    # The paper's main.py: sorted by accuracy (stable, ascending), then reversed.
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    order.reverse()
    return order


def greedy(sds, scores, inputs, labels, passes):
    order = rank_order(scores)
    soup, best = [order[0]], scores[order[0]]
    steps, pending = [], order[1:]
    for pass_ in range(1, passes + 1):
        rejected = []
        for i in pending:
            acc = accuracy(mean([sds[j] for j in soup + [i]]), inputs, labels)
            kept = acc > best
            steps.append({"pass": pass_, "ingredient": i, "candidate_accuracy": acc, "accepted": kept})
            if kept:
                soup.append(i)
                best = acc
            else:
                rejected.append(i)
        if len(rejected) == len(pending) or not rejected:
            break
        pending = rejected
    return {"soup": soup, "accuracy": best, "steps": steps}


def best_subset(subsets, key, rank):
    # Highest accuracy; ties: the smaller subset, then the earlier-ranked members (compared as sorted rank lists).
    def sort_key(s):
        return (-s[key], len(s["members"]), sorted(rank[i] for i in s["members"]))
    return min(subsets, key=sort_key)


def fisher(sd, inputs, labels):
    """Diagonal empirical Fisher: mean over examples of the squared gradient of log p(y|x), model in eval mode."""
    m = DigitsCnn()
    m.load_state_dict(sd)
    m.eval()
    params = dict(m.named_parameters())
    sums = {k: torch.zeros(v.shape, dtype=torch.float64) for k, v in params.items()}
    for i in range(inputs.shape[0]):
        m.zero_grad()
        logp = F.log_softmax(m(inputs[i:i + 1]), dim=1)[0, labels[i]]
        logp.backward()
        for k, v in params.items():
            sums[k] += v.grad.double() ** 2
    return {k: s / inputs.shape[0] for k, s in sums.items()}


def fisher_soup(sds, fishers):
    out = collections.OrderedDict()
    for k in sds[0]:
        if k in fishers[0]:
            num = sum((f[k] + EPSILON) * sd[k].double() for sd, f in zip(sds, fishers))
            den = sum(f[k] + EPSILON for f in fishers)
            out[k] = (num / den).float()
        else:
            out[k] = mean([{k: sd[k]} for sd in sds])[k]
    return out


def main():
    g = torch.Generator().manual_seed(int(os.environ.get("FIXTURE_SEED", "17")))
    task_a = patterns(g)
    task_b = 0.6 * task_a + 0.8 * patterns(g)
    a_inputs, a_labels = examples(g, task_a, 1024, 1.0)
    b_inputs, b_labels = examples(g, task_b, 256, 2.2)
    heldout = examples(g, task_b, 200, 2.2)
    test = examples(g, task_b, 200, 2.6)

    torch.manual_seed(0)
    model = DigitsCnn()
    train(model, a_inputs, a_labels, steps=150, lr=0.02, seed=1)
    base = state(model)
    torch.save(base, p("base.pt"))

    runs = [(0.002, 40), (0.004, 60), (0.008, 40), (0.015, 60), (0.03, 50), (0.05, 80)]
    sds = []
    for n, (lr, steps) in enumerate(runs):
        model = DigitsCnn()
        model.load_state_dict(base)
        train(model, b_inputs, b_labels, steps=steps, lr=lr, seed=100 + n)
        sd = state(model)
        torch.save(sd, p(f"ft_{n}.pt"))
        sds.append(sd)
    for name, (x, y) in (("heldout", heldout), ("test", test)):
        write_safetensors(p(f"{name}.safetensors"), {"inputs": x, "labels": y})

    h_in, h_lab = heldout
    t_in, t_lab = test
    individual = [accuracy(sd, h_in, h_lab) for sd in sds]
    individual_test = [accuracy(sd, t_in, t_lab) for sd in sds]
    order = rank_order(individual)
    rank = {i: r for r, i in enumerate(order)}

    subsets = []
    for size in range(1, len(sds) + 1):
        for members in itertools.combinations(range(len(sds)), size):
            soup = mean([sds[i] for i in members])
            subsets.append({"members": list(members), "heldout": accuracy(soup, h_in, h_lab),
                            "test": accuracy(soup, t_in, t_lab)})
    best = best_subset(subsets, "heldout", rank)
    best2 = best_subset([s for s in subsets if len(s["members"]) <= 2], "heldout", rank)
    oracle = best_subset(subsets, "test", rank)

    fisher_examples = 100
    fishers = [fisher(sd, h_in[:fisher_examples], h_lab[:fisher_examples]) for sd in sds]
    write_safetensors(p(f"expected_fisher_{fisher_examples}.safetensors"), fisher_soup(sds, fishers))
    write_safetensors(p(f"fisher_{fisher_examples}_ft_0.safetensors"), {k: v.float() for k, v in fishers[0].items()})

    expected = {
        "torch": torch.__version__,
        "ingredients": [f"ft_{n}.pt" for n in range(len(sds))],
        "individual_heldout": individual,
        "individual_test": individual_test,
        "rank_order": order,
        "greedy": {str(k): greedy(sds, individual, h_in, h_lab, k) for k in (1, 3)},
        "subsets": subsets,
        "best": best,
        "best_max_size_2": best2,
        "oracle": oracle,
        "fisher_examples": fisher_examples,
        "fisher_epsilon": EPSILON,
        "min_logit_margin": min(MARGINS),
    }
    with open(p("expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    assert min(MARGINS) > 5e-5, f"a prediction is within {min(MARGINS)} of a tie: pick another FIXTURE_SEED"
    print(json.dumps({k: expected[k] for k in ("individual_heldout", "individual_test", "rank_order", "best", "oracle",
                                                  "best_max_size_2", "min_logit_margin")}))
    print("greedy", json.dumps(expected["greedy"]))


if __name__ == "__main__":
    sys.exit(main())
