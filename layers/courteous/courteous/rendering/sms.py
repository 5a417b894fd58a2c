"""SMS length as carriers count it: GSM-7 septets or UCS-2 code units, and segments.

A text whose every character is in the GSM 03.38 basic set (extension characters
count twice) goes as GSM-7: 160 septets in one message, 153 per part when split. Any
other character makes the whole text UCS-2: 70 UTF-16 code units in one message, 67
per part (an emoji outside the BMP is two units).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE = {"GSM-7": 160, "UCS-2": 70}
PART = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True)
class SmsSegments:
    encoding: Literal["GSM-7", "UCS-2"]
    units: int
    segments: int


def sms_segments(text: str) -> SmsSegments:
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        units = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        encoding: Literal["GSM-7", "UCS-2"] = "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        encoding = "UCS-2"
    if units <= SINGLE[encoding]:
        return SmsSegments(encoding, units, 1 if units else 0)
    return SmsSegments(encoding, units, math.ceil(units / PART[encoding]))
