"""bench/embeddings.py runs and reports what the docs quote from it (issue 16)."""

from bench import embeddings


def test_the_embedding_bench_reports_tokens_padding_and_cost(capsys):
    embeddings.run(40, 8)
    out = capsys.readouterr().out
    assert "40 texts, 40 distinct" in out and "tokens per text: mean" in out
    assert "batches of 8 by characters:" in out and "batches of 8 by tokens:" in out
    assert "ms CPU per text" in out and "million operations per text" in out
