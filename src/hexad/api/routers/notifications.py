"""/api/v1/notifications: topics, subscriptions, the in-app bell and people's preferences.

Everyone may read topics, manage their own email and in-app subscriptions, read and mark their
bell, set their preferences, confirm a subscription and mute a subject with a link's token.
Admins (`notifications:admin`) also manage topics, subscribe chat, webhook and queue endpoints
for anyone, and publish test messages. The bell's live updates come over `/api/v1/live` as
`notification.created` events from `hexad.notifications` (detail: id, user, severity).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from hexad.api.security import Principal, require
from hexad.auth.permissions import allowed
from hexad.errors import NotFoundError, PermissionDeniedError
from hexad.notifications.approvals import APPROVALS_TOPIC
from hexad.notifications.assembly import notification_service
from hexad.notifications.findings import FINDINGS_TOPIC
from hexad.notifications.model import InAppNotification, Subscription
from hexad.notifications.preferences import Preferences, defaults_for
from hexad.notifications.service import NotificationService

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])
_SELF_SERVICE = ("email", "in_app")


class TopicIn(BaseModel):
    name: str = Field(min_length=1, max_length=256)
    display_name: str = Field("", max_length=256)


class TopicOut(BaseModel):
    name: str
    display_name: str
    created_at: float


class SubscriptionIn(BaseModel):
    topic: str
    protocol: Literal["email", "slack", "teams", "https", "queue", "in_app"]
    endpoint: str = Field(min_length=1, max_length=2048)
    owner: str | None = None
    filter_policy: dict[str, Any] | None = None
    filter_scope: Literal["MessageAttributes", "MessageBody"] = "MessageAttributes"
    delivery_policy: dict[str, Any] | None = None


class SubscriptionOut(BaseModel):
    id: str
    topic: str
    protocol: str
    endpoint: str
    owner: str | None
    filter_policy: dict[str, Any] | None
    filter_scope: str
    delivery_policy: dict[str, Any]
    status: str
    created_at: float
    secret: str | None = Field(
        None, description="the webhook signing secret, only in the answer that creates it"
    )


class TokenIn(BaseModel):
    token: str = Field(min_length=10, max_length=4096)


class PublishIn(BaseModel):
    subject: str = Field("Hexad test notification", max_length=200)
    message: str = Field("This is a test of Hexad notifications.", max_length=10_000)
    attributes: dict[str, Any] = Field(default_factory=dict)


class PublishOut(BaseModel):
    message_id: str
    matched: int
    filtered: int
    pending: int


class InAppOut(BaseModel):
    id: str
    title: str
    text: str
    severity: str
    link: str
    topic: str
    created_at: float
    read_at: float | None
    subject_id: str = Field("", description="what the notification is about (a client, vendor, ...)")
    mute_token: str | None = Field(
        None, description="for `POST /notifications/mute`: stop notifications about this subject"
    )


class Inbox(BaseModel):
    items: list[InAppOut]
    unread: int


class MarkReadIn(BaseModel):
    ids: list[str] | None = Field(
        None, description="the notifications to mark read; every unread one when absent"
    )


class Marked(BaseModel):
    marked: int


Severity = Literal["low", "medium", "high", "critical"]


class ChannelRuleIn(BaseModel):
    """What one channel may bring: these agents and kinds (empty: all) from `min_severity` up."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    agents: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    min_severity: Severity = "low"


class PreferencesIn(BaseModel):
    """Your preferences; any other key is refused with its name (`user` is always the caller)."""

    model_config = ConfigDict(extra="forbid")
    user: str | None = Field(None, description="ignored: preferences are always the caller's")
    timezone: str = Field("UTC", description="an IANA time zone, e.g. Europe/Berlin")
    channels: dict[str, ChannelRuleIn] = Field(
        default_factory=dict, description="per protocol (or `*` for the others) what it may bring"
    )
    quiet_hours: tuple[str, str] | None = Field(None, description="start and end, HH:MM, local time")
    quiet_hours_allow_critical: bool = True
    digest: Literal["off", "daily", "weekly"] = "off"
    digest_hour: int = Field(8, ge=0, le=23)
    digest_weekday: int = Field(0, ge=0, le=6, description="0 is Monday")
    muted_subjects: list[str] = Field(default_factory=list)


class MuteOut(BaseModel):
    user: str
    muted_subjects: list[str]


async def _service(request: Request) -> NotificationService:
    """The app's notification service, built on first use with the app's settings and clock; the
    `findings` and `approvals` topics exist from then on, so people can subscribe before a worker ran."""
    service: NotificationService | None = getattr(request.app.state, "notifications", None)
    if service is None:
        service = notification_service(request.app.state.settings, clock=request.app.state.clock)
        await service.create_topic(FINDINGS_TOPIC, "What the agents found")
        await service.create_topic(APPROVALS_TOPIC, "Workflow steps waiting for a person")
        request.app.state.notifications = service
    return service


def _is_admin(principal: Principal) -> bool:
    return allowed(principal.roles, "notifications:admin")


def _out(subscription: Subscription, *, with_secret: bool = False) -> SubscriptionOut:
    data = subscription.public()
    secret = subscription.secret if with_secret and subscription.secret else None
    return SubscriptionOut(**data, secret=secret)


async def _preferences(service: NotificationService, principal: Principal) -> Preferences:
    stored = await service.store.get_preferences(principal.subject)
    if stored is not None:
        return Preferences.from_dict(stored)
    defaults = defaults_for(principal.subject, principal.roles)
    await service.store.put_preferences(principal.subject, defaults.to_dict())
    return defaults


@router.get("/topics", response_model=list[TopicOut])
async def list_topics(
    request: Request, _: Annotated[Principal, Depends(require("notifications:read"))]
) -> list[TopicOut]:
    """Every topic."""
    service = await _service(request)
    return [TopicOut(**topic.to_dict()) for topic in await service.store.topics()]


@router.post("/topics", response_model=TopicOut, status_code=201)
async def create_topic(
    request: Request, body: TopicIn, _: Annotated[Principal, Depends(require("notifications:admin"))]
) -> TopicOut:
    """Create a topic (idempotent)."""
    service = await _service(request)
    return TopicOut(**(await service.create_topic(body.name, body.display_name)).to_dict())


@router.delete("/topics/{name}", status_code=204)
async def delete_topic(
    request: Request, name: str, _: Annotated[Principal, Depends(require("notifications:admin"))]
) -> None:
    """Delete a topic and its subscriptions."""
    service = await _service(request)
    await service.store.delete_topic(name)


@router.post("/topics/{name}/publish", response_model=PublishOut)
async def publish(
    request: Request,
    name: str,
    body: PublishIn,
    _: Annotated[Principal, Depends(require("notifications:admin"))],
) -> PublishOut:
    """Publish a test message; a worker delivers it."""
    service = await _service(request)
    content = {"title": body.subject, "summary": body.message}
    result = await service.publish(name, body.subject, content, body.attributes)
    return PublishOut(**result.__dict__)


@router.get("/subscriptions", response_model=list[SubscriptionOut])
async def list_subscriptions(
    request: Request,
    principal: Annotated[Principal, Depends(require("notifications:read"))],
    topic: str | None = None,
    everyone: Annotated[bool, Query(alias="all", description="every user's (admins only)")] = False,
) -> list[SubscriptionOut]:
    """Your subscriptions (admins: everyone's with `all=true`); endpoints of chat and webhooks masked."""
    service = await _service(request)
    found = await service.store.subscriptions(topic, cached=False)
    if not (everyone and _is_admin(principal)):
        found = [s for s in found if s.owner == principal.subject]
    return [_out(s) for s in found]


@router.post("/subscriptions", response_model=SubscriptionOut, status_code=201)
async def subscribe(
    request: Request,
    body: SubscriptionIn,
    principal: Annotated[Principal, Depends(require("notifications:write"))],
) -> SubscriptionOut:
    """Subscribe; email and https endpoints must confirm before anything else is sent to them."""
    owner = body.owner or principal.subject
    if not _is_admin(principal):
        if body.protocol not in _SELF_SERVICE:
            raise PermissionDeniedError(f"only admins may subscribe {body.protocol} endpoints")
        if owner != principal.subject or (body.protocol == "in_app" and body.endpoint != principal.subject):
            raise PermissionDeniedError("you may subscribe only yourself")
    service = await _service(request)
    if owner == principal.subject:
        await _preferences(service, principal)
    subscription = await service.subscribe(
        body.topic, body.protocol, body.endpoint, owner=owner, filter_policy=body.filter_policy,
        filter_scope=body.filter_scope, delivery_policy=body.delivery_policy,
    )  # fmt: skip
    return _out(subscription, with_secret=True)


@router.delete("/subscriptions/{subscription_id}", status_code=204)
async def unsubscribe(
    request: Request,
    subscription_id: str,
    principal: Annotated[Principal, Depends(require("notifications:write"))],
) -> None:
    """Delete one of your subscriptions (admins: anyone's)."""
    service = await _service(request)
    subscription = await service.store.get_subscription(subscription_id)
    if subscription.owner != principal.subject and not _is_admin(principal):
        raise NotFoundError(f"no subscription with id {subscription_id!r}")
    await service.unsubscribe(subscription_id)


@router.post("/subscriptions/confirm", response_model=SubscriptionOut)
async def confirm(
    request: Request, body: TokenIn, _: Annotated[Principal, Depends(require("notifications:write"))]
) -> SubscriptionOut:
    """Confirm a pending subscription with the token of its confirmation link or request."""
    service = await _service(request)
    return _out(await service.confirm(body.token))


@router.get("/inbox", response_model=Inbox)
async def inbox(
    request: Request,
    principal: Annotated[Principal, Depends(require("notifications:read"))],
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Inbox:
    """Your in-app notifications, newest first, and how many are unread."""
    service = await _service(request)
    store = service.store
    items = await store.inbox(principal.subject, unread_only=unread, limit=limit)
    unread_count = len(await store.inbox(principal.subject, unread_only=True, limit=10_000))
    return Inbox(items=[_in_app(service, item) for item in items], unread=unread_count)


def _in_app(service: NotificationService, item: InAppNotification) -> InAppOut:
    token = service.mute_token(item.user, item.subject_id) if item.subject_id else None
    return InAppOut(**item.to_dict(), mute_token=token)


@router.post("/inbox/read", response_model=Marked)
async def mark_read(
    request: Request,
    body: MarkReadIn,
    principal: Annotated[Principal, Depends(require("notifications:write"))],
) -> Marked:
    """Mark the given notifications (or all) as read."""
    service = await _service(request)
    return Marked(marked=await service.store.mark_read(principal.subject, body.ids, service.clock.time()))


@router.get("/preferences", response_model=dict[str, Any])
async def get_preferences(
    request: Request, principal: Annotated[Principal, Depends(require("notifications:read"))]
) -> dict[str, Any]:
    """Your preferences (your roles' defaults until you change them)."""
    service = await _service(request)
    return (await _preferences(service, principal)).to_dict()


@router.put("/preferences", response_model=dict[str, Any])
async def put_preferences(
    request: Request,
    body: PreferencesIn,
    principal: Annotated[Principal, Depends(require("notifications:write"))],
) -> dict[str, Any]:
    """Replace your preferences (channels, time zone, quiet hours, digest, muted subjects)."""
    service = await _service(request)
    preferences = Preferences.from_dict({**body.model_dump(exclude={"user"}), "user": principal.subject})
    await service.store.put_preferences(principal.subject, preferences.to_dict())
    return preferences.to_dict()


@router.post("/mute", response_model=MuteOut)
async def mute(
    request: Request, body: TokenIn, principal: Annotated[Principal, Depends(require("notifications:write"))]
) -> MuteOut:
    """Mute a subject with the token of a notification's mute link (yours, or anyone's for admins)."""
    service = await _service(request)
    user, subject = service.read_mute_token(body.token)
    if user != principal.subject and not _is_admin(principal):
        raise PermissionDeniedError("this mute link belongs to another user")
    stored = await service.store.get_preferences(user)
    current = Preferences.from_dict(stored) if stored else defaults_for(user, principal.roles)
    muted = current.muted(subject)
    await service.store.put_preferences(user, muted.to_dict())
    return MuteOut(user=user, muted_subjects=list(muted.muted_subjects))


@router.delete("/mutes/{subject}", response_model=MuteOut)
async def unmute(
    request: Request, subject: str, principal: Annotated[Principal, Depends(require("notifications:write"))]
) -> MuteOut:
    """Hear about `subject` again (idempotent); your muted subjects are in your preferences."""
    service = await _service(request)
    current = await _preferences(service, principal)
    kept = tuple(muted for muted in current.muted_subjects if muted != subject)
    await service.store.put_preferences(principal.subject, replace(current, muted_subjects=kept).to_dict())
    return MuteOut(user=principal.subject, muted_subjects=list(kept))
