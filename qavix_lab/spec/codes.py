"""Service result codes of the reference (the exception classes live in qavix_lab.errors)."""

from __future__ import annotations

SUCCESS = 0
NOT_LOGGED_IN = 4001
FEATURE_DISABLED = 4002
LIMIT_REACHED = 4003
NOT_FOUND = 4004
PARAMETER_REQUIRED = 4005
RATE_LIMITED = 429
SYSTEM_ERROR = 5000
OPERATION_FAILED = 5001

MESSAGES: dict[int, str] = {
    SUCCESS: "success",
    NOT_LOGGED_IN: "User not logged in",
    FEATURE_DISABLED: "Feature disabled",
    LIMIT_REACHED: "Limit reached",
    NOT_FOUND: "Resource not found or no permission",
    PARAMETER_REQUIRED: "Parameter required",
    RATE_LIMITED: "Rate limit exceeded",
    SYSTEM_ERROR: "System error",
    OPERATION_FAILED: "Operation failed",
}

# URL safety (SSRF) codes answered with HTTP 400; names and reasons in qavix_lab.errors.URL_REASONS
URL_CODES = tuple(range(10020, 10029))
