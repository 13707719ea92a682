"""Domain logic on top of the protocol layer and the store. Never imports textual."""
