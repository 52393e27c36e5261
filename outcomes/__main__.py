from outcomes.cli import entrypoint

entrypoint()
