"""Counter hardware: pure protocols (escpos, idcard) over transports (USB, virtual).

Entry points for the rest of the program: `devices.config.open_printer/open_reader`,
`devices.owner.DeviceOwner/CardWatcher`, errors in `devices.errors`, and
`devices.virtual.start_virtual_hardware()` for tests, demo mode and training.
"""
