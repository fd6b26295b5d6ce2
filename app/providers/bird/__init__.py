"""Bird's Numbers API: stock items, buying them into a workspace, its long code numbers."""
