"""The alert sink: every alert is a structured log line (JSON, logger `warehouse.alerts`); when
ALERT_WEBHOOK_URL is set it is also POSTed there as JSON. A webhook that fails is logged, never
raised: an alert must not fail the run that noticed the problem."""
import json
import logging
import os
import urllib.request
from datetime import datetime, UTC

log = logging.getLogger("warehouse.alerts")


def send_alert(kind: str, summary: str, **details) -> dict:
    alert = {"kind": kind, "summary": summary, "at": datetime.now(UTC).isoformat(), **details}
    log.warning(json.dumps(alert, default=str, sort_keys=True))
    url = os.environ.get("ALERT_WEBHOOK_URL")
    if url:
        request = urllib.request.Request(url, data=json.dumps(alert, default=str).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                alert["webhook_status"] = response.status
        except OSError as e:
            log.error(json.dumps({"kind": "alert_webhook_failed", "url": url, "error": str(e)}))
            alert["webhook_status"] = None
    return alert
