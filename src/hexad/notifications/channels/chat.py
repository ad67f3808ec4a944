"""Slack and Microsoft Teams incoming webhooks: Block Kit blocks and an Adaptive Card.

The webhook URL is the credential, so it is only ever used to post and never shown (see
`masked_endpoint`). Both formats carry the title, the summary, severity/agent/subject as fields
and a button to the finding in the dashboard.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from hexad.notifications.channels.base import Delivery, payload_fields, post_json

__all__ = ["SlackChannel", "TeamsChannel", "slack_payload", "teams_payload"]

_EMOJI = {
    "critical": ":rotating_light:",
    "high": ":warning:",
    "medium": ":large_orange_diamond:",
    "low": ":information_source:",
}


def _facts(fields: dict[str, Any]) -> list[tuple[str, str]]:
    names = (("Severity", "severity"), ("Agent", "agent"), ("Kind", "kind"), ("Subject", "subject_id"))
    return [(label, fields[key]) for label, key in names if fields[key]]


def slack_payload(delivery: Delivery) -> dict[str, Any]:
    """The Slack message (Block Kit) for a delivery, with a plain `text` fallback for notifications."""
    fields = payload_fields(delivery.message)
    title = f"{_EMOJI.get(fields['severity'], '')} {fields['title']}".strip()
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": fields["text"][:3000]}},
    ]
    facts = _facts(fields)
    if facts:
        blocks.append(
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in facts]}
        )
    for item in fields["items"][:40]:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"• {item.get('title', '')}"[:3000]}}
        )
    buttons = [
        (label, url)
        for label, url in (("Open in Hexad", fields["link"]), ("Mute this subject", delivery.mute_url))
        if url
    ]
    if buttons:
        elements = [
            {"type": "button", "text": {"type": "plain_text", "text": t}, "url": u} for t, u in buttons
        ]
        blocks.append({"type": "actions", "elements": elements})
    return {"text": fields["title"], "blocks": blocks}


def teams_payload(delivery: Delivery) -> dict[str, Any]:
    """The Teams message: one Adaptive Card (1.4) attachment."""
    fields = payload_fields(delivery.message)
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": fields["title"], "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": fields["text"], "wrap": True},
    ]
    facts = _facts(fields)
    if facts:
        body.append({"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in facts]})
    body.extend(
        {"type": "TextBlock", "text": f"- {item.get('title', '')}", "wrap": True}
        for item in fields["items"][:40]
    )
    actions = [
        {"type": "Action.OpenUrl", "title": label, "url": url}
        for label, url in (("Open in Hexad", fields["link"]), ("Mute this subject", delivery.mute_url))
        if url
    ]
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": actions,
    }
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }


class SlackChannel:
    """Posts Block Kit messages to Slack incoming webhooks."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def deliver(self, delivery: Delivery) -> None:
        await post_json(self._client, delivery.subscription, json.dumps(slack_payload(delivery)).encode())


class TeamsChannel:
    """Posts Adaptive Cards to Microsoft Teams incoming webhooks (or Workflows webhooks)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def deliver(self, delivery: Delivery) -> None:
        await post_json(self._client, delivery.subscription, json.dumps(teams_payload(delivery)).encode())
