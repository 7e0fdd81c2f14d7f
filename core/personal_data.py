"""What each app holds of a rider: a registry every app fills (issue 20, docs/privacy.md).

A rider's own copy (mydata's export) and account closure must reach every table that holds
something of a rider, yet mydata must not import the apps above it, and core imports none.
Each app registers, in its AppConfig.ready(), a `Holder` — the shape of riders/obligations.py —
and mydata asks them all. Filled in by issue 20's work (mydata/).
"""
