"""Recipients: who a message is for — identity (keyed hashes), time zones, consent."""
