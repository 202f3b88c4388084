#!/usr/bin/python3
"""Check the shipped models without PyTorch: every entry of models/models.json must
  * pass onnx.checker, with input "input" and output "logits" batch-dynamic, opset as recorded;
  * reproduce <name>.ref_output.npy from <name>.ref_input.npy through the independent NumPy
    evaluator (models/onnx_numpy.py), within 1e-4;
  * reproduce the recorded float test accuracy on the whole test split through the same evaluator
    (float64 here vs float32 in torch can flip near-tied argmaxes, so allow 0.1 points).
Exit status 1 on any failure.   /usr/bin/python3 models/check_models.py
"""
import json
import os
import sys

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import datasets  # noqa: E402
import onnx_numpy  # noqa: E402

REF_ATOL = 1e-4
ACCURACY_TOLERANCE = 0.001
SIZE_BUDGET_BYTES = 3 * 1024 * 1024


def check_interface(model, entry):
    problems = []
    graph = model.graph
    if [i.name for i in graph.input if i.name not in {t.name for t in graph.initializer}] != ["input"]:
        problems.append("graph input is not exactly ['input']")
    if [o.name for o in graph.output] != ["logits"]:
        problems.append("graph output is not exactly ['logits']")
    for value in list(graph.input[:1]) + list(graph.output[:1]):
        first_dim = value.type.tensor_type.shape.dim[0]
        if first_dim.dim_param != "batch":
            problems.append(f"{value.name}: first dimension is not the dynamic axis 'batch'")
    dims = [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim[1:]]
    if dims != entry["input_shape"][1:]:
        problems.append(f"input dims {dims} != models.json input_shape {entry['input_shape'][1:]}")
    if model.opset_import[0].version != entry["opset"]:
        problems.append(f"opset {model.opset_import[0].version} != {entry['opset']}")
    return problems


def main():
    with open(os.path.join(HERE, "models.json")) as f:
        table = json.load(f)
    failures = 0
    for name, entry in table.items():
        onnx_path = os.path.join(HERE, entry["onnx"])
        model = onnx.load(onnx_path)
        onnx.checker.check_model(model)
        problems = check_interface(model, entry)

        ref_in = np.load(os.path.join(HERE, entry["ref_input"]))
        ref_out = np.load(os.path.join(HERE, entry["ref_output"]))
        if ref_in.dtype != np.float32 or ref_out.dtype != np.float32:
            problems.append("reference arrays are not float32")
        (logits,) = onnx_numpy.run(onnx_path, {"input": ref_in})
        ref_diff = float(np.abs(logits - ref_out).max())
        if ref_diff > REF_ATOL:
            problems.append(f"ref_output differs from the ONNX run by {ref_diff:g}")

        x_test, y_test = datasets.load(entry["dataset"], "test")
        predicted = np.concatenate([onnx_numpy.run(onnx_path, {"input": x_test[s:s + 1000]})[0].argmax(axis=1)
                                    for s in range(0, len(x_test), 1000)])
        acc = float((predicted == y_test).mean())
        if abs(acc - entry["float_accuracy"]) > ACCURACY_TOLERANCE:
            problems.append(f"ONNX accuracy {acc:.4f} != recorded {entry['float_accuracy']:.4f}")

        status = "ok" if not problems else "FAIL: " + "; ".join(problems)
        print(f"{name:<20} ref max|diff| {ref_diff:.1e}  onnx acc {acc:.4f} "
              f"(recorded {entry['float_accuracy']:.4f})  {status}")
        failures += bool(problems)

    total = sum(os.path.getsize(os.path.join(HERE, f)) for f in os.listdir(HERE)
                if os.path.isfile(os.path.join(HERE, f)))
    print(f"models/ holds {total / 1e6:.2f} MB (budget {SIZE_BUDGET_BYTES / 1e6:.2f} MB)")
    if total > SIZE_BUDGET_BYTES:
        failures += 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
