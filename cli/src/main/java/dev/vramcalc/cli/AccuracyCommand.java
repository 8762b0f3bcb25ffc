package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the calibration suite and prints or writes docs/accuracy.md. */
@Command(name = "accuracy", mixinStandardHelpOptions = true, description = "Run every published measurement of the calibration suite and print the accuracy report (docs/accuracy.md).")
final class AccuracyCommand implements Callable<Integer> {

  @Option(names = "--output", paramLabel = "FILE", description = "Write the report to FILE instead of standard output.")
  Path output;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    List<Accuracy.Check> checks = Accuracy.run();
    String md = Accuracy.markdown(checks);
    if (output == null) {
      spec.commandLine().getOut().print(md);
    } else {
      try {
        Files.writeString(output, md, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new BadInputException("output", "cannot write " + output + ": " + e.getMessage());
      }
      spec.commandLine().getOut().println("wrote " + output + " (" + checks.size() + " checks)");
    }
    long failing = checks.stream().filter(c -> !c.passes()).count();
    if (failing > 0) {
      spec.commandLine().getErr().println("vramcalc: " + failing + " asserted checks are outside their tolerance");
      return ExitCodes.FAILURE;
    }
    return ExitCodes.OK;
  }
}
