"""Delivering written reports: by e-mail (SMTP, the files attached) and to a Slack incoming webhook
(a message with `text` and `blocks`), each only when configured in the environment:

    REPORTS_SMTP_HOST        the SMTP server; unset: no e-mail
    REPORTS_SMTP_PORT        default 587 with STARTTLS, else 25
    REPORTS_SMTP_FROM        the sender address (required with a host)
    REPORTS_SMTP_TO          comma-separated recipients of every tenant's reports
    REPORTS_SMTP_TO_<TENANT> recipients of one tenant's reports (tenant id upper-cased), instead
    REPORTS_SMTP_STARTTLS    true: upgrade the connection with STARTTLS before logging in
    REPORTS_SMTP_USER, REPORTS_SMTP_PASSWORD   optional login (never stored in the repository)
    REPORTS_SLACK_WEBHOOK_URL  a Slack incoming webhook; unset: no Slack message

A delivery is tried up to ATTEMPTS times, BACKOFF_SECONDS apart and doubling; a delivery that still
fails raises DeliveryError, one line naming the channel, the tenant and the cause. The files stay
written either way: delivery only reads them."""
import json
import os
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from orchestration.reports.periodic import KindReport, headline

ATTEMPTS = 3               # a dropped connection or a busy server usually passes within seconds
BACKOFF_SECONDS = 2.0      # then 4 s: a run waits at most 6 s per channel before it says why it failed
TIMEOUT_SECONDS = 20       # one SMTP or HTTP exchange; a hung server fails the attempt, not the run
MEDIA = {"pdf": ("application", "pdf"), "csv": ("text", "csv"),
         "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


class DeliveryError(RuntimeError):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    starttls: bool
    user: str | None
    password: str | None
    default_to: tuple[str, ...]

    def recipients(self, tenant: str) -> tuple[str, ...]:
        own = os.environ.get(f"REPORTS_SMTP_TO_{tenant.upper()}", "")
        return addresses(own) or self.default_to


def addresses(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in text.split(",") if a.strip())


def smtp_settings() -> SmtpSettings | None:
    """The SMTP settings from the environment, None when no host is set; a host without a sender, or a
    port that is not a number, is one ValueError line."""
    host = os.environ.get("REPORTS_SMTP_HOST", "").strip()
    if not host:
        return None
    sender = os.environ.get("REPORTS_SMTP_FROM", "").strip()
    if not sender:
        raise ValueError("REPORTS_SMTP_HOST is set but REPORTS_SMTP_FROM (the sender address) is not")
    starttls = os.environ.get("REPORTS_SMTP_STARTTLS", "").strip().lower() in ("1", "true", "yes")
    port_text = os.environ.get("REPORTS_SMTP_PORT", "").strip() or ("587" if starttls else "25")
    if not port_text.isdigit():
        raise ValueError(f"REPORTS_SMTP_PORT must be a port number, got {port_text!r}")
    return SmtpSettings(host, int(port_text), sender, starttls, os.environ.get("REPORTS_SMTP_USER") or None,
                        os.environ.get("REPORTS_SMTP_PASSWORD") or None,
                        addresses(os.environ.get("REPORTS_SMTP_TO", "")))


def slack_url() -> str | None:
    return os.environ.get("REPORTS_SLACK_WEBHOOK_URL", "").strip() or None


def with_retries(what: str, send, attempts: int | None = None, backoff: float | None = None) -> int:
    """send() until it succeeds; the number of attempts it took, or one DeliveryError line."""
    attempts = ATTEMPTS if attempts is None else attempts
    backoff = BACKOFF_SECONDS if backoff is None else backoff
    for attempt in range(1, attempts + 1):
        try:
            send()
            return attempt
        except (OSError, smtplib.SMTPException, urllib.error.URLError) as e:
            if attempt == attempts:
                cause = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
                raise DeliveryError(f"{what} failed after {attempts} attempts: {type(e).__name__}: {cause}") from e
            time.sleep(backoff * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def subject(tenant: str, reports: list[KindReport]) -> str:
    period = reports[0].period_label if reports else ""
    return f"Reports for {tenant}: {period}"


def body(tenant: str, reports: list[KindReport]) -> str:
    lines = [f"Reports for tenant {tenant}, {reports[0].period_label} "
             f"(compared with {reports[0].previous_label}).", ""]
    for report in reports:
        lines.append(report.spec.title)
        lines += [f"  {label}: {value} ({change} vs previous)" for label, value, change in headline(report)]
        lines.append("")
    lines.append("The PDF, XLSX and CSV files of each report are attached.")
    return "\n".join(lines)


def email_message(settings: SmtpSettings, tenant: str, reports: list[KindReport],
                  files: list[Path]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject(tenant, reports)
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients(tenant))
    message.set_content(body(tenant, reports))
    for path in files:
        maintype, subtype = MEDIA[path.suffix.lstrip(".")]
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return message


def send_email(settings: SmtpSettings, tenant: str, reports: list[KindReport], files: list[Path],
               attempts: int | None = None, backoff: float | None = None) -> int:
    if not settings.recipients(tenant):
        raise DeliveryError(f"e-mail for {tenant}: no recipients (set REPORTS_SMTP_TO or "
                            f"REPORTS_SMTP_TO_{tenant.upper()})")
    message = email_message(settings, tenant, reports, files)

    def send() -> None:
        with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(message)

    return with_retries(f"e-mail for {tenant} through {settings.host}:{settings.port}", send, attempts, backoff)


def slack_payload(tenant: str, reports: list[KindReport], files: list[Path]) -> dict:
    """A Slack message: `text` (the notification's fallback) and Block Kit `blocks` (a header, a
    section of headline figures per report, the file names as context)."""
    text = f"Reports for {tenant}: {reports[0].period_label} (vs {reports[0].previous_label})"
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": False}}]
    for report in reports:
        figures = "\n".join(f"• {label}: *{value}* ({change})" for label, value, change in headline(report))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{report.spec.title}*\n{figures}"}})
    names = ", ".join(path.name for path in files)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Files: {names}"[:3000]}]})
    return {"text": text, "blocks": blocks}


def post_slack(url: str, tenant: str, reports: list[KindReport], files: list[Path], attempts: int | None = None,
               backoff: float | None = None) -> int:
    data = json.dumps(slack_payload(tenant, reports, files)).encode()

    def send() -> None:
        request = urllib.request.Request(url, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()

    host = urllib.request.urlparse(url).netloc
    return with_retries(f"Slack message for {tenant} to {host}", send, attempts, backoff)


def deliver(tenant: str, reports: list[KindReport], files: list[Path]) -> list[str]:
    """Every configured delivery of one tenant's reports: what was sent, one line each. Every channel is
    tried before a failure is raised, so a broken webhook does not hold back the e-mail."""
    done, failures = [], []
    settings = smtp_settings()
    if settings is not None:
        try:
            send_email(settings, tenant, reports, files)
            done.append(f"e-mail to {', '.join(settings.recipients(tenant))} ({len(files)} files)")
        except DeliveryError as e:
            failures.append(str(e))
    url = slack_url()
    if url is not None:
        try:
            post_slack(url, tenant, reports, files)
            done.append("Slack message")
        except DeliveryError as e:
            failures.append(str(e))
    if failures:
        raise DeliveryError("; ".join(failures))
    return done
