"""Policy decisions are remembered (evaluating one was 4% of a proxied show's CPU) and
forgotten as soon as any rule changes, however it changes."""
from __future__ import annotations

import pytest
from oslo_config import cfg
from oslo_policy import _parser, policy

from tricircle.core import policies
from tricircle.core.context import RequestContext


@pytest.fixture
def enforcer() -> policies.Enforcer:
    own = cfg.ConfigOpts()  # not the process's: no option of another test comes along
    own([], project="tricircle", default_config_files=[])
    found = policies.Enforcer(own)
    found.register_defaults(policies.list_rules())
    found.load_rules()
    return found


def member(project: str = "p1") -> RequestContext:
    return RequestContext(user_id="u1", project_id=project, roles=["member", "reader"])


def test_a_decision_is_evaluated_once(enforcer: policies.Enforcer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    evaluated = []
    real = policy.Enforcer.authorize
    monkeypatch.setattr(policy.Enforcer, "authorize",
                        lambda self, rule, *a, **k: evaluated.append(rule) or real(
                            self, rule, *a, **k))
    target = {"project_id": "p1"}
    admin = RequestContext(user_id="u1", project_id="p1", roles=["admin"])
    assert enforcer.allows("compute:availability_zone:list", target, member())
    assert enforcer.allows("compute:availability_zone:list", target, member())
    assert not enforcer.allows("context_is_admin", target, member())
    assert not enforcer.allows("context_is_admin", target, member())
    assert evaluated == ["compute:availability_zone:list", "context_is_admin"]
    # Another caller: evaluated, and decided on its own.
    assert enforcer.allows("context_is_admin", target, admin)
    assert enforcer.allows("context_is_admin", target, admin)
    assert not enforcer.allows("compute:aggregates:show", {"project_id": "p2"}, member())
    assert len(evaluated) == 4
    # A nested target is evaluated every time, never remembered.
    nested = {"project_id": "p1", "network": {"shared": True}}
    enforcer.allows("compute:aggregates:show", nested, admin)
    enforcer.allows("compute:aggregates:show", nested, admin)
    assert len(evaluated) == 6


def test_a_changed_rule_forgets_the_decisions(enforcer: policies.Enforcer) -> None:
    target = {"project_id": "p1"}
    assert not enforcer.allows("admin_api:status:show", target, member())
    # A rule the checked one refers to, changed in place (as a test or oslo.policy's
    # policy directories do) ...
    enforcer.rules["status_reader"] = _parser.parse_rule("role:reader")
    assert enforcer.allows("admin_api:status:show", target, member())
    del enforcer.rules["status_reader"]
    assert not enforcer.allows("admin_api:status:show", target, member())
    # ... or all of them set again (a changed policy file).
    enforcer.set_rules({**enforcer.rules, "status_reader": _parser.parse_rule("@")})
    assert enforcer.allows("admin_api:status:show", target, member())
