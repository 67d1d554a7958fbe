#!/usr/bin/env python3
"""OUT sets and the background training set of bench/ood-fashion-mnist.sh (standard library only).

  sets.py noise OUT.npy COUNT SEED          uniform noise images: COUNT x 28 x 28 uint8, each pixel U{0..255}
  sets.py flip IN-idx3.gz OUT-idx3.gz       every image upside down (its rows in reverse order)
  sets.py perturb IN-idx3.gz OUT-idx3.gz MU SEED
                                            Ren et al. 2019's background inputs: each pixel independently,
                                            with probability MU, replaced by a uniform value in 0..255

IDX files are read and written gzipped (magic 0x00000803, big-endian sizes), .npy in format 1.0.
"""
import gzip
import math
import random
import struct
import sys


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x803:
        sys.exit(f"{path}: not an IDX image file (magic {magic:#010x})")
    return n, rows, cols, bytearray(data[16:16 + n * rows * cols])


def write_idx_images(path, n, rows, cols, pixels):
    with gzip.open(path, "wb", compresslevel=6) as f:
        f.write(struct.pack(">IIII", 0x803, n, rows, cols))
        f.write(bytes(pixels))


def noise(out, count, seed):
    rng = random.Random(seed)
    header = "{'descr': '|u1', 'fortran_order': False, 'shape': (%d, 28, 28), }" % count
    header += " " * (63 - (10 + len(header)) % 64) + "\n"  # the whole header a multiple of 64 bytes
    with open(out, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(rng.randbytes(count * 784))


def flip(src, out):
    n, rows, cols, pixels = read_idx_images(src)
    size = rows * cols
    flipped = bytearray(len(pixels))
    for i in range(n):
        for r in range(rows):
            a = i * size + r * cols
            b = i * size + (rows - 1 - r) * cols
            flipped[b:b + cols] = pixels[a:a + cols]
    write_idx_images(out, n, rows, cols, flipped)


def perturb(src, out, mu, seed):
    # Positions to replace are drawn by geometric gaps (the gap to the next replaced pixel
    # is Geometric(mu)), which is the same as one Bernoulli(mu) draw per pixel.
    rng = random.Random(seed)
    n, rows, cols, pixels = read_idx_images(src)
    log_keep = math.log1p(-mu)
    i = -1
    total = len(pixels)
    while True:
        i += 1 + int(math.log(1.0 - rng.random()) / log_keep)
        if i >= total:
            break
        pixels[i] = rng.randrange(256)
    write_idx_images(out, n, rows, cols, pixels)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "noise" and len(sys.argv) == 5:
        noise(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "flip" and len(sys.argv) == 4:
        flip(sys.argv[2], sys.argv[3])
    elif cmd == "perturb" and len(sys.argv) == 6:
        perturb(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(__doc__)
