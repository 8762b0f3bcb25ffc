package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.workload.InferenceWorkload;
import picocli.CommandLine.Option;

/** The flags inference and training share: sequence length, parallel sizes, attention, safety margin. */
final class SharedOptions {

  @Option(names = "--seq-len", paramLabel = "S", description = "Tokens per sequence (inference: prompt plus output held in the KV cache, default 4096 capped at the model's maximum; training: default 2048).")
  Long seqLen;

  @Option(names = {"--tp", "--tensor-parallel-size"}, paramLabel = "N", description = "Tensor-parallel size.")
  Integer tp;

  @Option(names = {"--pp", "--pipeline-parallel-size"}, paramLabel = "N", description = "Pipeline-parallel size.")
  Integer pp;

  @Option(names = "--no-flash-attn", description = "Attention materializes the score matrix (eager attention).")
  boolean noFlash;

  @Option(names = "--headroom", paramLabel = "FRACTION", description = "Safety margin (default 0.2: 'fits' needs device memory under 80%% of usable; 0 for the raw limit).")
  double headroom = InferenceWorkload.DEFAULT_HEADROOM;

  int pp() {
    return pp == null ? 1 : pp;
  }

  /** Returns the headroom after checking its range. */
  double headroom() {
    if (!(headroom >= 0 && headroom < 1)) {
      throw new BadInputException("headroom", "--headroom (" + headroom + ") must be at least 0 and below 1");
    }
    return headroom;
  }

  /** Returns a copy without --tp and --pp: the base workload of a layout search. */
  SharedOptions withoutLayout() {
    SharedOptions c = new SharedOptions();
    c.seqLen = seqLen;
    c.noFlash = noFlash;
    c.headroom = headroom;
    return c;
  }
}
