#!/usr/bin/python3
"""Fixtures for issue #8: the training checkpoints people actually have, and exact means for any N.

Run with Debian's python3-torch (outputs go next to this script, overwriting):

    /usr/bin/python3 tests/Soups.Tests/Fixtures/realworld/make_realworld_fixtures.py

Every checkpoint here is written by torch.save exactly as the named training script saves it (the
dict layout, real optimizer/scheduler state dicts after a step, argparse.Namespace, a dataclass
config, an EMA copy). The weights are TinyNet state dicts from ../pytorch/make_fixtures.py, so the
tests can compare what soup reads with ../pytorch/ingredient_0.pt and ingredient_1.pt.

The exact-mean files are means of N fine-tunes computed as (sum_i w_i * x_i.double()) / sum_i w_i,
accumulated in the given order, then cast to the stored dtype: what soup must reproduce bit for bit.
"""
import argparse
import collections
import dataclasses
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pytorch"))
from make_fixtures import TinyNet, make_base, make_ingredient, write_safetensors  # noqa: E402

torch.set_num_threads(2)


def p(name):
    return os.path.join(HERE, name)


@dataclasses.dataclass
class TrainConfig:
    """A config object of the user's own class: pickled as __main__.TrainConfig."""
    lr: float = 0.01
    epochs: int = 10
    model: str = "tiny"


def stepped_optimizer(kind, model):
    """A real optimizer state dict: one step on a fake loss, so it holds momentum / Adam moments."""
    if kind == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    out = model(torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(7)))
    out.pow(2).mean().backward()
    opt.step()
    model.eval()
    return opt


def mean_reference(sds, weights):
    """(sum_i w_i * x_i.double()) / sum_i w_i per float tensor, in order; non-float copied from sds[0]."""
    out = collections.OrderedDict()
    total = sum(weights)
    for k, v0 in sds[0].items():
        if v0.is_floating_point():
            acc = torch.zeros(v0.shape, dtype=torch.float64)
            for w, sd in zip(weights, sds):
                acc += w * sd[k].to(torch.float64)
            out[k] = (acc / total).to(v0.dtype)
        else:
            out[k] = v0.clone()
    return out


def main():
    notes = []
    # The committed ingredients, loaded rather than remade: BatchNorm's running mean differs in its last bits from
    # run to run, and the tests compare these files bit for bit.
    committed = [torch.load(os.path.join(HERE, "..", "pytorch", f"ingredient_{i}.pt")) for i in range(3)]
    sd0, sd1 = committed[0], committed[1]

    def model_with(sd):
        m = TinyNet()
        m.load_state_dict(sd)
        return m

    # 1. PyTorch's "saving a general checkpoint" tutorial.
    torch.manual_seed(1)
    m = model_with(sd0)
    opt = stepped_optimizer("sgd", model_with(sd0))
    torch.save({"epoch": 5, "model_state_dict": m.state_dict(), "optimizer_state_dict": opt.state_dict(),
                "loss": torch.tensor(0.4213)}, p("tutorial_checkpoint.pt"))
    notes.append(("tutorial_checkpoint.pt", "PyTorch tutorial 'saving a general checkpoint': {epoch, model_state_dict "
                  "(= ingredient_0), optimizer_state_dict (SGD with momentum, after one step), loss: a 0-dim tensor}"))

    # 2. pytorch/examples imagenet/main.py save_checkpoint.
    opt = stepped_optimizer("sgd", model_with(sd0))
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    sched.step()
    torch.save({"epoch": 3, "arch": "tinynet", "state_dict": model_with(sd0).state_dict(),
                "best_acc1": torch.tensor(71.3), "optimizer": opt.state_dict(), "scheduler": sched.state_dict()},
               p("examples_imagenet_checkpoint.pth.tar"))
    notes.append(("examples_imagenet_checkpoint.pth.tar", "pytorch/examples imagenet: {epoch, arch, state_dict (= "
                  "ingredient_0), best_acc1: a 0-dim tensor, optimizer, scheduler}"))

    # 3. timm train.py (CheckpointSaver): args is an argparse.Namespace, an EMA copy beside the weights.
    opt = stepped_optimizer("adamw", model_with(sd0))
    args = argparse.Namespace(model="tinynet", lr=1e-3, epochs=10, batch_size=32, model_ema=True)
    torch.save({"epoch": 9, "arch": "tinynet", "state_dict": model_with(sd0).state_dict(), "optimizer": opt.state_dict(),
                "version": 2, "args": args, "state_dict_ema": model_with(sd1).state_dict(), "metric": 0.8731},
               p("timm_checkpoint.pth.tar"))
    notes.append(("timm_checkpoint.pth.tar", "timm train.py: {epoch, arch, state_dict (= ingredient_0), optimizer "
                  "(AdamW, one step), version, args: argparse.Namespace, state_dict_ema (= ingredient_1), metric}"))

    # 4. PyTorch Lightning: model. prefixes, hyper_parameters holding a user dataclass.
    torch.save({"epoch": 2, "global_step": 120, "pytorch-lightning_version": "2.1.0",
                "state_dict": collections.OrderedDict(("model." + k, v) for k, v in sd0.items()),
                "loops": {}, "callbacks": {"ModelCheckpoint": {"best_model_score": torch.tensor(0.91)}},
                "optimizer_states": [stepped_optimizer("adamw", model_with(sd0)).state_dict()], "lr_schedulers": [],
                "hyper_parameters": {"config": TrainConfig(), "lr": 0.01}}, p("lightning_checkpoint.ckpt"))
    notes.append(("lightning_checkpoint.ckpt", "PyTorch Lightning layout: state_dict with 'model.' prefixes (= "
                  "ingredient_0), optimizer_states, callbacks with a tensor, hyper_parameters holding __main__.TrainConfig"))

    # 5. Weights at the top level beside plain values.
    mixed = collections.OrderedDict(sd0)
    mixed["epoch"] = 4
    mixed["note"] = "fine-tune 1"
    torch.save(mixed, p("top_level_with_extras.pt"))
    notes.append(("top_level_with_extras.pt", "ingredient_0's tensors at the top level plus epoch: 4 and note: 'fine-tune 1'"))

    # 6. Checkpoints that hold no weights.
    torch.save({"epoch": 3, "loss": torch.tensor(0.5), "best_acc1": torch.tensor(12.5)}, p("scalars_only.pt"))
    notes.append(("scalars_only.pt", "{epoch: 3, loss: tensor(0.5), best_acc1: tensor(12.5)}: no weights anywhere"))
    torch.save(stepped_optimizer("adamw", model_with(sd0)).state_dict(), p("optimizer_only.pt"))
    notes.append(("optimizer_only.pt", "an AdamW optimizer.state_dict() alone: no weights"))

    # 7. An unsupported tensor kind inside the weights (quantized): must be refused, by name.
    q = collections.OrderedDict(sd0)
    q["fc1.weight"] = torch.quantize_per_tensor(sd0["fc1.weight"], scale=0.01, zero_point=0, dtype=torch.qint8)
    torch.save(q, p("quantized_weight.pt"))
    notes.append(("quantized_weight.pt", "ingredient_0 with fc1.weight stored as a qint8 quantized tensor "
                  "(torch._utils._rebuild_qtensor)"))

    # 8. Legacy (non-zip) torch.save with pickle protocol 4 (starts with PROTO 4, FRAME).
    import io
    buf = io.BytesIO()
    torch.save(sd0, buf, _use_new_zipfile_serialization=False, pickle_protocol=4)
    with open(p("legacy_protocol4.pt"), "wb") as f:
        f.write(buf.getvalue())
    notes.append(("legacy_protocol4.pt", "ingredient_0 saved with _use_new_zipfile_serialization=False, pickle_protocol=4 "
                  "(begins 80 04 95: PROTO 4 then FRAME); storage keys are memory addresses, so this file differs per run"))

    # 9. A training checkpoint of the evaluation fixtures' DigitsCnn with an EMA copy: the two weight sets score
    #    differently, so a cached score of one must never be reused for the other.
    a = torch.load(os.path.join(HERE, "..", "eval", "digits_cnn_a.pt"))
    b = torch.load(os.path.join(HERE, "..", "eval", "digits_cnn_b.pt"))
    torch.save({"epoch": 1, "state_dict": a, "state_dict_ema": b, "args": argparse.Namespace(lr=0.1)},
               p("digits_training_checkpoint.pt"))
    notes.append(("digits_training_checkpoint.pt", "{epoch, state_dict: ../eval/digits_cnn_a.pt, state_dict_ema: "
                  "../eval/digits_cnn_b.pt, args: argparse.Namespace}"))

    # 10. Exact means: seven fine-tunes, means of the first 3, 5 and 7, weighted means, float16/bfloat16.
    base = make_base()
    sds = committed + [make_ingredient(base, s) for s in range(4, 8)]
    for i, sd in enumerate(sds):
        write_safetensors(p(f"mean_ingredient_{i}.safetensors"), sd)
    notes.append(("mean_ingredient_0..6.safetensors", "TinyNet fine-tunes: 0..2 are ../pytorch/ingredient_0..2, 3..6 made with seeds 4..7"))
    for n in (3, 5, 7):
        write_safetensors(p(f"expected_mean_{n}.safetensors"), mean_reference(sds[:n], [1.0] * n))
        notes.append((f"expected_mean_{n}.safetensors", f"(sum of the first {n} .double()) / {n}, cast to float32"))
    for name, weights in (("1_2_3", [1.0, 2.0, 3.0]), ("0.1_0.2_0.7", [0.1, 0.2, 0.7]), ("5_0_1e-3_7_2", [5.0, 0.0, 1e-3, 7.0, 2.0])):
        write_safetensors(p(f"expected_weighted_{name}.safetensors"), mean_reference(sds[:len(weights)], weights))
        notes.append((f"expected_weighted_{name}.safetensors",
                      f"(sum_i w_i * x_i.double()) / sum(w) with w = {weights}, in order, cast to float32"))
    for dtype, tag in ((torch.float16, "f16"), (torch.bfloat16, "bf16")):
        low = [collections.OrderedDict((k, v.to(dtype) if v.is_floating_point() else v) for k, v in sd.items())
               for sd in sds[:3]]
        for i, sd in enumerate(low):
            write_safetensors(p(f"mean_ingredient_{i}_{tag}.safetensors"), sd)
        write_safetensors(p(f"expected_mean_3_{tag}.safetensors"), mean_reference(low, [1.0] * 3))
        notes.append((f"mean_ingredient_0..2_{tag}.safetensors, expected_mean_3_{tag}.safetensors",
                      f"the first three fine-tunes stored as {tag}, and (sum .double()) / 3 cast to {tag}"))

    lines = ["# Real-world checkpoints and exact means (issue #8)", "",
             f"Written by `make_realworld_fixtures.py` with PyTorch {torch.__version__}. Regenerate:", "",
             "    /usr/bin/python3 tests/Soups.Tests/Fixtures/realworld/make_realworld_fixtures.py", ""]
    lines += [f"- `{f}`: {d}" for f, d in notes]
    with open(p("README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for fn in sorted(os.listdir(HERE)):
        print(f"{os.path.getsize(p(fn)):8d}  {fn}")


if __name__ == "__main__":
    main()
