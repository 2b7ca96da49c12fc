"""What the embedding model costs per risk (issue 16): N generated risk texts (the import benchmark's), their
token lengths, the padding each way of batching them leaves, and the model's CPU time per text and rate.

    python -m bench.embeddings [--texts 20000] [--batch-size 32]

RISKREG_EMBEDDING_THREADS sets onnxruntime's threads (default 1). The floating-point work per text is counted
from the model's shape (six layers of 384 wide with a 1,536 wide feed-forward): the weight products are
2 × (4 × 384² + 2 × 384 × 1,536) × 6 = 21.2 million operations a token; attention adds under 2% at these lengths.
"""

import argparse
import os
import time

FLOPS_PER_TOKEN = 2 * (4 * 384 * 384 + 2 * 384 * 1536) * 6


def _padded(lengths: list[int], batches: list[list[int]]) -> int:
    return sum(max(lengths[index] for index in batch) * len(batch) for batch in batches)


def run(count: int, batch_size: int) -> None:
    from riskreg.demo.spreadsheet import register_rows
    from riskreg.rules.similarity import risk_text
    from riskreg.similarity import encoder

    texts = [risk_text(row[1], row[3]) for row in register_rows(count, ["Rhys Davies", "Helen Okafor"])]
    encoder.encode(texts[:batch_size])  # load the model: not part of the figures
    began, cpu_began = time.perf_counter(), time.process_time()
    lengths = [len(ids) for ids in encoder._get_runner().token_ids(texts)]
    tokenized, cpu_tokenized = time.perf_counter() - began, time.process_time() - cpu_began
    by_characters = encoder.batches_by_length([len(text) for text in texts], batch_size)
    by_tokens = encoder.batches_by_length(lengths, batch_size)
    tokens = sum(lengths)
    ordered = sorted(lengths)
    print(f"{count:,} texts, {len(set(texts)):,} distinct; load {os.getloadavg()[0]:.1f}")
    print(
        f"tokens per text: mean {tokens / count:.1f}, median {ordered[count // 2]}, "
        f"90th percentile {ordered[count * 9 // 10]}, longest {ordered[-1]} (the model takes {encoder.MAX_TOKENS})"
    )
    print(f"tokenizing all: {tokenized:.2f} s wall, {cpu_tokenized:.2f} s CPU")
    for name, batches in (("characters", by_characters), ("tokens", by_tokens)):
        print(
            f"batches of {batch_size} by {name}: {_padded(lengths, batches) / tokens - 1:.1%} more tokens with padding"
        )
    before = encoder.Work(**vars(encoder.WORK))
    began, cpu_began = time.perf_counter(), time.process_time()
    encoder.encode(texts, batch_size)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    model_cpu = encoder.WORK.cpu_seconds - before.cpu_seconds
    padded = encoder.WORK.padded - before.padded
    threads = os.environ.get("RISKREG_EMBEDDING_THREADS", "1")
    print(
        f"encode ({threads} onnxruntime thread(s)): {wall:.1f} s wall, {cpu:.1f} s CPU: {count / wall:,.0f} texts/s, "
        f"{count / cpu:,.0f} texts per CPU second, {1000 * cpu / count:.2f} ms CPU per text "
        f"(the model alone {1000 * model_cpu / count:.2f} ms); load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"work: {FLOPS_PER_TOKEN * padded / count / 1e6:.0f} million operations per text, "
        f"{FLOPS_PER_TOKEN * padded / model_cpu / 1e9:.0f} billion per CPU second of the model"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=32)
    arguments = parser.parse_args()
    run(arguments.texts, arguments.batch_size)
