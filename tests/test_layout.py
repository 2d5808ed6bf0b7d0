# SPDX-License-Identifier: BSD-3-Clause
"""The layering holds: the engine imports no Lava; Process folders hold only process.py and models.py."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_engine_and_gymnasium_side_import_no_lava():
    code = ("import sys, lava_nrl.engine, lava_nrl.cli, env_bridge, env_bridge.wrappers, env_bridge.batch; "
            "print(any(m == 'lava' or m.startswith('lava.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_process_folders_hold_only_process_and_models():
    folders = [p.parent for p in ROOT.glob("**/proc/*/process.py") if ".venv" not in p.parts]
    assert folders
    for folder in folders:
        files = {p.name for p in folder.glob("*.py")}
        assert files <= {"__init__.py", "process.py", "models.py"}, folder
