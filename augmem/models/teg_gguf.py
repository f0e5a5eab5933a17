"""TEG-421M's GGUF variant: writing a state dict as GGUF (for `synth`), reading a GGUF file
back into float tensors with the `gguf` package, and fitting its [1] tensors to 0-d ones.
augmem/models/teg.py holds the model and the embedder; `read_artifact` there calls in here.

GGUF variant: the same tensors under the same names (all <= 63 bytes, GGML's limit)
in a GGUF file with `general.architecture = "teg"` and the safetensors metadata as
`teg.<key>` strings. 2-D+ float tensors are stored as F32/F16/BF16/Q8_0 (Q8_0 where
the row length is a multiple of 32, F16 otherwise); 1-D tensors (norms, biases,
BatchNorm statistics) stay F32 and integer ones I64, as llama.cpp's converters do;
0-d tensors (num_batches_tracked) are stored with shape [1]. Reading dequantises
with gguf's own `quants` module (any type it implements), then loads as strictly as
the safetensors file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch

from augmem.errors import ArtifactError

GGUF_ARCH = "teg"
GGUF_TYPES = ("f32", "f16", "bf16", "q8_0")


def _gguf_array(t: torch.Tensor, qtype: str):
    """(numpy array, raw ggml type or None) for one tensor under the storage policy above."""
    from gguf import GGMLQuantizationType as Q
    from gguf.quants import quantize

    if t.dim() == 0:
        t = t.reshape(1)
    if not t.is_floating_point():
        return t.to(torch.int64).numpy(), None
    if t.dim() < 2 or qtype == "f32":
        return t.float().numpy(), None
    if qtype == "f16" or (qtype == "q8_0" and t.shape[-1] % 32):
        return t.float().numpy().astype(np.float16), None
    if qtype == "bf16":  # the bytes of torch's bfloat16, no second rounding
        raw = t.to(torch.bfloat16).contiguous().view(torch.int16).numpy().view(np.uint8)
        return raw, Q.BF16
    return quantize(t.float().numpy(), Q.Q8_0), Q.Q8_0


def write_gguf(state: Mapping[str, torch.Tensor], metadata: Mapping[str, str], out: Path, qtype: str = "q8_0") -> None:
    import gguf

    if qtype not in GGUF_TYPES:
        raise ArtifactError(f"unknown GGUF type {qtype!r}", hint="one of: " + ", ".join(GGUF_TYPES))
    out = Path(out)
    tmp = out.with_suffix(out.suffix + ".tmp")
    writer = gguf.GGUFWriter(str(tmp), GGUF_ARCH)
    writer.add_name("TEG-421M")
    writer.add_string(f"{GGUF_ARCH}.gguf_type", qtype)
    for key, value in metadata.items():
        writer.add_string(f"{GGUF_ARCH}.{key}", str(value))
    for name, t in state.items():
        if len(name.encode()) >= 64:
            raise ArtifactError(f"tensor name longer than GGUF's 63 bytes: {name}")
        arr, raw = _gguf_array(t, qtype)
        writer.add_tensor(name, arr, raw_dtype=raw)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(out)


def read_gguf(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors (dequantised to float32 where quantised) and `teg.*` metadata of a GGUF file."""
    import gguf
    from gguf import GGMLQuantizationType as Q
    from gguf.quants import dequantize

    try:
        reader = gguf.GGUFReader(str(path))
    except Exception as exc:
        raise ArtifactError(
            f"{path}: not a readable GGUF file ({type(exc).__name__}: {exc})",
            hint="the file is truncated or damaged: download or synthesize it again",
        ) from exc
    arch_field = reader.get_field("general.architecture")
    arch = arch_field.contents() if arch_field is not None else None
    if arch != GGUF_ARCH:
        raise ArtifactError(
            f"{path}: a GGUF file for {arch!r}, not TEG-421M ({GGUF_ARCH!r})",
            hint="is this the right model's file? `augmem models list` shows what each model expects",
        )
    prefix = GGUF_ARCH + "."
    meta = {}
    for key, field in reader.fields.items():
        if key.startswith(prefix):
            try:
                meta[key[len(prefix) :]] = str(field.contents())
            except Exception:  # a non-string value we did not write: keep going
                continue
    plain = {Q.F32, Q.F16, Q.F64, Q.I8, Q.I16, Q.I32, Q.I64}
    tensors: dict[str, torch.Tensor] = {}
    for t in reader.tensors:
        if t.tensor_type in plain:
            arr = np.array(t.data)
        elif t.tensor_type == Q.BF16:
            # bf16 is the top half of a float32: a shift, much faster than gguf's row-wise
            # generic path (which gives the same numbers)
            raw = np.ascontiguousarray(t.data).view(np.uint16)
            arr = (raw.astype(np.uint32) << 16).view(np.float32)
        else:
            try:
                arr = dequantize(t.data, t.tensor_type)
            except NotImplementedError as exc:
                raise ArtifactError(
                    f"{path}: tensor {t.name} has GGML type {t.tensor_type.name}, which the "
                    "installed gguf package cannot dequantise",
                    hint="pip install -U gguf",
                ) from exc
        tensors[t.name] = torch.from_numpy(np.ascontiguousarray(arr))
    return tensors, meta


def _fit_scalars(tensors: dict[str, torch.Tensor], expected: Mapping[str, torch.Tensor]) -> None:
    """GGUF has no 0-d tensors: a [1] tensor where the model holds a scalar becomes one."""
    for k, t in tensors.items():
        e = expected.get(k)
        if e is not None and e.dim() == 0 and t.shape == (1,):
            tensors[k] = t.reshape(())
