"""pyusb itself runs over the virtual backend: enumeration, descriptors, plugging."""

from __future__ import annotations

import tempfile

import usb.core
import usb.util

from devices.escpos_decode import decode
from devices.virtual import VirtualUsbBackend, VirtualUsbDevice


def test_find_lists_both_devices(virtual_hardware):
    found = {(d.idVendor, d.idProduct) for d in usb.core.find(find_all=True, backend=virtual_hardware.backend)}
    assert found == {(0x0416, 0x5011), (0x0400, 0xC35A)}


def test_string_descriptors_via_get_descriptor(virtual_hardware):
    dev = usb.core.find(idVendor=0x0416, idProduct=0x5011, backend=virtual_hardware.backend)
    assert usb.util.get_string(dev, dev.iProduct) == "Virtual POS-80 Printer"
    assert dev.manufacturer == "OneWindow Virtual"
    reader = usb.core.find(idVendor=0x0400, backend=virtual_hardware.backend)
    assert reader.product == "Virtual IDR210 ID Card Reader"


def test_endpoints_are_described(virtual_hardware):
    dev = usb.core.find(idVendor=0x0416, backend=virtual_hardware.backend)
    dev.set_configuration()
    intf = dev.get_active_configuration()[(0, 0)]
    assert intf.bInterfaceClass == 7
    assert sorted(ep.bEndpointAddress for ep in intf) == [0x01, 0x82]
    assert all(usb.util.endpoint_type(ep.bmAttributes) == usb.util.ENDPOINT_TYPE_BULK for ep in intf)


class Echo(VirtualUsbDevice):
    def on_write(self, ep, data):
        self.respond(data[::-1])


def test_custom_device_hooks_and_unplug():
    backend = VirtualUsbBackend()
    echo = backend.attach(Echo(0x1234, 0x0001, product="回声", out_ep=0x02, in_ep=0x83))
    dev = usb.core.find(idVendor=0x1234, backend=backend)
    assert dev.product == "回声"
    assert dev.write(0x02, b"abc") == 3
    assert bytes(dev.read(0x83, 64, 100)) == b"cba"
    backend.detach(echo)
    assert usb.core.find(idVendor=0x1234, backend=backend) is None
    try:
        dev.write(0x02, b"x")
    except usb.core.USBError as exc:
        assert exc.errno == 19
    else:
        raise AssertionError("write to an unplugged device succeeded")
    backend.attach(echo)
    again = usb.core.find(idVendor=0x1234, backend=backend)
    assert again.address != dev.address


def test_empty_read_times_out_like_libusb():
    backend = VirtualUsbBackend()
    backend.attach(Echo(0x1234, 0x0002))
    dev = usb.core.find(idVendor=0x1234, backend=backend)
    try:
        dev.read(0x81, 64, 10)
    except usb.core.USBTimeoutError as exc:
        assert exc.errno == 110
    else:
        raise AssertionError("read without data did not time out")


def test_python_escpos_prints_onto_the_virtual_printer(virtual_hardware, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # escpos makes a folder on import
    from escpos.printer import Usb

    p = Usb(0x0416, 0x5011, usb_args={"backend": virtual_hardware.backend}, in_ep=0x82, out_ep=0x01)
    p.text("Hello counter\n")
    p._raw(b"\x1c&" + "受理：（一）".encode("gb18030") + b"\x1c.\n")
    p.qr("https://example.gov.cn/q?no=1", native=True, size=4)
    p.cut()
    p.close()
    decoded = decode(virtual_hardware.printer.jobs[-1])
    assert [line.text for line in decoded.lines] == ["Hello counter", "受理：（一）"]
    assert decoded.qr_codes == ("https://example.gov.cn/q?no=1",)
    assert decoded.cuts == 1
