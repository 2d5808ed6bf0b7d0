# SPDX-License-Identifier: BSD-3-Clause
"""The smallest and largest value (per element) that each port of each Lava worker sent or received
during a run.

Lava's ``Monitor`` probes only ports of Processes that exist before compilation, and the children of a
SubProcessModel (the decomposed NRLAgent's TraceDense, NoisyNeuron, …) are built while compiling. So
this wraps the dense Python ports' ``send`` and ``recv`` for the duration of a block: Lava's workers are
forked from this process and run the wrappers, and each worker writes what it saw into a folder, keyed
by its Process's id (``model_id``) and the port's name.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import pickle

import numpy as np
from lava.magma.core.model.py.ports import PyInPortVectorDense, PyOutPortVectorDense

__all__ = ["port_traffic"]


@contextlib.contextmanager
def port_traffic(folder):
    """Within the block every Lava worker records its ports' extremes into ``folder``; yields a function
    that returns ``{(process id, port name): (element-wise min, element-wise max)}`` over all workers."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    seen, names = {}, {}  # in a worker: key → [lo, hi]; id(port) → key

    def record(port, values) -> None:
        key = names.get(id(port))
        if key is None:
            model = port._process_model
            key = names[id(port)] = (model.model_id, next(n for n, v in vars(model).items() if v is port))
        values = np.array(values)
        lo_hi = seen.get(key)
        if lo_hi is not None and (values >= lo_hi[0]).all() and (values <= lo_hi[1]).all():
            return
        seen[key] = (values, values) if lo_hi is None else (np.minimum(lo_hi[0], values), np.maximum(lo_hi[1], values))
        partial = folder / f".{os.getpid()}.tmp"
        partial.write_bytes(pickle.dumps(seen))
        os.replace(partial, folder / f"{os.getpid()}.pkl")  # a reader never sees half a file

    send, recv = PyOutPortVectorDense.send, PyInPortVectorDense.recv

    def recording_send(self, data):
        record(self, data)
        send(self, data)

    def recording_recv(self):
        data = recv(self)
        record(self, data)
        return data

    def extremes() -> dict:
        merged = {}
        for path in folder.glob("*.pkl"):
            for key, (lo, hi) in pickle.loads(path.read_bytes()).items():
                old = merged.get(key)
                merged[key] = (lo, hi) if old is None else (np.minimum(old[0], lo), np.maximum(old[1], hi))
        return merged

    PyOutPortVectorDense.send, PyInPortVectorDense.recv = recording_send, recording_recv
    try:
        yield extremes
    finally:
        PyOutPortVectorDense.send, PyInPortVectorDense.recv = send, recv
