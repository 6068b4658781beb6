"""Train, evaluate and export the shipped default bone-marrow classifier (models/bm7-<arch>.*).

Run from the repository root:  /usr/bin/python3 models/train/train.py
Reads ../shared/data/bm-matek-7, writes models/train/holdout.txt, models/bm7-<arch>.onnx and the
model card models/bm7-<arch>.json. Everything is seeded; the epoch count is fixed in advance
(never chosen on the hold-out split). See README.md.
"""
import argparse
import json
import os
import time

import numpy as np
import torch

import augment
from dataset import CLASS_CODES, list_samples, load_rgb, preprocess_exact, stratified_split
from export import card_body, export_onnx, write_card, written
from macenko import StainFit, fit_stains, normalize_stains
from metrics import classification_metrics
from net import SmallResNet, count_macs
from resample import resample_bilinear
from step import train_step

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Physical side of the 250 px crops, estimated from erythrocytes by estimate_scale.py (README.md).
SCALE_PATH = os.path.join(os.path.dirname(__file__), "scale.json")
CITATION = ("Matek C, Krappe S, Münzenmayer C, Haferlach T, Marr C. Highly accurate differentiation of bone "
            "marrow cell morphologies using deep neural networks on a large image data set. "
            "Blood. 2021;138(20):1917-1927. doi:10.1182/blood.2020010568")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.path.join(REPO_ROOT, "..", "shared", "data", "bm-matek-7"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=45)
    parser.add_argument("--input-pixels", type=int, default=96)
    parser.add_argument("--channels", default="32,64,128,256", help="output channels of the four stages")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--arch", default="resnet10s", help="name part of models/bm7-<arch>.{onnx,json}")
    parser.add_argument("--threads", type=int, default=2)
    return parser.parse_args()


def stain_reference(images: np.ndarray) -> StainFit:
    """Macenko fit over a pool of every 4th pixel (raster order) of all training images [N, H, W, 3]."""
    return fit_stains(images.reshape(-1, 3)[::4])


def od_map(fit, reference: StainFit) -> np.ndarray:
    """3x3 map from an image's OD to the reference stains (augment.normalize_batch); identity if unfit."""
    if fit is None:
        return np.eye(3)
    ratio = reference.max_concentrations / fit.max_concentrations
    return reference.stain_matrix.T @ np.diag(ratio) @ np.linalg.pinv(fit.stain_matrix.T)


def check_training_view_matches_sdk(images, fits, reference, input_pixels, od_maps, fitted):
    """The un-augmented torch view must equal the numpy SDK-order preprocessing (same pixels)."""
    count = 16
    raw = torch.from_numpy(images[:count]).permute(0, 3, 1, 2)
    identity = torch.eye(2, 3).repeat(count, 1, 1)
    view = augment.normalize_batch(augment.resample_batch(raw, identity, input_pixels),
                                   torch.from_numpy(od_maps[:count]), torch.from_numpy(fitted[:count]))
    exact = np.stack([normalize_stains(resample_bilinear(images[i], input_pixels, input_pixels), fits[i], reference)
                      for i in range(count)]).transpose(0, 3, 1, 2)
    difference = float(np.abs(view.numpy() - exact).max())
    assert difference < 0.05, f"training view differs from the SDK preprocessing by {difference} levels"
    return difference


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    started = time.time()
    channels = tuple(int(c) for c in args.channels.split(","))
    input_pixels = args.input_pixels

    samples = list_samples(args.data)
    train_samples, holdout_samples = stratified_split(samples, 0.2, args.seed)
    with open(os.path.join(os.path.dirname(__file__), "holdout.txt"), "w") as file:
        file.writelines(s.relative_path + "\n" for s in holdout_samples)
    print(f"{len(train_samples)} training, {len(holdout_samples)} held-out images", flush=True)

    train_images = np.stack([load_rgb(args.data, s) for s in train_samples])
    holdout_images = np.stack([load_rgb(args.data, s) for s in holdout_samples])
    reference = stain_reference(train_images)
    train_fits = [fit_stains(image) for image in train_images]
    holdout_fits = [fit_stains(image) for image in holdout_images]
    print("stain reference", np.round(reference.stain_matrix, 4).tolist(), np.round(reference.max_concentrations, 4).tolist(),
          f"unfit train/holdout: {sum(f is None for f in train_fits)}/{sum(f is None for f in holdout_fits)}", flush=True)

    # mean/std of the SDK's view (resample -> normalize) of the training images, per RGB channel.
    train_views = np.stack([normalize_stains(resample_bilinear(image, input_pixels, input_pixels), fit, reference)
                            for image, fit in zip(train_images, train_fits)]) / 255.0
    mean = train_views.reshape(-1, 3).mean(axis=0)
    std = train_views.reshape(-1, 3).std(axis=0)
    del train_views
    holdout_inputs = torch.from_numpy(np.stack([
        preprocess_exact(image, fit, reference, input_pixels, mean, std) for image, fit in zip(holdout_images, holdout_fits)]))
    holdout_labels = np.array([s.class_index for s in holdout_samples])

    od_maps = np.stack([od_map(fit, reference) for fit in train_fits]).astype(np.float32)
    fitted = np.array([fit is not None for fit in train_fits])
    difference = check_training_view_matches_sdk(train_images, train_fits, reference, input_pixels, od_maps, fitted)
    print(f"preprocessing ready in {time.time() - started:.0f} s; training view vs SDK order: max {difference:.4f} levels", flush=True)

    raw = torch.from_numpy(train_images).permute(0, 3, 1, 2).contiguous()  # uint8 [N, 3, 250, 250]
    od_maps_t, fitted_t = torch.from_numpy(od_maps), torch.from_numpy(fitted)
    labels = torch.tensor([s.class_index for s in train_samples])
    reference_matrix = torch.tensor(reference.stain_matrix, dtype=torch.float32)
    mean_t, std_t = torch.tensor(mean, dtype=torch.float32), torch.tensor(std, dtype=torch.float32)
    class_counts = torch.bincount(labels, minlength=len(CLASS_CODES)).float()
    class_weights = class_counts.sum() / (len(CLASS_CODES) * class_counts)  # balanced accuracy is the goal

    model = SmallResNet(len(CLASS_CODES), channels)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    optimizer = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0}],
                                lr=args.learning_rate, momentum=0.9, nesterov=True)
    steps_per_epoch = len(train_samples) // args.batch_size
    total_steps = steps_per_epoch * args.epochs
    warmup_steps = min(2 * steps_per_epoch, total_steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(
        (step + 1) / warmup_steps, 0.5 * (1 + np.cos(np.pi * min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))))
        if step >= warmup_steps else (step + 1) / warmup_steps))
    generator = torch.Generator().manual_seed(args.seed)

    training_started = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train_samples), generator=generator)
        loss_sum, correct = 0.0, 0
        for step in range(steps_per_epoch):
            index = order[step * args.batch_size:(step + 1) * args.batch_size]
            affines = augment.random_affines(len(index), generator, max_shift_fraction=0.05, max_scale_change=0.05)
            view = augment.resample_batch(raw[index], affines, input_pixels)
            view = augment.normalize_batch(view, od_maps_t[index], fitted_t[index])
            view = augment.jitter_stains(view, reference_matrix, generator, max_scale_change=0.2, max_shift=0.2)
            loss, right = train_step(model, optimizer, schedule, augment.standardize(view, mean_t, std_t), labels[index],
                                     class_weights, 0.1)
            loss_sum += loss
            correct += right
        print(f"epoch {epoch + 1}/{args.epochs} loss {loss_sum / steps_per_epoch:.4f} "
              f"train acc {correct / (steps_per_epoch * args.batch_size):.4f} {time.time() - training_started:.0f} s", flush=True)
    training_seconds = time.time() - training_started

    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(batch)[0].argmax(1) for batch in holdout_inputs.split(256)]).numpy()
    metrics = classification_metrics(holdout_labels, predicted, CLASS_CODES, "models/train/holdout.txt")
    print(json.dumps(metrics), flush=True)

    with open(SCALE_PATH) as file:
        patch_microns = float(json.load(file)["patchMicrons"])
    stem = f"bm7-{args.arch}"
    onnx_path = os.path.join(REPO_ROOT, "models", stem + ".onnx")
    export_onnx(model, input_pixels, onnx_path)
    parameters = sum(p.numel() for p in model.parameters())
    macs = count_macs(model, input_pixels)
    card = {
        "id": stem,
        "version": "1.0.0",
        "description": (f"Default bone-marrow classifier: small residual CNN ({parameters:,} parameters) for 7 classes "
                        f"of the Matek 2021 scheme on {input_pixels} px patches of {patch_microns} um single-cell crops."),
        "scheme": "bone-marrow-21",
        "model": stem + ".onnx",
        **card_body(model, input_pixels, mean, std, patch_microns, CLASS_CODES, reference.stain_matrix,
                    reference.max_concentrations, parameters, macs),
        "provenance": {
            "trained": True,
            "data": ("bm-matek-7: 7 classes (BLA EOS LYT MON NGS NIF PMO) of the TCIA Bone-Marrow-Cytomorphology "
                     "collection (Matek et al. 2021), a random 60 % sample of a 6,698-image public subset; "
                     f"{len(train_samples)} images for training, {len(holdout_samples)} held out (stratified 20 %, seed {args.seed})."),
            "licence": "CC BY 4.0",
            "citation": CITATION,
            "notes": (f"SmallResNet: stride-2 stem ({16} ch), 4 stages of ResNet basic blocks ({args.channels} ch), "
                      f"global average pooling, one Linear. Input {input_pixels}x{input_pixels}: the whole 250 px crop "
                      "resampled bilinearly (half-pixel centres, no antialiasing), Macenko-normalized to stainReference, "
                      "then (p/255-mean)/std. "
                      f"{args.epochs} epochs (fixed in advance), SGD nesterov lr {args.learning_rate} cosine, batch {args.batch_size}, "
                      "class-weighted cross-entropy with label smoothing 0.1; augmentation: any rotation, flips, +-5 % shift "
                      "and scale, Macenko stain-concentration jitter (scale U(0.8,1.2), shift U(-0.2,0.2)). "
                      f"Seed {args.seed}; CPU training took {training_seconds / 60:.1f} min on 2 threads. "
                      "Reproduce: /usr/bin/python3 models/train/train.py (see models/train/README.md)."),
            "metrics": metrics,
        },
    }
    write_card(card, os.path.join(REPO_ROOT, "models", stem + ".json"))
    print(f"{written(onnx_path, parameters, macs)}; total {(time.time() - started) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
