#!/usr/bin/python3
"""The inputs of the image-decode benchmark (issue #12), made with Debian's PIL, torch and torchvision:
- images-256/ and images-32/ (its first 32 images) and images-64/: JPEG photos-like test images (smooth random colour
  fields with noise, 375-500 x 500-640 pixels, quality 90) in 4 class folders, like an ImageNet val folder;
- probe.ts/probe.safetensors: a TorchScript model that does almost nothing (global average pool + a 3->1000 linear
  layer), so `soup eval` with it measures decoding and preprocessing;
- resnet50.ts/resnet50.safetensors: torchvision's ResNet-50 (seed 0) and tensors-64.safetensors, the 64 images of
  images-64 preprocessed by torchvision (Resize 256, CenterCrop 224, ToTensor, Normalize) for the same evaluation
  without decoding."""
import os
import shutil
import sys

import torch
import torchvision
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))
from soupbench import write_safetensors  # noqa: E402

work = sys.argv[1]
torch.set_num_threads(2)
g = torch.Generator().manual_seed(3)
root = os.path.join(work, "images-256")
paths = []
for i in range(256):
    h, w = 375 + int(torch.randint(0, 126, (1,), generator=g)), 500 + int(torch.randint(0, 141, (1,), generator=g))
    low = torch.rand(3, h // 25 + 1, w // 25 + 1, generator=g)
    img = torch.nn.functional.interpolate(low[None], size=(h, w), mode="bicubic", align_corners=False)[0]
    img = (img + 0.08 * torch.randn(3, h, w, generator=g)).clamp(0, 1)
    arr = (img.permute(1, 2, 0) * 255).to(torch.uint8).numpy()
    folder = os.path.join(root, f"class{i % 4}")
    os.makedirs(folder, exist_ok=True)
    p = os.path.join(folder, f"img{i:04d}.jpg")
    Image.fromarray(arr).save(p, quality=90)
    paths.append(p)
for n in (32, 64):
    sub = os.path.join(work, f"images-{n}")
    shutil.rmtree(sub, ignore_errors=True)
    for p in sorted(paths)[:n]:
        rel = os.path.relpath(p, root)
        os.makedirs(os.path.dirname(os.path.join(sub, rel)), exist_ok=True)
        shutil.copy(p, os.path.join(sub, rel))

probe = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(3, 1000)).eval()
torch.jit.script(probe).save(os.path.join(work, "probe.ts"))
write_safetensors(os.path.join(work, "probe.safetensors"), dict(probe.state_dict()), {"format": "pt"})
torch.manual_seed(0)
resnet = torchvision.models.resnet50().eval()
torch.jit.script(resnet).save(os.path.join(work, "resnet50.ts"))
write_safetensors(os.path.join(work, "resnet50.safetensors"), {k: v.contiguous() for k, v in resnet.state_dict().items()}, {"format": "pt"})
ds = torchvision.datasets.ImageFolder(os.path.join(work, "images-64"), transform=torchvision.transforms.Compose([
    torchvision.transforms.Resize(256), torchvision.transforms.CenterCrop(224), torchvision.transforms.ToTensor(),
    torchvision.transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]))
x = torch.stack([ds[i][0] for i in range(len(ds))])
y = torch.tensor([ds[i][1] for i in range(len(ds))])
write_safetensors(os.path.join(work, "tensors-64.safetensors"), {"inputs": x.contiguous(), "labels": y})
print("data written to", work)
