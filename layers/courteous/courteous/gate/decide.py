"""The contact gate's decision: a pure function of (policy, ledger, request, now).

Checks, in order: a request already committed is sent again (a retry after a crash);
an opt-out, missing consent, a duplicate or an expired request is suppressed; otherwise
the earliest instant allowed by quiet hours (in every zone the recipient may be in),
rest days, holidays, the request's own `not_before`, the caps and the minimum gap is
found. Now → SEND; at or after `expires_at`, or never → SUPPRESS; otherwise DEFER to
that instant, spread over `defer_spread` when the wait is a closed night (so a backlog
is not one burst) but always strictly before `expires_at`: expiry is judged on the
earliest allowed instant, never on where the spread happened to put it.

Conventions: a cap counts the sends in (t - window, t]; the gap is met at exactly
`min_gap` after the last send; an urgent kind passes quiet hours, rest days and
holidays alike, never consent, caps or the gap.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum

import phonenumbers
from pydantic import AwareDatetime, BaseModel, ConfigDict

from courteous.gate.calendar import OpenHours, holiday_subdivision
from courteous.gate.ledger_state import LedgerState, SentEntry
from courteous.gate.policy import Policy
from courteous.messages import MessageClass, MessageRequest
from courteous.recipients.zones import ZoneResolution, ZoneSource, country_for_zone, resolve_zones

# Fixed-point iterations between caps and quiet hours; each moves the instant forward.
_MAX_ROUNDS = 64


class Action(StrEnum):
    SEND = "send"
    DEFER = "defer"
    SUPPRESS = "suppress"


class Reason(StrEnum):
    ALLOWED = "allowed"
    URGENT = "urgent"
    RETRY = "retry_of_committed_send"
    NOT_YET_DUE = "not_yet_due"
    QUIET_HOURS = "quiet_hours"
    REST_DAY = "rest_day"
    HOLIDAY = "holiday"
    FREQUENCY_CAP = "frequency_cap"
    MIN_GAP = "min_gap"
    OPTED_OUT = "opted_out"
    NO_CONSENT = "no_consent"
    DUPLICATE = "duplicate"
    EXPIRED = "expired"
    NEVER_OPEN = "never_open"
    CONTENT_POLICY = "content_policy"
    # Refusals that belong to one channel (the dispatcher then tries the next one).
    UNDELIVERABLE = "undeliverable"
    NO_CONTACT = "no_contact"
    SMS_SPEND_LIMIT = "sms_spend_limit"


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: Action
    reason: Reason
    detail: str
    decided_at: AwareDatetime
    not_before: AwareDatetime | None = None
    zones: tuple[str, ...]
    zone_source: ZoneSource
    policy_version: str
    message_class: MessageClass

    @property
    def zone_label(self) -> str:
        return ZoneResolution(self.zones, self.zone_source).label


def decide(policy: Policy, ledger: LedgerState, request: MessageRequest, now: datetime) -> Decision:
    message_class = request.effective_class
    resolution = resolve_zones(request.recipient, policy.shop_zone)

    def decision(
        action: Action, reason: Reason, detail: str, not_before: datetime | None = None
    ) -> Decision:
        return Decision(
            action=action,
            reason=reason,
            detail=detail,
            decided_at=now,
            not_before=not_before,
            zones=resolution.zones,
            zone_source=resolution.source,
            policy_version=policy.label,
            message_class=message_class,
        )

    if ledger.sent_request(request.request_id) is not None:
        return decision(Action.SEND, Reason.RETRY, "already committed; sending what was decided")
    if request.channel in ledger.opted_out:
        return decision(Action.SUPPRESS, Reason.OPTED_OUT, f"opted out of {request.channel}")
    if not _has_consent(ledger, request, message_class):
        return decision(
            Action.SUPPRESS, Reason.NO_CONSENT, f"no consent to {message_class} messages"
        )
    if request.dedupe_key and ledger.is_duplicate(request.dedupe_key, now):
        until = ledger.dedupe[request.dedupe_key].isoformat()
        return decision(
            Action.SUPPRESS, Reason.DUPLICATE, f"{request.dedupe_key} already sent (until {until})"
        )
    if request.expires_at is not None and request.expires_at <= now:
        return decision(Action.SUPPRESS, Reason.EXPIRED, "expired before it could be sent")

    holiday_country, subdivision = _holiday_calendar(policy, request, resolution)
    hours = OpenHours(
        rule=policy.rule_for(message_class),
        zones=resolution.zones,
        holiday_country=holiday_country,
        holiday_subdivision=subdivision,
    )
    urgent = request.kind in policy.urgent_kinds
    start = max(now, request.not_before) if request.not_before else now
    earliest, blocker = _earliest_allowed(policy, ledger, hours, message_class, start, urgent)

    if earliest is None:
        return decision(
            Action.SUPPRESS,
            Reason.NEVER_OPEN,
            f"no allowed instant within a year in {resolution.label}",
        )
    if earliest <= now:
        closed = hours.closure(now)
        if urgent and closed is not None:
            return decision(Action.SEND, Reason.URGENT, f"urgent kind; {closed} waived")
        return decision(Action.SEND, Reason.ALLOWED, "allowed now")

    if request.expires_at is not None and earliest >= request.expires_at:
        return decision(
            Action.SUPPRESS,
            Reason.EXPIRED,
            f"next allowed instant {earliest.isoformat()} is not before it expires",
        )
    first_blocker = _blocker_at(policy, ledger, hours, message_class, now, urgent, request)
    if blocker in (Reason.QUIET_HOURS, Reason.REST_DAY, Reason.HOLIDAY):
        earliest = _spread(policy, ledger, hours, message_class, earliest, request)
    return decision(
        Action.DEFER, first_blocker, f"held until {earliest.isoformat()}", not_before=earliest
    )


def suppressed_for_content(
    policy: Policy, request: MessageRequest, rule: str, now: datetime
) -> Decision:
    """The decision for a message whose rendered text breaks the content policy."""
    resolution = resolve_zones(request.recipient, policy.shop_zone)
    return Decision(
        action=Action.SUPPRESS,
        reason=Reason.CONTENT_POLICY,
        detail=rule,
        decided_at=now,
        zones=resolution.zones,
        zone_source=resolution.source,
        policy_version=policy.label,
        message_class=request.effective_class,
    )


def committed_send(
    policy: Policy, ledger: LedgerState, request: MessageRequest, now: datetime
) -> LedgerState:
    """The ledger after `request` is sent at `now`."""
    entry = SentEntry(
        request_id=request.request_id,
        at=now,
        kind=request.kind,
        message_class=request.effective_class,
    )
    until = now + policy.retention_for(request.kind) if request.dedupe_key else None
    return ledger.with_send(entry, request.dedupe_key, until, policy.ledger_horizon)


def _has_consent(ledger: LedgerState, request: MessageRequest, message_class: MessageClass) -> bool:
    if message_class is MessageClass.TRANSACTIONAL:
        return True
    if message_class in ledger.consent:
        return ledger.consent[message_class]
    if message_class in request.recipient.consent:
        return request.recipient.consent[message_class]
    # Service messages about the buyer's own order are implied by the order;
    # marketing needs a word of consent.
    return message_class is MessageClass.SERVICE


# ISO 3166-1 codes of French overseas departments the `holidays` package does not take
# as aliases of its subdivisions (it knows French Guiana as "GY", Guyana's code).
_SUBDIVISION_ALIASES = {("FR", "GF"): "973"}


def _holiday_calendar(
    policy: Policy, request: MessageRequest, resolution: ZoneResolution
) -> tuple[str | None, str | None]:
    """Whose holidays count: (country, subdivision).

    The policy's country, else the address's, else the number's, else the zone's; the
    subdivision is the one the address's region or the number's own territory names
    (a +262 number under a French policy observes La Reunion's holidays).
    """
    recipient = request.recipient
    address = recipient.country.upper() if recipient.country else None
    phone_region = _phone_region(recipient.phone) if recipient.phone else None
    country = (
        policy.holiday_country or address or phone_region or country_for_zone(resolution.zones[0])
    )
    if country is None:
        return None, None
    evidence = [(address, recipient.region), (phone_region, None)]
    for territory, region in evidence:
        if territory is None:
            continue
        code = region if territory == country else territory
        subdivision = _SUBDIVISION_ALIASES.get((country, code or "")) or holiday_subdivision(
            country, code
        )
        if subdivision:
            return country, subdivision
    return country, None


def _phone_region(phone: str) -> str | None:
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    return str(region) if region and region != "001" else None


def _cap_release(
    policy: Policy, ledger: LedgerState, message_class: MessageClass, at: datetime
) -> tuple[datetime, Reason | None]:
    """The earliest instant >= `at` at which every cap and the gap allow one more."""
    if message_class is MessageClass.TRANSACTIONAL:
        return at, None
    release, reason = at, None
    for cap in policy.caps:
        if message_class not in cap.classes:
            continue
        times = sorted(s.at for s in ledger.sends if s.message_class in cap.classes)
        recent = [t for t in times if t > at - cap.window]
        if len(recent) >= cap.limit:
            free = recent[len(recent) - cap.limit] + cap.window
            if free > release:
                release, reason = free, Reason.FREQUENCY_CAP
    capped = [s.at for s in ledger.sends if s.message_class is not MessageClass.TRANSACTIONAL]
    if capped and policy.min_gap > timedelta(0):
        free = max(capped) + policy.min_gap
        if free > release:
            release, reason = free, Reason.MIN_GAP
    return release, reason


def _earliest_allowed(
    policy: Policy,
    ledger: LedgerState,
    hours: OpenHours,
    message_class: MessageClass,
    start: datetime,
    urgent: bool,
) -> tuple[datetime | None, Reason | None]:
    """The earliest allowed instant >= start, and what held it last (None: nothing)."""
    at: datetime | None = start
    last: Reason | None = None
    for _ in range(_MAX_ROUNDS):
        assert at is not None
        released, cap_reason = _cap_release(policy, ledger, message_class, at)
        if cap_reason is not None:
            last = cap_reason
        if urgent:
            return released, last
        opened = hours.next_open(released)
        if opened is None:
            return None, last
        if opened != released:
            closure = hours.closure(released)
            last = Reason(str(closure)) if closure else last
        if opened == at:
            return at, last
        at = opened
    return at, last


def _blocker_at(
    policy: Policy,
    ledger: LedgerState,
    hours: OpenHours,
    message_class: MessageClass,
    now: datetime,
    urgent: bool,
    request: MessageRequest,
) -> Reason:
    """What stops the message at `now` (the reason a deferral records)."""
    if request.not_before is not None and request.not_before > now:
        return Reason.NOT_YET_DUE
    _, cap_reason = _cap_release(policy, ledger, message_class, now)
    if cap_reason is not None:
        return cap_reason
    closure = None if urgent else hours.closure(now)
    return Reason(str(closure)) if closure else Reason.QUIET_HOURS


def _spread(
    policy: Policy,
    ledger: LedgerState,
    hours: OpenHours,
    message_class: MessageClass,
    opening: datetime,
    request: MessageRequest,
) -> datetime:
    """A stable point in [opening, opening + spread) that is still allowed.

    The span is cut short at `expires_at`, so the point is always before it.
    """
    span = policy.defer_spread
    if request.expires_at is not None:
        span = min(span, request.expires_at - opening)
    seconds = int(span.total_seconds())
    if seconds <= 0:
        return opening
    digest = hashlib.sha256(request.request_id.encode()).digest()
    candidate = opening + timedelta(seconds=int.from_bytes(digest[:8], "big") % seconds)
    released, _ = _cap_release(policy, ledger, message_class, candidate)
    if released == candidate and _open_throughout(hours, opening, candidate):
        return candidate
    return opening


def _open_throughout(hours: OpenHours, opening: datetime, candidate: datetime) -> bool:
    """True when no closed instant lies in [opening, candidate]."""
    if not hours.is_open(candidate):
        return False
    # Openness only changes at change points, so checking those in the span suffices.
    return all(hours.is_open(point) for point in hours.change_points(opening, candidate))
