#!/usr/bin/python3
"""Write the built-in sample data sets shipped in data/samples (header row, last column 'target').

Run once with Debian's python3-sklearn; the CSV files are committed, scikit-learn is not a runtime dependency.
"""
import os
import sys

import numpy as np
from sklearn import datasets

LOADERS = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
    "diabetes": datasets.load_diabetes,
}


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, load in LOADERS.items():
        bunch = load()
        names = [str(n).replace(" ", "_").replace(",", "") for n in getattr(bunch, "feature_names", [])]
        if len(names) != bunch.data.shape[1]:
            names = [f"f{i}" for i in range(bunch.data.shape[1])]
        header = ",".join(names + ["target"])
        np.savetxt(os.path.join(out, f"{name}.csv"), np.column_stack([bunch.data, bunch.target]),
                   delimiter=",", header=header, comments="", fmt="%.10g")
        print(name, bunch.data.shape)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "data", "samples"))
