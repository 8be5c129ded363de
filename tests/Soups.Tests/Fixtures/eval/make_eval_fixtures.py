#!/usr/bin/python3
"""Generate the evaluation-engine test fixtures for soup.

Run from anywhere (outputs always go next to this script):

    /usr/bin/python3 tests/Soups.Tests/Fixtures/eval/make_eval_fixtures.py

Needs Debian's torch, torchvision (python3-torchvision), PIL (python3-pil) and
numpy. Deterministic: fixed seeds, 2 threads, re-runnable; every output is
overwritten (imagefolder/ is deleted and rebuilt).
"""
import collections
import json
import os
import shutil
import struct
import sys
import zipfile

# torch.jit.script writes a module's Final constants in Python set order, which depends on string-hash
# randomisation: re-exec with a fixed PYTHONHASHSEED so digits_cnn_scripted.pt is byte-identical across runs.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:],
              dict(os.environ, PYTHONHASHSEED="0"))

import numpy as np
import PIL
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode

torch.set_num_threads(2)

OUT = os.path.dirname(os.path.abspath(__file__))
IMAGE_ROOT = os.path.join(OUT, "imagefolder")
BATCH = 64


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------
class DigitsCnn(nn.Module):
    """[N,1,28,28] -> 3x (conv3x3 pad1, ReLU, maxpool2 floor) -> 128*3*3 -> fc 256 -> ReLU -> head 10."""

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


def model_with(state_dict):
    m = DigitsCnn()
    m.load_state_dict(state_dict)
    return m.eval()


# --------------------------------------------------------------------------
# Independent safetensors writer (struct + json only)
# --------------------------------------------------------------------------
ST_DTYPE = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> tensor. Data laid out in sorted-name order; header JSON
    space-padded so the data section starts 8-byte aligned."""
    assert sys.byteorder == "little"
    names = sorted(tensors)
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    blobs = []
    offset = 0
    for n in names:
        t = tensors[n].detach().cpu().contiguous()
        b = t.numpy().tobytes()
        header[n] = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((-(8 + len(hjson))) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


# --------------------------------------------------------------------------
# Evaluation reference
# --------------------------------------------------------------------------
@torch.no_grad()
def evaluate(model, inputs, labels):
    model.eval()
    logits, losses = [], []
    for i in range(0, inputs.shape[0], BATCH):
        out = model(inputs[i:i + BATCH])
        logits.append(out)
        losses.append(F.cross_entropy(out, labels[i:i + BATCH], reduction="none"))
    logits = torch.cat(logits)
    losses = torch.cat(losses)  # float32 per-example CE
    pred = logits.argmax(1)
    correct = int((pred == labels).sum())
    return {
        "accuracy": correct / labels.shape[0],
        "loss": float(losses.double().mean()),  # mean over all examples of float32 per-example CE
        "loss_float32_mean": float(F.cross_entropy(logits, labels)),  # same, PyTorch float32 reduction
        "correct": correct,
        "total": int(labels.shape[0]),
        "predictions": pred.tolist(),
    }, logits


def uniform_soup(sds):
    out = collections.OrderedDict()
    for k, v0 in sds[0].items():
        acc = torch.zeros(v0.shape, dtype=torch.float64)
        for sd in sds:
            acc += sd[k].to(torch.float64)
        out[k] = (acc / len(sds)).to(v0.dtype)
    return out


class Evil:
    """Pickles as a call to os.system (as posix.system on Linux). Never torch.load the tampered_* files."""

    def __reduce__(self):
        return (os.system, ("touch /tmp/soup-fixture-pwned",))


def make_models_and_heldout():
    torch.manual_seed(0)
    model = DigitsCnn().eval()
    sd_a = collections.OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == 390410, n_params

    g = torch.Generator().manual_seed(1)
    sd_b = collections.OrderedDict((k, v + 0.02 * torch.randn(v.shape, generator=g)) for k, v in sd_a.items())

    torch.save(sd_a, os.path.join(OUT, "digits_cnn_a.pt"))
    torch.save(sd_b, os.path.join(OUT, "digits_cnn_b.pt"))

    # Held-out data
    # Smooth large-scale structure (4x4 noise upsampled, x10) + per-pixel N(0,1): unlike pure randn, this makes the
    # default-initialised model predict several different classes (pure randn gives class 5 for all 200).
    g = torch.Generator().manual_seed(2)
    coarse = torch.randn(200, 1, 4, 4, generator=g)
    inputs = 10.0 * F.interpolate(coarse, size=(28, 28), mode="bilinear", align_corners=False)
    inputs = (inputs + torch.randn(200, 1, 28, 28, generator=g)).contiguous()
    with torch.no_grad():
        a_pred = torch.cat([model(inputs[i:i + BATCH]) for i in range(0, 200, BATCH)]).argmax(1)
    labels = torch.empty(200, dtype=torch.int64)
    labels[:120] = a_pred[:120]
    labels[120:] = torch.randint(0, 10, (80,), generator=torch.Generator().manual_seed(3))
    torch.save({"inputs": inputs, "labels": labels}, os.path.join(OUT, "heldout.pt"))
    write_safetensors(os.path.join(OUT, "heldout.safetensors"), {"inputs": inputs, "labels": labels})
    bad = labels.clone()
    bad[5] = 10
    bad[150] = -1
    write_safetensors(os.path.join(OUT, "heldout_bad_labels.safetensors"), {"inputs": inputs, "labels": bad})

    # Tampered copies: the same tensors beside an object torch.load would turn into a shell command.
    torch.save({"state_dict": sd_b, "payload": Evil()}, os.path.join(OUT, "tampered_digits_cnn_b.pt"))
    torch.save({"inputs": inputs, "labels": labels, "payload": Evil()}, os.path.join(OUT, "tampered_heldout.pt"))

    # TorchScript exports (weights A)
    scripted = torch.jit.script(model_with(sd_a))
    torch.jit.save(scripted, os.path.join(OUT, "digits_cnn_scripted.pt"))
    example = inputs[:4].clone()
    traced = torch.jit.trace(model_with(sd_a).eval(), example)
    torch.jit.save(traced, os.path.join(OUT, "digits_cnn_traced.ts"))

    # Expected numbers
    res_a, logits_a = evaluate(model_with(sd_a), inputs, labels)
    res_b, logits_b = evaluate(model_with(sd_b), inputs, labels)
    res_u, _ = evaluate(model_with(uniform_soup([sd_a, sd_b])), inputs, labels)
    res_a["logits_first4"] = logits_a[:4].tolist()
    res_b["logits_first4"] = logits_b[:4].tolist()

    # Sanity: TorchScript reloads agree with eager A.
    ts_check = {}
    for name in ("digits_cnn_scripted.pt", "digits_cnn_traced.ts"):
        m = torch.jit.load(os.path.join(OUT, name)).eval()
        with torch.no_grad():
            out = torch.cat([m(inputs[i:i + BATCH]) for i in range(0, 200, BATCH)])
        ts_check[name] = float((out - logits_a).abs().max())
        assert ts_check[name] < 1e-5, (name, ts_check[name])

    expected = {
        "torch_version": torch.__version__,
        "model": "DigitsCnn",
        "parameters": n_params,
        "batch_size": BATCH,
        "num_examples": 200,
        "labels_note": "labels[:120] = argmax of model A logits; labels[120:] random (seed 3)",
        "inputs_note": "10 * bilinear-upsampled randn(200,1,4,4) + randn(200,1,28,28), one generator seeded 2",
        "a": res_a,
        "b": res_b,
        "uniform_ab": res_u,
        "logits_first4": res_a["logits_first4"],
        "bad_labels": {"file": "heldout_bad_labels.safetensors", "index_10": 5, "index_minus1": 150},
        "torchscript_max_abs_diff_vs_eager_a": ts_check,
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    return expected


# --------------------------------------------------------------------------
# ImageFolder
# --------------------------------------------------------------------------
# (relative path, size (w, h), kind)
IMAGES = [
    ("B_upper/img10.png", (300, 260), "rgb"),
    ("B_upper/img2.png", (240, 320), "rgb"),
    ("B_upper/Img3.png", (224, 224), "gray"),
    ("a_lower/a.jpg", (500, 375), "jpeg420"),
    ("a_lower/B.JPEG", (240, 320), "jpeg444"),
    ("a_lower/rgba_01.png", (300, 260), "rgba"),
    ("c10/img_1.png", (64, 48), "rgb"),
    ("c10/img_01.png", (256, 300), "rgb"),
    ("c10/img_10.png", (224, 224), "rgb"),
    ("c2/x.png", (500, 375), "rgb"),
    ("c2/x-2.png", (375, 500), "rgb"),
    ("c2/x_2.png", (260, 300), "rgb"),
]
NON_IMAGES = {"a_lower/notes.txt": "Not an image: ImageFolder must ignore this file.\n"}


def synth_rgb(w, h, seed):
    """Smooth gradients + low-amplitude seeded noise + a disc, uint8 HxWx3."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    u, v = x / max(w - 1, 1), y / max(h - 1, 1)
    ph = rng.uniform(0, 2 * np.pi, 3)
    r = 255 * (0.5 + 0.5 * np.sin(2 * np.pi * (1.3 * u + 0.4 * v) + ph[0]))
    g = 255 * (0.25 + 0.7 * v * (1 - 0.5 * u))
    b = 255 * (0.5 + 0.5 * np.cos(2 * np.pi * (0.6 * u - 1.1 * v) * (1 + u) + ph[1]))
    img = np.stack([r, g, b], -1)
    cx, cy, rad = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h, 0.2 * min(w, h)
    disc = ((x - cx) ** 2 + (y - cy) ** 2) < rad ** 2
    img[disc] = 0.4 * img[disc] + 0.6 * np.array([230.0, 40.0, 60.0 + 100 * np.sin(ph[2])])
    img += rng.normal(0, 6.0, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def make_imagefolder():
    if os.path.isdir(IMAGE_ROOT):
        shutil.rmtree(IMAGE_ROOT)
    for seed, (rel, (w, h), kind) in enumerate(IMAGES, start=100):
        path = os.path.join(IMAGE_ROOT, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        arr = synth_rgb(w, h, seed)
        if kind == "rgb":
            Image.fromarray(arr, "RGB").save(path, format="PNG")
        elif kind == "gray":
            Image.fromarray(arr, "RGB").convert("L").save(path, format="PNG")
        elif kind == "rgba":
            yy = np.linspace(0, 1, h)[:, None] * np.ones((1, w))
            alpha = np.clip(np.rint(64 + 191 * yy), 0, 255).astype(np.uint8)  # 64..255, never 0
            Image.fromarray(np.dstack([arr, alpha]), "RGBA").save(path, format="PNG")
        elif kind == "jpeg420":
            Image.fromarray(arr, "RGB").save(path, format="JPEG", quality=90, subsampling=2)
        elif kind == "jpeg444":
            Image.fromarray(arr, "RGB").save(path, format="JPEG", quality=90, subsampling=0)
        else:
            raise ValueError(kind)
    for rel, text in NON_IMAGES.items():
        with open(os.path.join(IMAGE_ROOT, *rel.split("/")), "w") as f:
            f.write(text)

    ds = torchvision.datasets.ImageFolder(IMAGE_ROOT)
    samples = [
        {"path": os.path.relpath(p, IMAGE_ROOT).replace(os.sep, "/"), "class_index": int(c)} for p, c in ds.samples
    ]
    assert len(samples) == len(IMAGES)

    imagenet_mean, imagenet_std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    clip_mean, clip_std = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)
    presets = {
        "imagenet": (T.Compose([T.Resize(256), T.CenterCrop(224)]), imagenet_mean, imagenet_std),
        "clip": (
            T.Compose([T.Resize(224, interpolation=InterpolationMode.BICUBIC), T.CenterCrop(224),
                       T.Lambda(lambda im: im.convert("RGB"))]),
            clip_mean, clip_std,
        ),
    }
    u8 = {name: [] for name in presets}
    stats = {name: [] for name in presets}
    info = []
    for s in samples:
        with open(os.path.join(IMAGE_ROOT, s["path"]), "rb") as f:
            raw = Image.open(f)
            raw_mode, raw_size = raw.mode, raw.size
            img = raw.convert("RGB")  # ImageFolder default loader
        entry = {"mode": raw_mode, "width": raw_size[0], "height": raw_size[1]}
        for name, (geom, mean, std) in presets.items():
            pil = geom(img)
            full = T.Compose([geom, T.ToTensor(), T.Normalize(mean, std)])(img)  # the real torchvision pipeline
            tt = T.ToTensor()(pil)
            q = torch.from_numpy(np.asarray(pil, dtype=np.uint8).copy()).permute(2, 0, 1).contiguous()
            # ToTensor() is exactly uint8/255 here, so the uint8 planes are lossless.
            assert torch.equal(tt, q.float().div(255)), name
            recon = q.float().div(255).sub_(torch.tensor(mean)[:, None, None]).div_(torch.tensor(std)[:, None, None])
            assert torch.equal(recon, full), name
            u8[name].append(q)
            stats[name].append(full)
            entry[name + "_resized"] = list(geom.transforms[0](img).size)
            entry[name + "_mean"] = float(full.double().mean())
            entry[name + "_pixel_0_0"] = full[:, 0, 0].tolist()
            entry[name + "_pixel_111_150"] = full[:, 111, 150].tolist()
        if raw_mode == "RGBA":
            # What CLIP's pipeline would give if fed the RGBA image (PIL resizes RGBA premultiplied).
            g = presets["clip"][0]
            premul = T.ToTensor()(g(raw))  # resized as RGBA, converted to RGB after the crop
            entry["clip_rgba_first_max_abs_diff_u8"] = float((premul - T.ToTensor()(g(img))).abs().max() * 255)
        info.append(entry)

    write_safetensors(
        os.path.join(OUT, "imagefolder_preprocessed.safetensors"),
        {name: torch.stack(v) for name, v in u8.items()},
        {
            "format": "pt",
            "dtype_note": "U8 = torchvision ToTensor() * 255 before Normalize; float = (u8/255 - mean)/std in float32",
            "imagenet_mean": json.dumps(imagenet_mean), "imagenet_std": json.dumps(imagenet_std),
            "clip_mean": json.dumps(list(clip_mean)), "clip_std": json.dumps(list(clip_std)),
        },
    )

    n = len(samples)
    sel = [0, 2, 5, 7, n - 1]
    mask = np.zeros(n, dtype=bool)
    mask[sel] = True
    np.save(os.path.join(OUT, "mask_bool.npy"), mask)
    np.save(os.path.join(OUT, "mask_int.npy"), mask.astype(np.int64))
    np.save(os.path.join(OUT, "mask_wrong_length.npy"), np.concatenate([mask, [False]]))
    np.save(os.path.join(OUT, "mask_float.npy"), mask.astype(np.float64))  # the paper's imagenet_98_idxs.npy dtype

    result = {
        "root": "imagefolder",
        "classes": list(ds.classes),
        "class_to_idx": dict(ds.class_to_idx),
        "samples": samples,
        "ignored": sorted(NON_IMAGES),
        "mask_indices": sel,
        "images": [dict(path=s["path"], **e) for s, e in zip(samples, info)],
        "preprocessed": {
            "file": "imagefolder_preprocessed.safetensors",
            "dtype": "U8",
            "imagenet": "RGB convert, Resize(256) bilinear (PIL), CenterCrop(224), ToTensor, Normalize(imagenet)",
            "clip": "RGB convert (loader), Resize(224, BICUBIC) (PIL), CenterCrop(224), ToTensor, Normalize(clip)",
            "imagenet_mean": imagenet_mean, "imagenet_std": imagenet_std,
            "clip_mean": list(clip_mean), "clip_std": list(clip_std),
        },
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "PIL": PIL.__version__},
    }
    with open(os.path.join(OUT, "imagefolder_expected.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    return result


# --------------------------------------------------------------------------
README_FILES = [
    ("make_eval_fixtures.py", "this generator"),
    ("digits_cnn_a.pt", "DigitsCnn state dict, weights A (torch.manual_seed(0) default init), torch.save zip, float32"),
    ("digits_cnn_b.pt", "DigitsCnn state dict, weights B = A + 0.02*N(0,1) on every tensor (generator seed 1)"),
    ("digits_cnn_scripted.pt", "torch.jit.script(DigitsCnn with A), torch.jit.save"),
    ("digits_cnn_traced.ts", "torch.jit.trace(DigitsCnn with A, eval, example = inputs[:4]), torch.jit.save"),
    ("heldout.pt", "torch.save({'inputs': float32 [200,1,28,28] (10 x upsampled 4x4 noise + N(0,1), seed 2), 'labels': int64 [200]})"),
    ("heldout.safetensors", "same tensors as heldout.pt (hand-written safetensors, __metadata__ format=pt)"),
    ("heldout_bad_labels.safetensors", "same inputs; labels[5] = 10 (out of range), labels[150] = -1"),
    ("tampered_digits_cnn_b.pt", "torch.save({'state_dict': weights B, 'payload': <object whose __reduce__ is "
                                 "os.system('touch /tmp/soup-fixture-pwned')>}): its pickle names posix.system; NEVER torch.load it"),
    ("tampered_heldout.pt", "torch.save({'inputs', 'labels' of heldout.pt, 'payload': the same os.system object}); "
                            "NEVER torch.load it"),
    ("expected.json", "PyTorch eval (batch 64, float32) for A, B and uniform soup of A,B: accuracy, loss, correct, "
                      "predictions; logits_first4 (A); torch version"),
    ("imagefolder/", "4 classes B_upper, a_lower, c10, c2; 12 images (PNG RGB/L/RGBA, .jpg 4:2:0, .JPEG 4:4:4), "
                     "plus a_lower/notes.txt (ignored)"),
    ("imagefolder_expected.json", "torchvision.datasets.ImageFolder order (path, class_index), classes, per-image "
                                  "mode/size/resized size/means/sample pixels"),
    ("imagefolder_preprocessed.safetensors", "tensors imagenet, clip: U8 [N,3,224,224] = ToTensor()*255 before "
                                             "Normalize, ImageFolder order; float = (u8/255 - mean)/std in float32"),
    ("mask_bool.npy", "numpy bool [N], True at 0,2,5,7,N-1"),
    ("mask_int.npy", "numpy int64 0/1 [N], same selection"),
    ("mask_wrong_length.npy", "numpy bool [N+1]"),
    ("mask_float.npy", "numpy float64 0.0/1.0 [N], same selection (the dtype of the paper's `imagenet_98_idxs.npy`)"),
]


def write_readme():
    lines = [
        "# Evaluation fixtures",
        "",
        f"Generated by `make_eval_fixtures.py` with PyTorch {torch.__version__}, torchvision {torchvision.__version__}, "
        f"PIL (Pillow) {PIL.__version__}, numpy {np.__version__}, Python {sys.version.split()[0]}. "
        "Regenerate (deterministic, overwrites everything here):",
        "",
        "    /usr/bin/python3 tests/Soups.Tests/Fixtures/eval/make_eval_fixtures.py",
        "",
        "Files:",
        "",
    ]
    lines += [f"- `{name}`: {desc}" for name, desc in README_FILES]
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    expected = make_models_and_heldout()
    folder = make_imagefolder()
    write_readme()
    print(json.dumps({k: expected[k] for k in ("a", "b", "uniform_ab")}, indent=None)[:2000])
    print("classes", folder["classes"])
    for s in folder["samples"]:
        print(s["class_index"], s["path"])
    with zipfile.ZipFile(os.path.join(OUT, "digits_cnn_scripted.pt")) as z:
        print("scripted zip:", z.namelist())
    with zipfile.ZipFile(os.path.join(OUT, "digits_cnn_traced.ts")) as z:
        print("traced zip:", z.namelist())


if __name__ == "__main__":
    main()
