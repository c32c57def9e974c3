#!/usr/bin/env python3
"""Writes a full-size torchvision VGG checkpoint with seeded random weights, for benchmarks
and load-time measurements (never committed: vgg16_bn is 553 MB).

BatchNorm layers get non-trivial running statistics so folding them is exercised.
Usage: python Scripts/make_full_checkpoint.py --arch vgg16_bn --out /tmp/vgg16_bn.pth [--legacy] [--seed N]
"""
import argparse
import torch, torchvision

parser = argparse.ArgumentParser()
parser.add_argument("--arch", default="vgg16_bn")
parser.add_argument("--out", required=True)
parser.add_argument("--legacy", action="store_true", help="pre-1.6 container, as vgg16-397923af.pth")
parser.add_argument("--seed", type=int, default=20261126)
args = parser.parse_args()
print(f"seed {args.seed}, arch {args.arch}, legacy {args.legacy}")
torch.manual_seed(args.seed)
model = getattr(torchvision.models, args.arch)(weights=None).eval()
for m in model.modules():
    if isinstance(m, torch.nn.BatchNorm2d):
        with torch.no_grad():
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.2)
            m.running_var.uniform_(0.5, 2.0)
torch.save(model.state_dict(), args.out, _use_new_zipfile_serialization=not args.legacy)
print(f"wrote {args.out}")
