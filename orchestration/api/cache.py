"""The Redis cache and the rate limiter. Cache keys are `analytics:{type}:{tenantId}:{params}`
(params: the query string, keys sorted; WAREHOUSE_API_CACHE_PREFIX replaces `analytics` when two
warehouses share one Redis); hits and misses are counted in Redis. Without Redis (no
REDIS_URL, or Redis down) the API serves every request uncached, counts in memory, and rate-limits
per process; /health says which."""
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from orchestration.api.settings import RATE_LIMITS_PER_MINUTE, RATE_WINDOW_SECONDS, REDIS_RETRY_SECONDS, TTL_SECONDS

PREFIX = "analytics"


def cache_key(type_: str, scope: str, params: dict, prefix: str = PREFIX) -> str:
    query = urlencode(sorted((k, str(v)) for k, v in params.items() if v is not None))
    return f"{prefix}:{type_}:{scope}:{query}"


def parse_cache_key(key: str) -> tuple[str, str, str, dict]:
    prefix, type_, scope, query = key.split(":", 3)
    return prefix, type_, scope, dict(parse_qsl(query))


@dataclass
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


class Cache:
    def __init__(self, redis_url: str | None, prefix: str = PREFIX, limits: dict[str, int] | None = None):
        self.redis_url = redis_url
        self.prefix = prefix
        self.limits = {**RATE_LIMITS_PER_MINUTE, **(limits or {})}
        self._client = None
        self._local_misses = 0
        self._down_until = 0.0
        self._local_windows: dict[tuple, int] = {}
        self._lock = threading.Lock()
        if redis_url:
            import redis
            self._client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def _redis(self):
        """The client, or None without Redis or for REDIS_RETRY_SECONDS after it failed (so a Redis
        outage costs one timeout now and then, not one per request)."""
        if self._client is None or time.monotonic() < self._down_until:
            return None
        return self._client

    def _mark_down(self) -> None:
        self._down_until = time.monotonic() + REDIS_RETRY_SECONDS

    def status(self) -> str:
        if self._client is None:
            return "not configured (REDIS_URL unset): serving uncached"
        try:
            self._client.ping()
            self._down_until = 0.0
            return "ok"
        except Exception:           # any Redis failure: report it, serve on
            self._mark_down()
            return "unreachable: serving uncached"

    def get_or_compute(self, type_: str, scope: str, params: dict, cache_class: str,
                       compute: Callable[[], str | dict]) -> tuple[str, bool]:
        """The answer as JSON text, and whether it came from the cache. A hit costs one Redis round
        trip (the lookup and its count in one pipeline)."""
        key = cache_key(type_, scope, params, self.prefix)
        client = self._redis()
        if client is not None:
            try:
                raw, _lookups = client.pipeline(transaction=False).get(key).incr(f"{self.prefix}:stats:lookups").execute()
                if raw is not None:
                    return raw.decode(), True
                client.incr(f"{self.prefix}:stats:misses")
            except Exception:
                self._mark_down()
                client = None
        if client is None:
            with self._lock:
                self._local_misses += 1
        value = compute()
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        if client is not None:
            try:
                client.set(key, text, ex=TTL_SECONDS[cache_class])
            except Exception:               # an answer not stored is only a later miss
                self._mark_down()
        return text, False

    def counts(self) -> dict:
        """Hits and misses since Redis started (hits = lookups - misses), or of this process without it."""
        client = self._redis()
        if client is not None:
            try:
                lookups, misses = client.mget(f"{self.prefix}:stats:lookups", f"{self.prefix}:stats:misses")
                return {"hits": int(lookups or 0) - int(misses or 0), "misses": int(misses or 0), "where": "redis"}
            except Exception:
                self._mark_down()
        return {"hits": 0, "misses": self._local_misses, "where": "this process"}

    def keys_of(self, type_: str) -> list[str]:
        client = self._redis()
        if client is None:
            return []
        return [k.decode() for k in client.scan_iter(match=f"{self.prefix}:{type_}:*", count=500)]

    def delete(self, keys: list[str]) -> int:
        client = self._redis()
        if client is None or not keys:
            return 0
        return client.delete(*keys)

    def rate(self, group: str, who: str, now: float | None = None, endpoint: str | None = None) -> RateDecision:
        """Fixed one-minute windows per endpoint (default: the group) and caller: the group's limit of
        requests, then 429 until the window ends."""
        limit = self.limits[group]
        bucket = endpoint or group
        now = time.time() if now is None else now
        window = int(now // RATE_WINDOW_SECONDS)
        retry_after = max(1, int((window + 1) * RATE_WINDOW_SECONDS - now + 0.999))
        count = None
        client = self._redis()
        if client is not None:
            try:
                key = f"{self.prefix}:ratelimit:{bucket}:{who}:{window}"
                pipe = client.pipeline()
                pipe.incr(key)
                pipe.expire(key, RATE_WINDOW_SECONDS + 5)
                count = int(pipe.execute()[0])
            except Exception:
                self._mark_down()
                count = None
        if count is None:
            with self._lock:
                k = (bucket, who, window)
                self._local_windows = {key: v for key, v in self._local_windows.items() if key[2] >= window}
                count = self._local_windows[k] = self._local_windows.get(k, 0) + 1
        return RateDecision(count <= limit, limit, max(0, limit - count), retry_after)
