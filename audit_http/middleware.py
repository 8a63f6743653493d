"""``AuditMiddleware``: records the state changes of the pre-existing routes (``rules.py``).

``process_view`` finds the rule of the resolved view (a dict lookup; nothing else happens for
the routes without one) and, for rules that need it, keeps the request's JSON body before the
view parses it. After the response, a rule whose request succeeded (or a login that failed)
becomes one ``record_event``, which never raises.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from accounts.authentication import actor_of, anonymous, participant_token, run_chain
from audit.domain import Actor, ActorKind
from audit.services import record_event
from audit_http.rules import (
    Context,
    Rule,
    api_rule,
    console_login_refused,
    console_rule,
    login_refused,
)
from meet.http import client_ip

logger = logging.getLogger(__name__)

_RULE = "_meet_audit_rule"


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        found = getattr(request, _RULE, None)
        if found is not None:
            rule, kwargs, body, before = found
            self._record(rule, Context(request, kwargs, response, body, before))
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        method = (request.method or "").upper()
        rule = api_rule(getattr(view_func, "view_class", None), method)
        if rule is None:
            match = request.resolver_match
            rule = console_rule(match.view_name if match else None, method)
        if rule is None:
            return
        body = _json_body(request) if rule.reads_body else None
        before = None
        if rule.before is not None:
            try:
                before = rule.before(request)
            except Exception as error:
                logger.warning("Audit rule %s could not read its context: %s", rule.action, error)
        setattr(request, _RULE, (rule, dict(view_kwargs), body, before))

    def _record(self, rule: Rule, context: Context) -> None:
        try:
            if rule.succeeded(context):
                action, outcome = rule.action, "success"
            elif rule.failure_action is not None and _refused(rule, context):
                action, outcome = rule.failure_action, "failure"
            else:
                return
            target = str(rule.target(context) or "") if rule.target else ""
            details = dict(rule.details(context) or {}) if rule.details else {}
            actor = _actor(rule, context, target, outcome)
        except Exception as error:  # a rule that cannot read its response records nothing
            logger.warning("Audit rule %s failed: %s", rule.action, error)
            return
        record_event(
            action,
            actor=actor,
            target_type=rule.target_type,
            target_id=target,
            details=details,
            outcome=outcome,
        )


def _refused(rule: Rule, context: Context) -> bool:
    match = context.request.resolver_match
    if match is not None and match.view_name == "console:login":
        return console_login_refused(context)
    return login_refused(context)


def _actor(rule: Rule, context: Context, target: str, outcome: str) -> Actor:
    request = context.request
    ip = client_ip(request)
    if rule.actor == "login":
        kind = ActorKind.USER if outcome == "success" else ActorKind.ANONYMOUS
        return Actor(kind=kind, name=target, ip=ip)
    if rule.actor == "console":
        user = getattr(request, "console_user", None)
        if user is None:
            return Actor(kind=ActorKind.ANONYMOUS, ip=ip)
        return Actor(kind=ActorKind.USER, name=user.username, role=",".join(user.roles), ip=ip)
    if rule.actor == "console_logout":
        name = str(context.before or "")
        return Actor(kind=ActorKind.USER if name else ActorKind.ANONYMOUS, name=name, ip=ip)
    if rule.actor == "logout":
        return _logout_actor(request, ip)
    if rule.actor == "participant":
        return _participant_actor(request, ip)
    return actor_of(request)


def _participant_actor(request: HttpRequest, ip: str) -> Actor:
    """Routes that authenticate in their handler (recording start/stop, after their 404/403
    checks) leave no principal on the request: the participant token it carries says who."""
    actor = actor_of(request)
    if actor.kind is not ActorKind.ANONYMOUS:
        return actor
    try:
        principal = run_chain(request, (participant_token,))
    except Exception:
        return actor
    metadata = principal.metadata if isinstance(principal.metadata, dict) else {}
    role = principal.selected_role or str(metadata.get("role") or "")
    return Actor(kind=ActorKind.PARTICIPANT, name=principal.username, role=role, ip=ip)


def _logout_actor(request: HttpRequest, ip: str) -> Actor:
    """The API's logout needs no credentials; the access token it carries, if valid, says who."""
    try:
        principal = anonymous(request)
    except Exception:
        principal = None
    username = getattr(principal, "username", "") if principal is not None else ""
    if getattr(principal, "kind", "") == "user" and username:
        return Actor(kind=ActorKind.USER, name=username, ip=ip)
    return Actor(kind=ActorKind.ANONYMOUS, ip=ip)


def _json_body(request: HttpRequest) -> Any:
    """The request's JSON body (read once here; Django keeps it for the view)."""
    if "json" not in (request.content_type or ""):
        return None
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    except Exception as error:  # e.g. a body over the upload limit: the view answers that
        logger.debug("Audit could not read the request body: %s", error)
        return None
