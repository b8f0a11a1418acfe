#!/bin/bash
# The calm sandbox of the sandbox-cpu scenario (docs/sandboxes.md, "CPU"): while the
# other sandbox spins 200 threads, this shell answers and its program's timer wakeups
# stay within 50 ms.
echo "shell answers: $((6 * 7))"
/capix/bin/cpu-latency 2000 100 10 50
