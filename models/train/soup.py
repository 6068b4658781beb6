"""Average the weights of several fine-tunes of one checkpoint (a uniform "model soup", Wortsman et al.,
ICML 2022), then evaluate and export the average exactly as train_recipe.py does its own runs. The
average is one network of the same size: no cost per cell, unlike an ensemble or test-time flips.

Run from the repository root, after the fine-tunes (same command, only --draw-seed differs):
  /usr/bin/python3 models/train/train_recipe.py --dataset bm-matek-7 --init-from bm7-resnet10g.pt ... \\
      --draw-seed 8 --checkpoint-out ft-8.pt --no-export
  /usr/bin/python3 models/train/soup.py --dataset bm-matek-7 --arch resnet10gs ft-7.pt ft-8.pt ft-9.pt

Fine-tunes of one start stay in one basin of the loss, so their average is a working network; the
script refuses checkpoints that differ in anything but their draws (data, split, architecture, input
statistics, stain reference, recipe). Its validation figures decide what ships; the held-out split
is only measured.
"""
import argparse
import os

import torch

import train_recipe
from net import SmallResNet

# Arguments that may differ between ingredients (they do not change what a run learns from).
DRAW_ONLY = {"draw_seed", "checkpoint_out", "no_export", "cache", "threads", "workers", "device", "data"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoints", nargs="+", help="train_recipe.py checkpoints (--checkpoint-out) to average")
    parser.add_argument("--dataset", choices=sorted(train_recipe.DATASETS), required=True)
    parser.add_argument("--arch", required=True, help="name part of models/<prefix>-<arch>.{onnx,json}")
    parser.add_argument("--cache", help="train_recipe.py's pickle of the decoded images and fits")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--checkpoint-out", help="also save the average as a checkpoint (.pt)")
    parser.add_argument("--no-export", action="store_true", help="evaluate only")
    return parser.parse_args()


def check_ingredients(checkpoints: list, dataset: str) -> None:
    """Raises SystemExit naming the first difference that is not a draw."""
    if len(checkpoints) < 2:
        raise SystemExit("a soup needs at least two checkpoints")
    first = checkpoints[0]
    for index, other in enumerate(checkpoints[1:], start=2):
        for key in sorted(set(first["args"]) | set(other["args"])):
            if key not in DRAW_ONLY and first["args"].get(key) != other["args"].get(key):
                raise SystemExit(f"checkpoint {index} differs from the first in --{key.replace('_', '-')}: "
                                 f"{other['args'].get(key)!r} vs {first['args'].get(key)!r}")
        for key in ("mean", "std", "reference", "counts", "micronsPerPixel", "patchMicrons", "windowPixels"):
            if first[key] != other[key]:
                raise SystemExit(f"checkpoint {index} differs from the first in {key} (not fine-tunes of one start on one split)")
        if list(first["state_dict"]) != list(other["state_dict"]):
            raise SystemExit(f"checkpoint {index} has other parameters than the first")
    if first["args"]["dataset"] != dataset:
        raise SystemExit(f"the checkpoints were trained on {first['args']['dataset']}, not {dataset}")
    draws = [train_recipe.draw_seed_of(c["args"]) for c in checkpoints]
    if len(set(draws)) != len(draws):
        raise SystemExit(f"two checkpoints share a draw seed ({draws}): the same run twice")


def average_state(checkpoints: list) -> dict:
    """The element-wise mean of every parameter (float32), a new state dict."""
    names = checkpoints[0]["state_dict"]
    return {name: torch.stack([c["state_dict"][name].float() for c in checkpoints]).mean(dim=0) for name in names}


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    config = train_recipe.DATASETS[args.dataset]
    checkpoints = [torch.load(path, map_location="cpu") for path in args.checkpoints]
    check_ingredients(checkpoints, args.dataset)
    first = checkpoints[0]
    trained = first["args"]
    codes = sorted(set(config["folders"].values()))
    data_root = trained.get("data") or os.path.join(train_recipe.REPO_ROOT, "..", "shared", "data", args.dataset)
    splits = train_recipe.split_samples(data_root, config, codes, trained["seed"])
    loaded = train_recipe.load_splits(data_root, splits, config["cropPixels"], args.workers, args.cache)
    reference = train_recipe.stain_reference_of(first)

    model = SmallResNet(len(codes), tuple(int(c) for c in trained["channels"].split(",")), norm="group",
                        input_norm=trained.get("input_norm") == "instance")
    model.load_state_dict(average_state(checkpoints))
    figures = train_recipe.evaluate_splits(model, splits[1:], loaded[2:], reference, first, codes, config)
    ingredients = [{"path": os.path.basename(path), "drawSeed": train_recipe.draw_seed_of(c["args"]),
                    "validation-off": c["figures"]["validation-off"]["balancedAccuracy"],
                    "validation-on": c["figures"]["validation-on"]["balancedAccuracy"]}
                   for path, c in zip(args.checkpoints, checkpoints)]
    for ingredient in ingredients:
        print(f"ingredient {ingredient['path']} (draws {ingredient['drawSeed']}): validation off {ingredient['validation-off']}, "
              f"on {ingredient['validation-on']}", flush=True)
    soup = {**first, "state_dict": model.state_dict(), "figures": figures,
            "trainingSeconds": sum(c["trainingSeconds"] for c in checkpoints), "soup": ingredients}
    if args.checkpoint_out:
        torch.save(soup, args.checkpoint_out)
    if not args.no_export:
        train_recipe.export(argparse.Namespace(dataset=args.dataset, arch=args.arch), config, codes, soup)


if __name__ == "__main__":
    main()
