package dev.vramcalc.core.estimate;

import java.util.List;

/**
 * Returns the communication of one training step on the most loaded GPU: each collective with its
 * bytes on the wire and an estimated time on its link.
 *
 * <p>Sources: ring all-reduce moves {@code 2(N−1)/N} of the buffer per GPU, reduce-scatter and
 * all-gather {@code (N−1)/N} (Thakur et al. 2005; NCCL "bus bandwidth"); ZeRO-3 adds two parameter
 * all-gathers per step, 1.5× data-parallel volume (Rajbhandari et al. 2020, §7); Megatron TP does two
 * all-reduces of {@code B·S·h} per layer in forward and two in backward (Shoeybi et al. 2019, §3).
 */
public record Communication(List<Collective> collectives, long bytesPerStep, double secondsPerStep) {

  /** One kind of collective in a step. */
  public record Collective(String name, String group, long bytesPerStep, double gbPerSecond, String link, double seconds, String formula) {}

  public static Communication of(List<Collective> collectives) {
    long bytes = 0;
    double seconds = 0;
    for (Collective c : collectives) {
      bytes = Math.addExact(bytes, c.bytesPerStep());
      seconds += c.seconds();
    }
    return new Communication(List.copyOf(collectives), bytes, seconds);
  }

  /** Returns {@code 2(N−1)/N × size}: the bytes each GPU sends in a ring all-reduce. */
  public static long allReduce(long size, int n) {
    return n <= 1 ? 0 : (long) Math.ceil(2.0 * (n - 1) / n * size);
  }

  /** Returns {@code (N−1)/N × size}: the bytes each GPU sends in a ring reduce-scatter or all-gather. */
  public static long scatterOrGather(long size, int n) {
    return n <= 1 ? 0 : (long) Math.ceil((double) (n - 1) / n * size);
  }
}
