"""The case timeline speaks Chinese for every event, including back-office states it has no own label for."""

from client.domain.states import LABELS, CaseState
from client.services.cases import EVENT_LABELS, event_label


def test_every_back_office_state_reads_as_words_never_as_an_event_name():
    for state in CaseState:
        label = event_label(f"server.{state.value}")
        assert "server" not in label and state.value not in label
        assert label == EVENT_LABELS.get(f"server.{state.value}", f"后台：{LABELS[state]}")
    assert event_label("server.pending_supplement") == "后台：待补正"


def test_an_unknown_event_is_named_as_such():
    assert event_label("case.accepted") == "窗口受理"
    assert event_label("telemetry.something_new") == "其他记录"
