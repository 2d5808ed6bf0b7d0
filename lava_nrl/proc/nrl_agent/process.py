# SPDX-License-Identifier: BSD-3-Clause
"""NRLAgent: the whole NRL policy network as one Lava Process."""

from __future__ import annotations

import dataclasses
import typing as ty

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import LogConfig
from lava.magma.core.process.variable import Var

from lava_nrl import widths
from lava_nrl.agent_file import agent_params, read_agent_file, write_agent_file
from lava_nrl.errors import ConfigError
from lava_nrl.kernels.agent import AgentSpec, init_agents
from lava_nrl.kernels.rules import Modulation, get_rule, lava_rule
from lava_nrl.messages import RewardMessage
from lava_nrl.model_support import ValidatedProcess, collect_saturations, copy_rows, saturation_var
from lava_nrl.numerics import FixedFormat, make_arith
from lava_nrl.params import integer, layer_sizes, positive_real
from lava_nrl.resources import Resources, estimate

__all__ = ["NRLAgent"]


class NRLAgent(ValidatedProcess):
    """A policy network that learns with NRL (or RMHL, or SRL) from a reward signal, one step per tick.

    Each tick it receives the reward message of the previous step and the current observation, and
    sends an action in the same tick (with ``num_envs = K``, a row of each per environment copy)::

        reward_in = RewardMessage (R, event, episode_end; EnvBridge.reward_out's layout)
        if event:        δ = rpe(R, R̄);  W_l ← W_l + η·s_l·δ·e_l (s_l: 1, N_l or N; or the sign step);
                         R̄ ← R̄ + λ(R − R̄);  e_l ← 0
        obs_in = s:      clean and noisy pass (ξ on every layer), a ~ π (π̃ for RMHL),
                         ρ = log π̃(a) − log π(a),  e_l ← γ_e e_l + post_l ⊗ pre_l
                         (SRL: post_l = the sign s_l, sgn(1[a = k] − π_k) at the output and
                         sgn(W_{l+1}ᵀ s_{l+1}) below)
        action_out = a

    The arithmetic is :func:`lava_nrl.kernels.agent.act` and ``learn`` — the engine's — so a run
    equals the engine's run of the same seed (bit for bit in ``fixed_pt``).

    With ``num_envs = K`` the agent acts in K environments at once (an ``EnvBridge(num_envs=K)``): one
    set of weights, K copies of the activity, each with its own noise and action streams, trace and
    baseline; ``obs_in`` is (K, n_obs), ``reward_in`` (K, 3), ``action_out`` (K,). The copies' reward
    events of a tick apply to the shared weights one after the other, copy 0 first, as in the engine.

    Two implementations, chosen by the run config:

    - fused leaf models (default): the whole network in one Lava worker, ``Loihi2SimCfg(select_tag=…)``;
    - the decomposed graph (``Loihi2SimCfg(select_tag=…, select_sub_proc_model=True)``): a ``NoisyDense``
      per layer, a ``PolicyReadout`` and a ``RewardModulator`` (under SRL also a ``SignNeuron`` per
      layer, the sign pathway), each its own worker (the structure a Loihi mapping would have), with the
      same arithmetic in the same order and the same results.

    Read weights with :meth:`layer_weights` (either implementation); the flat ``weights`` Var belongs
    to the fused model.

    Parameters
    ----------
    sizes : sequence of int
        Layer sizes [n_obs, H × L, n_actions].
    rule : str
        ``nrl`` (variant A), ``nrl-b`` (variant B, ×N_l), ``rmhl``, ``nrl-fast`` or ``srl`` (Sign and
        Relevance Learning); the engine-only ``bp`` and ``srl-bp`` are refused.
    lr : float
        η, the learning rate.
    sigma : float
        σ, the standard deviation of the noise ξ.
    precision : str
        ``"float"`` (run with the ``floating_pt`` tag) or ``"fixed"`` (``fixed_pt``); the weights
        Var holds float64 values or integers in Q.``fixed_format.weight_frac_bits``. In fixed point
        ``obs_in`` expects Q.``fixed_format.frac_bits`` integers and ``reward_in``'s R the same scale:
        an ``EnvBridge`` feeding it needs ``obs_frac_bits`` equal to that (its derived default is
        ``frac_bits`` for spaces whose finite bounds fit, e.g. every classic-control task).
    seed : int
        Seeds the initial weights and the noise, action and rounding streams.
    num_envs : int
        K, environment copies sharing the weights (default 1).
    modulation : Modulation or None
        The reward path (default: the episodic one; ``Modulation.immediate()`` for per-step rewards).
    fixed_format : FixedFormat or None
        Widths of the fixed-point flavour (default ``FixedFormat()``).
    weights : sequence of arrays or None
        Initial W_l (n_post × n_pre, real values) instead of Xavier-normal from ``seed``; finite, and
        in fixed point within the weight format (else ConfigError, never a clip).
    learning : bool
        False: a frozen agent that acts (samples its actions as while learning: from π, from π̃ for
        rmhl) and never changes its weights; ``lr`` is kept for :meth:`save`. Default True.
    """

    def __init__(
        self,
        *,
        sizes: ty.Sequence[int],
        rule: str = "nrl-b",
        lr: float = 0.01,
        sigma: float = 1e-3,
        precision: str = "float",
        seed: int = 0,
        num_envs: int = 1,
        modulation: Modulation | None = None,
        fixed_format: FixedFormat | None = None,
        weights: ty.Sequence[np.ndarray] | None = None,
        learning: bool = True,
        name: str | None = None,
        log_config: LogConfig | None = None,
    ) -> None:
        sizes = layer_sizes("NRLAgent: sizes", sizes)
        lava_rule(rule, "NRLAgent: ")
        if lr == 0 and not isinstance(lr, bool):
            raise ConfigError("NRLAgent: lr must be > 0, got 0; to run the agent without learning pass learning=False")
        lr, sigma = positive_real("NRLAgent: lr", lr), positive_real("NRLAgent: sigma", sigma)
        seed = integer("NRLAgent: seed", seed, 0)
        num_envs = integer("NRLAgent: num_envs", num_envs, 1)
        if not isinstance(learning, (bool, np.bool_)):
            raise ConfigError(f"NRLAgent: learning must be True or False, got {learning!r}")
        # A frozen agent is its kernels with η = 0: every update adds exactly zero, in either
        # implementation, and the actions are drawn as while learning.
        spec = AgentSpec(sizes=sizes, rule=get_rule(rule), modulation=modulation or Modulation(),
                         lr=lr if learning else 0.0, sigma=sigma, precision=precision,
                         fixed_format=fixed_format or FixedFormat())
        state = init_agents(spec, [seed])
        if weights is not None:
            state.weights[:] = [spec.arith.encode_weights(w[None]) for w in self._checked_weights(spec, weights)]
        flat = np.concatenate([w.ravel() for w in state.weights])
        layer_weights = [spec.arith.decode_weights(w[0]) for w in state.weights]
        super().__init__(spec=spec, seed=seed, num_envs=num_envs, layer_weights=layer_weights, name=name,
                         log_config=log_config)
        self.spec = spec
        self.lr, self.learning, self.num_envs = lr, bool(learning), num_envs
        self.obs_in = InPort(shape=copy_rows(num_envs, sizes[0]))
        self.reward_in = InPort(shape=copy_rows(num_envs, RewardMessage.size()))
        self.action_out = OutPort(shape=(num_envs,))
        self.weights = Var(shape=flat.shape, init=flat)
        self.saturations = saturation_var()  # the fused model's; see saturation_counts()

    @staticmethod
    def _checked_weights(spec: AgentSpec, weights) -> list[np.ndarray]:
        """``weights`` as float64 arrays of the layers' shapes, finite, and in fixed point within the
        weight format (an initial weight is never clipped silently)."""
        shapes = [(n_post, n_pre) for n_pre, n_post in zip(spec.sizes[:-1], spec.sizes[1:])]
        if [np.shape(w) for w in weights] != shapes:
            raise ConfigError(f"NRLAgent: weights must have shapes {shapes}, got {[np.shape(w) for w in weights]}")
        arrays = [np.asarray(w, dtype=np.float64) for w in weights]
        for l, w in enumerate(arrays):
            if not np.isfinite(w).all():
                raise ConfigError(f"NRLAgent: weights of layer {l} must be finite, got {int((~np.isfinite(w)).sum())} "
                                  f"NaN or infinite values")
            if spec.precision == "fixed":
                fmt = spec.fixed_format
                fresh = make_arith("fixed", fmt)
                fresh.encode_weights(w)
                if fresh.saturations["weight"]:
                    lo, hi = (b / 2.0**fmt.weight_frac_bits for b in fmt.limits(fmt.weight_bits))
                    raise ConfigError(f"NRLAgent: weights of layer {l} must lie in [{lo:g}, {hi:g}] (FixedFormat "
                                      f"weight_bits={fmt.weight_bits}, weight_frac_bits={fmt.weight_frac_bits}), "
                                      f"got {w.min():g} … {w.max():g}")
        return arrays

    def save(self, path) -> None:
        """Write the current weights and the agent's parameters to an ``.npz`` agent file
        (:mod:`lava_nrl.agent_file`, the format of ``lava-nrl train``'s ``weights-seed{S}.npz``).
        Needs a started runtime."""
        params = agent_params(dataclasses.replace(self.spec, lr=self.lr), self.proc_params["seed"])
        write_agent_file(path, params, self.layer_weights())

    @classmethod
    def load(cls, path, **overrides) -> "NRLAgent":
        """A new NRLAgent from an agent file (:meth:`save`'s, or a ``weights-seed{S}.npz`` of
        ``lava-nrl train``): the saved weights, zero traces, no reward baseline yet.

        It goes on learning from those weights; ``learning=False`` gives a frozen agent that only
        acts. ``overrides`` replace saved parameters (e.g. ``seed`` for fresh noise and action
        streams: by default they restart from the saved seed's first draw)."""
        params, weights = read_agent_file(path)
        if get_rule(params["rule"]).engine_only:
            raise ConfigError(f"{path}: a {params['rule']!r} run is engine-only and cannot be an NRLAgent; "
                              f"use lava_nrl.policy.load_policy for its policy")
        names = ("sizes", "rule", "lr", "sigma", "precision", "seed")
        kwargs = {name: params[name] for name in names}
        kwargs.update(modulation=Modulation(**params["modulation"]),
                      fixed_format=FixedFormat(**params["fixed_format"]), weights=weights)
        return cls(**{**kwargs, **overrides})

    def fixed_widths(self) -> dict:
        """The :class:`~lava_nrl.widths.Width` of each Var and port in ``fixed_pt``, from the format."""
        fmt = self.spec.fixed_format
        return dict(obs_in=widths.message(fmt), reward_in=RewardMessage.widths(fmt),
                    action_out=widths.action(self.spec.sizes[-1]), weights=widths.weight(fmt),
                    saturations=widths.COUNTER)

    def resources(self, num_envs: int = 1, core_memory_kb: int = 128) -> Resources:
        """What this agent would need on a Loihi 2 chip, in its fixed-point widths, for ``num_envs``
        environments sharing its weights: neurons, synapses, memory, messages, operations, neuro-cores
        and an energy estimate (:func:`lava_nrl.resources.estimate`; ``print(agent.resources().table())``)."""
        return estimate(self.spec.sizes, self.spec.rule, self.spec.fixed_format, num_envs=num_envs,
                        modulation=self.spec.modulation, core_memory_kb=core_memory_kb)

    def saturation_counts(self) -> dict:
        """Fixed-point values clipped to their width, by kind, over the whole agent (either
        implementation; zeros in float). Needs a started runtime."""
        return collect_saturations(self)

    def layer_weights(self) -> list[np.ndarray]:
        """The current W_l (n_post × n_pre) as real values, from a started runtime, whichever model runs:
        the fused model's flat ``weights`` Var, or each ``NoisyDense``'s in the decomposed graph."""
        if not self.procs.is_empty():
            return [self.spec.arith.decode_weights(getattr(self.procs, f"layer{l}").weights.get())
                    for l in range(self.spec.n_layers)]
        flat, sizes, out, offset = self.weights.get(), self.spec.sizes, [], 0
        for n_pre, n_post in zip(sizes[:-1], sizes[1:]):
            block = np.asarray(flat[offset : offset + n_pre * n_post]).reshape(n_post, n_pre)
            out.append(self.spec.arith.decode_weights(block))
            offset += n_pre * n_post
        return out
