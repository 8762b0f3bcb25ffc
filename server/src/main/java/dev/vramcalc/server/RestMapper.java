package dev.vramcalc.server;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.io.json.Json;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Turns a REST request body into the arguments of the CLI command it mirrors: each key is a flag in
 * snake_case ({@code gpu_memory_utilization} → {@code --gpu-memory-utilization}), {@code model} is
 * the MODEL argument, {@code true} sets a switch, arrays join with commas. The server then runs the
 * very command the CLI runs, so both faces return the same document for the same inputs.
 */
public final class RestMapper {

  /** Commands the API serves by POST. */
  public static final List<String> COMMANDS = List.of("params", "infer", "train", "max-batch", "max-context", "fit", "plan", "roofline");

  /** Flags a web client may not set: they reach the server's file system or change its output. */
  static final Set<String> BLOCKED = Set.of("--cache-dir", "--stacktrace", "--json", "--output", "--units");

  /** Whether the API takes this option as a body field (the one rule for requests, the field list and OpenAPI). */
  static boolean exposed(OptionSpec o) {
    return o.longestName().startsWith("--") && !BLOCKED.contains(o.longestName()) && !o.usageHelp() && !o.versionHelp();
  }

  /** Whether the option is a switch: a field that takes true or false. */
  static boolean isSwitch(OptionSpec o) {
    return o.arity().max() == 0;
  }

  private RestMapper() {}

  /** Returns the option name for a body key, or null when the command has none. */
  static OptionSpec option(CommandSpec spec, String key) {
    if (!key.matches("[a-z][a-z0-9_]{0,63}")) {
      return null;
    }
    return spec.findOption("--" + key.replace('_', '-'));
  }

  /**
   * Returns the argument list for {@code command} from a parsed JSON body.
   *
   * @param allowLocalFiles whether MODEL may be a path on the server
   * @throws BadInputException naming the field, for unknown keys and values of the wrong type
   */
  public static List<String> arguments(CommandSpec spec, Map<String, Object> body, boolean allowLocalFiles) {
    List<String> args = new ArrayList<>();
    args.add(spec.name());
    String model = null;
    for (Map.Entry<String, Object> e : body.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      if (value == Json.NULL) {
        continue;
      }
      if (key.equals("model")) {
        if (!(value instanceof String s) || s.isBlank()) {
          throw new BadInputException("model", "model must be a non-empty string (a catalog id or a Hugging Face id)");
        }
        if (!allowLocalFiles && looksLikePath(s)) {
          throw new BadInputException("model", "model '" + s + "' looks like a local path; the server reads only catalog and Hugging Face ids");
        }
        model = s;
        continue;
      }
      OptionSpec o = option(spec, key);
      if (o == null || !exposed(o)) {
        throw new BadInputException(key, "unknown field '" + key + "' for " + spec.name() + "; see /api/v1/openapi.json");
      }
      String flag = o.longestName();
      if (isSwitch(o)) {
        if (!(value instanceof Boolean b)) {
          throw new BadInputException(key, key + " must be true or false");
        }
        if (b) {
          args.add(flag);
        }
        continue;
      }
      if (value instanceof List<?> list) {
        if (!o.isMultiValue()) {
          throw new BadInputException(key, key + " takes one value, not a list");
        }
        List<String> parts = new ArrayList<>();
        for (Object item : list) {
          parts.add(scalar(key, item));
        }
        args.add(flag + "=" + String.join(",", parts));
        continue;
      }
      if (value instanceof Map<?, ?>) {
        throw new BadInputException(key, key + " must be a number, string or boolean, not an object");
      }
      args.add(flag + "=" + scalar(key, value));
    }
    args.add("--json");
    if (model != null) {
      // after "--", picocli's end of options: a model named "--help" or "--cache-dir=/x" is a name, never a flag
      args.add("--");
      args.add(model);
    }
    return args;
  }

  private static String scalar(String key, Object v) {
    if (v instanceof String s) {
      if (s.length() > 4096) {
        throw new BadInputException(key, key + " is longer than 4096 characters");
      }
      return s;
    }
    if (v instanceof Long || v instanceof BigInteger) {
      return v.toString();
    }
    if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        throw new BadInputException(key, key + " must be a finite number");
      }
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : Double.toString(d);
    }
    if (v instanceof Boolean b) {
      return b.toString();
    }
    throw new BadInputException(key, key + " must be a number, string or boolean");
  }

  static boolean looksLikePath(String s) {
    String t = s.trim();
    String lower = t.toLowerCase(Locale.ROOT);
    return t.startsWith("/") || t.startsWith(".") || t.startsWith("~") || t.contains("\\") || lower.endsWith(".json") || lower.endsWith(".gguf")
        || lower.endsWith(".safetensors") || lower.startsWith("file:");
  }

  /** Returns the body keys of a command: its options in snake_case, without the blocked ones, plus model. */
  public static List<String> fields(CommandSpec spec) {
    List<String> out = new ArrayList<>();
    for (OptionSpec o : spec.options()) {
      if (exposed(o)) {
        out.add(o.longestName().substring(2).replace('-', '_'));
      }
    }
    return out;
  }

  /** Returns the subcommand spec the API serves at {@code name}, or null. */
  static CommandSpec command(CommandLine root, String name) {
    if (!COMMANDS.contains(name)) {
      return null;
    }
    CommandLine sub = root.getSubcommands().get(name);
    return sub == null ? null : sub.getCommandSpec();
  }
}
