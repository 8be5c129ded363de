#!/usr/bin/python3
"""PIL + torchvision decoding and preprocessing of an image folder, as an evaluation script would do it:
ImageFolder with Resize(256), CenterCrop(224), ToTensor, Normalize, batches of 32 through a DataLoader with W worker
processes (0: in the main process). Prints the seconds for the whole folder."""
import sys
import time

import torch
import torchvision

folder, workers = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(2)
t = time.perf_counter()
ds = torchvision.datasets.ImageFolder(folder, transform=torchvision.transforms.Compose([
    torchvision.transforms.Resize(256), torchvision.transforms.CenterCrop(224), torchvision.transforms.ToTensor(),
    torchvision.transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]))
n = 0
for x, y in torch.utils.data.DataLoader(ds, batch_size=32, num_workers=workers):
    n += x.shape[0]
print(f"{time.perf_counter() - t:.4f} {n}")
