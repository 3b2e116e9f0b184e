"""Proximal Policy Optimization (Schulman et al., 2017, arXiv:1707.06347), in one file.

Read top to bottom: collect `num_steps` steps from `num_envs` environments with
the current policy, turn the rewards into advantages with GAE, then take
`update_epochs` passes of clipped-objective gradient steps over that batch.
Discrete actions come from a categorical policy, continuous ones from a Gaussian
(see `ActorCritic`). The dataclass defaults are rl-zoo's tuned CartPole-v1
settings; `configs/default.yaml` holds the tuned values for its environment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from .envs import action_bounds, space_sizes
from .model import ActorCritic, ObservationNormalizer


@dataclass
class PPOConfig:
    """Every PPO hyper-parameter; `configs/*.yaml` sets them under `ppo:`."""

    num_envs: int = 8  # environments stepped together; one rollout = num_envs * num_steps steps
    num_steps: int = 32  # steps per environment per rollout
    learning_rate: float = 1e-3
    anneal_lr: bool = True  # decay the learning rate linearly to 0 over the step budget
    anneal_clip: bool = True  # decay the clip range the same way
    gamma: float = 0.98  # discount factor
    gae_lambda: float = 0.8  # GAE's bias/variance trade-off (1 = Monte Carlo returns)
    update_epochs: int = 20  # passes over each rollout
    num_minibatches: int = 1  # minibatches per pass
    clip_coef: float = 0.2  # epsilon of the clipped surrogate objective
    norm_adv: bool = True  # normalise advantages within each minibatch
    ent_coef: float = 0.0  # weight of the entropy bonus (exploration)
    vf_coef: float = 0.5  # weight of the value loss
    max_grad_norm: float = 0.5  # gradient clipping
    normalize_obs: bool = True  # running mean/variance observation normalisation
    normalize_reward: bool = False  # divide rewards by the running std of the discounted return
    hidden_sizes: list[int] = field(default_factory=lambda: [64, 64])


# Called after each update with the environment steps so far and the agent; True stops training.
AfterUpdate = Callable[[int, ActorCritic], bool]


class RewardScaler:
    """Divides each reward by the running standard deviation of the discounted return.

    Sparse or large rewards (-1 every step on MountainCar, -16 on Pendulum) give
    value targets far from the network's initial outputs; scaled rewards keep them
    near unit size. The same scaling as Stable-Baselines3's VecNormalize and
    gymnasium's NormalizeReward wrapper (used by rl-zoo's `normalize: true`).
    """

    def __init__(self, num_envs: int, gamma: float, clip: float = 10.0) -> None:
        self.gamma, self.clip = gamma, clip
        self.returns = np.zeros(num_envs)
        self.stats = ObservationNormalizer(1)  # a running variance of one number

    def __call__(self, rewards: np.ndarray, dones: np.ndarray) -> np.ndarray:
        self.returns = self.returns * self.gamma + rewards
        self.stats.update(torch.as_tensor(self.returns, dtype=torch.float32)[:, None])
        self.returns[dones] = 0.0
        scaled = rewards / np.sqrt(self.stats.var.item() + 1e-8)
        return np.clip(scaled, -self.clip, self.clip)


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    dones: torch.Tensor,
    next_value: torch.Tensor,
    gamma: float,
    gae_lambda: float,
) -> torch.Tensor:
    """Generalised advantage estimation (Schulman et al., 2016, arXiv:1506.02438).

    delta_t = r_t + gamma * V(s_t+1) * (1 - done_t) - V(s_t)
    A_t = delta_t + gamma * lambda * (1 - done_t) * A_t+1
    All tensors are (steps, envs); `next_value` is V of the observation after the last step.
    """
    advantages = torch.zeros_like(rewards)
    last_advantage = torch.zeros_like(next_value)
    for t in reversed(range(len(rewards))):
        following = next_value if t == len(rewards) - 1 else values[t + 1]
        not_done = 1.0 - dones[t]
        delta = rewards[t] + gamma * following * not_done - values[t]
        last_advantage = delta + gamma * gae_lambda * not_done * last_advantage
        advantages[t] = last_advantage
    return advantages


def ppo_loss(
    agent: ActorCritic,
    obs: torch.Tensor,
    actions: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    returns: torch.Tensor,
    clip: float,
    config: PPOConfig,
) -> torch.Tensor:
    """Clipped surrogate policy loss + value loss - entropy bonus, on one minibatch.

    r = pi(a|s) / pi_old(a|s);  L_clip = -E[min(r * A, clip(r, 1 - eps, 1 + eps) * A)]
    """
    dist = agent.policy(obs)
    ratio = (dist.log_prob(actions) - old_logprobs).exp()
    if config.norm_adv:
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    pg_loss = -torch.min(ratio * advantages, ratio.clamp(1 - clip, 1 + clip) * advantages).mean()
    v_loss = (agent.value(obs) - returns).pow(2).mean()
    entropy = dist.entropy().mean()
    return pg_loss + config.vf_coef * v_loss - config.ent_coef * entropy


def train(
    config: PPOConfig,
    envs: gym.vector.VectorEnv,
    total_steps: int,
    seed: int,
    device: torch.device,
    after_update: AfterUpdate,
) -> tuple[ActorCritic, list[tuple[int, float]]]:
    """Train an actor-critic on `envs`; return it and each finished episode's (step, return)."""
    obs_size, n_actions = space_sizes(envs)
    bounds = action_bounds(envs.single_action_space)  # None for discrete actions
    agent = ActorCritic(obs_size, n_actions, config.hidden_sizes, config.normalize_obs, bounds)
    agent = agent.to(device)
    optimizer = torch.optim.Adam(agent.parameters(), lr=config.learning_rate, eps=1e-5)
    num_envs, num_steps = config.num_envs, config.num_steps
    batch_size = num_envs * num_steps
    minibatch_size = batch_size // config.num_minibatches
    num_updates = max(total_steps // batch_size, 1)

    # Rollout storage: one row per step, one column per environment.
    obs = torch.zeros((num_steps, num_envs, obs_size), device=device)
    action_shape = (n_actions,) if agent.continuous else ()
    action_dtype = torch.float32 if agent.continuous else torch.long
    actions = torch.zeros((num_steps, num_envs, *action_shape), dtype=action_dtype, device=device)
    logprobs = torch.zeros((num_steps, num_envs), device=device)
    rewards = torch.zeros((num_steps, num_envs), device=device)
    dones = torch.zeros((num_steps, num_envs), device=device)
    values = torch.zeros((num_steps, num_envs), device=device)

    episodes: list[tuple[int, float]] = []
    episode_returns = np.zeros(num_envs)
    scale_rewards = RewardScaler(num_envs, config.gamma) if config.normalize_reward else None
    global_step = 0
    next_obs = torch.as_tensor(envs.reset(seed=seed)[0], dtype=torch.float32, device=device)

    for update in range(num_updates):
        # Linear annealing: the last update uses almost none of the initial step size.
        remaining = 1.0 - update / num_updates
        lr = config.learning_rate * (remaining if config.anneal_lr else 1.0)
        optimizer.param_groups[0]["lr"] = lr
        clip = config.clip_coef * (remaining if config.anneal_clip else 1.0)

        # 1. Rollout: act with the current (stochastic) policy.
        for step in range(num_steps):
            global_step += num_envs
            with torch.no_grad():
                if config.normalize_obs:
                    agent.normalizer.update(next_obs)
                x = agent.normalizer(next_obs)
                dist = agent.policy(x)
                action = dist.sample()
                obs[step], actions[step], logprobs[step] = x, action, dist.log_prob(action)
                values[step] = agent.value(x)
                # The Gaussian's sample is learnt from; the environment gets it clipped.
                env_action = agent.clip(action).cpu().numpy()
            next_np, reward, terminated, truncated, info = envs.step(env_action)
            done = terminated | truncated
            episode_returns += reward
            episodes += [(global_step, float(episode_returns[i])) for i in np.flatnonzero(done)]
            episode_returns[done] = 0.0
            if scale_rewards is not None:
                reward = scale_rewards(reward, done)
            # A time limit cuts an episode that would have gone on: bootstrap the missing
            # future with gamma * V(last observation) instead of counting it as zero.
            for i in np.flatnonzero(truncated & ~terminated):
                final = torch.as_tensor(info["final_obs"][i], dtype=torch.float32, device=device)
                with torch.no_grad():
                    reward[i] += config.gamma * agent.value(agent.normalizer(final)).item()
            rewards[step] = torch.as_tensor(reward, dtype=torch.float32, device=device)
            dones[step] = torch.as_tensor(done, dtype=torch.float32, device=device)
            next_obs = torch.as_tensor(next_np, dtype=torch.float32, device=device)

        # 2. Advantages by GAE; returns are the critic's regression targets.
        with torch.no_grad():
            next_value = agent.value(agent.normalizer(next_obs))
        advantages = gae(rewards, values, dones, next_value, config.gamma, config.gae_lambda)
        returns = advantages + values

        # 3. Optimise the clipped surrogate objective, the value loss and the entropy bonus.
        b_obs, b_actions = obs.reshape(-1, obs_size), actions.reshape(-1, *action_shape)
        b_logprobs, b_advantages = logprobs.reshape(-1), advantages.reshape(-1)
        b_returns = returns.reshape(-1)
        for _ in range(config.update_epochs):
            order = torch.randperm(batch_size, device=device)
            for start in range(0, batch_size, minibatch_size):
                mb = order[start : start + minibatch_size]
                loss = ppo_loss(
                    agent,
                    b_obs[mb],
                    b_actions[mb],
                    b_logprobs[mb],
                    b_advantages[mb],
                    b_returns[mb],
                    clip,
                    config,
                )
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), config.max_grad_norm)
                optimizer.step()

        if after_update(global_step, agent):
            break
    return agent, episodes
