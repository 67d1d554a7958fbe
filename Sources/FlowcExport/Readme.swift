import FlowcDiagnostics
import FlowcIR

/// The package's README.md: where it came from, its files, and how to train and evaluate.
func readme(_ v: ValidatedGraph, origin: ExportOrigin, families: [PyTorchFamily]) -> String {
  let g = v.graph
  let familyRows = families.map { family -> String in
    let what: String
    switch family {
    case .nets: what = "the conditioner networks (MLPs, convolutional nets) and their activations"
    case .couplings: what = "affine and additive couplings"
    case .splines: what = "the rational-quadratic spline coupling"
    case .autoregressive: what = "MAF and IAF on a MADE (its degrees and masks)"
    case .normalization: what = "ActNorm and BatchNorm"
    case .linear: what = "diagonal scaling, the LU linear layer, the invertible 1×1 convolution"
    case .permutations: what = "fixed permutations and the squeeze"
    case .elementwise: what = "elementwise bijections"
    case .multiscale: what = "the factor-out (split) of multi-scale flows"
    case .priors: what = "the base distribution"
    }
    return "| `\(family.fileName)` | \(what) |"
  }.joined(separator: "\n")
  let overrides = origin.overrides.isEmpty ? "" : " " + origin.overrides.map { "--set \($0)" }.joined(separator: " ")
  var conditional = ""
  if let c = g.settings.data.context {
    let raw = c.isColumns
      ? "each row's context columns (\(c.columnNames.joined(separator: ", "))) as real values, a float tensor [n, \(c.width)]"
        + (c.standardize.value ? ", z-scored with the training rows' statistics (`context.mean`, `context.std`), so callers give raw values" : "")
      : "each row's class label in 0 ..< \(c.numClasses.value), a LongTensor [n]"
    conditional = """

      ## Conditional flow

      The flow is conditioned on `data.context` (\(c.description)): `log_prob(x, context)`,
      `forward(x, context)`, `transform`, `inverse` and `sample(n, context=...)` take \(raw).
      `data.py` carries the context through the shuffle and the splits, `train.py` trains on
      log p(x | c), and `evaluate.py` scores the test set with its own context\(c.isColumns ? "" : " (`--data` needs `--labels`)").

      """
  }
  return """
    # \(g.name): a PyTorch package exported by flowc \(origin.flowcVersion)

    \(provenance(g, origin: origin)):
    \(g.nodes.count) layers, \(formatCount(v.estimate.parameters)) parameters, dimension \(g.dimension.value), \(g.dtype.rawValue).
    Regenerate it with `flowc export \(origin.specPath)\(overrides) --target pytorch -o DIR`;
    do not edit it.

    ## Files

    | file | what |
    |------|------|
    | `flow.py` | the flow assembled from the validated graph: `build_flow()`, one module per node, named in comments |
    \(familyRows)
    | `core.py` | the `Flow` base class (log p(x), inverse, sampling), the context encoder of a conditional flow, and flowc's numerics |
    | `data.py` | the data exactly as flowc makes it: its random generator, toy sources, CSV/NPY/IDX readers, shuffle and split, preprocessing |
    | `checkpoint.py` | flowc's checkpoint format (safetensors with flowc's names and metadata), read and written |
    | `evaluate.py` | log p(x), scores, samples, the round trip; as a script, `flowc eval` for this package |
    | `optim.py` | flowc's optimizers (Adam, AdamW, SGD) and gradient clipping |
    | `train.py` | training as `flowc run` does it, in one process or under torchrun |
    | `config.py` | the run's settings with every default filled in |
    | `spec.yaml`, `resolved.json`, `ir.txt` | the spec as read, its validated graph (`flowc check --emit json`), the IR printout |

    Needs Python 3.9 or newer with `torch` and `numpy`.

    ## Training

    ```sh
    python3 train.py --steps 1000                      # one process; run directory under runs/
    torchrun --nproc_per_node=4 train.py               # DistributedDataParallel over 4 processes (gloo)
    torchrun --nproc_per_node=8 train.py --device cuda # one GPU per process (NCCL)
    python3 train.py --resume runs/<run>               # continue an interrupted run (Ctrl-C checkpoints)
    ```

    Options: `--steps N`, `--seed N` (recorded as `--set train.steps=N`, `--set train.seed=N`),
    `--out DIR` (where the run directory goes), `--run-dir DIR` (exactly this directory),
    `--device cpu|cuda`, `--threads N`, `--quiet`. `train.batch_size` is the global batch: each
    process trains on its share of it.

    The run directory is flowc's: `flowc eval`, `flowc sample`, `flowc report`, `flowc runs` and
    `flowc diff` accept it and its checkpoints.

    ## Evaluating

    ```sh
    python3 evaluate.py runs/<run>/checkpoints/best.safetensors --data points.npy -o logp.npy
    flowc eval runs/<run>/checkpoints/best.safetensors --data points.npy -o logp.npy   # the same numbers
    ```
    \(conditional)
    ## Parity with flowc

    A checkpoint written by flowc loads here, and one written here loads in flowc, and both
    give the same log p(x) on the same points (within 1e-6 in float64; tested for every layer
    kind and prior, and for conditional flows: log p(x | c)). The data are flowc's own (its generator is in `data.py`), so the test set
    is the one `flowc eval` scores. Initial weights follow flowc's scheme but are drawn from
    PyTorch's generator, and dequantisation noise from numpy's: the same distributions, other
    numbers.

    """
}
