"""The demo risks' embeddings, so similar-risk checks and duplicate scans work as soon as the demo is loaded."""

from riskreg.services.flags import similarity


def embed_risks() -> None:
    # One batched pass over every demo risk (about 430): roughly a second on two cores.
    similarity.reindex()
