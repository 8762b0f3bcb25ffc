package dev.vramcalc.cli;

import picocli.CommandLine.Command;

/** The largest batch that fits. */
@Command(name = "max-batch", mixinStandardHelpOptions = true, description = "Largest batch (or, with --train, micro-batch) that fits under the safety margin; --curve for every precision.")
final class MaxBatchCommand extends LimitCommand {
  @Override
  boolean batchSearch() {
    return true;
  }
}
