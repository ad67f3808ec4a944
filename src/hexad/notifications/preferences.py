"""People's preferences: what reaches them on which channel, quiet hours, digests, muted subjects.

`decide(preferences, message, protocol, now)` is the one gate a delivery to a user's subscription
passes: `skip` (muted subject, agent/kind/severity not wanted on that channel; a message without
such an attribute, a test or a topic of its own, is not judged on it), `hold` until a time
(the next digest, or the end of quiet hours in the user's time zone; a critical message passes quiet
hours unless the user says otherwise) or `send`. The in-app bell is never held: it is silent.
A user without stored preferences gets the defaults of their roles (`defaults_for`) when they first
subscribe or read their preferences; a subscription without an owner is not gated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hexad.errors import ValidationError
from hexad.notifications.model import PROTOCOLS, Message

__all__ = ["ROLE_DEFAULTS", "ChannelRule", "Decision", "Preferences", "decide", "defaults_for"]

SEVERITY_RANK: Final = {"low": 0, "medium": 1, "high": 2, "critical": 3}
DigestMode = Literal["off", "daily", "weekly"]


@dataclass(frozen=True)
class ChannelRule:
    """What one channel may bring: these agents and kinds (empty: all) from `min_severity` up."""

    enabled: bool = True
    agents: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    min_severity: str = "low"

    def __post_init__(self) -> None:
        if self.min_severity not in SEVERITY_RANK:
            raise ValidationError(
                f"min_severity: expected one of {', '.join(SEVERITY_RANK)}, got {self.min_severity!r}"
            )


@dataclass(frozen=True)
class Preferences:
    """One user's preferences. `channels` maps a protocol (or `*` for the others) to its rule."""

    user: str
    timezone: str = "UTC"
    channels: dict[str, ChannelRule] = field(default_factory=dict)
    quiet_hours: tuple[str, str] | None = None
    quiet_hours_allow_critical: bool = True
    digest: str = "off"
    digest_hour: int = 8
    digest_weekday: int = 0
    muted_subjects: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _zone(self.timezone)
        unknown = sorted(set(self.channels) - {*PROTOCOLS, "*"})
        if unknown:
            raise ValidationError(
                f"channels: unknown channel(s) {', '.join(unknown)}; expected {', '.join(PROTOCOLS)} or *"
            )
        if self.quiet_hours is not None:
            for which, text in zip(("start", "end"), self.quiet_hours, strict=True):
                _clock_time(text, f"quiet_hours.{which}")
        if self.digest not in ("off", "daily", "weekly"):
            raise ValidationError(f"digest: expected off, daily or weekly, got {self.digest!r}")
        if not 0 <= self.digest_hour <= 23 or not 0 <= self.digest_weekday <= 6:
            raise ValidationError("digest_hour: expected 0-23 and digest_weekday 0-6 (0 is Monday)")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["channels"] = {name: asdict(rule) for name, rule in self.channels.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preferences:
        """Preferences from their JSON form; `ValidationError` naming what is wrong."""
        if not isinstance(data, dict):
            raise ValidationError(f"preferences: expected a JSON object, got {type(data).__name__}")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValidationError(f"preferences: unknown field(s) {', '.join(unknown)}")
        try:
            return cls._parse(data)
        except (TypeError, ValueError, IndexError, AttributeError) as exc:
            raise ValidationError(f"preferences: {exc}") from None

    @classmethod
    def _parse(cls, data: dict[str, Any]) -> Preferences:
        values = dict(data)
        values["channels"] = {
            name: ChannelRule(
                **{**rule, "agents": tuple(rule.get("agents", ())), "kinds": tuple(rule.get("kinds", ()))}
            )
            for name, rule in (data.get("channels") or {}).items()
        }
        quiet = data.get("quiet_hours")
        values["quiet_hours"] = None if quiet is None else (str(quiet[0]), str(quiet[1]))
        values["muted_subjects"] = tuple(data.get("muted_subjects", ()))
        return cls(**values)

    def muted(self, subject: str) -> Preferences:
        """These preferences with `subject` muted (idempotent)."""
        if subject in self.muted_subjects:
            return self
        return replace(self, muted_subjects=(*self.muted_subjects, subject))


ROLE_DEFAULTS: Final[dict[str, ChannelRule]] = {
    "admin": ChannelRule(min_severity="medium"),
    "finance": ChannelRule(agents=("cpi", "dsa", "sli", "vcm"), min_severity="medium"),
    "sales": ChannelRule(agents=("cpi", "spo"), min_severity="medium"),
    "service_manager": ChannelRule(agents=("cpi", "ram", "sli"), min_severity="medium"),
    "viewer": ChannelRule(min_severity="high"),
}
"""Per role, what reaches a new user by mail and chat; the in-app bell gets everything from `low` up."""


def defaults_for(user: str, roles: tuple[str, ...] | list[str]) -> Preferences:
    """A user's first preferences: their roles' agents together, the lowest of their minimum severities."""
    rules = [ROLE_DEFAULTS[role] for role in roles if role in ROLE_DEFAULTS] or [ROLE_DEFAULTS["viewer"]]
    agents: tuple[str, ...] = ()
    if all(rule.agents for rule in rules):
        agents = tuple(sorted({agent for rule in rules for agent in rule.agents}))
    lowest = min((rule.min_severity for rule in rules), key=SEVERITY_RANK.__getitem__)
    channels = {"*": ChannelRule(agents=agents, min_severity=lowest), "in_app": ChannelRule(agents=agents)}
    return Preferences(user=user, channels=channels)


@dataclass(frozen=True)
class Decision:
    """What to do with one delivery: `send`, `skip` (a reason says why) or `hold` until `until`."""

    action: Literal["send", "skip", "hold"]
    reason: str = ""
    until: float = 0.0
    digest: bool = False


def decide(preferences: Preferences | None, message: Message, protocol: str, now: float) -> Decision:
    """The gate for a delivery of `message` on `protocol` to the user whose preferences these are."""
    if preferences is None:
        return Decision("send")
    subject = str(message.attributes.get("subject_id", ""))
    if subject and subject in preferences.muted_subjects:
        return Decision("skip", f"subject {subject} is muted")
    refused = _refused(
        preferences.channels.get(protocol) or preferences.channels.get("*") or ChannelRule(), message
    )
    if refused:
        return Decision("skip", refused)
    if protocol == "in_app":
        return Decision("send")
    zone = _zone(preferences.timezone)
    local = datetime.fromtimestamp(now, zone)
    if preferences.digest != "off":
        return Decision(
            "hold", f"{preferences.digest} digest", next_digest(preferences, local).timestamp(), True
        )
    critical = str(message.attributes.get("severity", "")) == "critical"
    if preferences.quiet_hours and not (critical and preferences.quiet_hours_allow_critical):
        start, end = (_clock_time(text, "quiet_hours") for text in preferences.quiet_hours)
        if _within(local.time(), start, end):
            return Decision("hold", "quiet hours", _next_at(local, end).timestamp())
    return Decision("send")


def _refused(rule: ChannelRule, message: Message) -> str:
    if not rule.enabled:
        return "channel turned off"
    agent, kind = str(message.attributes.get("agent", "")), str(message.attributes.get("kind", ""))
    if agent and rule.agents and agent not in rule.agents:
        return f"agent {agent} not wanted"
    if kind and rule.kinds and kind not in rule.kinds:
        return f"kind {kind} not wanted"
    severity = str(message.attributes.get("severity", ""))
    if severity in SEVERITY_RANK and SEVERITY_RANK[severity] < SEVERITY_RANK[rule.min_severity]:
        return f"severity {severity} below {rule.min_severity}"
    return ""


def next_digest(preferences: Preferences, local: datetime) -> datetime:
    """The first digest time strictly after `local` (daily at digest_hour; weekly also on digest_weekday)."""
    at = _next_at(local, time(preferences.digest_hour))
    if preferences.digest == "weekly":
        while at.weekday() != preferences.digest_weekday:
            at = _next_at(at, time(preferences.digest_hour))
    return at


def _next_at(local: datetime, when: time) -> datetime:
    candidate = datetime.combine(local.date(), when, local.tzinfo)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), when, local.tzinfo)
    return candidate


def _within(now: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= now < end
    return now >= start or now < end


def _clock_time(text: str, where: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{where}: expected a time such as 22:00, got {text!r}") from None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"timezone: expected an IANA time zone such as Europe/Berlin, got {name!r}"
        ) from None
