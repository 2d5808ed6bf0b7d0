# SPDX-License-Identifier: BSD-3-Clause
"""How many results of the C library's exp, log, sin, cos (as the compiled kernels and environments call
them) differ between two settings of this machine, and by how many ulps (docs/scaling.md).

    python benchmarks/libm_bits.py save /tmp/libm.npy
    GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA python benchmarks/libm_bits.py compare /tmp/libm.npy

(the second line: the variants glibc picks on a CPU without AVX2 and FMA). Not a speed goal: a check
of what a float run's last bits depend on.
"""

from __future__ import annotations

import argparse

import numba
import numpy as np

FUNCTIONS = ("exp", "log", "sin", "cos")


@numba.njit(cache=True)
def _compiled(x: np.ndarray) -> np.ndarray:
    out = np.empty((4, x.size))
    for i in range(x.size):
        out[0, i] = np.exp(x[i])
        out[1, i] = np.log(abs(x[i]) + 1e-3)
        out[2, i] = np.sin(50.0 * x[i])
        out[3, i] = np.cos(50.0 * x[i])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["save", "compare"])
    parser.add_argument("path", help="the .npy file of the results")
    args = parser.parse_args()
    results = _compiled(np.random.default_rng(0).normal(0.0, 5.0, 10**6))
    if args.action == "save":
        np.save(args.path, results)
        return
    for name, here, there in zip(FUNCTIONS, results, np.load(args.path)):
        differ = here != there
        ulps = np.abs(here[differ] - there[differ]) / np.spacing(np.abs(there[differ]))
        most = ulps.max() if differ.any() else 0
        print(f"{name}: {differ.mean():.1e} of 10^6 inputs differ, by at most {most:.0f} ulp")


if __name__ == "__main__":
    main()
