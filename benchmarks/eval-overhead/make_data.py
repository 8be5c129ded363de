#!/usr/bin/python3
"""ResNet-18 (torchvision, seed 0) as TorchScript and as a safetensors checkpoint of the same weights, and two held-out
splits of random 224x224 images with random labels (160 and 32 images): the inputs of the eval-overhead benchmark."""
import os
import sys

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))
from soupbench import write_safetensors  # noqa: E402

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
torch.set_num_threads(2)
torch.manual_seed(0)
model = torchvision.models.resnet18().eval()
torch.jit.script(model).save(os.path.join(work, "resnet18.ts"))
write_safetensors(os.path.join(work, "resnet18.safetensors"), {k: v.contiguous() for k, v in model.state_dict().items()}, {"format": "pt"})
g = torch.Generator().manual_seed(1)
x = torch.randn(160, 3, 224, 224, generator=g)
y = torch.randint(0, 1000, (160,), generator=g)
write_safetensors(os.path.join(work, "heldout-160.safetensors"), {"inputs": x, "labels": y})
write_safetensors(os.path.join(work, "heldout-32.safetensors"), {"inputs": x[:32].clone(), "labels": y[:32].clone()})
print("data written to", work)
