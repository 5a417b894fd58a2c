"""A review read for what it really says: clauses, their sentiment, complaints by aspect.

1. The language: the review's own tag when it has one, else told from the text.
2. Clauses: sentences, each split on the language's contrast markers ("mas", "but",
   "但是", "就是" ...); the clause after a marker is marked as such.
3. Each clause (and the whole text) is scored by one linear model (`Weights`) over the
   general polarity of the language's lexicon (`polarity`) and the counts of complaint
   and praise patterns of its domain lexicon (`lexicon`); for the whole review the
   clause after the last contrast marker is a feature of its own. The weights and the
   negative-clause threshold were fitted on a declared training part (`weights.json`
   says which and how); they are data, not code.
4. Complaints: a clause scored below the threshold that follows a contrast marker or
   names a complaint pattern is a complaint about each aspect it names (or `other`).
   In a review rated 4 or 5 it is *hidden*; rated 1 or 2, the review itself is a stated
   complaint even when no clause says why. Rated 3: only what the clauses say.

Severity: high for a review rated 1 or 2; medium for 3, and for a hidden complaint about
a wrong or missing item or the product's quality (something is to be sent or replaced);
low for other hidden complaints.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from courteous.events.models import Aspect, Severity
from courteous.reviews.lexicon import LANGUAGES, Lexicon, fold, lexicon
from courteous.reviews.polarity import Polarity, polarity

WEIGHTS_PATH = Path(__file__).resolve().parent / "weights.json"
_SENTENCES = re.compile(r"[^.!?;:\n。！？；…]+[.!?;:\n。！？；…]*")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_MAX_COUNT = 3  # a fourth complaint term says little more than the third
_PT_WORDS = frozenset(
    [
        "o",
        "a",
        "os",
        "as",
        "de",
        "do",
        "da",
        "dos",
        "das",
        "e",
        "que",
        "não",
        "nao",
        "um",
        "uma",
        "com",
        "para",
        "por",
        "produto",
        "muito",
        "chegou",
        "entrega",
        "prazo",
        "recebi",
        "bom",
        "ótimo",
        "otimo",
        "mas",
        "é",
        "foi",
        "está",
        "esta",
        "veio",
    ]
)
_EN_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "of",
        "to",
        "is",
        "it",
        "was",
        "this",
        "that",
        "for",
        "with",
        "my",
        "i",
        "not",
        "but",
        "very",
        "product",
        "arrived",
        "delivery",
        "good",
        "great",
        "item",
        "order",
    ]
)


@dataclass(frozen=True)
class Weights:
    """The linear model: score = tanh((bias + Σ weight × feature) / 2), in (-1, 1)."""

    bias: float
    base: float
    after: float
    complaints: float
    praise: float
    threshold: float

    def score(self, base: float, after: float, complaints: int, praise: int) -> float:
        z = (
            self.bias
            + self.base * base
            + self.after * after
            + self.complaints * min(complaints, _MAX_COUNT)
            + self.praise * min(praise, _MAX_COUNT)
        )
        return math.tanh(z / 2.0)


@functools.cache
def shipped_weights() -> Weights:
    raw = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    return Weights(**{name: float(raw[name]) for name in Weights.__dataclass_fields__})


@dataclass(frozen=True)
class Clause:
    text: str
    after_contrast: bool
    polarity: float
    complaints: tuple[tuple[Aspect, str], ...]
    praise: int
    score: float

    @property
    def aspects(self) -> tuple[Aspect, ...]:
        return tuple(dict.fromkeys(aspect for aspect, _ in self.complaints))


@dataclass(frozen=True)
class Complaint:
    aspect: Aspect
    severity: Severity
    hidden: bool
    excerpt: str
    score: float


@dataclass(frozen=True)
class Reading:
    language: str
    rating: int
    score: float
    clauses: tuple[Clause, ...] = ()
    complaints: tuple[Complaint, ...] = field(default=())
    supported: bool = True
    features: tuple[float, float, int, int] = (0.0, 0.0, 0, 0)
    """(polarity of the whole text, of the clause after the last contrast marker,
    complaint patterns, praise patterns): what the weights are fitted on."""

    @property
    def flagged(self) -> bool:
        return bool(self.complaints)

    @property
    def hidden(self) -> bool:
        return any(complaint.hidden for complaint in self.complaints)


def language_of(text: str, tag: str | None) -> str:
    """The primary language subtag: the review's own, else told from the text."""
    if tag:
        return tag.split("-")[0].lower()
    if not text.strip():
        return "und"
    letters = [char for char in text if not char.isspace()]
    if letters and len(_CJK.findall(text)) / len(letters) > 0.2:
        return "zh"
    words = re.findall(r"[^\W\d_]+", text.lower())
    portuguese = sum(word in _PT_WORDS for word in words)
    english = sum(word in _EN_WORDS for word in words)
    if any(char in text.lower() for char in "ãõçáéíóúâêô"):
        portuguese += 2
    if portuguese == english:
        # Too short to tell by its words ("sem defeito, tudo ok"): by which lexicon
        # recognises more of it.
        portuguese, english = (_recognised(text, language) for language in ("pt", "en"))
    if portuguese == english:
        return "und"
    return "pt" if portuguese > english else "en"


def _recognised(text: str, language: str) -> int:
    lex = lexicon(language)
    folded = fold(text, language)
    return len(lex.complaints(folded)) + lex.praises(folded)


def split_clauses(text: str, lex: Lexicon) -> list[tuple[str, bool]]:
    """(clause as written, follows a contrast marker) for each clause of `text`."""
    clauses: list[tuple[str, bool]] = []
    folded_all = fold(text, lex.language)
    for match in _SENTENCES.finditer(text):
        start, end = match.span()
        folded = folded_all[start:end]
        cut, after = 0, False
        for marker in lex.contrast.finditer(folded):
            piece = text[start + cut : start + marker.start()].strip(" ,，、.;")
            if piece:
                clauses.append((piece, after))
            cut, after = marker.end(), True
        piece = text[start + cut : end].strip(" ,，、.;")
        if piece:
            clauses.append((piece, after))
    return clauses


def _severity(rating: int, hidden: bool, aspect: Aspect) -> Severity:
    if rating <= 2:
        return Severity.HIGH
    if rating == 3:
        return Severity.MEDIUM
    if hidden and aspect in (Aspect.WRONG_OR_MISSING_ITEM, Aspect.PRODUCT_QUALITY):
        return Severity.MEDIUM
    return Severity.LOW


def read(
    text: str,
    rating: int,
    language: str | None = None,
    *,
    title: str | None = None,
    weights: Weights | None = None,
    scorer: Polarity | None = None,
) -> Reading:
    """Read one review. `scorer` replaces the language's polarity (tests, benchmarks)."""
    weights = weights or shipped_weights()
    full = " . ".join(part.strip() for part in (title or "", text) if part and part.strip())
    tag = language_of(full, language)
    if tag not in LANGUAGES:
        # No lexicon for this language: the stars are all we can read.
        stated: tuple[Complaint, ...] = ()
        if rating <= 2:
            stated = (Complaint(Aspect.OTHER, Severity.HIGH, False, full[:500], 0.0),)
        return Reading(tag, rating, 0.0, complaints=stated, supported=False)
    lex = lexicon(tag)
    base = scorer or polarity(tag)
    clauses = [
        _clause(piece, after, lex, base, weights) for piece, after in split_clauses(full, lex)
    ]
    whole_base = base(full) if full else 0.0
    after_clauses = [clause for clause in clauses if clause.after_contrast]
    after = after_clauses[-1].polarity if after_clauses else whole_base
    hits = {(aspect, term) for clause in clauses for aspect, term in clause.complaints}
    praise = sum(clause.praise for clause in clauses)
    score = weights.score(whole_base, after, len(hits), praise)
    found = _complaints(clauses, rating, full, score, weights)
    features = (whole_base, after, len(hits), praise)
    return Reading(tag, rating, score, tuple(clauses), tuple(found), True, features)


def _clause(piece: str, after: bool, lex: Lexicon, base: Polarity, weights: Weights) -> Clause:
    folded = fold(piece, lex.language)
    hits = lex.complaints(folded)
    praise = lex.praises(folded)
    value = base(piece)
    return Clause(
        text=piece,
        after_contrast=after,
        polarity=value,
        complaints=tuple((hit.aspect, hit.term) for hit in hits),
        praise=praise,
        score=weights.score(value, value, len(hits), praise),
    )


def _complaints(
    clauses: list[Clause], rating: int, full: str, score: float, weights: Weights
) -> list[Complaint]:
    hidden = rating >= 4
    found: dict[Aspect, Complaint] = {}
    for clause in clauses:
        negative = clause.score < weights.threshold
        if not negative or not (clause.after_contrast or clause.complaints):
            continue
        for aspect in clause.aspects or (Aspect.OTHER,):
            if aspect not in found:
                found[aspect] = Complaint(
                    aspect,
                    _severity(rating, hidden, aspect),
                    hidden,
                    clause.text[:500],
                    clause.score,
                )
    if rating <= 2 and not found:
        # A low rating is a complaint even when no clause says why: the aspects named
        # anywhere, else `other`.
        named = [aspect for clause in clauses for aspect in clause.aspects]
        for aspect in dict.fromkeys(named or [Aspect.OTHER]):
            found[aspect] = Complaint(aspect, Severity.HIGH, False, full[:500], score)
    # A specific aspect makes `other` redundant.
    if len(found) > 1:
        found.pop(Aspect.OTHER, None)
    return list(found.values())
