"""Reviews read for what they really say: hidden complaints found, routed, answered once.

`reading` reads one review (pure); `service` records it, publishes `ReviewFlagged` for
each complaint and asks for one care message; `store` keeps the weekly tallies that
`report` prints; `csv_import` turns review exports into `ReviewPosted` events;
`evaluate` scores the reading on a rated review set.
"""
