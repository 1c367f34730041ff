"""Standard Webhooks signatures: HMAC-SHA256 over `id.timestamp.body`, sent as `v1,<base64>`
in `webhook-signature`, with `webhook-id` and `webhook-timestamp` (seconds since the epoch).
The `standardwebhooks` package does the signing, so receivers can check it with any language's
Standard Webhooks library. Each attempt is signed afresh with its own timestamp: receivers
refuse timestamps more than 5 minutes away from their clock (the replay window)."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # 256 bits, as long as the HMAC's output
EVENT_ID_PREFIX = "msg_"


def new_secret() -> str:
    """A fresh endpoint secret, `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_event_id() -> str:
    """A unique `webhook-id`; receivers use it to drop an event they already handled."""
    return EVENT_ID_PREFIX + uuid.uuid4().hex


def headers(secret: str, event_id: str, body: str, at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`, signed at `at`."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, at, body),
    }
