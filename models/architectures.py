"""The reference networks, as plain nn.Sequential so the ONNX export is one op per layer.

Every Fashion-MNIST model takes [N, 1, 28, 28]; the MLPs start with Flatten so the same
input tensor feeds every model. No Softmax: the models output logits.
"""
import torch.nn as nn


def fmnist_mlp(activation):
    # 784-128-64-10 -> ONNX: Flatten, Gemm, act, Gemm, act, Gemm
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 128), activation(),
        nn.Linear(128, 64), activation(),
        nn.Linear(64, 10),
    )


def fmnist_cnn():
    # No padding: 28 -conv-> 26 -pool-> 13 -conv-> 11 -pool-> 5 (floor), 16*5*5 = 400 features.
    # Unpadded convs keep the number of activations (= PBS count in FHE) down.
    # count_include_pad=False changes nothing numerically (there is no padding) but makes torch 1.13
    # export a bare AveragePool instead of Constant + zero Pad + AveragePool.
    return nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=3), nn.ReLU(), nn.AvgPool2d(2, count_include_pad=False),
        nn.Conv2d(8, 16, kernel_size=3), nn.ReLU(), nn.AvgPool2d(2, count_include_pad=False),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 10),
    )


def digits_mlp():
    # 64-32-10 -> ONNX: Gemm, Relu, Gemm
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


# name -> (dataset, builder, per-sample input shape, training recipe)
MODELS = {
    "fmnist_mlp_sigmoid": dict(dataset="fashion_mnist", build=lambda: fmnist_mlp(nn.Sigmoid),
                               input_shape=[1, 28, 28], epochs=12, lr=3e-3, batch=128),
    "fmnist_mlp_relu": dict(dataset="fashion_mnist", build=lambda: fmnist_mlp(nn.ReLU),
                            input_shape=[1, 28, 28], epochs=10, lr=2e-3, batch=128),
    "fmnist_cnn": dict(dataset="fashion_mnist", build=fmnist_cnn,
                       input_shape=[1, 28, 28], epochs=10, lr=3e-3, batch=128),
    "digits_mlp": dict(dataset="digits", build=digits_mlp,
                       input_shape=[64], epochs=60, lr=3e-3, batch=32),
    # Same graph as fmnist_mlp_relu, trained FHE-friendly (models/train.py, train_fhe_friendly):
    # pre-activations held in [lower, upper] by a squared-hinge penalty, uniform noise of one step
    # of a 2^rounding_bits grid over each layer's range (+- margin) added to them, and weights
    # trained (and shipped) on a 3-bit symmetric grid, so fheq keeps its accuracy with 4-bit TLU
    # windows (--rounding 4) and small weight norms (cheaper TFHE parameters with
    # --n-bits-weights 3). ReLU beat Sigmoid here (see README).
    "fmnist_mlp_fhe": dict(dataset="fashion_mnist", build=lambda: fmnist_mlp(nn.ReLU),
                           input_shape=[1, 28, 28], epochs=10, lr=2e-3, batch=128,
                           fhe_friendly=dict(lower=-4.0, upper=4.0, penalty=1.0, rounding_bits=4,
                                             margin=0.05, weight_decay=0.0, weight_bits=3)),
    # Same graph as fmnist_cnn, trained with the same FHE-friendly terms; the TLUs are the ReLUs
    # after each Conv (the pools and the final Linear are linear), so the penalty and the noise act
    # on the two Conv outputs. Differences from fmnist_mlp_fhe, all measured (models/README.md):
    # lower bound -2 (with -4 the first Conv's window was [-4.1, 2.1]: the ReLU used about 6 of 16
    # levels), float weights (3-bit Conv weights cost 3 points of float accuracy and still gave a
    # two-level PBS), and 15 epochs instead of 10 (+1 point float with the noise).
    "fmnist_cnn_fhe": dict(dataset="fashion_mnist", build=fmnist_cnn,
                           input_shape=[1, 28, 28], epochs=15, lr=3e-3, batch=128,
                           fhe_friendly=dict(lower=-2.0, upper=4.0, penalty=1.0, rounding_bits=4,
                                             margin=0.05, weight_decay=0.0, weight_bits=0)),
}
