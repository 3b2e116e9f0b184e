"""`train`: fit the model on the image folder and write a run folder.

    python -m PACKAGE train                                # one process: CUDA, MPS or CPU
    torchrun --nproc_per_node 4 -m PACKAGE train           # 4 processes, DistributedDataParallel
    python -m PACKAGE train --resume runs/20250101-120000  # continue a run from its last.pt

The loop is written out top to bottom, nanoGPT-style. Under torchrun every process
trains on its own shard of each epoch (DistributedSampler) and DDP averages the
gradients; rank 0 alone validates, saves and writes the run folder.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler
from tqdm import tqdm

from . import baseline, eda, errors, plots
from .config import load_config, save_config
from .data import (
    DataConfig,
    ImageFolderDataset,
    Splits,
    channel_stats,
    load_image,
    load_splits,
)
from .distributed import Context, autocast, cleanup, finish, mean_across_processes, setup
from .evaluate import EVAL_BATCH, paired_difference, predict_proba, scored_row
from .model import (
    ModelConfig,
    build_model,
    imagenet_weights,
    load_matching,
    load_model,
    save_checkpoint,
)
from .prepare_data import prepare
from .runs import RUNS_DIR, hardware, new_run_dir, write_metrics
from .runtime import available_cpus, seed_everything, set_threads
from .tracking import log_run

MODEL_NAMES = {"cnn": "Compact CNN", "resnet18": "ResNet-18"}
EXAMPLES = 10  # test images (one per class) that the run keeps for the demo and the API
AUTO_STEPS = 1000  # epochs: 0 trains for about this many optimiser steps...
MIN_EPOCHS = 10  # ...and at least this many epochs


@dataclass
class TrainConfig:
    seed: int = 0
    threads: int = 0  # CPU threads per process; 0 = the CPUs this process may use, shared by ranks
    device: str = "auto"  # auto = CUDA, then Apple MPS, then CPU
    epochs: int = 0  # passes over train/; 0 = enough for AUTO_STEPS steps (more for small folders)
    batch_size: int = 32  # images per optimiser step, summed over all processes
    lr: float = 3e-3  # peak learning rate, reached after warmup, then cosine decay to 0
    warmup_epochs: float = 0.5
    weight_decay: float = 0.05  # AdamW's decoupled decay, on weights only (not norms, biases)
    patience: float = 0.25  # stop after this share of epochs without a better score; 0 = never
    amp: bool = True  # mixed precision on GPUs; the CPU always trains in float32
    workers: int = 0  # DataLoader processes per training process; 0 = load in the training loop
    # MLflow store; any tracking URI; "" turns tracking off
    tracking_uri: str = "sqlite:///mlflow.db"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)


def lr_at(step: int, total: int, warmup: int, peak: float) -> float:
    """Linear warmup to `peak`, then a half cosine down to zero."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * 0.5 * (1.0 + math.cos(math.pi * progress))


def planned_epochs(epochs: int, steps_per_epoch: int) -> int:
    """`epochs`, or for 0 as many as AUTO_STEPS optimiser steps take (at least MIN_EPOCHS).

    A fixed number of epochs suits one dataset size only: 8 epochs of 3,600 digits are 450
    steps, 8 epochs of 300 photos are 40, far too few to learn anything.
    """
    return epochs or max(MIN_EPOCHS, math.ceil(AUTO_STEPS / steps_per_epoch))


def epochs_since_best(history: list[dict[str, Any]]) -> int:
    """Epochs since the best validation accuracy (ties: lower loss wins); 0 = the last one."""
    scores = [(row["val_accuracy"], -row["val_loss"]) for row in history]
    return len(scores) - 1 - scores.index(max(scores))


def main_decides(flag: bool, context: Context) -> bool:
    """Rank 0's decision (early stopping), sent to every process so they stop together."""
    if not context.distributed:
        return flag
    tensor = torch.tensor([float(flag)], device=context.device)
    dist.broadcast(tensor, src=0)
    return bool(tensor.item())


def train(
    config: TrainConfig,
    context: Context,
    config_path: str,
    resume: Path | None = None,
    runs_dir: Path = RUNS_DIR,
) -> Path | None:
    """Train, keep the best checkpoint, and write the run folder (rank 0: returns its path)."""
    # Data: rank 0 writes the default dataset if it is missing while the others wait.
    if context.is_main:
        prepare(config.data, config.seed)
    if context.distributed:
        dist.barrier()
    splits = load_splits(config.data, config.seed)
    size, channels = config.data.image_size, config.data.channels
    mean, std = channel_stats(splits.train, size, channels)
    train_set = ImageFolderDataset(splits.train, size, channels, mean, std, config.data.augment)
    val_set = ImageFolderDataset(splits.val, size, channels, mean, std)
    if config.batch_size % context.world_size:
        raise SystemExit(f"batch_size {config.batch_size} must divide by {context.world_size}")
    # One sampler for one process or many: each rank draws its own shard of every epoch.
    sampler = DistributedSampler(
        train_set, num_replicas=context.world_size, rank=context.rank, seed=config.seed
    )
    loader = DataLoader(
        train_set,
        batch_size=config.batch_size // context.world_size,
        sampler=sampler,
        num_workers=config.workers,
        drop_last=True,  # a batch of one image would break batch norm
        pin_memory=context.device.type == "cuda",
        persistent_workers=config.workers > 0,
    )
    val_loader = DataLoader(val_set, batch_size=EVAL_BATCH, num_workers=config.workers)
    if not len(loader):
        raise SystemExit(
            f"{len(train_set)} training images do not fill one batch of {config.batch_size}"
        )

    # Model and optimiser.
    model = build_model(config.model, channels, len(splits.classes), size)
    if config.model.pretrained and context.is_main:  # DDP copies rank 0's weights to the rest
        fresh = load_matching(model, imagenet_weights())
        print(f"started from ImageNet weights; trained from scratch: {', '.join(fresh)}")
    # Channels-last memory layout: about twice as fast for these convolutions on a CPU,
    # and what GPU tensor cores want under mixed precision.
    model.to(context.device, memory_format=torch.channels_last)
    raw_model = model  # the plain module: what rank 0 evaluates and saves
    if context.distributed:
        device_ids = [context.local_rank] if context.device.type == "cuda" else None
        model = DistributedDataParallel(model, device_ids=device_ids)
    weights = [p for p in raw_model.parameters() if p.dim() >= 2]
    norms_and_biases = [p for p in raw_model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [
            {"params": weights, "weight_decay": config.weight_decay},
            {"params": norms_and_biases, "weight_decay": 0.0},
        ],
        lr=config.lr,
    )
    # float16 (GPUs without bfloat16) needs loss scaling to keep small gradients alive.
    scaler = torch.amp.GradScaler(
        context.device.type, enabled=config.amp and context.device.type == "cuda"
    )
    epochs = planned_epochs(config.epochs, len(loader))
    patience = math.ceil(config.patience * epochs)  # in epochs; 0 = never stop early
    total_steps = epochs * len(loader)
    warmup_steps = int(config.warmup_epochs * len(loader))
    meta = {
        "model_config": asdict(config.model),
        "classes": splits.classes,
        "image_size": size,
        "channels": channels,
        "mean": mean,
        "std": std,
    }

    # Where we start: a fresh run folder, or the state saved at the end of a run's last epoch.
    state: dict[str, Any] = {"epoch": 0, "step": 0, "train_seconds": 0.0, "history": []}
    if resume is not None:
        last = torch.load(resume / "last.pt", map_location="cpu", weights_only=True)
        raw_model.load_state_dict(last["model"])
        optimizer.load_state_dict(last["optimizer"])
        scaler.load_state_dict(last["scaler"])
        state = last["state"]
        torch.set_rng_state(last["rng"])
    run_dir = resume or (new_run_dir(runs_dir) if context.is_main else None)
    if context.is_main:
        save_config(config, run_dir / "config.yaml")  # on resume: with any new --set values
        print(
            f"{len(splits.train)} training and {len(splits.val)} validation images: "
            f"{epochs} epochs of {len(loader)} steps"
            + (f", early stop after {patience} epochs without a better score" if patience else ""),
            flush=True,
        )
    started = time.perf_counter() - state["train_seconds"]
    for epoch in range(state["epoch"], epochs):
        model.train()
        sampler.set_epoch(epoch)  # a different, seeded shuffle each epoch
        loss_sum = 0.0
        progress = tqdm(
            loader,
            desc=f"epoch {epoch + 1}/{epochs}",
            disable=None if context.is_main else True,  # None: only on a terminal
            leave=False,
        )
        for images, labels in progress:
            lr = lr_at(state["step"], total_steps, warmup_steps, config.lr)
            for group in optimizer.param_groups:
                group["lr"] = lr
            images = images.to(context.device, memory_format=torch.channels_last, non_blocking=True)
            labels = labels.to(context.device, non_blocking=True)
            with autocast(context.device, config.amp):
                loss = F.cross_entropy(model(images), labels)
            scaler.scale(loss).backward()  # DDP averages the gradients across processes here
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            state["step"] += 1
            loss_sum += loss.item()
            progress.set_postfix(loss=f"{loss.item():.4f}", lr=f"{lr:.2e}")
        train_loss = mean_across_processes(loss_sum / len(loader), context)

        stop = False
        if context.is_main:
            probabilities, labels_seen, val_loss = predict_proba(
                raw_model, val_loader, context.device, config.amp
            )
            val_accuracy = float((probabilities.argmax(axis=1) == labels_seen).mean())
            state["epoch"] = epoch + 1
            state["train_seconds"] = time.perf_counter() - started
            state["history"].append(
                {
                    "epoch": epoch + 1,
                    "train_loss": train_loss,
                    "val_loss": val_loss,
                    "val_accuracy": val_accuracy,
                    "lr": lr,
                }
            )
            improved = epochs_since_best(state["history"]) == 0
            if improved:
                save_checkpoint(
                    run_dir / "best.pt",
                    raw_model,
                    **meta,
                    epoch=epoch + 1,
                    val_accuracy=val_accuracy,
                )
            torch.save(
                {
                    "model": raw_model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scaler": scaler.state_dict(),
                    "state": state,
                    "rng": torch.get_rng_state(),
                },
                run_dir / "last.pt",
            )
            print(
                f"epoch {epoch + 1}/{epochs}: train loss {train_loss:.4f}, "
                f"val loss {val_loss:.4f}, val accuracy {val_accuracy:.4f}"
                f"{' (best)' if improved else ''}, {state['train_seconds']:.1f} s",
                flush=True,
            )
            stop = 0 < patience <= epochs_since_best(state["history"])
            if stop:
                print(f"early stop: no better validation score for {patience} epochs")
        if main_decides(stop, context):
            break

    if not context.is_main:
        return None
    write_results(config, context, config_path, run_dir, splits, state)
    return run_dir


def save_examples(splits: Splits, image_size: int, channels: int, folder: Path) -> None:
    """The first test image of each class (up to EXAMPLES), as the model sees it.

    The demo's examples and `serve --benchmark`'s request then travel with the run folder
    (into a container or a Space) without the data folder.
    """
    first: dict[int, Path] = {}
    for path, label in splits.test:
        first.setdefault(label, path)
    folder.mkdir(exist_ok=True)
    for label, path in sorted(first.items())[:EXAMPLES]:
        load_image(path, image_size, channels).save(folder / f"{splits.classes[label]}.png")


def write_results(
    config: TrainConfig,
    context: Context,
    config_path: str,
    run_dir: Path,
    splits: Splits,
    state: dict[str, Any],
) -> None:
    """Score the best checkpoint and the compared models on the test images, each with a 95%
    bootstrap interval; write the plots, the data summary, the error analysis and metrics."""
    model, checkpoint = load_model(run_dir / "best.pt")
    size, channels = config.data.image_size, config.data.channels
    test_set = ImageFolderDataset(
        splits.test, size, channels, checkpoint["mean"], checkpoint["std"]
    )
    test_loader = DataLoader(test_set, batch_size=EVAL_BATCH, num_workers=config.workers)
    probabilities, labels, _ = predict_proba(
        model.to(context.device), test_loader, context.device, config.amp
    )
    seed = config.seed
    row = scored_row(
        MODEL_NAMES[config.model.name], labels, probabilities, checkpoint["val_accuracy"], seed
    )
    # The same pixels without convolutions: fitted on train/, scored on val/ and test/.
    val_labels = np.array([label for _, label in splits.val])
    compared = baseline.fit_and_predict(
        splits.train, [splits.val, splits.test], size, channels, len(splits.classes), seed
    )
    rows = {
        name: scored_row(name, labels, test, float((val.argmax(1) == val_labels).mean()), seed)
        for name, (val, test) in compared.items()
    }
    # The strongest alternative is the one that does best on validation, never on test.
    pixel_models = sorted(
        (name for name in rows if name != baseline.MAJORITY),
        key=lambda name: -rows[name]["metrics"]["val_accuracy"],
    )
    strongest = pixel_models[0]
    difference, interval = paired_difference(labels, probabilities, compared[strongest][1], seed)

    plots.learning_curves(state["history"], run_dir / "learning_curves.png")
    plots.confusion_matrix(
        labels, probabilities.argmax(axis=1), splits.classes, run_dir / "confusion_matrix.png"
    )
    save_examples(splits, size, channels, run_dir / "examples")
    others = {name: compared[name][1] for name in pixel_models}
    metrics = {
        "run": run_dir.as_posix(),
        "config": config_path,
        "seed": seed,
        "train_seconds": round(state["train_seconds"], 2),
        "primary_metric": "accuracy",
        "higher_is_better": True,
        "model": row,
        "reference": rows[strongest],
        "alternatives": [rows[name] for name in pixel_models[1:]],
        "baseline": rows[baseline.MAJORITY],
        "interval_method": f"bootstrap over the {len(labels):,} test images, 1,000 resamples",
        "comparison": {
            "other": strongest,
            "metric": "accuracy",
            "difference": round(difference, 4),
            "interval": interval,
        },
        "dataset": {
            "name": config.data.root,
            "train_size": len(splits.train),
            "val_size": len(splits.val),
            "test_size": len(splits.test),
            "classes": splits.classes,
        },
        "hardware": hardware(str(context.device), torch.get_num_threads()),
        "processes": context.world_size,
        "epochs": state["epoch"],
        "best_epoch": checkpoint["epoch"],
        "history": [
            {"step": entry["epoch"], **{k: v for k, v in entry.items() if k != "epoch"}}
            for entry in state["history"]
        ],
        "plots": {
            "Learning curves": "learning_curves.png",
            "Confusion matrix": "confusion_matrix.png",
        },
        "eda": eda.describe(splits, size, channels, run_dir),
        "error_analysis": errors.analyse(
            splits.test, probabilities, splits.classes, others, size, channels, run_dir
        ),
    }
    accuracy = row["metrics"]["accuracy"]
    other_accuracy = rows[strongest]["metrics"]["accuracy"]
    if accuracy <= other_accuracy:  # said at the end of train and in the report
        metrics["warnings"] = [
            f"the model ({accuracy:.4f}) does not beat {strongest} ({other_accuracy:.4f}), "
            "which sees the same pixels without convolutions: read the learning curves, then "
            f"try more epochs (this run trained {state['epoch']}), a wider model (model.width) "
            "or augmentation that suits your images (data.augment)"
        ]
    write_metrics(run_dir, metrics)
    low, high = row["intervals"]["accuracy"]
    print(
        f"test accuracy {accuracy:.4f} (95% interval {low:.4f} to {high:.4f}); "
        f"{strongest} {other_accuracy:.4f}, {baseline.MAJORITY.lower()} "
        f"{rows[baseline.MAJORITY]['metrics']['accuracy']:.4f}; "
        f"{metrics['train_seconds']} s of training"
    )
    for warning in metrics.get("warnings", []):
        print(f"warning: {warning}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"{__package__} train",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, default=Path("configs/default.yaml"))
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. --set model.name=resnet18 (repeatable)",
    )
    parser.add_argument(
        "--resume",
        type=Path,
        metavar="RUN_DIR",
        help="continue this run from its last.pt, with its config.yaml",
    )
    parser.add_argument(
        "--runs-dir", type=Path, default=RUNS_DIR, help="where the run folder goes (runs/)"
    )
    args = parser.parse_args(argv)
    config_path = args.resume / "config.yaml" if args.resume else args.config
    config = load_config(TrainConfig, config_path, args.overrides)
    if not 0 <= config.patience <= 1:
        print(
            f"patience is a share of the epochs (0 to 1, e.g. 0.25), got {config.patience}",
            file=sys.stderr,
        )
        return 2
    # torchrun starts LOCAL_WORLD_SIZE processes on this machine: share the CPUs between them.
    local_processes = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    set_threads(config.threads or max(1, available_cpus() // local_processes))
    seed_everything(config.seed)
    context = setup(config.device)
    try:
        run_dir = train(config, context, config_path.as_posix(), args.resume, args.runs_dir)
    except BaseException:
        cleanup(context)
        raise
    if context.is_main:
        log_run(run_dir)  # MLflow: params, metrics, artifacts (tracking_uri "" turns it off)
        print(f"run folder: {run_dir}")
    finish(context)  # under torchrun: every process leaves together, then exits at once
    return 0
