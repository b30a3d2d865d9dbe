"""Every finding kind speaks both languages, with every placeholder filled from its evidence."""

from __future__ import annotations

import json
import re

import pytest

from torchplay.training.findings import FINDING_KINDS, TEXTS, Finding

# The evidence each kind is reported with (as the doctor and the overfit check build it).
EVIDENCE = {
    "dead_relu": {"dead_fraction": 0.8125},
    "saturation": {"saturated_fraction": 0.6, "activation": "Tanh", "loss": 6.76},
    "vanishing_gradient": {"shrink": 14435.7, "reference": 20},
    "exploding_gradient": {"ratio": 16.4},
    "stalled": {"loss": 0.725, "window": 10, "guess": 0.6931},
    "overfitting": {"val_loss": 0.18, "best_val": 0.15, "loss": 0.08},
    "diverging": {"loss": 33.9, "reference": 0.74, "times": 45.9},
    "cannot_overfit": {"steps": 500, "rows": 32, "start": 0.71, "loss": 0.69},
}


def test_every_kind_has_evidence_here() -> None:
    assert set(EVIDENCE) == set(FINDING_KINDS)


@pytest.mark.parametrize("kind", FINDING_KINDS)
def test_texts_in_both_languages_fill_every_placeholder(kind: str) -> None:
    assert all(set(TEXTS[key]) == {"en", "zh"} for key in TEXTS if key.startswith(kind))
    event = Finding(kind, 3, 7, EVIDENCE[kind]).to_event()  # type: ignore[arg-type]
    json.dumps(event, allow_nan=False)
    for part in ("explanation", "suggestion"):
        for lang in ("en", "zh"):
            text = event[part][lang]
            assert text and not re.search(r"[{}]", text), (kind, part, lang, text)
    assert (event["type"], event["kind"], event["layer"], event["epoch"]) == ("finding", kind, 3, 7)


def test_numbers_are_shown_readably() -> None:
    words = Finding("dead_relu", 1, 2, {"dead_fraction": 0.8125}).words()
    assert "81 %" in words["en"].explanation and "81%" in words["zh"].explanation
    unmeasurable = {"shrink": "inf", "nonfinite": True, "reference": 20}
    vanishing = Finding("vanishing_gradient", 0, 2, unmeasurable).words()  # its own words, not "∞ times"
    assert "No measurable gradient" in vanishing["en"].explanation and "∞" not in vanishing["en"].explanation
    assert (
        "14,400 times smaller"
        in Finding("vanishing_gradient", 0, 2, EVIDENCE["vanishing_gradient"]).words()["en"].explanation
    )
    assert "45.9" in Finding("diverging", None, 1, EVIDENCE["diverging"]).words()["en"].explanation
