"""Policy: the one authorization path of every API (oslo.policy), rules with their
defaults in code, one module per API (base, admin, compute, network). Sample:

    oslopolicy-sample-generator --namespace tricircle
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from oslo_config import cfg
from oslo_policy import policy

from tricircle.core import errors
from tricircle.core.conf import CONF
from tricircle.core.context import RequestContext
from tricircle.core.policies import admin, base, compute, network


def list_rules() -> list[policy.RuleDefault]:
    return [*base.rules, *admin.rules, *compute.rules, *network.rules]


class Enforcer(policy.Enforcer):
    """oslo.policy's, looking for a changed (or new) policy file at most once a second
    instead of on every check: each look searches every config directory for the file,
    which was 6% of a proxied show's CPU (bench/throughput.py). And its decisions
    remembered: a decision depends only on the rule, the target and the caller's policy
    values, and evaluating one (oslo.policy inspects each check's signature) was 4% of a
    proxied show's CPU. Forgotten whenever any rule changes (a changed file, a test
    putting a rule in place)."""

    RECHECK_SECONDS = 1.0
    DECISIONS_MAX = 4096

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._decisions: dict[tuple, bool] = {}
        super().__init__(*args, **kwargs)
        self._looked = float("-inf")

    # oslo.policy assigns and updates its rules in several places: every way through
    # this property, every change in place through _Rules.
    @property
    def rules(self) -> policy.Rules:
        return self._rules

    @rules.setter
    def rules(self, rules: policy.Rules) -> None:
        self._rules = _Rules(rules, getattr(rules, "default_rule", None), self._forget)
        self._forget()

    def _forget(self) -> None:
        self._decisions = {}

    def load_rules(self, force_reload: bool = False) -> None:
        now = time.monotonic()
        if not force_reload and self.rules and now - self._looked < self.RECHECK_SECONDS:
            return
        self._looked = now
        super().load_rules(force_reload)

    def allows(self, rule: str, target: dict, ctx: RequestContext) -> bool:
        """authorize(), remembered."""
        self.load_rules()  # first: new rules forget the old decisions
        key = _decision_key(rule, target, ctx)
        found = self._decisions.get(key) if key is not None else None
        if found is not None:
            return found
        try:
            self.authorize(rule, target, ctx, do_raise=True)
            allowed = True
        except (policy.PolicyNotAuthorized, policy.InvalidScope):
            allowed = False  # a token of another scope: as not allowed (a pod's 403)
        if key is not None:
            if len(self._decisions) >= self.DECISIONS_MAX:
                self._decisions = {}
            self._decisions[key] = allowed
        return allowed


class _Rules(policy.Rules):
    """oslo.policy's rules, telling the enforcer when one is changed in place."""

    def __init__(self, rules: dict, default_rule: str | None,
                 changed: Callable[[], None]) -> None:
        super().__init__(rules, default_rule)
        self.changed = changed

    def __setitem__(self, name: str, check: Any) -> None:
        super().__setitem__(name, check)
        self.changed()

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name)
        self.changed()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self.changed()


_PLAIN = (str, int, float, bool, type(None))


def _frozen(values: Any) -> tuple | None:
    """A mapping of plain values (lists as tuples) as a hashable key, in its own order
    (the same mapping in another order is only another key); None if it holds anything
    else (a nested body: not remembered)."""
    items = []
    for name, value in dict(values).items():  # a plain dict's items: 3x faster here
        if isinstance(value, list):
            if not all(isinstance(item, str) for item in value):
                return None
            items.append((name, tuple(value)))
        elif isinstance(value, _PLAIN):
            items.append((name, value))
        else:
            return None
    return tuple(items)


def _decision_key(rule: str, target: dict, ctx: RequestContext) -> tuple | None:
    frozen_target, creds = _frozen(target), _frozen(ctx.to_policy_values())
    if frozen_target is None or creds is None:
        return None
    return rule, frozen_target, creds


_enforcer: policy.Enforcer | None = None
_lock = threading.Lock()


def get_enforcer(conf: cfg.ConfigOpts = CONF) -> policy.Enforcer:
    global _enforcer  # noqa: PLW0603 - one enforcer per process, as oslo.policy intends
    with _lock:
        if _enforcer is None:
            _enforcer = Enforcer(conf)
            _enforcer.register_defaults(list_rules())
        return _enforcer


def authorize(ctx: RequestContext, rule: str, target: dict | None = None) -> None:
    """Raise Forbidden unless `rule` allows `ctx` on `target` (default: its own project)."""
    if not allowed(ctx, rule, target):
        raise errors.Forbidden(f"Policy does not allow {rule} to be performed.")


def allowed(ctx: RequestContext, rule: str, target: dict | None = None) -> bool:
    target = target if target is not None else {"project_id": ctx.project_id}
    return get_enforcer().allows(rule, target, ctx)


def has_rule(rule: str) -> bool:
    """Is `rule` one of ours (an attribute rule an action may have)?"""
    return rule in _NAMES


_NAMES = frozenset(r.name for r in list_rules())
