# SPDX-License-Identifier: BSD-3-Clause
"""ProcessModels of EnvBridge: one cycle logic, two message types (float, fixed-point integers)."""

from __future__ import annotations

import sys

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from env_bridge.batch import make_batch
from env_bridge.episodes import AgentEpisodes
from env_bridge.proc.env_bridge.process import EPISODE_FIELDS, EnvBridge
from env_bridge.schedules import RewardSchedule, initial_state, schedule_step
from lava_nrl.errors import ConfigError, SpaceError
from lava_nrl.messages import RewardMessage
from lava_nrl.model_support import SaturationCounting
from lava_nrl.numerics import FixedArith, FloatArith, rng

__all__ = ["PyEnvBridgeModelFloat", "PyEnvBridgeModelFixed"]

class AbstractPyEnvBridgeModel(SaturationCounting, PyLoihiProcessModel):
    """The cycle of :class:`EnvBridge` for its K environments; subclasses choose the message types and
    the arithmetic."""

    obs_out = None
    reward_out = None
    action_in = None
    env_steps = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.arith = self.make_arith(p)
        self.copies = p["num_envs"]
        self.envs = make_batch(p["env"], rng.env_seeds(p["seed"], self.copies))  # made in the worker, after Lava's fork
        self.schedule = RewardSchedule.parse(p["reward"])
        self.schedule_state = initial_state(self.schedule, self.copies)
        self.cycle = p["cycle_ticks"]
        self.argmax = p["action_encoding"] == "argmax"
        self.log, self.count = p["episode_log"], p["episode_count"]
        self.book = AgentEpisodes(self.copies, p["max_episodes"] or sys.maxsize, p["stop_after_threshold"],
                                  p["reward_threshold"])
        self.last_episode_ended = False  # its reward message, sent next, ends the run
        self.obs = self.envs.reset()
        self.no_reward = RewardMessage(np.zeros(self.copies), np.zeros(self.copies, bool), np.zeros(self.copies, bool))
        self.reward_msg = self.no_reward  # sent on the next phase 0
        self.action_inputs = np.zeros((self.copies, self.envs.n_actions if self.argmax else 1))
        self.episode_return, self.episode_length = np.zeros(self.copies), np.zeros(self.copies, dtype=np.int64)

    def make_arith(self, proc_params):
        raise NotImplementedError

    def run_spk(self) -> None:
        phase = (self.time_step - 1) % self.cycle
        self.obs_out.send(self.arith.encode(self.obs).reshape(self.obs_out.shape))
        message = self.reward_msg if phase == 0 else self.no_reward
        encoded = message._replace(reward=self.arith.encode_reward(message.reward)).pack(self.arith.dtype)
        self.reward_out.send(encoded.reshape(self.reward_out.shape))
        if phase == 0 and self.last_episode_ended:
            self._req_pause = True  # the last episode's reward is out: end the run after this tick
            self.last_episode_ended = False
        received = self.action_in.recv().reshape(self.copies, -1)
        self.action_inputs = self.action_inputs + received if self.argmax else received
        if phase == self.cycle - 1:
            self.step_environments(self.decode_actions(self.action_inputs))
            self.action_inputs = np.zeros_like(self.action_inputs)
        self.record_saturations()

    def decode_actions(self, inputs: np.ndarray) -> np.ndarray:
        if self.argmax:
            return np.argmax(inputs, axis=1)
        actions = inputs[:, 0]
        playing = self.book.playing
        if (actions[playing] != np.round(actions[playing])).any() or not (
                (0 <= actions[playing]) & (actions[playing] < self.envs.n_actions)).all():
            raise SpaceError(f"EnvBridge received action {actions[playing]!r} on action_in; "
                             f"expected integers in [0, {self.envs.n_actions})")
        return np.where(playing, actions, 0).astype(np.int64)

    def step_environments(self, actions: np.ndarray) -> None:
        """Step the environments that play on; deliver their rewards; record the episodes that end."""
        playing = self.book.playing.copy()
        obs, reward, terminated, truncated = self.envs.step(actions, playing)
        done = terminated | truncated
        delivered, event, self.schedule_state = schedule_step(self.schedule, self.schedule_state, reward, done)
        self.reward_msg = RewardMessage(delivered, event & playing, done)
        self.obs = obs
        self.env_steps += int(playing.sum())
        self.episode_return += reward
        self.episode_length += 1
        for k in np.flatnonzero(done & playing):
            self.record_episode(k)
        self.episode_return[done], self.episode_length[done] = 0.0, 0

    def record_episode(self, k: int) -> None:
        """Log the episode environment ``k`` ended, and decide whether it is the run's last: every
        environment has stopped (the budget spent, or the running mean held the threshold)."""
        count = self.count.value
        if count == len(self.log) // EPISODE_FIELDS:
            raise ConfigError(f"EnvBridge: the episode log is full ({count} episodes); "
                              "give a larger log_capacity or a max_episodes")
        steps = int(self.env_steps[0])
        self.book.end(k, self.episode_return[k], self.episode_length[k], steps)
        row = EPISODE_FIELDS * count
        self.log[row : row + EPISODE_FIELDS] = [self.episode_return[k], self.episode_length[k], k, steps]
        self.count.value = count + 1
        self.last_episode_ended = self.book.done


@implements(proc=EnvBridge, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyEnvBridgeModelFloat(AbstractPyEnvBridgeModel):
    """Float messages: observations and rewards as they come from gymnasium."""

    obs_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    reward_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    action_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    env_steps: np.ndarray = LavaPyType(np.ndarray, np.int64)

    def make_arith(self, proc_params):
        return FloatArith()


@implements(proc=EnvBridge, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyEnvBridgeModelFixed(AbstractPyEnvBridgeModel):
    """Integer messages: observations Q.obs_frac_bits in ``msg_bits``, R in ``reward_bits``."""

    obs_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    reward_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=32)
    action_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    env_steps: np.ndarray = LavaPyType(np.ndarray, np.int64)

    def make_arith(self, proc_params):
        import dataclasses

        fmt = dataclasses.replace(proc_params["fixed_format"], frac_bits=proc_params["obs_frac_bits"])
        return FixedArith(fmt)
