"""The keyword arguments shared by ``@retry``, ``Retry`` and ``AsyncRetry``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypedDict

from retry.clock import Clock
from retry.engine import Runtime
from retry.policy import ExceptionFilter, Hook, Policy, ResultFilter, Stop, Wait

_POLICY_FIELDS = frozenset(Policy.__dataclass_fields__)
_RUNTIME_FIELDS = frozenset({"sleep", "clock", "raise_on_give_up"})


class RetryOptions(TypedDict, total=False):
    """Keyword arguments of every retry form; policy fields override those of ``policy``."""

    policy: Policy
    max_tries: int | None
    deadline: float | None
    wait: Wait | float
    retry_on: ExceptionFilter
    retry_on_result: ResultFilter | None
    before_sleep: Hook | Sequence[Hook]
    on_give_up: Hook | Sequence[Hook]
    stop: Stop | None
    sleep: Callable[[float], object]
    clock: Clock
    raise_on_give_up: bool


def resolve(
    policy_or_tries: Policy | int | None, options: dict[str, Any]
) -> tuple[Policy, Runtime]:
    """Split the shared arguments into a ``Policy`` and a ``Runtime``.

    The positional argument is either a policy or a number of tries: ``Retry(5)`` is
    ``Retry(max_tries=5)`` and ``Retry(http_policy)`` is ``Retry(policy=http_policy)``.
    """
    options = dict(options)
    unknown = set(options) - _POLICY_FIELDS - _RUNTIME_FIELDS - {"policy"}
    if unknown:
        raise TypeError(f"unknown retry option(s): {', '.join(sorted(unknown))}")

    policy = options.pop("policy", None)
    if isinstance(policy_or_tries, Policy):
        if policy is not None:
            raise TypeError("policy given both positionally and as policy=")
        policy = policy_or_tries
    elif isinstance(policy_or_tries, int) and not isinstance(policy_or_tries, bool):
        if "max_tries" in options:
            raise TypeError("max_tries given both positionally and as max_tries=")
        options["max_tries"] = policy_or_tries
    elif policy_or_tries is not None:
        raise TypeError(f"expected a Policy or a number of tries, not {policy_or_tries!r}")
    if policy is None:
        policy = Policy()
    elif not isinstance(policy, Policy):
        raise TypeError(f"policy must be a Policy, not {policy!r}")

    runtime = Runtime(**{k: options.pop(k) for k in _RUNTIME_FIELDS if k in options})
    if options:
        policy = policy.replace(**options)
    return policy, runtime
