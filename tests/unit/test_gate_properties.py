"""Properties of the gate over every IANA zone and random instants, DST included.

The reference below is written independently of `courteous.gate.calendar`: it asks
the local wall clock of each zone directly, minute by minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courteous.gate.decide import Action, Reason, decide
from courteous.gate.ledger_state import LedgerState, SentEntry
from courteous.gate.policy import ClassRule, Policy, Weekday, Window
from courteous.messages import MessageClass, MessageRequest, Recipient

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
SPREAD = timedelta(minutes=20)
STEP = timedelta(minutes=1)

instants = st.datetimes(
    min_value=datetime(1995, 1, 1), max_value=datetime(2055, 12, 31), timezones=st.just(UTC)
)
wall_times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@st.composite
def windows(draw: st.DrawFn) -> Window:
    start = draw(wall_times)
    end = draw(wall_times.filter(lambda t: t != start))
    return Window(start=start, end=end)


@st.composite
def rules(draw: st.DrawFn) -> ClassRule:
    quiet = tuple(draw(st.lists(windows(), min_size=1, max_size=2)))
    rest = draw(st.frozensets(st.sampled_from(list(Weekday)), max_size=2))
    return ClassRule(quiet_hours=quiet, rest_days=rest)


def closed(rule: ClassRule, zones: tuple[str, ...], instant: datetime) -> bool:
    for name in zones:
        local = instant.astimezone(ZoneInfo(name))
        if local.weekday() in rule.rest_days:
            return True
        wall = time(local.hour, local.minute, local.second, local.microsecond)
        for window in rule.quiet_hours:
            inside = (
                window.start <= wall < window.end
                if window.start < window.end
                else wall >= window.start or wall < window.end
            )
            if inside:
                return True
    return False


def message(zone_count: int, zones: list[str]) -> MessageRequest:
    return MessageRequest(
        kind="shipping_notice",
        channel="email",
        recipient=Recipient(shop_id="s", email="a@example.com", zone=zones[0]),
        created_at=datetime(2020, 1, 1, tzinfo=UTC),
    )


def policy_with(rule: ClassRule) -> Policy:
    return Policy(
        classes=dict.fromkeys(MessageClass, rule),
        defer_spread=SPREAD,
        caps=(),
        min_gap=timedelta(0),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zone=st.sampled_from(ZONES), now=instants, rule=rules(), request_id=st.uuids())
def test_send_is_never_inside_quiet_hours_and_defer_is_the_earliest_allowed(
    zone: str, now: datetime, rule: ClassRule, request_id: object
) -> None:
    request = message(1, [zone]).model_copy(update={"request_id": str(request_id)})
    decision = decide(policy_with(rule), LedgerState(), request, now)
    zones = (zone,)
    if decision.action is Action.SEND:
        assert not closed(rule, zones, now)
        return
    if decision.action is Action.SUPPRESS:
        # Only a rule that closes every day can leave nothing open: check a week.
        assert all(closed(rule, zones, now + STEP * i) for i in range(0, 7 * 24 * 60, 7))
        return
    not_before = decision.not_before
    assert not_before is not None
    assert not closed(rule, zones, not_before)
    # The earliest open minute by brute force; the true opening lies in (prev, first].
    cursor = now
    while closed(rule, zones, cursor):
        cursor += STEP
    assert cursor > now
    assert cursor - STEP < not_before <= cursor + SPREAD


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zones=st.lists(st.sampled_from(ZONES), min_size=2, max_size=3, unique=True),
    now=instants,
    window=windows(),
)
def test_several_zones_must_all_be_open(zones: list[str], now: datetime, window: Window) -> None:
    from courteous.gate.calendar import OpenHours

    rule = ClassRule(quiet_hours=(window,))
    hours = OpenHours(rule=rule, zones=tuple(zones))
    opened = hours.next_open(now, horizon=timedelta(days=3))
    if opened is None:
        assert all(closed(rule, tuple(zones), now + STEP * i) for i in range(0, 3 * 24 * 60, 5))
        return
    assert not closed(rule, tuple(zones), opened)
    assert opened >= now
    cursor = now
    while closed(rule, tuple(zones), cursor):
        cursor += STEP
    assert cursor - STEP < opened <= cursor


DST_ZONES = [
    "America/New_York",
    "Europe/Paris",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Europe/London",
    "Pacific/Chatham",
    "America/Havana",
    "Asia/Tehran",
    "America/St_Johns",
    "Europe/Chisinau",
]


def transitions(zone: str, year: int) -> list[datetime]:
    """Instants (to the minute) at which `zone` changes its UTC offset during `year`."""
    tz = ZoneInfo(zone)
    found = []
    hour = datetime(year, 1, 1, tzinfo=UTC)
    while hour.year == year:
        later = hour + timedelta(hours=1)
        if hour.astimezone(tz).utcoffset() != later.astimezone(tz).utcoffset():
            minute = hour
            while minute.astimezone(tz).utcoffset() == hour.astimezone(tz).utcoffset():
                minute += STEP
            found.append(minute)
        hour = later
    return found


TRANSITIONS = [t for zone in DST_ZONES for year in (2024, 2026) for t in transitions(zone, year)]
ZONE_OF = {t: zone for zone in DST_ZONES for year in (2024, 2026) for t in transitions(zone, year)}
night_times = st.integers(0, 4 * 60 - 1).map(lambda m: time(m // 60, m % 60))


@settings(max_examples=400, deadline=None)
@given(
    transition=st.sampled_from(TRANSITIONS),
    offset=st.integers(-30 * 60, 30 * 60),
    start=st.one_of(night_times, wall_times),
    end=st.one_of(night_times, wall_times),
)
def test_around_every_dst_transition(
    transition: datetime, offset: int, start: time, end: time
) -> None:
    from courteous.gate.calendar import OpenHours

    if start == end:
        return
    zone = ZONE_OF[transition]
    now = transition + timedelta(minutes=offset)
    rule = ClassRule(quiet_hours=(Window(start=start, end=end),))
    opened = OpenHours(rule=rule, zones=(zone,)).next_open(now)
    assert opened is not None
    assert not closed(rule, (zone,), opened)
    cursor = now
    while closed(rule, (zone,), cursor):
        cursor += STEP
    assert cursor - STEP < opened <= cursor


# Expiry is judged on the earliest allowed instant; a deferral stays before expires_at.

single_windows = windows().map(lambda window: ClassRule(quiet_hours=(window,)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(ZONES),
    now=instants,
    rule=single_windows,
    expires_in=st.integers(1, 2 * 24 * 60 * 60),
    spread=st.integers(0, 6 * 60 * 60),
    last_sent_ago=st.one_of(st.none(), st.integers(0, 6 * 60 * 60)),
    request_id=st.uuids(),
)
def test_a_request_that_can_go_before_it_expires_is_never_expired_and_defers_before_it(
    zone: str,
    now: datetime,
    rule: ClassRule,
    expires_in: int,
    spread: int,
    last_sent_ago: int | None,
    request_id: object,
) -> None:
    # Given a policy with a gap of 4 h, a spread, and perhaps a recent send
    gap = timedelta(hours=4)
    policy = Policy(
        classes=dict.fromkeys(MessageClass, rule),
        defer_spread=timedelta(seconds=spread),
        caps=(),
        min_gap=gap,
    )
    sends = ()
    if last_sent_ago is not None:
        sends = (
            SentEntry(
                request_id="earlier",
                at=now - timedelta(seconds=last_sent_ago),
                kind="payment_reminder",
                message_class=MessageClass.SERVICE,
            ),
        )
    expires_at = now + timedelta(seconds=expires_in)
    request = MessageRequest(
        request_id=str(request_id),
        kind="payment_reminder",
        channel="email",
        recipient=Recipient(shop_id="s", email="a@example.com", zone=zone),
        created_at=now,
        expires_at=expires_at,
    )
    # When the gate decides
    decision = decide(policy, LedgerState(sends=sends), request, now)
    # Then the earliest allowed instant, by brute force, lies in (cursor - STEP, cursor]
    start = max([now] + [s.at + gap for s in sends])
    cursor = start
    while closed(rule, (zone,), cursor):
        cursor += STEP
    if decision.reason is Reason.EXPIRED:
        assert cursor >= expires_at
    if cursor - STEP >= expires_at and start < cursor:
        assert decision.reason is Reason.EXPIRED
    if start >= expires_at:
        assert decision.reason is Reason.EXPIRED
    if decision.action is Action.DEFER:
        assert decision.not_before is not None
        assert decision.not_before < expires_at
        assert not closed(rule, (zone,), decision.not_before)
