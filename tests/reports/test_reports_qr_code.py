"""QR codes printed on notices must scan: compare with an independent encoder."""

from __future__ import annotations

import qrcode

from reports.blocks import QrFlowable


def test_notice_qr_code_is_a_standard_qr_symbol():
    """The QR drawn on notices equals an independent encoder's symbol for the same data."""
    url = "https://zwfw.example.gov.cn/q?c=37070200000020261122A1B20007"
    ours = QrFlowable(url).modules
    symbols = []
    for mask in range(8):
        ref = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=mask)
        ref.add_data(url, optimize=0)
        ref.make(fit=True)
        symbols.append(ref.get_matrix())
    assert ours in symbols
