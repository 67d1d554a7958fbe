"""flowc's checkpoint format (docs/checkpoint.md), read and written with nothing but struct,
json and torch: a safetensors file whose tensors carry flowc's names and whose metadata
carries the spec, the resolved graph and the trainer's state, so `flowc eval`, `sample`,
`report`, `runs` and `diff` read a checkpoint written here, and a flowc checkpoint loads
into the exported module.

  layers.<i>.<tensor>        node %i's weights and buffers (the module's state dict)
  prior.<tensor>             a learned prior's loc and log_scale
  optimizer.step             updates done
  optimizer.<name>.exp_avg, .exp_avg_sq, .momentum_buffer   the optimizer's moments

Written atomically (a temporary file in the same directory, fsync, rename, directory
fsync): an interrupted write leaves the previous checkpoint whole.
"""

import json
import math
import os
import struct

import torch

FORMAT = "flowc-checkpoint-1"
DTYPES = {"F32": torch.float32, "F64": torch.float64}
NAMES = {torch.float32: "F32", torch.float64: "F64"}


def run_file_json(value, pretty=False):
    """JSON as flowc's run files spell it: keys sorted, non-finite numbers as "inf", "-inf", "nan"."""
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v
    if pretty:
        return json.dumps(clean(value), indent=2, sort_keys=True, ensure_ascii=False, separators=(",", " : "))
    return json.dumps(clean(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def read_run_number(v):
    """A number from a run file ("inf", "-inf" and "nan" are strings there)."""
    return {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}.get(v, v) if isinstance(v, str) else v


def read_safetensors(path):
    """({name: tensor}, metadata) of a safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short to be a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: the header length {n} exceeds the file")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    base = 8 + n
    for name, info in header.items():
        dtype = DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name!r} has dtype {info['dtype']} (flowc writes F32 or F64)")
        begin, end = info["data_offsets"]
        chunk = bytearray(raw[base + begin:base + end])
        t = torch.frombuffer(chunk, dtype=dtype) if chunk else torch.zeros(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """Writes [(name, tensor)] and a str -> str metadata dict, atomically."""
    entries, blobs, offset = {}, [], 0
    for name, t in tensors:
        t = t.detach().to("cpu").contiguous()
        data = t.numpy().tobytes() if t.numel() else b""
        entries[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header = {"__metadata__": dict(sorted(metadata.items()))} if metadata else {}
    header.update(entries)
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.tmp-{os.getpid()}")
    with open(temporary, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def optimizer_tensors(flow, optimizer):
    """The optimizer's state under flowc's names: `optimizer.step` (updates done), then each
    parameter's moments."""
    dtype = flow.anchor.dtype
    step = optimizer.step_count if optimizer is not None else 0
    out = [("optimizer.step", torch.tensor(float(step), dtype=dtype))]
    if optimizer is not None:
        out += [(f"optimizer.{name}", t.to(dtype)) for name, t in optimizer.named_state()]
    return out


def save(path, flow, optimizer, trainer_state, package):
    """Writes a flowc checkpoint of `flow` (an unwrapped module), its optimizer and the trainer state.

    `package` is the exported package's description (config.PACKAGE): the spec text, path and
    overrides, the resolved graph and flowc's version.
    """
    dtype = flow.anchor.dtype
    tensors = [(name, t.to(dtype)) for name, t in flow.state_dict().items()]
    metadata = {
        "format": FORMAT,
        "flowc_version": package["flowc_version"],
        "dtype": "float64" if dtype == torch.float64 else "float32",
        "spec": run_file_json({"text": package["spec_text"], "path": package["spec_path"],
                               "overrides": package["overrides"]}),
        "resolved_graph": package["resolved_graph"],
        "trainer_state": run_file_json(trainer_state),
        "engine": "pytorch",
        "torch_version": torch.__version__,
    }
    write_safetensors(path, tensors + optimizer_tensors(flow, optimizer), metadata)


def load(path, flow, optimizer=None):
    """Loads a flowc checkpoint (written by flowc or by this package) into `flow` and, if given,
    `optimizer`; returns the metadata with `spec` and `trainer_state` decoded.

    Every tensor of the flow must be present (nothing is re-initialised: an ActNorm loaded with
    `initialized` = 1 never initialises again) and every tensor of the file must belong to it.
    """
    tensors, meta = read_safetensors(path)
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path}: not a flowc checkpoint (its metadata has no 'format: {FORMAT}')")
    own = flow.state_dict()
    weights = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
    missing = sorted(set(own) - set(weights))
    extra = sorted(set(weights) - set(own))
    if missing or extra:
        raise ValueError(f"{path}: its tensors do not fit this flow (missing {missing[:5]}, unexpected {extra[:5]})")
    for name, t in weights.items():
        if tuple(t.shape) != tuple(own[name].shape):
            raise ValueError(f"{path}: tensor {name!r} has shape {list(t.shape)}, the flow's is {list(own[name].shape)}")
    flow.load_state_dict({k: v.to(own[k].dtype) for k, v in weights.items()})
    if optimizer is not None and "optimizer.step" in tensors:
        moments = {k[len("optimizer."):]: v for k, v in tensors.items() if k.startswith("optimizer.") and k != "optimizer.step"}
        optimizer.load_named_state(tensors["optimizer.step"].item(), moments)
    out = dict(meta)
    if "spec" in meta:
        out["spec"] = json.loads(meta["spec"])
    if "trainer_state" in meta:
        out["trainer_state"] = json.loads(meta["trainer_state"])
    return out
