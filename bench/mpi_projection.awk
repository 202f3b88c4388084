# Projects layer-sharded MPI evaluation time on M machines from one measured single-process run (issue #13).
# Input: the per-layer table `fheq run` prints (layer, value, PBS, ms). Variables: dim (k·N, the PBS outputs'
# LWE dimension), threads (the run's threads), bw (bytes/s between machines), lat (s per collective step).
# Model per TLU layer on M machines of `threads` threads each: compute ms / M, plus an allgather in which every
# machine receives the other (M − 1)/M of the layer's outputs, (dim + 1)·8 bytes each, in ⌈log2 M⌉ steps.
# Linear layers are computed on every machine (not divided).
$1 == "TLU" && NF >= 4 { tlu_ms += $(NF); pbs += $(NF - 1); bytes += $(NF - 1) * (dim + 1) * 8; layers++ }
$1 != "TLU" && $1 != "layer" && NF == 4 && $(NF) ~ /^[0-9.]+$/ { linear_ms += $(NF) }
END {
  printf "projection from one process (%d threads): %d PBS in %d TLU layers, %.1f MB exchanged per batch, ", threads, pbs, layers, bytes / 1e6
  printf "links %.1f GB/s, %.0f us per collective step\n", bw / 1e9, lat * 1e6
  printf "%9s %12s %12s %10s\n", "machines", "compute ms", "network ms", "speed-up"
  for (m = 1; m <= 64; m *= 2) {
    steps = 0; for (s = 1; s < m; s *= 2) steps++
    net = (m > 1) ? (bytes * (m - 1) / m / bw + layers * steps * lat) * 1e3 : 0
    total = tlu_ms / m + linear_ms + net
    printf "%9d %12.1f %12.1f %10.2f\n", m, tlu_ms / m + linear_ms, net, (tlu_ms + linear_ms) / total
  }
}
