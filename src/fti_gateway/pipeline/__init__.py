"""The request pipeline: runs every stage in order and writes a run folder."""
