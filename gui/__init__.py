"""Desktop GUI for live capture and review at a visit (extra ``gui``)."""
