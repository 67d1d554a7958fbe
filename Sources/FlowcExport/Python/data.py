"""The data of a run, made exactly as flowc makes it (Sources/FlowData, Sources/FlowcBuild/
DataPlan.swift): the same toy constructions, the same file readers, the same shuffles and
splits, the same preprocessing and its log|det|.

flowc draws every random number from xoshiro256** in named streams of a seed; this file
carries that generator, bit for bit, so the toy training batches, the validation and test
sets, the file shuffle and split and the order of the batches are the very numbers flowc
uses: a checkpoint trained here and `flowc eval` score the same test set. Under torchrun
every process draws the same global batch (flowc's) and trains on its share of the rows,
so the union over the processes is flowc's batch whatever their number.

The one exception is dequantisation noise (uniform, fresh for every batch): pure Python
is too slow for one draw per pixel, so it comes from numpy's generator, seeded from the
same seeds (the same distribution, other numbers).
"""

import gzip
import math
import re
import struct

import numpy as np

MASK = (1 << 64) - 1


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Xoshiro256:
    """flowc's generator (FlowRandom/Xoshiro256.swift): xoshiro256** seeded through SplitMix64,
    with named sub-streams (the seed xor the FNV-1a hash of the stream name)."""

    def __init__(self, seed=0, stream=None, state=None):
        if state is not None:
            if len(state) != 4 or not any(state):
                raise ValueError("a xoshiro256 state is four words, not all zero")
            self.s = [int(v) & MASK for v in state]
            return
        seed = int(seed) & MASK
        if stream is not None:
            h = 0xCBF29CE484222325
            for b in stream.encode("utf-8"):
                h = ((h ^ b) * 0x100000001B3) & MASK
            seed ^= h
        sm, s = seed, []
        for _ in range(4):
            sm = (sm + 0x9E3779B97F4A7C15) & MASK
            z = sm
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            s.append(z ^ (z >> 31))
        self.s = s

    @property
    def state(self):
        return list(self.s)

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (_rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def uniform(self):
        """[0, 1) from the top 53 bits."""
        return (self.next() >> 11) * 2.0 ** -53

    def open_uniform(self):
        """(0, 1)."""
        return ((self.next() >> 12) + 0.5) * 2.0 ** -52

    def normal(self):
        """Box-Muller, the second value of the pair dropped."""
        u1 = self.open_uniform()
        u2 = self.uniform()
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)

    def next_int(self, n):
        """Uniform in 0..<n, Lemire's nearly divisionless method (Swift's next(upperBound:))."""
        m = self.next() * n
        low = m & MASK
        if low < n:
            t = ((1 << 64) - n) % n
            while low < t:
                m = self.next() * n
                low = m & MASK
        return m >> 64

    def permutation(self, n):
        """Fisher-Yates, from the end."""
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.next_int(i + 1)
            p[i], p[j] = p[j], p[i]
        return p

    def copy(self):
        return Xoshiro256(state=self.s)


# MARK: - Toy sources (FlowData/ScikitLearnToys.swift, FFJORDToys.swift)


def _linspace_endpoint(stop, n):
    if n <= 1:
        return [0.0] if n == 1 else []
    step = stop / (n - 1)
    v = [k * step for k in range(n)]
    v[-1] = stop
    return v


def _linspace(stop, n):
    step = stop / n if n > 0 else 0.0
    return [k * step for k in range(n)]


def _shuffle_and_add_noise(xs, ys, noise, g):
    order = g.permutation(len(xs))
    out = np.empty((len(xs), 2), dtype=np.float32)
    for r, i in enumerate(order):
        ex = g.normal() * noise
        ey = g.normal() * noise
        out[r, 0] = xs[i] + ex
        out[r, 1] = ys[i] + ey
    return out


def make_moons(count, noise, g):
    """scikit-learn's make_moons."""
    n_out = count // 2
    n_in = count - n_out
    t_out, t_in = _linspace_endpoint(math.pi, n_out), _linspace_endpoint(math.pi, n_in)
    xs = [math.cos(t) for t in t_out] + [1 - math.cos(t) for t in t_in]
    ys = [math.sin(t) for t in t_out] + [1 - math.sin(t) - 0.5 for t in t_in]
    return _shuffle_and_add_noise(xs, ys, noise, g)


def make_circles(count, noise, factor, g):
    """scikit-learn's make_circles."""
    n_out = count // 2
    n_in = count - n_out
    t_out, t_in = _linspace(2 * math.pi, n_out), _linspace(2 * math.pi, n_in)
    xs = [math.cos(t) for t in t_out] + [factor * math.cos(t) for t in t_in]
    ys = [math.sin(t) for t in t_out] + [factor * math.sin(t) for t in t_in]
    return _shuffle_and_add_noise(xs, ys, noise, g)


def make_eight_gaussians(count, g):
    r = 1 / math.sqrt(2.0)
    centers = [(1, 0), (-1, 0), (0, 1), (0, -1), (r, r), (r, -r), (-r, r), (-r, -r)]
    out = np.empty((count, 2), dtype=np.float32)
    for i in range(count):
        ex = g.normal() * 0.5
        ey = g.normal() * 0.5
        k = g.next_int(8)
        out[i, 0] = (4 * centers[k][0] + ex) / 1.414
        out[i, 1] = (4 * centers[k][1] + ey) / 1.414
    return out


def make_checkerboard(count, g):
    out = np.empty((count, 2), dtype=np.float32)
    for i in range(count):
        x1 = g.uniform() * 4 - 2
        x2 = g.uniform() - g.next_int(2) * 2
        column = math.floor(x1)
        shift = column - 2 * math.floor(column / 2)
        out[i, 0] = 2 * x1
        out[i, 1] = 2 * (x2 + shift)
    return out


def make_two_spirals(count, g):
    n0 = count - count // 2
    arm = []
    for _ in range(n0):
        t = math.sqrt(g.uniform()) * 540 * (2 * math.pi) / 360
        dx = -math.cos(t) * t + g.uniform() * 0.5
        dy = math.sin(t) * t + g.uniform() * 0.5
        arm.append((dx, dy))
    out = np.empty((count, 2), dtype=np.float32)
    for i in range(count):
        dx, dy = arm[i] if i < n0 else (-arm[i - n0][0], -arm[i - n0][1])
        out[i, 0] = dx / 3 + 0.1 * g.normal()
        out[i, 1] = dy / 3 + 0.1 * g.normal()
    return out


def make_pinwheel(count, g):
    points = []
    for i in range(count):
        k = i % 5
        f1 = 1 + 0.3 * g.normal()
        f2 = 0.1 * g.normal()
        theta = 2 * math.pi * k / 5 + 0.25 * math.exp(f1)
        points.append((np.float32(2 * (f1 * math.cos(theta) + f2 * math.sin(theta))),
                       np.float32(2 * (-f1 * math.sin(theta) + f2 * math.cos(theta)))))
    out = np.empty((count, 2), dtype=np.float32)
    for r, i in enumerate(g.permutation(count)):
        out[r] = points[i]
    return out


TOY_SOURCES = ("moons", "circles", "eight_gaussians", "checkerboard", "two_spirals", "pinwheel")


def toy_sample(source, count, data, g):
    """`count` points of a toy source (float32 [count, 2]), drawn from `g`."""
    if source == "moons":
        return make_moons(count, data["noise"], g)
    if source == "circles":
        return make_circles(count, data["noise"], data["factor"], g)
    if source == "eight_gaussians":
        return make_eight_gaussians(count, g)
    if source == "checkerboard":
        return make_checkerboard(count, g)
    if source == "two_spirals":
        return make_two_spirals(count, g)
    if source == "pinwheel":
        return make_pinwheel(count, g)
    raise ValueError(f"unknown toy source {source!r}")


# MARK: - Files (FlowData/CSVReader.swift, NPYReader.swift, IDXReader.swift)


class DataError(Exception):
    """A data file that cannot be used, with the file named."""


def _file_bytes(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise DataError(f"{path}: {e.strerror or e}")
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw


def data_format(path):
    """csv, npy or idx from the file's name, as flowc decides."""
    name = path.split("/")[-1].lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith((".csv", ".txt", ".tsv", ".dat")):
        return "csv"
    if name.endswith(".npy"):
        return "npy"
    if name.endswith((".idx", ".idx3", "-ubyte")) or "-idx" in name:
        return "idx"
    raise DataError(f"{path}: unknown data format (use .csv, .npy or IDX files)")


_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$|[-+]?(inf|infinity|nan)$", re.IGNORECASE)


def read_csv(path):
    values, _, _ = read_csv_table(path)
    return values, None


def read_csv_table(path):
    """(values float32 [n, d], None, the header's names or None) of a CSV file."""
    text = _file_bytes(path).decode("utf-8", errors="replace")
    rows, width, first, comma, header = [], None, True, None, None
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip(" \t").rstrip("\r").strip(" \t")
        if not line or line.startswith("#"):
            continue
        if comma is None:
            comma = "," in line
        fields = [f.strip(" \t") for f in line.split(",")] if comma else line.split()
        if first:
            first = False
            if not any(_NUMBER.match(f) for f in fields):
                width = len(fields)
                header = [f[1:-1] if len(f) >= 2 and f[0] == f[-1] == '"' else f for f in fields]
                continue
        if width is not None and len(fields) != width:
            raise DataError(f"{path}:{number}: {len(fields)} columns, expected {width}")
        width = len(fields)
        row = []
        for k, f in enumerate(fields):
            if not _NUMBER.match(f):
                raise DataError(f"{path}:{number}:{k + 1}: '{f}' is not a number")
            v = float(f)
            if not math.isfinite(v) or not math.isfinite(float(np.float32(v))):
                raise DataError(f"{path}:{number}:{k + 1}: '{f}' is not finite")
            row.append(v)
        rows.append(row)
    if not rows or not width:
        raise DataError(f"{path}: no data rows")
    return np.asarray(rows, dtype=np.float32), None, header


def split_context_columns(path, values, header, columns):
    """(features, context) of CSV rows: the named `columns` (in that order) as the context
    [n, C] float32, the other columns in file order as the features (flowc's
    CSVTable.splittingContext)."""
    if header is None:
        raise DataError(f"{path}: the context columns {columns} are named by a header line, which the file does not have")
    index = []
    for name in columns:
        if name not in header:
            raise DataError(f"{path}: no column '{name}' in the header (its columns: {', '.join(header)})")
        index.append(header.index(name))
    features = [j for j in range(values.shape[1]) if j not in set(index)]
    if not features:
        raise DataError(f"{path}: every column is a context column ({', '.join(columns)}), which leaves no features")
    return np.ascontiguousarray(values[:, features]), np.ascontiguousarray(values[:, index])


def read_idx_labels(path):
    """The labels of an IDX label file (magic 0x00000801, integer elements) as int64 [n]."""
    raw = _file_bytes(path)
    types = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4"}
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[3] != 1 or raw[2] not in types:
        raise DataError(f"{path}: not an IDX label file (magic 0x00000801)")
    count = struct.unpack(">I", raw[4:8])[0]
    dtype = np.dtype(types[raw[2]])
    if len(raw) < 8 + count * dtype.itemsize:
        raise DataError(f"{path}: {count} labels announced, the file holds fewer")
    return np.frombuffer(raw, dtype=dtype, count=count, offset=8).astype(np.int64)


def read_npy(path):
    raw = _file_bytes(path)
    if raw[:6] != b"\x93NUMPY":
        raise DataError(f"{path}: not a .npy file")
    major = raw[6]
    if major == 1:
        n, start = struct.unpack("<H", raw[8:10])[0], 10
    else:
        n, start = struct.unpack("<I", raw[8:12])[0], 12
    header = eval(raw[start:start + n].decode("latin1"), {"__builtins__": {}}, {"True": True, "False": False})
    descr = header["descr"]
    dtype = {"<f4": np.float32, "<f8": np.float64, "|u1": np.uint8}.get(descr)
    if dtype is None:
        raise DataError(f"{path}: dtype {descr} (flowc reads <f4, <f8 and |u1)")
    if header["fortran_order"]:
        raise DataError(f"{path}: Fortran-ordered arrays are not read")
    shape = tuple(header["shape"])
    if not shape:
        raise DataError(f"{path}: a 0-d array holds a single number, not rows")
    count = int(np.prod(shape))
    values = np.frombuffer(raw, dtype=dtype, count=count, offset=start + n).astype(np.float32)
    inner = list(shape[1:])
    d = int(np.prod(inner)) if inner else 1
    return values.reshape(shape[0], d), (inner if len(inner) > 1 else None)


def read_idx(path):
    raw = _file_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[3] != 3:
        raise DataError(f"{path}: not an IDX image file (magic 0x00000803)")
    types = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if raw[2] not in types:
        raise DataError(f"{path}: unknown IDX element type 0x{raw[2]:02x}")
    dims = list(struct.unpack(">III", raw[4:16]))
    count = dims[0] * dims[1] * dims[2]
    values = np.frombuffer(raw, dtype=np.dtype(types[raw[2]]), count=count, offset=16).astype(np.float32)
    if not np.all(np.isfinite(values)):
        raise DataError(f"{path}: a value is not finite")
    return values.reshape(dims[0], dims[1] * dims[2]), dims[1:]


def read_dataset(path):
    """(values float32 [n, d], image shape or None) of a data file."""
    return {"csv": read_csv, "npy": read_npy, "idx": read_idx}[data_format(path)](path)


def _without_leading_ones(shape):
    shape = list(shape)
    while shape and shape[0] == 1:
        shape = shape[1:]
    return shape


def check_fits(path, values, file_shape, dimension, shape):
    # Leading axes of size 1 do not count, as in flowc: IDX 28x28 images are [1, 28, 28].
    if (shape is not None and file_shape is not None
            and _without_leading_ones(file_shape) != _without_leading_ones(shape)):
        raise DataError(f"{path}: images of shape {file_shape}, the spec's shape is {shape}")
    if values.shape[1] != dimension:
        raise DataError(f"{path}: {values.shape[1]} values a row, the flow has dimension {dimension}")


# MARK: - Preprocessing (FlowData/Preprocessing.swift)


class Preprocessing:
    """dequantize (x + u, u ~ U[0, 1)), then scale by 1/levels, then Real NVP's logit with alpha;
    each step's log|det| per row is returned with the values (float32, as flowc stores them)."""

    def __init__(self, data):
        pre = data["preprocess"]
        self.steps = []
        if pre["dequantize"]:
            self.steps.append(("dequantize", None))
        if data["source"] == "idx" or pre["dequantize"]:
            self.steps.append(("scale", pre["levels"]))
        if pre["logit_alpha"] is not None:
            self.steps.append(("logit", pre["logit_alpha"]))

    @property
    def reports_bits_per_dimension(self):
        return any(kind == "scale" for kind, _ in self.steps)

    def apply(self, values, rng):
        """(values, log|det| per row) for float32 rows; `rng` is a numpy Generator (dequantisation)."""
        x = np.array(values, dtype=np.float32)
        n, d = x.shape
        log_det = np.zeros(n, dtype=np.float64)
        for kind, arg in self.steps:
            if kind == "dequantize":
                v = (x.astype(np.float64) + rng.random(x.shape)).astype(np.float32)
                x = np.minimum(v, np.nextafter(x + np.float32(1), np.float32(-np.inf)))
            elif kind == "scale":
                x = x * np.float32(1 / np.float32(arg))
                log_det += -d * math.log(arg)
            else:
                a = arg
                y = a + (1 - 2 * a) * x.astype(np.float64)
                log_y, log1m_y = np.log(y), np.log1p(-y)
                x = (log_y - log1m_y).astype(np.float32)
                log_det += (math.log(1 - 2 * a) - log_y - log1m_y).sum(axis=1)
        return x, log_det

    def invert(self, values):
        """Flow-space rows back to data space (no noise removed)."""
        x = np.array(values, dtype=np.float32)
        for kind, arg in reversed(self.steps):
            if kind == "scale":
                x = x * np.float32(arg)
            elif kind == "logit":
                y = 1 / (1 + np.exp(-x.astype(np.float64)))
                x = ((y - arg) / (1 - 2 * arg)).astype(np.float32)
        return x


# MARK: - Samplers and the plan (FlowData/BatchSampler.swift, ToySource.swift; FlowcBuild/DataPlan.swift)


class BatchSampler:
    """Epochs over fixed rows: a fresh permutation from the generator at each epoch start,
    then consecutive batches of it (the last one of an epoch may be short)."""

    def __init__(self, data, generator, context=None):
        self.data = data
        #: Each row's raw context (labels [n] or values [n, C]) of a conditional flow, else None.
        self.context = context
        self.generator = generator
        self.order = []
        self.position = 0
        self.epoch = 0

    def next_batch(self, size):
        return self.next_batch_with_context(size)[0]

    def next_batch_with_context(self, size):
        """(rows, their context or None)."""
        if self.position >= len(self.order):
            self.order = self.generator.permutation(len(self.data))
            self.position = 0
            self.epoch += 1
        end = min(self.position + size, len(self.order))
        taken = self.order[self.position:end]
        rows = self.data[taken]
        context = self.context[taken] if self.context is not None else None
        self.position = end
        return rows, context

    @property
    def state(self):
        return {"generator": self.generator.state, "order": list(self.order), "position": self.position,
                "epoch": self.epoch}

    @state.setter
    def state(self, s):
        if len(s["generator"]) == 4 and any(s["generator"]):
            self.generator = Xoshiro256(state=s["generator"])
        if len(s["order"]) in (0, len(self.data)):
            self.order = list(s["order"])
        self.position = max(0, min(s["position"], len(self.order)))
        self.epoch = s["epoch"]


class ToySampler:
    """Fresh draws from a toy source for every batch, or a fixed set drawn once."""

    def __init__(self, source, data, fresh, train_size, generator):
        self.source, self.data = source, data
        self.generator = generator
        self.batches = None
        if not fresh:
            rows = toy_sample(source, train_size, data, generator)
            self.batches = BatchSampler(rows, generator.copy())

    def next_batch(self, size):
        if self.batches is not None:
            return self.batches.next_batch(size)
        return toy_sample(self.source, size, self.data, self.generator)

    def next_batch_with_context(self, size):
        return self.next_batch(size), None

    @property
    def state(self):
        if self.batches is not None:
            return self.batches.state
        return {"generator": self.generator.state, "order": [], "position": 0, "epoch": 0}

    @state.setter
    def state(self, s):
        if self.batches is not None:
            self.batches.state = s
        elif len(s["generator"]) == 4 and any(s["generator"]):
            self.generator = Xoshiro256(state=s["generator"])


def read_file(path, labels, d, dimension, shape):
    """One data file of a file source as flowc reads it (DataPlan.readFile): (rows, labels or
    None, context values or None) with the labels of the IDX file `labels` attached, a column
    context's columns split off the features, checked against the flow, restricted to
    `data.classes`."""
    context = d.get("context")
    columns = context["columns"] if context is not None and context["columns"] is not None else None
    if columns is not None:
        # The validator allows columns only for a CSV source, whatever the file's name.
        values, file_shape, header = read_csv_table(path)
        values, context_values = split_context_columns(path, values, header, columns)
    else:
        values, file_shape = read_dataset(path)
        context_values = None
    check_fits(path, values, file_shape, dimension, shape)
    row_labels = None
    if labels is not None:
        row_labels = read_idx_labels(labels)
        if len(row_labels) != len(values):
            raise DataError(f"{path}: {len(values)} rows but {len(row_labels)} labels in {labels}")
    if context is not None and columns is None:
        k = context["num_classes"]
        if row_labels is None:
            raise DataError(f"{path}: the flow conditions on class labels, and these rows have none")
        bad = np.nonzero((row_labels < 0) | (row_labels >= k))[0]
        if len(bad):
            r = int(bad[0])
            raise DataError(f"{labels}: example {r} (from 0) is labelled {int(row_labels[r])}, "
                            f"outside the context's 0 ..< {k} (data.context.num_classes)")
    if d.get("classes") is not None:
        if row_labels is None:
            raise DataError(f"{path}: 'classes' keeps rows by label, and these rows have none")
        present = set(int(v) for v in row_labels)
        for c in d["classes"]:
            if c not in present:
                raise DataError(f"{path}: no row is labelled {c} (the labels present: {sorted(present)})")
        keep = np.nonzero(np.isin(row_labels, np.asarray(d["classes"], dtype=np.int64)))[0]
        values, row_labels = values[keep], row_labels[keep]
        if context_values is not None:
            context_values = context_values[keep]
    return values, row_labels, context_values


def conditional_context(d, labels, values):
    """The raw context a conditional flow reads from rows: their labels for a class context,
    their context values for a column context, None for an unconditional flow."""
    context = d.get("context")
    if context is None:
        return None
    return values if context["columns"] is not None else labels


class DataPlan:
    """Training batches, the validation and test sets and the preprocessing of a run, from the
    spec's resolved `data` and `eval` settings (config.SETTINGS).

    A conditional flow's rows carry their raw context through the shuffle and the splits as in
    flowc: `validation_context`, `test_context`, `training_context` (labels int64 [n] or values
    float32 [n, C]; None for an unconditional flow), and the sampler's batches."""

    def __init__(self, settings, dimension, shape):
        d, e = settings["data"], settings["eval"]
        seed, eval_seed = d["seed"], e["seed"]
        self.preprocessing = Preprocessing(d)
        self.validation_context = self.test_context = self.training_context = None
        source = d["source"]
        if source in TOY_SOURCES:
            count = d["validation_size"] if d["validation_size"] is not None else 1000
            self.validation = toy_sample(source, max(1, count), d, Xoshiro256(seed, "validation"))
            self.test = toy_sample(source, e["test_size"], d, Xoshiro256(eval_seed, "test"))
            self.sampler = ToySampler(source, d, d["fresh"], d["train_size"] or 1, Xoshiro256(seed, "train"))
            self.training_rows = None if d["fresh"] else d["train_size"]
            return
        path = d["path"]
        values, labels, context = read_file(path, d.get("labels"), d, dimension, shape)
        # The rows' raw context (None for an unconditional flow), shuffled and split with them.
        c = conditional_context(d, labels, context)
        order = Xoshiro256(seed, "split").permutation(len(values))
        values = values[order]
        c = c[order] if c is not None else None
        if d["test_path"] is not None:
            test, test_labels, test_context = read_file(d["test_path"], d.get("test_labels"), d, dimension, shape)
            test_c = conditional_context(d, test_labels, test_context)
            rest, rest_c = values, c
        else:
            n = min(e["test_size"], len(values) // 5)
            test, rest = values[:n], values[n:]
            test_c, rest_c = (c[:n], c[n:]) if c is not None else (None, None)
        vc = d["validation_size"] if d["validation_size"] is not None else len(rest) // 10
        vc = min(vc, max(0, len(rest) - 1))
        validation, train = rest[:vc], rest[vc:]
        validation_c, train_c = (rest_c[:vc], rest_c[vc:]) if rest_c is not None else (None, None)
        if d["train_size"] is not None and d["train_size"] < len(train):
            train = train[:d["train_size"]]
            train_c = train_c[:d["train_size"]] if train_c is not None else None
        self.sampler = BatchSampler(train, Xoshiro256(seed, "train"), train_c)
        if len(validation) > 0:
            self.validation, self.validation_context = validation, validation_c
        else:
            k = min(len(train), 1000)
            self.validation, self.validation_context = train[:k], (train_c[:k] if train_c is not None else None)
        self.test, self.test_context = test, test_c
        self.training_context = train_c
        self.training_rows = len(train)

    def next_batch(self, size):
        """The next global batch (flowc's), raw float32 rows."""
        return self.sampler.next_batch(size)

    def next_batch_with_context(self, size):
        """The next global batch and its rows' raw context (None for an unconditional flow)."""
        return self.sampler.next_batch_with_context(size)

    def context_statistics(self):
        """Each context column's mean and population standard deviation over the training rows,
        in float64 (flowc's Dataset.contextStatistics); None without a column context."""
        c = self.training_context
        if c is None or c.ndim != 2 or len(c) == 0:
            return None
        v = c.astype(np.float64)
        mean = v.sum(axis=0) / len(v)
        std = np.sqrt(((v - mean) ** 2).sum(axis=0) / len(v))
        return [float(m) for m in mean], [float(s) for s in std]


def shard(rows, rank, world):
    """This process's share of a global batch: rows rank, rank + world, ..."""
    return rows[rank::world]
