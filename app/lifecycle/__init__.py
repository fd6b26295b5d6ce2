"""Numbers after they are bought: owners, workspaces, the release hold, and the mock clock."""
