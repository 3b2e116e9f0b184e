"""Gymnasium environments: where the agent's experience (its "data") comes from.

Any registered environment with a discrete action space and a flat observation
vector works: change `env_id` in the config (CartPole-v1, Acrobot-v1,
MountainCar-v0, LunarLander-v3 with `gymnasium[box2d]`, ...).
"""

from __future__ import annotations

import os

import gymnasium as gym
import numpy as np

# Frames are drawn off-screen (for the GIF), so no display is needed: tell SDL
# (pygame) not to look for one, which also works on CI runners and servers.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
RENDER_MODE = "rgb_array"


def make_env(env_id: str, render_mode: str | None = None) -> gym.Env:
    """One environment, checked to be something these agents can learn."""
    env = gym.make(env_id, render_mode=render_mode)
    check_spaces(env.observation_space, env.action_space, env_id)
    return env


def make_vector_env(
    env_id: str, num_envs: int, vectorization: str = "sync"
) -> gym.vector.VectorEnv:
    """`num_envs` copies of the environment stepped together.

    `sync` steps them one after another in this process (fastest for cheap
    environments such as CartPole); `async` gives each copy its own process,
    which pays off when one step costs more than the inter-process message.
    Finished episodes are reset in the same step (`SAME_STEP`), and the last
    observation of the finished episode is kept in `info["final_obs"]` so that
    time-limit truncations can be bootstrapped.
    """
    if vectorization not in {"sync", "async"}:
        raise ValueError(f"vectorization must be 'sync' or 'async', not {vectorization!r}")
    envs = gym.make_vec(
        env_id,
        num_envs=num_envs,
        vectorization_mode=vectorization,
        vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP},
    )
    check_spaces(envs.single_observation_space, envs.single_action_space, env_id)
    return envs


def check_spaces(observation_space: gym.Space, action_space: gym.Space, env_id: str) -> None:
    """Fail early, with the reason, on environments an MLP over discrete actions cannot drive."""
    if not isinstance(action_space, gym.spaces.Discrete):
        raise ValueError(f"{env_id} has {action_space}: these agents need discrete actions")
    if not isinstance(observation_space, gym.spaces.Box) or len(observation_space.shape) != 1:
        raise ValueError(f"{env_id} observes {observation_space}: these agents need a flat vector")


def space_sizes(env: gym.Env | gym.vector.VectorEnv) -> tuple[int, int]:
    """(observation size, number of actions) of one copy of the environment."""
    if isinstance(env, gym.vector.VectorEnv):
        observation_space, action_space = env.single_observation_space, env.single_action_space
    else:
        observation_space, action_space = env.observation_space, env.action_space
    return int(np.prod(observation_space.shape)), int(action_space.n)


def reward_threshold(env_id: str) -> float | None:
    """The return at which gymnasium counts the environment as solved (475 for CartPole-v1)."""
    return gym.spec(env_id).reward_threshold
