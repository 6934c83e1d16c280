"""ID numbers (GB 11643), 统一社会信用代码 (GB 32100), mobiles and postcodes."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from client.domain.identity import id_check_char
from client.domain.validators import (
    USCC_ALPHABET,
    check_mobile,
    check_postcode,
    check_resident_id,
    check_uscc,
    uscc_check_char,
)

TODAY = dt.date(2026, 11, 22)
addresses = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
births = st.dates(dt.date(1900, 1, 1), TODAY)
sequences = st.integers(0, 999)


def make_id(address: str, birth: dt.date, seq: int) -> str:
    first17 = f"{address}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


@given(addresses, births, sequences)
def test_any_well_formed_id_is_accepted_with_its_birth_date_and_sex(address, birth, seq):
    check = check_resident_id(make_id(address, birth, seq), TODAY)
    assert check.ok, check.message
    from client.domain.identity import check_id_number

    full = check_id_number(make_id(address, birth, seq), TODAY)
    assert full.birth_date == birth and full.sex == ("男" if seq % 2 else "女")


@given(addresses, births, sequences, st.sampled_from("0123456789X"))
def test_a_wrong_check_character_is_always_caught(address, birth, seq, other):
    number = make_id(address, birth, seq)
    if other != number[-1]:
        check = check_resident_id(number[:-1] + other, TODAY)
        assert not check.ok and "校验位" in check.message


def test_id_examples_from_the_standard():
    for number in ("11010519491231002X", "440524188001010014", "34052419800101001X"):
        assert check_resident_id(number, TODAY).ok
    assert "出生日期不存在" in check_resident_id("11010519490230002X", TODAY).message


uscc_bodies = st.tuples(
    st.sampled_from("123456789ANY"),
    st.sampled_from(USCC_ALPHABET),
    st.from_regex(r"[0-9]{6}", fullmatch=True),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
).map("".join)


@given(uscc_bodies)
def test_uscc_with_its_check_character_is_valid(body):
    assert check_uscc(body + uscc_check_char(body)).ok


@given(uscc_bodies, st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_uscc_single_substitution_is_always_detected(body, pos, char):
    code = body + uscc_check_char(body)
    changed = code[:pos] + char + code[pos + 1 :]
    if changed != code and changed[0] in "123456789ANY" and changed[2:8].isdigit():
        assert not check_uscc(changed).ok


def test_uscc_remainder_zero_maps_to_check_character_0():
    # Σ mod 31 == 0 for this body: the check character is '0', not index 31 (out of range).
    body = "913707027QEY9X0DT"
    assert uscc_check_char(body) == "0"
    assert check_uscc(body + "0").ok


def test_uscc_known_sample_and_letter_registration_codes():
    assert check_uscc("91350100M000100Y43").ok
    village = "N2370702MA" + "3C4D5E6"
    assert check_uscc(village + uscc_check_char(village)).message.endswith(
        "（登记管理部门：农业农村（农村集体经济组织））"
    )
    other = "Y1370702MA3C4D5E6"
    assert check_uscc(other + uscc_check_char(other)).ok


def test_uscc_failures_say_what_is_wrong():
    assert "18位" in check_uscc("91350100M000100Y4").message
    assert "I、O、Z、S、V" in check_uscc("91350100M000100YO3").message
    assert "登记管理部门" in check_uscc("Z1350100M000100Y43".replace("Z", "B")).message
    assert "校验位错误" in check_uscc("91350100M000100Y44").message
    assert check_uscc("9135 0100-M000 100Y43").ok


@given(st.sampled_from("3456789"), st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_mobile_numbers(second, rest):
    number = "1" + second + rest
    assert check_mobile(number).ok and check_mobile("+86 " + number).value == number


def test_mobile_failures_are_explained():
    assert "11位" in check_mobile("1380013800").message
    assert "13至19" in check_mobile("12800138000").message
    assert "数字" in check_mobile("138a0138000").message


@given(st.from_regex(r"[0-8][0-9]{5}", fullmatch=True))
def test_postcodes(code):
    assert check_postcode(code).ok


def test_postcode_failures_are_explained():
    assert "6位数字" in check_postcode("26100").message
    assert "首位" in check_postcode("961000").message


def test_full_width_input_is_folded_and_foreign_digits_are_refused():
    assert check_mobile("１３８００１３８０００").value == "13800138000"
    assert check_resident_id("１１０１０５１９４９１２３１００２Ｘ", TODAY).ok
    assert not check_resident_id("\u0661" * 17 + "X", TODAY).ok
    assert not check_postcode("\u0662\u0666\u0661\u0660\u0660\u0660").ok
