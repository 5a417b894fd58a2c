"""Per-language lexicons: contrast markers, negators, complaint patterns per aspect, praise.

Each language's lexicon is a JSON file in `lexicons/` that names its sources. Patterns
are regular expressions over the *folded* text (`fold`): lower case, and for
Portuguese without accents, one character for one character, so a match's span is
also its span in the text as the customer wrote it. Chinese patterns are plain
substrings and alternations (no segmentation is needed to find them).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from courteous.events.models import Aspect

LEXICONS_DIR = Path(__file__).resolve().parent / "lexicons"
LANGUAGES = ("pt", "en", "zh")


def fold(text: str, language: str) -> str:
    """Lower case and, for Portuguese, accents dropped, keeping the length unchanged."""
    if language != "pt":
        return text.lower() if len(text.lower()) == len(text) else text
    out = []
    for char in text:
        lowered = char.lower()
        bare = "".join(
            c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c)
        )
        out.append(bare if len(bare) == 1 else lowered if len(lowered) == 1 else char)
    return "".join(out)


@dataclass(frozen=True)
class Hit:
    """One complaint pattern found in a clause."""

    aspect: Aspect
    term: str


@dataclass(frozen=True)
class Lexicon:
    language: str
    contrast: re.Pattern[str]
    negators: tuple[str, ...]
    aspects: tuple[tuple[Aspect, re.Pattern[str]], ...]
    praise: tuple[re.Pattern[str], ...]
    sources: tuple[str, ...]
    spaced: bool

    def _negated(self, folded: str, start: int) -> bool:
        """Is the match at `start` preceded by a negator ("sem defeito", "没有问题")?"""
        before = folded[max(0, start - 12) : start]
        if self.spaced:
            words = before.split()[-2:]
            return any(word in self.negators for word in words)
        return any(before.endswith(neg) or before[:-1].endswith(neg) for neg in self.negators)

    def _starts_negated(self, matched: str) -> bool:
        if self.spaced:
            first = matched.split()[0] if matched.split() else ""
            return first in self.negators
        return any(matched.startswith(neg) for neg in self.negators)

    def complaints(self, folded: str) -> list[Hit]:
        """The complaint patterns in a folded clause, one hit per pattern at most."""
        hits: list[Hit] = []
        for aspect, pattern in self.aspects:
            for match in pattern.finditer(folded):
                matched = match.group(0)
                if not self._starts_negated(matched) and self._negated(folded, match.start()):
                    continue
                hits.append(Hit(aspect, matched.strip()))
                break
        return hits

    def praises(self, folded: str) -> int:
        count = 0
        for pattern in self.praise:
            for match in pattern.finditer(folded):
                if self._negated(folded, match.start()):
                    continue
                count += 1
                break
        return count


def _compile(pattern: str, spaced: bool) -> re.Pattern[str]:
    # Latin-script patterns start at a word boundary ("caro" is not "acaro").
    return re.compile(rf"\b(?:{pattern})" if spaced else pattern)


@functools.cache
def lexicon(language: str) -> Lexicon:
    """The lexicon of a supported language ("pt", "en", "zh")."""
    if language not in LANGUAGES:
        raise KeyError(language)
    raw = json.loads((LEXICONS_DIR / f"{language}.json").read_text(encoding="utf-8"))
    spaced = language != "zh"
    markers = sorted(raw["contrast"], key=len, reverse=True)
    alternation = "|".join(re.escape(marker) for marker in markers)
    contrast = re.compile(rf"\b(?:{alternation})\b" if spaced else f"(?:{alternation})")
    aspects = tuple(
        (Aspect(name), _compile(pattern, spaced))
        for name, patterns in raw["aspects"].items()
        for pattern in patterns
    )
    return Lexicon(
        language=language,
        contrast=contrast,
        negators=tuple(raw["negators"]),
        aspects=aspects,
        praise=tuple(_compile(pattern, spaced) for pattern in raw["praise"]),
        sources=tuple(raw["sources"]),
        spaced=spaced,
    )
