# Set-up is part of every target: a fresh clone needs only `make demo` or `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
# pyenv's shim honours .python-version (3.10.13); lava-nc 0.10 installs only on Python 3.10.
PYTHON310 ?= $(shell command -v python3.10 2>/dev/null || pyenv which python3.10 2>/dev/null)

.PHONY: demo test test-slow bench tutorials clean

$(PY):
	@test -n "$(PYTHON310)" || { echo "error: Python 3.10 not found (lava-nc 0.10 needs >=3.10,<3.11); install it, e.g. 'pyenv install 3.10.13'" >&2; exit 1; }
	$(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

# The tests run on a real Ray cluster of this machine (tests/cli/test_ray.py); demo stays without Ray.
$(VENV)/.installed-ray: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test,ray]'
	@touch $@

# The demo: the Lava graph in fixed point, 16 CartPoles per tick, until the 100-episode mean reaches 475
# (or 2,000 episodes). tests/cli/test_demo.py runs these options with a shorter budget.
DEMO := --backend lava --precision fixed --env CartPole-v1 --rule nrl-fast --envs 16 --stop-after-threshold 1 --seeds 42

demo: $(VENV)/.installed
	$(VENV)/bin/lava-nrl train $(DEMO) --episodes 2000 --out runs/demo --overwrite

# A hard bound on the whole run: timeout kills pytest's process group, Lava workers included.
test: $(VENV)/.installed-ray
	timeout -k 30 1500 $(PY) -m pytest

test-slow: $(VENV)/.installed-ray
	$(PY) -m pytest -m slow

# Executes every notebook in tutorials/ in place, states its run time and regenerates tutorials/README.md.
tutorials: $(VENV)/.installed
	$(PY) tutorials/run.py

bench: $(VENV)/.installed
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_bridge.py
	$(PY) benchmarks/bench_lava_agent.py
	$(PY) benchmarks/bench_reproduce.py

clean:
	rm -rf $(VENV) runs .pytest_cache
