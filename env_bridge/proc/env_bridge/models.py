# SPDX-License-Identifier: BSD-3-Clause
"""ProcessModels of EnvBridge: one cycle logic, two message types (float, fixed-point integers)."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from env_bridge.batch import make_batch
from env_bridge.proc.env_bridge.process import EnvBridge
from env_bridge.schedules import RewardSchedule, initial_state, schedule_step
from lava_nrl.errors import ConfigError, SpaceError
from lava_nrl.messages import RewardMessage
from lava_nrl.model_support import SaturationCounting
from lava_nrl.numerics import FixedArith, FloatArith
from lava_nrl.runs import WINDOW

__all__ = ["PyEnvBridgeModelFloat", "PyEnvBridgeModelFixed"]

NO_REWARD = RewardMessage(0.0, False, False)


class AbstractPyEnvBridgeModel(SaturationCounting, PyLoihiProcessModel):
    """The cycle of :class:`EnvBridge`; subclasses choose the message types and the arithmetic."""

    obs_out = None
    reward_out = None
    action_in = None
    env_steps = None

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.arith = self.make_arith(p)
        self.envs = make_batch(p["env"], [p["seed"]])  # made in the worker, after Lava's fork
        self.schedule = RewardSchedule.parse(p["reward"])
        self.schedule_state = initial_state(self.schedule, 1)
        self.cycle = p["cycle_ticks"]
        self.argmax = p["action_encoding"] == "argmax"
        self.log, self.count = p["episode_log"], p["episode_count"]
        self.max_episodes = p["max_episodes"]
        self.hold = p["stop_after_threshold"] if p["reward_threshold"] is not None else 0
        self.threshold, self.held = p["reward_threshold"], 0  # episodes the running mean held it
        self.last_episode_ended = False  # its reward message, sent next, ends the run
        self.obs = self.envs.reset()[0]
        self.reward_msg = NO_REWARD  # sent on the next phase 0
        self.action_inputs = np.zeros(self.envs.n_actions if self.argmax else 1)
        self.episode_return, self.episode_length = 0.0, 0

    def make_arith(self, proc_params):
        raise NotImplementedError

    def run_spk(self) -> None:
        phase = (self.time_step - 1) % self.cycle
        self.obs_out.send(self.arith.encode(self.obs))
        message = self.reward_msg if phase == 0 else NO_REWARD
        self.reward_out.send(message._replace(reward=self.arith.encode_reward(message.reward)).pack(self.arith.dtype))
        if phase == 0 and message.episode_end and self.last_episode_ended:
            self._req_pause = True  # the last episode's reward is out: end the run after this tick
            self.last_episode_ended = False
        received = self.action_in.recv()
        self.action_inputs = self.action_inputs + received if self.argmax else received
        if phase == self.cycle - 1:
            self.step_environment(self.decode_action(self.action_inputs))
            self.action_inputs = np.zeros_like(self.action_inputs)
        self.record_saturations()

    def decode_action(self, inputs: np.ndarray) -> int:
        if self.argmax:
            return int(np.argmax(inputs))
        action = inputs[0]
        if action != int(action) or not 0 <= action < self.envs.n_actions:
            raise SpaceError(f"EnvBridge received action {action!r} on action_in; "
                             f"expected an integer in [0, {self.envs.n_actions})")
        return int(action)

    def step_environment(self, action: int) -> None:
        obs, reward, terminated, truncated = self.envs.step(np.array([action]))
        done = terminated | truncated
        delivered, event, self.schedule_state = schedule_step(self.schedule, self.schedule_state, reward, done)
        self.reward_msg = RewardMessage(delivered[0], bool(event[0]), bool(done[0]))
        self.obs = obs[0]
        self.env_steps += 1
        self.episode_return += float(reward[0])
        self.episode_length += 1
        if done[0]:
            self.record_episode()
            self.episode_return, self.episode_length = 0.0, 0

    def record_episode(self) -> None:
        """Log the episode that ended, and decide whether it is the run's last: the budget is
        spent, or the running mean held the threshold ``hold`` episodes (the engine's rule)."""
        count = self.count.value
        if count == len(self.log) // 2:
            raise ConfigError(f"EnvBridge: the episode log is full ({count} episodes); "
                              "give a larger log_capacity or a max_episodes")
        self.log[2 * count], self.log[2 * count + 1] = self.episode_return, self.episode_length
        self.count.value = count = count + 1
        if self.hold and count >= WINDOW:
            recent = np.array(self.log[2 * (count - WINDOW) : 2 * count : 2])
            self.held = self.held + 1 if np.mean(recent) >= self.threshold else 0
        self.last_episode_ended = count == self.max_episodes or bool(self.hold and self.held >= self.hold)


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
