"""The hall's ticket kiosk (取号机): `onewindow kiosk`, a full-screen touch window.

`service` takes tickets from the back office's queue and prints them; `slip` lays the ticket
out for the thermal printer; `window` is the touch screen. See docs/kiosk.md.
"""
