#!/usr/bin/python3
"""Writes test/reference/pil-checksums.json: SHA-256 of PIL's decoded RGB pixels
(Image.open(path).convert('RGB').tobytes(), row-major RGB8) for a fixed sample of the shared images:
the first 5 bone-marrow crops of each class and the first 4 BCCD frames (sorted by name).
test/node/io-decode.test.ts compares smearscope's Node decoder (sharp/libvips) against them.
Run from the repository root with Debian's python3-pil: /usr/bin/python3 test/reference/pil-checksums.py
"""
import hashlib
import json
import os

import PIL
from PIL import Image

DATA = '../shared/data'


def sample():
    crops = os.path.join(DATA, 'bm-matek-7')
    for cls in sorted(os.listdir(crops)):
        for name in sorted(os.listdir(os.path.join(crops, cls)))[:5]:
            yield f'bm-matek-7/{cls}/{name}'
    frames = sorted(n for n in os.listdir(os.path.join(DATA, 'bccd/JPEGImages')) if n.endswith('.jpg'))
    for name in frames[:4]:
        yield f'bccd/JPEGImages/{name}'


def main():
    checksums = {}
    for path in sample():
        image = Image.open(os.path.join(DATA, path)).convert('RGB')
        checksums[path] = {'width': image.width, 'height': image.height, 'sha256': hashlib.sha256(image.tobytes()).hexdigest()}
    out = {'generator': f'PIL {PIL.__version__}: Image.open(path).convert("RGB").tobytes()', 'images': checksums}
    with open('test/reference/pil-checksums.json', 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
