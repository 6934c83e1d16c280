"""OneWindow (一窗通) desktop client."""
