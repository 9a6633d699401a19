"""One module per screen of the visit application."""
