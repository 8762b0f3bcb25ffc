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
    version = Main.VERSION,
    description = "Will this AI model fit, and how should it run? Exact parameters, memory for inference, GPU fit.")
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
    return execute(commandLineFor(args), args, out, err);
  }

  static {
    // picocli's own warnings (an unbalanced quote in a list value) go straight to System.err, beside our one-line error
    if (System.getProperty("picocli.trace") == null) {
      System.setProperty("picocli.trace", "OFF");
    }
  }

  static final String VERSION = "vramcalc 0.1.0";

  /** The commands by name, in the order help lists them: the one registry both command lines are built from. */
  static final java.util.Map<String, java.util.function.Supplier<Object>> COMMANDS = commands();

  private static java.util.Map<String, java.util.function.Supplier<Object>> commands() {
    java.util.Map<String, java.util.function.Supplier<Object>> m = new java.util.LinkedHashMap<>();
    m.put("params", ParamsCommand::new);
    m.put("infer", InferCommand::new);
    m.put("train", TrainCommand::new);
    m.put("max-batch", MaxBatchCommand::new);
    m.put("max-context", MaxContextCommand::new);
    m.put("roofline", RooflineCommand::new);
    m.put("plan", PlanCommand::new);
    m.put("fit", FitCommand::new);
    m.put("reconcile", ReconcileCommand::new);
    m.put("accuracy", AccuracyCommand::new);
    m.put("models", ModelsCommand::new);
    m.put("gpus", GpusCommand::new);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** The root without its subcommand list: a run that names a command builds only that command (picocli's model of all of them takes 100+ ms). */
  @Command(name = "vramcalc", mixinStandardHelpOptions = true, version = Main.VERSION)
  static final class Root implements Runnable {
    @Override
    public void run() {
      // only reached with a command named, which picocli runs instead
    }
  }

  /** Returns whether a name is one of the CLI's commands. */
  public static boolean isCommand(String name) {
    return COMMANDS.containsKey(name);
  }

  /**
   * Returns the command line for {@code args}: only the named command when the first argument names
   * one (the start-up path), every command otherwise (help, unknown names, the server).
   */
  public static CommandLine commandLineFor(String[] args) {
    if (args.length > 0 && COMMANDS.containsKey(args[0])) {
      CommandLine cl = new CommandLine(new Root());
      cl.addSubcommand(args[0], COMMANDS.get(args[0]).get());
      return cl;
    }
    return commandLine();
  }

  /** Returns the command line with every command, plus {@code extra} subcommands (the server adds serve). */
  public static CommandLine commandLine(Object... extra) {
    CommandLine cl = new CommandLine(new Main());
    COMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
    cl.addSubcommand("help", new CommandLine.HelpCommand());
    for (Object o : extra) {
      cl.addSubcommand(o);
    }
    return cl;
  }

  /** How a run ended: its exit code and, when it reported an error, the error's code (bad_input, not_found, internal_error). */
  public record Outcome(int exit, String errorCode) {}

  /**
   * Runs {@code args} on a command line (which may be reused, one thread at a time: picocli resets
   * every option before each parse) and returns the exit code.
   */
  public static int execute(CommandLine cl, String[] args, PrintWriter out, PrintWriter err) {
    return outcome(cl, args, out, err).exit();
  }

  /** Runs {@code args} as {@link #execute} does and returns the exit code with the error code it reported (the server's status). */
  public static Outcome outcome(CommandLine cl, String[] args, PrintWriter out, PrintWriter err) {
    String[] reported = {null};
    // no @file expansion: an argument "@/etc/passwd" would read a file as arguments (the server passes request values through)
    cl.setExpandAtFiles(false);
    cl.setOut(out);
    cl.setErr(err);
    boolean json = Arrays.asList(args).contains("--json");
    Progress.quiet = json;
    boolean stack = Arrays.asList(args).contains("--stacktrace");
    cl.setParameterExceptionHandler((ex, a) -> {
      String message = ex.getMessage().split("\\R")[0];
      reported[0] = report(out, err, json, "bad_input", message, null);
      return ExitCodes.BAD_INPUT;
    });
    cl.setExecutionExceptionHandler((ex, c, parse) -> {
      if (stack) {
        ex.printStackTrace(err);
      }
      if (ex instanceof NotFoundException nf) {
        reported[0] = report(out, err, json, "not_found", nf.getMessage(), nf.field());
        return ExitCodes.BAD_INPUT;
      }
      if (ex instanceof BadInputException bad) {
        reported[0] = report(out, err, json, "bad_input", bad.getMessage(), bad.field());
        return ExitCodes.BAD_INPUT;
      }
      if (ex instanceof java.io.UncheckedIOException io) {
        reported[0] = report(out, err, json, "bad_input", "cannot read: " + io.getCause().getMessage(), "model");
        return ExitCodes.BAD_INPUT;
      }
      if (ex instanceof ArithmeticException) {
        reported[0] = report(out, err, json, "bad_input", "the requested sizes overflow 64-bit byte counts; reduce --batch or --seq-len", null);
        return ExitCodes.BAD_INPUT;
      }
      if (ex instanceof IllegalArgumentException bad) {
        reported[0] = report(out, err, json, "bad_input", bad.getMessage(), null);
        return ExitCodes.BAD_INPUT;
      }
      reported[0] = report(out, err, json, "internal_error", "internal error: " + ex + (stack ? "" : " (run with --stacktrace for details)"), null);
      return ExitCodes.FAILURE;
    });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return new Outcome(code, reported[0]);
  }

  /** Writes the one-line error (a JSON error document with --json) and returns its code. */
  private static String report(PrintWriter out, PrintWriter err, boolean json, String code, String message, String field) {
    String line = message == null ? code : message.replace('\n', ' ');
    if (json) {
      out.println(JsonWriter.write(Documents.error(code, line, field)));
    } else {
      err.println("vramcalc: " + line);
    }
    return code;
  }
}
