"""A returning applicant is recognised by ID number: nothing typed twice."""

from __future__ import annotations

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.ui.intake import IntakeView


def test_known_id_number_fills_name_and_phone(counter_window, enrolled_runtime):
    services = enrolled_runtime.services
    clerk = services.auth.login(counter_window.hall.clerk, "123456")
    matter = services.intake.search("养老")[0]
    services.intake.accept(
        IntakeDraft(
            Applicant("李建国", "身份证", "34052419800101001X", phone="13912345678"),
            matter.code,
            tuple(MaterialInput(s.code, True) for s in matter.materials),
        ),
        clerk,
    )
    known = services.intake.returning_applicant("34052419800101001X")
    assert (known.name, known.phone, known.cases) == ("李建国", "13912345678", 1)
    assert services.intake.returning_applicant("11010519491231002X") is None

    w = counter_window
    win = w.window
    w.login()
    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.type(intake.id_number, "34052419800101001x")
    w.pump(lambda: intake.name.get() == "李建国", what="name filled from the earlier case")
    assert intake.phone.get() == "13912345678"
    assert "老办事人" in intake.returning_info.cget("text") and "共1件" in intake.returning_info.cget("text")
