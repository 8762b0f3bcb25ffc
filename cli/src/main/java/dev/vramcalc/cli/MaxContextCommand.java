package dev.vramcalc.cli;

import picocli.CommandLine.Command;

/** The longest context that fits. */
@Command(name = "max-context", mixinStandardHelpOptions = true, description = "Longest sequence (context) that fits under the safety margin at a batch; --curve for every precision.")
final class MaxContextCommand extends LimitCommand {
  @Override
  boolean batchSearch() {
    return false;
  }
}
