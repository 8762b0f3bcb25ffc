package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.NotFoundException;
import dev.vramcalc.io.json.JsonWriter;
import dev.vramcalc.io.report.Documents;
import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The vramcalc command line. */
@Command(
    name = "vramcalc",
    mixinStandardHelpOptions = true,
    version = "vramcalc 0.1.0",
    description = "Will this AI model fit, and how should it run? Exact parameters, memory for inference, GPU fit.",
    subcommands = {ParamsCommand.class, InferCommand.class, TrainCommand.class, MaxBatchCommand.class, MaxContextCommand.class, RooflineCommand.class, PlanCommand.class, FitCommand.class, ReconcileCommand.class, AccuracyCommand.class, ModelsCommand.class, GpusCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @picocli.CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given writers and returns the exit code (tests call this). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return execute(commandLine(), args, out, err);
  }

  /** Returns the command line with every command, plus {@code extra} subcommands (the server adds serve). */
  public static CommandLine commandLine(Object... extra) {
    CommandLine cl = new CommandLine(new Main());
    for (Object o : extra) {
      cl.addSubcommand(o);
    }
    return cl;
  }

  /**
   * Runs {@code args} on a command line (which may be reused, one thread at a time: picocli resets
   * every option before each parse) and returns the exit code.
   */
  public static int execute(CommandLine cl, String[] args, PrintWriter out, PrintWriter err) {
    cl.setOut(out);
    cl.setErr(err);
    boolean json = Arrays.asList(args).contains("--json");
    Progress.quiet = json;
    boolean stack = Arrays.asList(args).contains("--stacktrace");
    cl.setParameterExceptionHandler((ex, a) -> {
      String message = ex.getMessage().split("\\R")[0];
      report(out, err, json, "bad_input", message, null);
      return ExitCodes.BAD_INPUT;
    });
    cl.setExecutionExceptionHandler((ex, c, parse) -> {
      if (stack) {
        ex.printStackTrace(err);
      }
      if (ex instanceof NotFoundException nf) {
        report(out, err, json, "not_found", nf.getMessage(), nf.field());
        return ExitCodes.BAD_INPUT;
      }
      if (ex instanceof BadInputException bad) {
        report(out, err, json, "bad_input", bad.getMessage(), bad.field());
        return ExitCodes.BAD_INPUT;
      }
      if (ex instanceof java.io.UncheckedIOException io) {
        report(out, err, json, "bad_input", "cannot read: " + io.getCause().getMessage(), "model");
        return ExitCodes.BAD_INPUT;
      }
      if (ex instanceof ArithmeticException) {
        report(out, err, json, "bad_input", "the requested sizes overflow 64-bit byte counts; reduce --batch or --seq-len", null);
        return ExitCodes.BAD_INPUT;
      }
      if (ex instanceof IllegalArgumentException bad) {
        report(out, err, json, "bad_input", bad.getMessage(), null);
        return ExitCodes.BAD_INPUT;
      }
      report(out, err, json, "internal_error", "internal error: " + ex + (stack ? "" : " (run with --stacktrace for details)"), null);
      return ExitCodes.FAILURE;
    });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  private static void report(PrintWriter out, PrintWriter err, boolean json, String code, String message, String field) {
    String line = message == null ? code : message.replace('\n', ' ');
    if (json) {
      out.println(JsonWriter.write(Documents.error(code, line, field)));
    } else {
      err.println("vramcalc: " + line);
    }
  }
}
