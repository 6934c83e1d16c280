"""The intake screen taking in a 一件事 as one application.

While a bundle is chosen the screen keeps its one applicant column and shows the bundle's
merged checklist (a shared paper once, marked with how many matters use it), the
situation questions of every member asked once, and the bundle's one verdict. F9 records
one linked case per member and the result screen lists them under the bundle number.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from client.domain.catalog import Bundle
from client.services.bundle_intake import BundleDraft, BundlePreview
from client.services.errors import ServiceError

from .checklist import FAULTY, FETCH, LACKING, PLEDGE, RECEIVED

if TYPE_CHECKING:
    from .intake import IntakeView

UNIT = {"WD": "个工作日", "ND": "个自然日"}


class BundleMode:
    """The bundle part of an IntakeView: inactive until a 一件事 is chosen."""

    def __init__(self, view: IntakeView):
        self.view = view
        self.bundle: Bundle | None = None
        self.answers: dict[str, str] = {}  # BundleQuestion.key -> option code
        self.question_keys: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.bundle is not None

    @property
    def code(self) -> str:
        return self.bundle.code if self.bundle is not None else ""

    def start(self, bundle: Bundle, answers: dict[str, str] | None = None) -> None:
        """Take `bundle` in as one application: its merged checklist replaces any matter's."""
        view = self.view
        if view.services.bundles is None:
            view._show_error_text("本机未启用一件事受理")
            return
        if view.proxy:
            view._show_error_text("一件事不能帮办代办转报，请关闭帮办代办（F6）后受理")
            return
        if self.bundle is not None and self.bundle.code == bundle.code and answers is None:
            view.refresh_verdict()  # chosen again: what was recorded stays
            return
        carried = self._carried() if self.bundle is None else {}
        self.bundle, self.answers = bundle, dict(answers or {})
        catalog = view.services.intake.catalog()  # every member's reasons, each offered once
        view.verdict.offer_reasons(
            {k: v for code in bundle.matters for k, v in catalog.framing(catalog.get(code)).reasons.items()}
        )
        view.matter, view.answers, view.panel_answers = None, {}, {}
        view.answer_buttons = {}
        view.checklist.fill((), True)  # rows are never matched by position or by another matter's codes
        preview = self._checklist()
        if preview is None:
            return
        members = "、".join(m.matter_name for m in preview.members)
        limit = f" · 承诺时限 {bundle.promised_limit}{UNIT[bundle.promised_unit]}" if bundle.promised_limit else ""
        view.matter_info.configure(
            text=f"已选一件事：{bundle.name}（{len(preview.members)}个事项并联办理{limit}）\n"
            f"含：{members}\n相同材料只收一次、扫描一次"
        )
        self._questions(preview)
        self._fill(preview)
        self._carry(carried)
        view.refresh_verdict()

    def _carried(self) -> dict[str, tuple[str, str, list]]:
        """What the clerk recorded for a single member matter chosen first, by material identity."""
        checklist = self.view.checklist
        return {
            spec.share_key: (checklist.states[code].get(), checklist.reasons[code].get(), list(checklist.pages[code]))
            for code, spec in checklist.specs.items()
            if checklist.states[code].get() != LACKING or checklist.pages[code]
        }

    def _carry(self, carried: dict[str, tuple[str, str, list]]) -> None:
        """The same paper on the bundle's merged list keeps its state, reason and scanned pages."""
        checklist = self.view.checklist
        for key, (label, reason, pages) in carried.items():
            if key not in checklist.states:
                continue
            if pages:
                checklist.add_pages(key, pages)
            spec = checklist.specs[key]
            allowed = (
                {RECEIVED, FAULTY} | ({PLEDGE} if spec.pledgeable else set()) | ({FETCH} if spec.elicense else set())
            )
            if label in allowed:
                checklist.set_state(key, label)
                if reason:
                    checklist.reasons[key].insert(0, reason)

    def restore(self, code: str, answers: dict[str, str]) -> None:
        """A draft of a bundle intake comes back: the bundle, its answers, then its rows (by the caller)."""
        bundles = self.view.services.bundles
        try:
            bundle = bundles.bundle(code) if bundles is not None else None
        except ServiceError:
            bundle = None
        if bundle is None:
            self.view._show_error_text("草稿中的一件事已不在事项目录中，请重新选择")
            return
        self.start(bundle, answers)

    def stop(self) -> None:
        """A single matter was chosen instead: the bundle's questions and checklist go."""
        if self.bundle is None:
            return
        self.bundle, self.answers, self.question_keys = None, {}, ()
        for child in self.view.situation_box.winfo_children():
            child.destroy()
        self.view.checklist.fill((), True)

    def _checklist(self) -> BundlePreview | None:
        bundles = self.view.services.bundles
        if bundles is None or self.bundle is None:
            return None
        try:
            # Pure catalog rules on data in memory: fast enough for the Tk thread, and restore needs it at once.
            return bundles.checklist(self.bundle.code, self.view.acting_applicant(), self.answers)
        except (ServiceError, ValueError) as exc:
            self.view._show_error_text(getattr(exc, "message", str(exc)))
            return None

    def _questions(self, preview: BundlePreview) -> None:
        view = self.view
        for child in view.situation_box.winfo_children():
            child.destroy()
        self.question_keys = tuple(q.key for q in preview.questions)
        for q in preview.questions:
            sit = q.situation
            asked = "、".join(
                m.matter_name for m in preview.members if any(code == m.matter_code for code, _s in q.asked_by)
            )
            # Answered by number keys like a single matter's questions (Up/Down between them).
            prompt = f"{sit.question}（{asked}；按1–{len(sit.options)}）"
            view.add_question(q.key, prompt, sit, sit.option(self.answers.get(q.key)).label, self.answer)

    def _fill(self, preview: BundlePreview) -> None:
        """The merged rows; a shared paper says how many matters it serves."""
        shown = tuple(
            replace(item.spec, name=f"{item.spec.name}（{len(item.matter_codes)}个事项共用）")
            if item.shared
            else item.spec
            for item in preview.items
        )
        if tuple(self.view.checklist.specs.values()) != shown:
            self.view.checklist.fill(shown, True)

    def answer(self, key: str, option: str) -> None:
        self.answers[key] = option
        self.refill()

    def refill(self) -> None:
        """Who acts or a situation answer changed: the merged checklist again, states kept by row."""
        preview = self._checklist()
        if preview is not None:
            self._fill(preview)

    def draft(self) -> BundleDraft:
        view = self.view
        return BundleDraft(
            view.acting_applicant(),
            self.code,
            view.checklist.inputs(),
            view.phone.get().strip(),
            answers=dict(self.answers),
            **view.verdict.choice(),
            ticket_no=view.app.ticket_no,
        )

    def refresh_verdict(self) -> None:
        view = self.view
        bundles = view.services.bundles
        if bundles is None:
            return
        view.ask_verdict(bundles.preview, self.draft)

    def accept(self) -> None:
        """F9 on a bundle: one verdict recorded as one linked case per member, then its paper."""
        view = self.view
        bundles = view.services.bundles
        if bundles is None:
            return
        draft = view.checked(self.draft)
        if draft is not None:  # the draft goes with the bundle's transaction
            view.submit(bundles.submit, draft)

    def preview_notice(self) -> None:
        view = self.view
        bundles = view.services.bundles
        if bundles is None:
            return
        draft = view.checked(self.draft)
        if draft is not None:
            view.show_notice(bundles.preview_notice, draft)
