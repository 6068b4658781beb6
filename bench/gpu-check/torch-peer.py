"""The GPU's own ceiling for the reference architecture: torchvision's ResNeXt-50 (32x4d), random
weights, 250 x 250 input (the seeds' patch), timed with CUDA events on the device machine. Prints one
JSON object. Run by bench/gpu-check.sh on a lent GPU machine; not part of any test."""
import json
import sys

import torch
import torchvision

CLASSES = 21  # the bone-marrow scheme
SIDE = 250


def cells_per_second(model, batch, dtype, runs=20):
    x = torch.randn(batch, 3, SIDE, SIDE, device='cuda').to(memory_format=torch.channels_last)
    with torch.inference_mode(), torch.autocast('cuda', dtype=dtype, enabled=dtype != torch.float32):
        for _ in range(5):
            model(x)
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        times = []
        for _ in range(runs):
            start.record()
            model(x)
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
    times.sort()
    return batch * 1000.0 / times[len(times) // 2]


def main():
    if not torch.cuda.is_available():
        print(json.dumps({'skipped': 'no CUDA device'}))
        return 0
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model = torchvision.models.resnext50_32x4d(weights=None, num_classes=CLASSES).cuda().eval()
    model = model.to(memory_format=torch.channels_last)
    rows = []
    for dtype, name in ((torch.float32, 'fp32'), (torch.bfloat16, 'bf16')):
        for batch in (1, 8, 64, 256):
            rows.append({'dtype': name, 'batch': batch, 'cellsPerSecond': round(cells_per_second(model, batch, dtype), 1)})
            print(f'torch {name} batch {batch}: {rows[-1]["cellsPerSecond"]} cells/s', file=sys.stderr)
    print(json.dumps({'peer': 'torch ' + torch.__version__ + ' resnext50_32x4d (torchvision), 250x250, CUDA events, medians',
                      'device': torch.cuda.get_device_name(0), 'rows': rows}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
