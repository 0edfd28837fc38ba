"""Service result codes of the reference: one row each, from which ``qavix_lab.errors`` builds
its code-to-class map and hints, and the sandbox its messages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceCode:
    """A WebResult ``code``: the reference's ``message``, the ``error`` class raised for it (a
    name in ``qavix_lab.errors``) and a ``hint`` saying what to do."""

    code: int
    message: str
    error: str
    hint: str = ""


SUCCESS = 0
NOT_LOGGED_IN = 4001
FEATURE_DISABLED = 4002
LIMIT_REACHED = 4003
NOT_FOUND = 4004
PARAMETER_REQUIRED = 4005
RATE_LIMITED = 429
SYSTEM_ERROR = 5000
OPERATION_FAILED = 5001

SERVICE_CODES: tuple[ServiceCode, ...] = (
    ServiceCode(NOT_LOGGED_IN, "User not logged in", "NotLoggedIn",
                "check QAVIX_API_KEY (missing, wrong or revoked key)"),
    ServiceCode(FEATURE_DISABLED, "Feature disabled", "FeatureDisabled",
                "this feature is not enabled for your account"),
    ServiceCode(LIMIT_REACHED, "Limit reached", "LimitReached",
                "a quota or balance limit was reached"),
    ServiceCode(NOT_FOUND, "Resource not found or no permission", "NotFound",
                "no such resource, or it belongs to another API key"),
    ServiceCode(PARAMETER_REQUIRED, "Parameter required", "ParameterRequired",
                "a required request field is missing or invalid"),
    ServiceCode(RATE_LIMITED, "Rate limit exceeded", "RateLimited",
                "rate limited; slow down or raise max_retries"),
    ServiceCode(SYSTEM_ERROR, "System error", "SystemError_",
                "a transient server error; retried automatically for reads"),
    ServiceCode(OPERATION_FAILED, "Operation failed", "OperationFailed",
                "the service could not complete the operation"),
)


@dataclass(frozen=True)
class URLCode:
    """A URL safety (SSRF) code, answered with HTTP 400: its ``reason`` name and explanation."""

    code: int
    reason: str
    explanation: str


URL_RULES: tuple[URLCode, ...] = (
    URLCode(10020, "URL_INVALID", "the URL is not well formed"),
    URLCode(10021, "URL_SCHEME_NOT_ALLOWED", "only http and https URLs are allowed"),
    URLCode(10022, "URL_USERINFO_NOT_ALLOWED", "the URL must not contain user:pass@host"),
    URLCode(10023, "URL_HOST_INVALID", "the host name is missing or invalid"),
    URLCode(10024, "URL_HOST_BLOCKED", "localhost, .local and metadata hosts are blocked"),
    URLCode(10025, "URL_HOST_UNRESOLVED", "the host name does not resolve"),
    URLCode(10026, "URL_ADDRESS_BLOCKED", "the host resolves to a private or local address"),
    URLCode(10027, "URL_HOST_NOT_ALLOWED", "the host is not on the service's allow-list"),
    URLCode(10028, "URL_TOO_LONG", "the URL is too long"),
)

MESSAGES: dict[int, str] = {SUCCESS: "success", **{c.code: c.message for c in SERVICE_CODES}}
URL_CODES = tuple(rule.code for rule in URL_RULES)
