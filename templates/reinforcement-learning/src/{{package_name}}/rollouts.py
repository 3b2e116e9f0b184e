"""Playing whole episodes with a policy: evaluation, the random baseline and GIF recording."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from PIL import Image

from .envs import RENDER_MODE, make_env
from .model import Agent

# A policy maps a batch of observations to a batch of actions.
Policy = Callable[[np.ndarray], np.ndarray]


def agent_policy(agent: Agent, device: torch.device | str = "cpu") -> Policy:
    """The agent's deterministic policy (its most likely, greedy or mean action) on numpy arrays."""

    @torch.no_grad()
    def policy(observations: np.ndarray) -> np.ndarray:
        batch = torch.as_tensor(observations, dtype=torch.float32, device=device)
        return agent.act(batch).cpu().numpy()

    return policy


def random_policy(action_space: gym.Space, seed: int) -> Policy:
    """The baseline: uniformly random actions, seeded so its returns are repeatable."""
    rng = np.random.default_rng(seed)

    def policy(observations: np.ndarray) -> np.ndarray:
        if isinstance(action_space, gym.spaces.Box):
            size = (len(observations), *action_space.shape)
            return rng.uniform(action_space.low, action_space.high, size=size)
        return rng.integers(action_space.n, size=len(observations))

    return policy


def play_episodes(policy: Policy, env_id: str, episodes: int, seed: int) -> dict[str, np.ndarray]:
    """Play `episodes` episodes side by side from `seed`: each one's return, length, whether the
    environment ended it (rather than the time limit) and its last observation, and every
    observation seen.

    The same policy and seed always give the same numbers. Environments with
    their own NumPy-vectorised implementation (CartPole, Acrobot, ...) use it:
    a whole evaluation then costs about as much as one episode.
    """
    envs = gym.make_vec(env_id, num_envs=episodes, vectorization_mode=None)
    observations, _ = envs.reset(seed=seed)
    seen = [observations]
    returns, lengths = np.zeros(episodes), np.zeros(episodes, dtype=np.int64)
    terminated_at = np.zeros(episodes, dtype=bool)
    final = observations.copy()
    running = np.ones(episodes, dtype=bool)
    while running.any():
        observations, rewards, terminated, truncated, _ = envs.step(policy(observations))
        returns += np.where(running, rewards, 0.0)
        lengths += running
        seen.append(observations[running])
        ended = running & (terminated | truncated)
        # The vector environment resets on the step after this one: `observations` is the last.
        final[ended] = observations[ended]
        terminated_at |= ended & terminated
        # Later steps of a finished copy belong to its next episode: not counted.
        running &= ~ended
    envs.close()
    return {
        "returns": returns,
        "lengths": lengths,
        "terminated": terminated_at,
        "final": final,
        "observations": np.concatenate(seen),
    }


def evaluate_policy(
    policy: Policy, env_id: str, episodes: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Returns and lengths of `episodes` episodes played side by side from `seed`."""
    played = play_episodes(policy, env_id, episodes, seed)
    return played["returns"], played["lengths"]


@dataclass
class Episode:
    """One played episode: what `predict` prints and the GIF shows."""

    total_reward: float
    actions: list[int] | list[list[float]]  # discrete actions, or continuous action vectors
    frames: list[np.ndarray]  # rendered RGB frames, empty unless recorded
    fps: float  # the environment's own rendering speed


def play_episode(policy: Policy, env_id: str, seed: int, record: bool = False) -> Episode:
    """One episode from `seed`; `record` renders every step off-screen."""
    env = make_env(env_id, render_mode=RENDER_MODE if record else None)
    observation, _ = env.reset(seed=seed)
    episode = Episode(0.0, [], [env.render()] if record else [], env.metadata.get("render_fps", 30))
    done = False
    while not done:
        action = policy(observation[None])[0]
        observation, reward, terminated, truncated, _ = env.step(action)
        episode.total_reward += float(reward)
        episode.actions.append(action.tolist())
        done = terminated or truncated
        if record:
            episode.frames.append(env.render())
    env.close()
    return episode


def save_gif(episode: Episode, path: Path, every: int = 2, scale: float = 0.5) -> Path:
    """Write every `every`-th frame, shrunk by `scale`, as a looping real-time GIF.

    Half the frames at half the size keeps a 500-step CartPole episode small
    enough to commit beside the README.
    """
    images = [Image.fromarray(frame) for frame in episode.frames[::every]]
    if scale != 1.0:
        size = (round(images[0].width * scale), round(images[0].height * scale))
        images = [image.resize(size, Image.Resampling.BILINEAR) for image in images]
    duration_ms = round(1000 * every / episode.fps)
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return path
