"""Offline dataset loaders shared by models/train.py and bench/torch_ptq.py.

These mirror, byte for byte, the rule the C++ loaders follow (see models/README.md):
  * Fashion-MNIST: gzip idx files, 16-byte image header / 8-byte label header,
    pixels as float32 x/255 in [0, 1], shape [N, 1, 28, 28].
  * scikit-learn CSVs (digits): parsed with gzip + numpy (not sklearn's loader),
    features of digits scaled x/16 to [0, 1], shape [N, 64];
    split: sample index % 5 == 4 -> TEST, otherwise TRAIN, no shuffle.
"""
import gzip
import os

import numpy as np

FMNIST_DIR = "/usr/share/datasets/fashion-mnist"
SKLEARN_DATA_DIR = "/usr/lib/python3/dist-packages/sklearn/datasets/data"


def _read_idx(path, header_bytes):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=header_bytes)


def load_fashion_mnist(split):
    """split is 'train' (60000 samples) or 'test' (10000 samples, file prefix t10k)."""
    prefix = {"train": "train", "test": "t10k"}[split]
    pixels = _read_idx(os.path.join(FMNIST_DIR, f"{prefix}-images-idx3-ubyte.gz"), 16)
    labels = _read_idx(os.path.join(FMNIST_DIR, f"{prefix}-labels-idx1-ubyte.gz"), 8)
    images = (pixels.astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{prefix}: {images.shape[0]} images but {labels.shape[0]} labels")
    return images, labels.astype(np.int64)


def load_digits(split):
    """sklearn digits.csv.gz: 1797 rows of 64 pixel counts (0..16) + label, no header line."""
    with gzip.open(os.path.join(SKLEARN_DATA_DIR, "digits.csv.gz"), "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    features = (table[:, :-1] / 16.0).astype(np.float32)
    labels = table[:, -1].astype(np.int64)
    is_test = (np.arange(table.shape[0]) % 5) == 4
    keep = is_test if split == "test" else ~is_test
    return features[keep], labels[keep]


def load(dataset, split):
    if dataset == "fashion_mnist":
        return load_fashion_mnist(split)
    if dataset == "digits":
        return load_digits(split)
    raise ValueError(f"unknown dataset '{dataset}'")
