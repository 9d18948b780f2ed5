"""An officer's counter: call next, recall, pause, resume, open, close."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, jsonify

from core import services
from core.model import Counter
from queue_server.api import bp, spec
from queue_server.api.access import office_for, own_counter
from queue_server.api.acting import action_unit
from queue_server.api.models import CounterOut, Error, NoBody, PauseRequest, TicketOut
from queue_server.api.present import close_earlier_days, ticket_response
from queue_server.auth import Principal, Role
from queue_server.extension import swq

ERRORS = {
    400: (Error, "the body is not JSON"),
    401: (Error, "no or unknown token"),
    403: (Error, "not this officer's counter"),
    404: (Error, "no such counter"),
    409: (Error, "not possible in the counter's state"),
    422: (Error, "invalid body"),
}


def counter_out(counter: Counter) -> CounterOut:
    return CounterOut(
        code=counter.code,
        name_th=counter.name_th,
        name_en=counter.name_en,
        state=counter.state,
        pause_reason=counter.pause_reason,
        pause_code=counter.pause_code,
        pause_pending=counter.pause_pending,
    )


def _counter_document(counter: Counter) -> Response:
    return jsonify(counter_out(counter).model_dump(mode="json"))


@spec.route(
    bp,
    "POST",
    "/counters/<code>/next",
    summary="Call the next ticket to this counter (the office's routing policy chooses)",
    tag="counters",
    roles=[Role.OFFICER],
    body=NoBody,
    responses={200: (TicketOut, "the ticket now called"), 204: (None, "nobody waits"), **ERRORS},
)
def call_next(who: Principal, code: str, body: NoBody) -> Response:
    office = office_for(who)
    own_counter(who, code)
    close_earlier_days(office)
    ticket = services.call_next(action_unit(office), office=office, counter=code, now=swq().now())
    if ticket is None:
        return Response(status=204)
    return ticket_response(office, ticket)


@spec.route(
    bp,
    "POST",
    "/counters/<code>/recall",
    summary="Announce the counter's current ticket again",
    tag="counters",
    roles=[Role.OFFICER],
    body=NoBody,
    responses={200: (TicketOut, "the ticket called again"), **ERRORS},
)
def recall(who: Principal, code: str, body: NoBody) -> Response:
    office = office_for(who)
    own_counter(who, code)
    ticket = services.recall(action_unit(office), office=office, counter=code, now=swq().now())
    return ticket_response(office, ticket)


def _on_counter(
    who: Principal, code: str, change: Callable[..., Counter], **kwargs: object
) -> Response:
    office = office_for(who)
    own_counter(who, code)
    counter = change(action_unit(office), office=office, counter=code, now=swq().now(), **kwargs)
    return _counter_document(counter)


@spec.route(
    bp,
    "POST",
    "/counters/<code>/pause",
    summary="Pause the counter with a reason (from the office's list), now or after its ticket",
    tag="counters",
    roles=[Role.OFFICER],
    body=PauseRequest,
    responses={200: (CounterOut, "the counter"), **ERRORS},
)
def pause(who: Principal, code: str, body: PauseRequest) -> Response:
    return _on_counter(
        who,
        code,
        services.pause_counter,
        reason=body.reason,
        reason_code=body.reason_code,
        after_ticket=body.after_ticket,
    )


@spec.route(
    bp,
    "POST",
    "/counters/<code>/resume",
    summary="Resume a paused counter (or call off a pause waiting for the current ticket)",
    tag="counters",
    roles=[Role.OFFICER],
    body=NoBody,
    responses={200: (CounterOut, "the counter"), **ERRORS},
)
def resume(who: Principal, code: str, body: NoBody) -> Response:
    return _on_counter(who, code, services.resume_counter)


@spec.route(
    bp,
    "POST",
    "/counters/<code>/open",
    summary="Open a closed counter",
    tag="counters",
    roles=[Role.OFFICER],
    body=NoBody,
    responses={200: (CounterOut, "the counter"), **ERRORS},
)
def open_counter(who: Principal, code: str, body: NoBody) -> Response:
    return _on_counter(who, code, services.open_counter)


@spec.route(
    bp,
    "POST",
    "/counters/<code>/close",
    summary="Close the counter for the day (it must hold no ticket)",
    tag="counters",
    roles=[Role.OFFICER],
    body=NoBody,
    responses={200: (CounterOut, "the counter"), **ERRORS},
)
def close_counter(who: Principal, code: str, body: NoBody) -> Response:
    return _on_counter(who, code, services.close_counter)
