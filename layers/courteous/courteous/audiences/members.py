"""A segment's members, page by page: what a campaign fans out over.

`SegmentReader.page(shop, segment, cursor)` returns up to `limit` members and the
cursor of the next page (None at the end). A cursor names a shard and the key to go
on from, so a campaign can page the whole segment from one worker, or start one worker
per shard (`first_cursor(shard)`, `only_shard=True`) and let them run side by side.
Each member carries what sending needs: the customer key, the contacts, the zone
evidence (profile zone, phone, last order's country and region), the locale, and the
consent per channel and class; `Member.recipient(channel)` is the outbox's view.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from courteous.audiences.identity import SHARDS
from courteous.audiences.models import CustomerFacts
from courteous.audiences.recompute import RfmRuns
from courteous.audiences.rfm import Cell, RfmModel
from courteous.audiences.segments import Context, Segment, SegmentQueryError
from courteous.audiences.store import FactsStore
from courteous.messages import Channel, Recipient


@dataclass(frozen=True)
class Member:
    customer_key: str
    facts: CustomerFacts
    cell: Cell | None

    def recipient(self, channel: Channel | None = None) -> Recipient:
        return self.facts.recipient(channel)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.facts.as_json(),
            "rfm": self.cell.value if self.cell else None,
            "reachable_by": [
                c.value
                for c, contact in (
                    (Channel.SMS, self.facts.phone),
                    (Channel.EMAIL, self.facts.email),
                )
                if contact
            ],
        }


@dataclass(frozen=True)
class Cursor:
    shard: int
    start: dict[str, Any] | None = None
    only_shard: bool = False

    def encode(self) -> str:
        data = {"s": self.shard, "k": self.start, "o": self.only_shard}
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            data = json.loads(base64.urlsafe_b64decode(text.encode()))
            return cls(int(data["s"]), data.get("k"), bool(data.get("o")))
        except (ValueError, KeyError, TypeError) as exc:
            raise SegmentQueryError("not a cursor this reader gave out") from exc


def first_cursor(shard: int | None = None) -> Cursor:
    """Where paging starts: the whole segment, or one shard alone."""
    return Cursor(0) if shard is None else Cursor(shard, None, only_shard=True)


@dataclass(frozen=True)
class Page:
    members: list[Member]
    next: Cursor | None
    scanned: int


class SegmentReader:
    def __init__(self, facts: FactsStore, runs: RfmRuns, shards: int = SHARDS) -> None:
        self._facts = facts
        self._runs = runs
        self._shards = shards
        self._models: dict[str, RfmModel | None] = {}

    def model(self, shop_id: str) -> RfmModel | None:
        if shop_id not in self._models:
            self._models[shop_id] = self._runs.model(shop_id)
        return self._models[shop_id]

    def context(self, shop_id: str, segment: Segment, now: datetime) -> Context:
        model = self.model(shop_id)
        if segment.needs_model and model is None:
            raise SegmentQueryError(
                f"shop {shop_id} has no RFM scores yet: the daily recompute has not run "
                f"(`courteous segments recompute --shop {shop_id}` runs it now)"
            )
        return Context(now=now, model=model)

    def _member(self, facts: CustomerFacts, context: Context) -> Member:
        scores = context.model.scores(facts) if context.model else None
        return Member(facts.customer_key, facts, scores.cell if scores else None)

    def page(
        self,
        shop_id: str,
        segment: Segment,
        now: datetime,
        cursor: Cursor | None = None,
        limit: int = 1000,
    ) -> Page:
        """Up to `limit` members from `cursor` on (fewer when a shard ends first)."""
        cursor = cursor or first_cursor()
        context = self.context(shop_id, segment, now)
        facts, start = self._facts.shard(shop_id, cursor.shard, cursor.start, limit)
        members = [self._member(f, context) for f in facts if segment.matches(f, context)]
        if start:
            following: Cursor | None = Cursor(cursor.shard, start, cursor.only_shard)
        elif cursor.only_shard or cursor.shard + 1 >= self._shards:
            following = None
        else:
            following = Cursor(cursor.shard + 1)
        return Page(members, following, len(facts))

    def members(self, shop_id: str, segment: Segment, now: datetime) -> Iterator[Member]:
        cursor: Cursor | None = first_cursor()
        while cursor is not None:
            page = self.page(shop_id, segment, now, cursor)
            yield from page.members
            cursor = page.next

    def count(
        self, shop_id: str, segment: Segment, now: datetime, workers: int = 8
    ) -> tuple[int, int]:
        """(members, customers scanned), the shards read side by side."""
        context = self.context(shop_id, segment, now)

        def one(shard: int) -> tuple[int, int]:
            matched = scanned = 0
            for facts in self._facts.shard_facts(shop_id, shard):
                scanned += 1
                matched += segment.matches(facts, context)
            return matched, scanned

        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one, range(self._shards)))
        return sum(r[0] for r in results), sum(r[1] for r in results)
