"""The memo of rendered bodies (meet.api.output.RenderMemo) answers only for the very object it
rendered, and for the same context."""

from __future__ import annotations

import dataclasses

from meet.api import output


@dataclasses.dataclass(frozen=True)
class _Thing:
    name: str


class _ThingSerializer(output.OutputSerializer):
    name = output.Text()
    where = output.Text(source="*")

    def to_representation(self, instance: _Thing) -> dict[str, str]:
        body = super().to_representation(instance)
        body["where"] = f"{self.context['base_url']}/{instance.name}"
        return body


def test_the_same_object_and_context_get_the_body_rendered_once() -> None:
    memo = output.RenderMemo()
    thing = _Thing("a")
    first = memo.render(_ThingSerializer, thing, base_url="http://x")
    assert first == {"name": "a", "where": "http://x/a"}
    assert memo.render(_ThingSerializer, thing, base_url="http://x") is first


def test_another_context_or_an_equal_but_new_object_is_rendered_again() -> None:
    memo = output.RenderMemo()
    thing = _Thing("a")
    first = memo.render(_ThingSerializer, thing, base_url="http://x")
    assert memo.render(_ThingSerializer, thing, base_url="http://y") == {
        "name": "a",
        "where": "http://y/a",
    }
    # A changed document is a new object (the local cache's copies are frozen): new render.
    changed = _Thing("b")
    assert memo.render(_ThingSerializer, changed, base_url="http://x") == {
        "name": "b",
        "where": "http://x/b",
    }
    assert memo.render(_ThingSerializer, _Thing("a"), base_url="http://x") is not first


def test_the_memo_never_holds_more_than_its_size() -> None:
    memo = output.RenderMemo(size=3)
    things = [_Thing(str(index)) for index in range(10)]
    for thing in things:
        memo.render(_ThingSerializer, thing, base_url="http://x")
        assert len(memo._entries) <= 3
    assert memo.render(_ThingSerializer, things[-1], base_url="http://x") == {
        "name": "9",
        "where": "http://x/9",
    }


@dataclasses.dataclass(frozen=True)
class _Dated:
    name: str
    when: float


class _DatedSerializer(output.OutputSerializer):
    name = output.Text()
    when = output.Number()


def test_a_remembered_body_has_its_numbers_as_javascript_writes_them_and_is_not_walked_again() -> (
    None
):
    from meet import javascript
    from meet.api.renderers import MeetJSONRenderer

    memo = output.RenderMemo()
    body = memo.render(_DatedSerializer, _Dated("a", 1.7e12))
    assert type(body["when"]) is int and body["when"] == 1_700_000_000_000
    assert javascript.numbers(body) is body  # settled: the renderer does not copy it again
    assert MeetJSONRenderer().render({"rooms": [body]}) == (
        b'{"rooms":[{"name":"a","when":1700000000000}]}'
    )
    assert MeetJSONRenderer().render(memo.render(_DatedSerializer, _Dated("b", 2.5))) == (
        b'{"name":"b","when":2.5}'
    )
