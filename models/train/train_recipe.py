"""Train, evaluate and export a classifier with the cross-lab recipe: GroupNorm SmallResNet, patches
cut in microns with scale jitter, colour jitter in optical density (HED), blur and noise, and Macenko
stain normalization on a random half of the views so that one model serves normalization on and off.

Run from the repository root (Debian's python3-torch, CPU):
  /usr/bin/python3 models/train/train_recipe.py --dataset pbc-8        # models/pb8-resnet10g.*
  /usr/bin/python3 models/train/train_recipe.py --dataset bm-matek-7   # models/bm7-resnet10g.*
Everything is seeded; hyperparameters are fixed in advance (never chosen on the held-out split).
A validation split (10 %, seed 7) carved from the training images gives the figures used for any
choice, with stain normalization on and off. See README.md.
"""
import argparse
import json
import os
import pickle
import time

import numpy as np
import torch

import augment
import recipe_augment
from dataset import Sample
from export import card_body, export_onnx, write_card, written
from macenko import StainFit, fit_stains, normalize_stains
from metrics import classification_metrics
from net import SmallResNet, count_macs
from resample import resample_bilinear
from step import train_step
from train import od_map, stain_reference

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

DATASETS = {
    "pbc-8": {
        "prefix": "pb8",
        # folder -> class code (the peripheral-blood-pbc-8 scheme); output order = sorted codes
        "folders": {"basophil": "BAS", "eosinophil": "EOS", "erythroblast": "EBO", "ig": "IG", "lymphocyte": "LYT",
                    "monocyte": "MON", "neutrophil": "NGS", "platelet": "PLT"},
        "scheme": "peripheral-blood-pbc-8",
        "scale": "scale-pbc-8.json",
        "cropPixels": 360,  # stored crops are 360 x 363 (a few 366 x 369): the centred 360 x 360
        "patchMicrons": 28.0,  # a monocyte (up to ~20 um) with a margin; see README.md
        "holdout": "holdout-pbc-8.txt",
        "defaults": {"epochs": 150, "input_pixels": 96, "channels": "32,64,128,256", "colour": "strong", "input_norm": "instance"},
        "writeHoldout": True,
        "data": ("pbc-8: 8 classes of the PBC dataset (Acevedo et al. 2020; CellaVision DM96, Hospital Clinic de Barcelona, "
                 "May-Grunwald-Giemsa, people without blood disease), a seeded draw of 350 images per class"),
        "licence": "CC BY 4.0",
        "citation": ("Acevedo A, Merino A, Alferez S, Molina A, Boldu L, Rodellar J. A dataset of microscopic peripheral "
                     "blood cell images for development of automatic recognition systems. Data in Brief 2020;30:105474. "
                     "doi:10.1016/j.dib.2020.105474"),
    },
    "bm-matek-7": {
        "prefix": "bm7",
        "folders": {code: code for code in ["BLA", "EOS", "LYT", "MON", "NGS", "NIF", "PMO"]},
        "scheme": "bone-marrow-21",
        "scale": "scale.json",
        "cropPixels": 250,
        "patchMicrons": None,  # the whole 250 px crop (scale.json), as the first model
        "holdout": "holdout.txt",  # the first model's split, kept so the figures compare
        "defaults": {"epochs": 150, "input_pixels": 112, "channels": "32,64,128,256", "colour": "hed", "input_norm": "none"},
        "writeHoldout": False,
        "data": ("bm-matek-7: 7 classes (BLA EOS LYT MON NGS NIF PMO) of the TCIA Bone-Marrow-Cytomorphology collection "
                 "(Matek et al. 2021), a random 60 % sample of a 6,698-image public subset"),
        "licence": "CC BY 4.0",
        "citation": ("Matek C, Krappe S, Munzenmayer C, Haferlach T, Marr C. Highly accurate differentiation of bone "
                     "marrow cell morphologies using deep neural networks on a large image data set. "
                     "Blood. 2021;138(20):1917-1927. doi:10.1182/blood.2020010568"),
    },
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=sorted(DATASETS), required=True)
    parser.add_argument("--data", help="default ../shared/data/<dataset>")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--draw-seed", type=int,
                        help="seed of the weights' initialization and training draws only (default --seed); the splits keep --seed")
    # Defaults per dataset (DATASETS[...]["defaults"]).
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--input-pixels", type=int)
    parser.add_argument("--channels", help="output channels of the four stages")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=2e-3, help="AdamW peak learning rate")
    parser.add_argument("--normalize-probability", type=float, default=0.5,
                        help="share of training views that are Macenko-normalized")
    parser.add_argument("--arch", default="resnet10g", help="name part of models/<prefix>-<arch>.{onnx,json}")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (1 is faster when other jobs share the cores)")
    parser.add_argument("--device", default="cpu", help="torch device for training (cpu, cuda)")
    parser.add_argument("--workers", type=int, default=1, help="processes for decoding and stain fits")
    parser.add_argument("--checkpoint-out", help="also save weights, preprocessing and figures here (.pt)")
    parser.add_argument("--checkpoint-in", help="skip data and training: export the model and card of this checkpoint")
    parser.add_argument("--no-export", action="store_true", help="train and evaluate only (with --checkpoint-out)")
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--colour", choices=["hed", "strong"], help="colour augmentation (recipe_augment.TrainingViews)")
    parser.add_argument("--input-norm", choices=["none", "instance"], help="standardize each image's channels in the model")
    parser.add_argument("--cache", help="pickle of the decoded images and fits (written once, then read)")
    parser.add_argument("--camera", action="store_true",
                        help="also degrade views as a cheaper camera would (recipe_augment.degrade_camera); strong colour only")
    parser.add_argument("--init-from", help="start from this checkpoint's weights and preprocessing (a fine-tune); "
                                            "--epochs and --learning-rate then describe the fine-tune only")
    parser.add_argument("--scale-jitter", type=float, default=0.2,
                        help="window scale exp(U(+-x)): how far off a frame's micronsPerPixel may be")
    parser.add_argument("--extra-pbc", action="store_true",
                        help="bm-matek-7 only: add pbc-8's training-split cells of the classes both have (EOS, LYT, MON, NGS; "
                             "neither its held-out list nor its validation split), cut at the marrow window in microns")
    return parser.parse_args()


def list_samples(data_root: str, folders: dict, codes: list):
    samples = []
    for folder in sorted(folders):
        for name in sorted(os.listdir(os.path.join(data_root, folder))):
            if name.lower().endswith((".jpg", ".jpeg", ".png")):
                samples.append(Sample(f"{folder}/{name}", codes.index(folders[folder])))
    return samples


def stratified_split(samples, fraction: float, seed: int, class_count: int):
    """Per class a seeded permutation; the first round(fraction * n) are split off. (rest, split)."""
    rng = np.random.default_rng(seed)
    chosen = set()
    for class_index in range(class_count):
        members = [s for s in samples if s.class_index == class_index]
        for position in rng.permutation(len(members))[: int(round(fraction * len(members)))]:
            chosen.add(members[position].relative_path)
    return [s for s in samples if s.relative_path not in chosen], [s for s in samples if s.relative_path in chosen]


def load_square(data_root: str, sample: Sample, side: int) -> np.ndarray:
    """PIL decode (as the SDK's sharp/libjpeg-turbo), .convert('RGB'), then the centred side x side
    square (edge-padded when the image is smaller). New uint8 [side, side, 3]."""
    from PIL import Image
    with Image.open(os.path.join(data_root, sample.relative_path)) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    pad_y, pad_x = max(0, side - rgb.shape[0]), max(0, side - rgb.shape[1])
    if pad_y or pad_x:
        rgb = np.pad(rgb, ((pad_y // 2, pad_y - pad_y // 2), (pad_x // 2, pad_x - pad_x // 2), (0, 0)), mode="edge")
    top, left = (rgb.shape[0] - side) // 2, (rgb.shape[1] - side) // 2
    return rgb[top:top + side, left:left + side].copy()


def load_and_fit(job):
    """(image, Macenko fit on every 4th pixel per axis): the same stains within noise at a 16th of
    the work (the SDK fits at a pixel stride of 4)."""
    data_root, sample, side = job
    image = load_square(data_root, sample, side)
    return image, fit_stains(image[::4, ::4])


def load_group(data_root, group, side, workers):
    jobs = [(data_root, s, side) for s in group]
    if workers > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(load_and_fit, jobs, chunksize=16)
    else:
        results = [load_and_fit(job) for job in jobs]
    return np.stack([r[0] for r in results]), [r[1] for r in results]


def split_samples(data_root: str, config: dict, codes: list, seed: int):
    """(training, validation, held-out) samples: the held-out list first (written, stratified 20 %, where
    the dataset's config says so, else read), then a stratified 10 % of the rest for validation."""
    samples = list_samples(data_root, config["folders"], codes)
    holdout_path = os.path.join(HERE, config["holdout"])
    if config["writeHoldout"]:
        rest, holdout_samples = stratified_split(samples, 0.2, seed, len(codes))
        with open(holdout_path, "w") as file:
            file.writelines(s.relative_path + "\n" for s in holdout_samples)
    else:
        with open(holdout_path) as file:
            held = {line.strip() for line in file if line.strip()}
        holdout_samples = [s for s in samples if s.relative_path in held]
        rest = [s for s in samples if s.relative_path not in held]
        assert len(holdout_samples) == len(held), "holdout list names images that are not in the data"
    train_samples, validation_samples = stratified_split(rest, 0.1, seed, len(codes))
    return train_samples, validation_samples, holdout_samples


def load_splits(data_root: str, groups, side: int, workers: int, cache: str = None):
    """(images, fits) of each group in turn, flattened: decoded and fitted, or read from `cache` (a pickle
    written here the first time; a rerun on the same data skips decoding and fitting)."""
    if cache and os.path.exists(cache):
        with open(cache, "rb") as file:
            return pickle.load(file)
    loaded = tuple(part for group in groups for part in load_group(data_root, group, side, workers))
    if cache:
        with open(cache, "wb") as file:
            pickle.dump(loaded, file, protocol=4)
    return loaded


# pbc-8 folders whose cells are the marrow scheme's class too (IG mixes myelocytes and
# metamyelocytes into promyelocytes' place; basophils, erythroblasts and platelets have no class).
PBC_AS_MARROW = {"eosinophil": "EOS", "lymphocyte": "LYT", "monocyte": "MON", "neutrophil": "NGS"}
# The seed of pbc-8's own splits (the shipped pb8 models' runs): its validation split is left out
# whatever --seed the marrow run takes.
PBC_SPLIT_SEED = 7
PBC_EXTRA_DATA = ("plus pbc-8's training cells of EOS, LYT, MON and NGS (--extra-pbc; its held-out list and validation "
                  "split left out): Acevedo et al., Data in Brief 2020, CC BY 4.0")


def pbc_cells_as_marrow(codes: list, window_microns: float, side: int, args):
    """pbc-8's training cells (its held-out list and validation split, as train_recipe.py --dataset pbc-8
    makes them, left out) of the classes in PBC_AS_MARROW: each crop's centred window_microns square
    at pbc-8's scale resampled to side x side (the SDK's bilinear), so it stands beside a marrow crop
    of the same microns. (samples labelled with marrow codes, images [n, side, side, 3], fits)."""
    config = DATASETS["pbc-8"]
    pbc_root = os.path.join(REPO_ROOT, "..", "shared", "data", "pbc-8")
    pbc_codes = sorted(set(config["folders"].values()))
    samples = list_samples(pbc_root, config["folders"], pbc_codes)
    with open(os.path.join(HERE, config["holdout"])) as file:
        held = {line.strip() for line in file if line.strip()}
    rest = [s for s in samples if s.relative_path not in held]
    train_part, _ = stratified_split(rest, 0.1, PBC_SPLIT_SEED, len(pbc_codes))
    chosen = [s for s in train_part if s.relative_path.split("/")[0] in PBC_AS_MARROW]
    with open(os.path.join(HERE, config["scale"])) as file:
        pbc_microns_per_pixel = float(json.load(file)["micronsPerPixel"])
    window = window_microns / pbc_microns_per_pixel
    images, fits = [], []
    for sample in chosen:
        crop = load_square(pbc_root, sample, config["cropPixels"])
        image = np.clip(np.rint(sdk_view(crop, window, side)), 0, 255).astype(np.uint8)
        images.append(image)
        fits.append(fit_stains(image[::4, ::4]))
    relabelled = [Sample(s.relative_path, codes.index(PBC_AS_MARROW[s.relative_path.split("/")[0]])) for s in chosen]
    return relabelled, np.stack(images), fits


def sdk_view(image: np.ndarray, window_pixels: float, input_pixels: int) -> np.ndarray:
    """The SDK's patch of a centred cell: the window_pixels-wide square around the crop's centre,
    bilinear at half-pixel centres, no antialiasing -> float32 [S, S, 3]. Equals grid_sample of the
    identity affine scaled by window/side (align_corners=False)."""
    side = image.shape[0]
    if abs(window_pixels - side) < 1e-6:
        return resample_bilinear(image, input_pixels, input_pixels)
    affine = torch.tensor([[[window_pixels / side, 0.0, 0.0], [0.0, window_pixels / side, 0.0]]])
    raw = torch.from_numpy(image).permute(2, 0, 1)[None]
    return augment.resample_batch(raw, affine, input_pixels)[0].permute(1, 2, 0).numpy()


def evaluate(model, images, fits, reference, window_pixels, input_pixels, mean, std, labels, codes, split, normalize):
    views = []
    for image, fit in zip(images, fits):
        view = sdk_view(image, window_pixels, input_pixels)
        if normalize:
            view = normalize_stains(view, fit, reference)
        views.append(((view / 255.0 - mean) / std).transpose(2, 0, 1).astype(np.float32))
    inputs = torch.from_numpy(np.stack(views))
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(batch)[0].argmax(1) for batch in inputs.split(256)]).numpy()
    return classification_metrics(labels, predicted, codes, split)


def evaluate_splits(model, groups, loaded, reference, run: dict, codes: list, config: dict) -> dict:
    """Figures of the validation and held-out groups, stain normalization on and off (printed too):
    {"validation-on": metrics, ...}. `loaded` is (validation images, fits, held-out images, fits);
    `run` gives windowPixels, args (input_pixels), mean and std, as a checkpoint does."""
    figures = {}
    mean, std = np.asarray(run["mean"]), np.asarray(run["std"])  # main's own arrays unchanged
    for name, group, images, fits in (("validation", groups[0], loaded[0], loaded[1]), ("holdout", groups[1], loaded[2], loaded[3])):
        group_labels = np.array([s.class_index for s in group])
        for normalize in (True, False):
            split = "validation (10 % of training, seed 7)" if name == "validation" else f"models/train/{config['holdout']}"
            metrics = evaluate(model, images, fits, reference, run["windowPixels"], run["args"]["input_pixels"], mean, std,
                               group_labels, codes, split, normalize)
            figures[f"{name}-{'on' if normalize else 'off'}"] = metrics
            print(f"{name} stain normalization {'on ' if normalize else 'off'}: balanced accuracy {metrics['balancedAccuracy']}",
                  {c: m["recall"] for c, m in metrics["perClass"].items()}, flush=True)
    return figures


def stain_reference_of(checkpoint: dict) -> StainFit:
    """The stain reference a checkpoint was trained with (as stain_reference computed it)."""
    return StainFit(np.array(checkpoint["reference"]["stainMatrix"]), np.array(checkpoint["reference"]["maxC"]))


def main():
    args = parse_args()
    config = DATASETS[args.dataset]
    for key, value in config["defaults"].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    torch.set_num_threads(args.threads)
    args.draw_seed = draw_seed_of(vars(args))
    torch.manual_seed(args.draw_seed)
    np.random.seed(args.draw_seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    started = time.time()
    data_root = args.data or os.path.join(REPO_ROOT, "..", "shared", "data", args.dataset)
    codes = sorted(set(config["folders"].values()))
    channels = tuple(int(c) for c in args.channels.split(","))
    input_pixels, side = args.input_pixels, config["cropPixels"]
    with open(os.path.join(HERE, config["scale"])) as file:
        microns_per_pixel = float(json.load(file)["micronsPerPixel"])
    patch_microns = config["patchMicrons"] or round(side * microns_per_pixel, 1)
    window_pixels = side if config["patchMicrons"] is None else patch_microns / microns_per_pixel
    window_fraction = window_pixels / side

    train_samples, validation_samples, holdout_samples = split_samples(data_root, config, codes, args.seed)
    if args.checkpoint_in:
        return export(args, config, codes, torch.load(args.checkpoint_in, map_location="cpu"))
    print(f"{args.dataset}: {len(train_samples)} training, {len(validation_samples)} validation, "
          f"{len(holdout_samples)} held-out; {microns_per_pixel} um/px, window {window_pixels:.1f} px = {patch_microns} um "
          f"-> {input_pixels} px", flush=True)

    (train_images, train_fits, validation_images, validation_fits, holdout_images,
     holdout_fits) = load_splits(data_root, (train_samples, validation_samples, holdout_samples), side, args.workers, args.cache)
    initial = torch.load(args.init_from, map_location="cpu") if args.init_from else None
    if initial is not None:  # the same architecture, input size and preprocessing as the checkpoint
        for key in ("channels", "input_pixels", "input_norm"):
            assert getattr(args, key) == initial["args"].get(key), f"--{key} differs from the checkpoint's"
    reference = stain_reference(train_images[:, ::2, ::2])
    print("stain reference", np.round(reference.stain_matrix, 4).tolist(), np.round(reference.max_concentrations, 4).tolist(),
          f"unfit: {sum(f is None for f in train_fits)}", f"({time.time() - started:.0f} s)", flush=True)
    if args.extra_pbc:  # after the stain reference and before the input statistics: the marrow's reference stays
        assert args.dataset == "bm-matek-7", "--extra-pbc adds pbc-8 cells to the marrow model's training only"
        extra_samples, extra_images, extra_fits = pbc_cells_as_marrow(codes, window_pixels * microns_per_pixel, side, args)
        train_samples = train_samples + extra_samples
        train_images = np.concatenate([train_images, extra_images])
        train_fits = list(train_fits) + list(extra_fits)
        print(f"plus {len(extra_samples)} pbc-8 training cells as marrow classes ({time.time() - started:.0f} s)", flush=True)

    # mean/std of the un-normalized SDK views of the training images (normalization on or off alike).
    views = np.stack([sdk_view(image, window_pixels, input_pixels) for image in train_images[::4]]) / 255.0
    mean, std = views.reshape(-1, 3).mean(axis=0), views.reshape(-1, 3).std(axis=0)
    del views
    if initial is not None:  # keep the checkpoint's input statistics (same data and split: equal up to float noise)
        mean, std = np.array(initial["mean"], dtype=np.float32), np.array(initial["std"], dtype=np.float32)

    device = torch.device(args.device)
    raw = torch.from_numpy(train_images).permute(0, 3, 1, 2).contiguous().to(device)
    od_maps = torch.from_numpy(np.stack([od_map(fit, reference) for fit in train_fits]).astype(np.float32)).to(device)
    fitted = torch.tensor([fit is not None for fit in train_fits], device=device)
    labels = torch.tensor([s.class_index for s in train_samples], device=device)
    mean_t = torch.tensor(mean, dtype=torch.float32, device=device)
    std_t = torch.tensor(std, dtype=torch.float32, device=device)
    class_counts = torch.bincount(labels, minlength=len(codes)).float()
    class_weights = class_counts.sum() / (len(codes) * class_counts)

    model = SmallResNet(len(codes), channels, norm="group", input_norm=args.input_norm == "instance")
    if initial is not None:
        model.load_state_dict(initial["state_dict"])
    model = model.to(device)
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0}],
                                  lr=args.learning_rate)
    steps_per_epoch = len(train_samples) // args.batch_size
    total_steps = steps_per_epoch * args.epochs
    warmup_steps = min(2 * steps_per_epoch, total_steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: (step + 1) / warmup_steps if step < warmup_steps
                                                 else 0.5 * (1 + np.cos(np.pi * (step - warmup_steps) / max(1, total_steps - warmup_steps))))
    # Random numbers come from one CPU generator on every device, so a run's draws do not depend on it.
    generator = torch.Generator().manual_seed(args.draw_seed)
    augmenter = recipe_augment.TrainingViews(generator, device, window_fraction, input_pixels, args.normalize_probability,
                                             args.colour, args.camera, args.scale_jitter)

    training_started = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train_samples), generator=generator)
        loss_sum, correct = 0.0, 0
        for step in range(steps_per_epoch):
            index = order[step * args.batch_size:(step + 1) * args.batch_size].to(device)
            view = augmenter(raw[index], od_maps[index], fitted[index])
            loss, right = train_step(model, optimizer, schedule, augment.standardize(view, mean_t, std_t), labels[index],
                                     class_weights, args.label_smoothing)
            loss_sum += loss
            correct += right
        print(f"epoch {epoch + 1}/{args.epochs} loss {loss_sum / steps_per_epoch:.4f} "
              f"train acc {correct / (steps_per_epoch * args.batch_size):.4f} {time.time() - training_started:.0f} s", flush=True)
    training_seconds = time.time() - training_started

    model = model.cpu()
    figures = evaluate_splits(model, (validation_samples, holdout_samples),
                              (validation_images, validation_fits, holdout_images, holdout_fits), reference,
                              {"windowPixels": window_pixels, "args": vars(args), "mean": mean, "std": std}, codes, config)
    checkpoint = {
        "state_dict": model.state_dict(), "args": vars(args), "mean": mean.tolist(), "std": std.tolist(),
        "reference": {"stainMatrix": reference.stain_matrix.tolist(), "maxC": reference.max_concentrations.tolist()},
        "figures": figures, "trainingSeconds": training_seconds, "torch": torch.__version__, "device": str(device),
        "counts": [len(train_samples), len(validation_samples), len(holdout_samples)],
        "micronsPerPixel": microns_per_pixel, "patchMicrons": patch_microns, "windowPixels": window_pixels,
        "initial": ({"path": os.path.basename(args.init_from), "args": initial["args"],
                     "trainingSeconds": initial["trainingSeconds"], "device": initial["device"], "torch": initial["torch"]}
                    if initial is not None else None),
    }
    if args.checkpoint_out:
        torch.save(checkpoint, args.checkpoint_out)
    if not args.no_export:
        export(args, config, codes, checkpoint)
    print(f"total {(time.time() - started) / 60:.1f} min", flush=True)


def held_out_eval(dataset: str, config: dict, microns_per_pixel: float) -> dict:
    """How `smearscope eval` reproduces the held-out figures (record-sdk-metrics.mjs, npm run validate)."""
    spec = {"data": f"../shared/data/{dataset}", "list": f"models/train/{config['holdout']}"}
    renamed = {folder: code for folder, code in config["folders"].items() if folder != code}
    if renamed:
        spec["classes"] = ",".join(f"{folder}={code}" for folder, code in sorted(renamed.items()))
    if config["patchMicrons"] is not None:  # a window inside the crop: cut it at the crops' scale
        spec["micronsPerPixel"] = microns_per_pixel
    return spec


def initial_note(initial: dict) -> str:
    """One sentence on the checkpoint a fine-tune started from (its recipe, where and how long it trained)."""
    a = initial["args"]
    return (f"{initial['path']} ({a['epochs']} epochs from scratch, colour {a.get('colour', 'hed')}, input standardization "
            f"{a.get('input_norm', 'none')}, scale jitter {a.get('scale_jitter', 0.2)}; trained on {initial['device']} "
            f"(torch {initial['torch']}) in {initial['trainingSeconds'] / 60:.1f} min)")


def draw_seed_of(trained: dict) -> int:
    """The seed of a run's draws (--draw-seed; --seed where not given or older runs without it)."""
    draw_seed = trained.get("draw_seed")
    return trained.get("seed", 7) if draw_seed is None else draw_seed


def reproduce_args(trained: dict) -> str:
    """The command-line arguments that differ from the dataset's defaults (what reproduces the run)."""
    config = DATASETS[trained["dataset"]]
    parts = [f"--dataset {trained['dataset']}"]
    for key, value in config["defaults"].items():
        if trained.get(key) != value:
            parts.append(f"--{key.replace('_', '-')} {trained.get(key)}")
    for key, default in (("init_from", None), ("camera", False), ("scale_jitter", 0.2), ("learning_rate", 2e-3),
                         ("normalize_probability", 0.5), ("seed", 7), ("draw_seed", trained.get("seed", 7)),
                         ("arch", "resnet10g"), ("extra_pbc", False)):
        value = trained.get(key, default)
        if value != default:
            parts.append(f"--{key.replace('_', '-')}" + ("" if value is True else
                         f" {os.path.basename(value) if key == 'init_from' else value}"))
    return " ".join(parts)


def soup_note(ingredients: list, trained: dict, arch: str) -> str:
    """The card's sentences on a weight average (soup.py): its ingredients and how to rebuild it."""
    seeds = [str(i["drawSeed"]) for i in ingredients]
    each = reproduce_args({**trained, "draw_seed": trained["seed"], "arch": "resnet10g"})  # ingredients export nothing
    return (f"Weights: the uniform average (models/train/soup.py) of {len(ingredients)} such fine-tunes that differ only in "
            f"their draws (--draw-seed {', '.join(seeds)}; validation off "
            f"{', '.join(str(i['validation-off']) for i in ingredients)}); the training time above is theirs in total. "
            f"Reproduce: for S in {' '.join(seeds)}: /usr/bin/python3 models/train/train_recipe.py {each} --draw-seed S "
            f"--checkpoint-out ft-S.pt --no-export; then /usr/bin/python3 models/train/soup.py --dataset {trained['dataset']} "
            f"--arch {arch} {' '.join(f'ft-{s}.pt' for s in seeds)} (see README.md).")


def export(args, config, codes, checkpoint):
    """Writes models/<prefix>-<arch>.onnx and its card from a checkpoint (weights, preprocessing and
    the figures measured after training). The stain-normalization choice rests on the validation
    split, never the held-out one; a tie goes to off (less work per frame)."""
    trained = checkpoint["args"]
    channels = tuple(int(c) for c in trained["channels"].split(","))
    input_pixels = trained["input_pixels"]
    model = SmallResNet(len(codes), channels, norm="group", input_norm=trained.get("input_norm") == "instance")
    model.load_state_dict(checkpoint["state_dict"])
    figures = checkpoint["figures"]
    stain_on = figures["validation-on"]["balancedAccuracy"] > figures["validation-off"]["balancedAccuracy"]
    chosen = figures["holdout-on" if stain_on else "holdout-off"]
    counts = checkpoint["counts"]
    patch_microns, microns_per_pixel = checkpoint["patchMicrons"], checkpoint["micronsPerPixel"]
    stem = f"{config['prefix']}-{args.arch}"
    onnx_path = os.path.join(REPO_ROOT, "models", stem + ".onnx")
    export_onnx(model, input_pixels, onnx_path)
    parameters = sum(p.numel() for p in model.parameters())
    macs = count_macs(model, input_pixels)
    place = f"on {checkpoint['device']} (torch {checkpoint['torch']})"
    card = {
        "id": stem,
        "version": "1.0.0",
        "description": (f"{'Peripheral-blood' if args.dataset == 'pbc-8' else 'Bone-marrow'} classifier built for other labs: "
                        f"GroupNorm residual CNN ({parameters:,} parameters), {len(codes)} classes, "
                        f"{input_pixels} px patches of {patch_microns} um."),
        "scheme": config["scheme"],
        "model": stem + ".onnx",
        **card_body(model, input_pixels, checkpoint["mean"], checkpoint["std"], patch_microns, codes,
                    checkpoint["reference"]["stainMatrix"], checkpoint["reference"]["maxC"], parameters, macs),
        "stainNormalization": bool(stain_on),
        "provenance": {
            "trained": True,
            "data": (f"{config['data']}; {counts[0]} images for training, {counts[1]} for validation, "
                     f"{counts[2]} held out (models/train/{config['holdout']}, stratified 20 %, seed {trained['seed']})"
                     + (f"; the training images include {PBC_EXTRA_DATA}." if trained.get("extra_pbc") else ".")),
            "licence": config["licence"],
            "citation": config["citation"],
            "micronsPerPixel": microns_per_pixel,
            "notes": (f"SmallResNet with GroupNorm: stride-2 stem (16 ch), 4 stages of basic blocks ({trained['channels']} ch), "
                      f"GAP, one Linear. Input: the {patch_microns} um square around the cell ({checkpoint['windowPixels']:.0f} px "
                      f"of the {microns_per_pixel} um/px crops) resampled bilinearly to {input_pixels} px (half-pixel centres, "
                      "no antialiasing), then (p/255-mean)/std"
                      f"{'; inside the model each image is first standardized per channel (GroupNorm(3, 3) without parameters)' if trained.get('input_norm') == 'instance' else ''}. "
                      f"Training views (recipe_augment.TrainingViews): any rotation, flips, window scale "
                      f"exp(U(+-{trained.get('scale_jitter', 0.2)})), shift "
                      f"+-8 %; Macenko normalization to stainReference on a random {trained['normalize_probability']:.0%} of views; "
                      + ("OD jitter on the H-E-DAB basis (concentration x U(0.7,1.3) + U(+-0.05), basis entries +-0.1, channel OD "
                         "offset +-0.1); Gaussian blur sigma U(0,1.2) px on half the views; noise U(0,4) grey levels. "
                         if trained.get("colour", "hed") == "hed" else
                         "OD jitter on the H-E-DAB basis (concentration x U(0.5,1.5) + U(+-0.1), basis entries +-0.2, channel OD "
                         "offset +-0.2), hue rotation +-30 deg, saturation x U(0.5,1.5), gamma exp(U(+-0.4)), grey views 10 %; "
                         "Gaussian blur sigma U(0,2) px on 70 % of views; noise U(0,6) grey levels. ") +
                      f"{trained['epochs']} epochs (fixed in advance), AdamW lr {trained['learning_rate']} wd 0.05, linear warm-up "
                      f"(10 % of steps) then cosine, batch {trained['batch_size']}, class-weighted cross-entropy, label smoothing "
                      f"{trained['label_smoothing']}. Decoding: PIL Image.open().convert('RGB'). Seed {trained['seed']}"
                      f"{'' if draw_seed_of(trained) == trained['seed'] else f', draws seed {draw_seed_of(trained)}'}; trained "
                      f"{place} in {checkpoint['trainingSeconds'] / 60:.1f} min. Stain normalization "
                      f"{'on' if stain_on else 'off'}: validation balanced accuracy on "
                      f"{figures['validation-on']['balancedAccuracy']} vs off {figures['validation-off']['balancedAccuracy']}. "
                      + (" Camera views (--camera, recipe_augment.degrade_camera): area-downsampled by U(1, 2.5) and upsampled "
                         "back on half the views, JPEG quality 30-90 (PIL) on half, a frame edge clamped U(0, 35 %) in from one "
                         "side on a fifth. " if trained.get("camera") else " ")
                      + (f"Fine-tuned from {initial_note(checkpoint['initial'])}; the line above describes the fine-tune. "
                         if checkpoint.get("initial") else "")
                      + (soup_note(checkpoint["soup"], trained, args.arch) if checkpoint.get("soup") else
                         f"Reproduce: /usr/bin/python3 models/train/train_recipe.py {reproduce_args(trained)} (see README.md).")),
            "validation": {k: v["balancedAccuracy"] for k, v in figures.items()},
            "heldOutEval": held_out_eval(args.dataset, config, microns_per_pixel),
            "metrics": chosen,
        },
    }
    write_card(card, os.path.join(REPO_ROOT, "models", stem + ".json"))
    print(f"{written(onnx_path, parameters, macs)}; stain normalization {'on' if stain_on else 'off'}", flush=True)


if __name__ == "__main__":
    main()
