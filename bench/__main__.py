"""``make bench``: placeholder until the first benchmark lands in bench/."""

print("no benchmarks yet")
