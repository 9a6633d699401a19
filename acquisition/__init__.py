"""BLE acquisition: device drivers, their simulated twins and the recorder (extra ``ble``)."""
