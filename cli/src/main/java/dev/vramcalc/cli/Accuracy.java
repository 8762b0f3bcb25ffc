package dev.vramcalc.cli;

import dev.vramcalc.io.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Returns the calibration suite: every published measurement in accuracy-cases.json, run through the
 * same commands users run, with the estimate, the error, and whether it is within its tolerance.
 */
public final class Accuracy {

  /** One compared number. */
  public record Check(String caseId, String engine, String model, String setting, String name, double measured, double estimated, String unit,
      Double tolerance, String source, String note) {

    public double error() {
      return measured == 0 ? (estimated == 0 ? 0 : 1) : (estimated - measured) / measured;
    }

    public boolean asserted() {
      return tolerance != null;
    }

    public boolean passes() {
      return tolerance == null || Math.abs(error()) <= tolerance + 1e-12;
    }
  }

  private Accuracy() {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> cases() {
    try (InputStream in = Accuracy.class.getResourceAsStream("/dev/vramcalc/cli/accuracy-cases.json")) {
      return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8), "accuracy-cases.json");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read accuracy-cases.json", e);
    }
  }

  static double inUnit(double value, String unit) {
    return switch (unit) {
      case "GiB" -> value / (1L << 30);
      case "MiB" -> value / (1L << 20);
      case "GB" -> value / 1e9;
      default -> value;
    };
  }

  @SuppressWarnings("unchecked")
  static Object at(Object doc, String path) {
    Object cur = doc;
    for (String part : path.split("\\.")) {
      if (cur instanceof Map<?, ?> m) {
        cur = m.get(part);
      } else if (cur instanceof List<?> l) {
        cur = l.get(Integer.parseInt(part));
      } else {
        return null;
      }
    }
    return cur;
  }

  /** Runs every case and returns its checks. */
  @SuppressWarnings("unchecked")
  public static List<Check> run() {
    List<Check> out = new ArrayList<>();
    for (Object o : (List<Object>) cases().get("cases")) {
      Map<String, Object> c = (Map<String, Object>) o;
      List<String> args = new ArrayList<>((List<String>) c.get("args"));
      args.add("--json");
      StringWriter stdout = new StringWriter();
      StringWriter stderr = new StringWriter();
      int code = Main.run(args.toArray(String[]::new), new PrintWriter(stdout), new PrintWriter(stderr));
      Object doc = Json.parse(stdout.toString(), c.get("id") + " output");
      if (code != 0) {
        throw new IllegalStateException(c.get("id") + ": vramcalc exited " + code + ": " + stdout + stderr);
      }
      for (Object k : (List<Object>) c.get("checks")) {
        Map<String, Object> check = (Map<String, Object>) k;
        Object value = at(doc, (String) check.get("path"));
        if (!(value instanceof Number n)) {
          throw new IllegalStateException(c.get("id") + ": no number at " + check.get("path"));
        }
        String unit = (String) check.get("unit");
        Object tol = check.get("tolerance");
        out.add(new Check((String) c.get("id"), (String) c.get("engine"), (String) c.get("model"), (String) c.get("setting"), (String) check.get("name"),
            ((Number) check.get("measured")).doubleValue(), inUnit(n.doubleValue(), unit), unit, tol instanceof Number t ? t.doubleValue() : null,
            (String) c.get("source"), (String) c.get("note")));
      }
    }
    return out;
  }

  private static String num(double v, String unit) {
    return switch (unit) {
      case "count", "tokens" -> String.format(Locale.ROOT, "%,.0f", v);
      case "x" -> String.format(Locale.ROOT, "%.2f", v);
      case "GiB" -> String.format(Locale.ROOT, "%,.4f %s", v, unit);
      default -> String.format(Locale.ROOT, "%,.2f %s", v, unit);
    };
  }

  /** Returns docs/accuracy.md: a row per check and the summary per engine. Deterministic. */
  public static String markdown(List<Check> checks) {
    StringBuilder sb = new StringBuilder();
    sb.append("# How accurate is vramcalc?\n\n");
    sb.append("Every row is a published measurement, run through the same `vramcalc` command a user would run (the `args` of\n")
        .append("`cli/src/main/resources/dev/vramcalc/cli/accuracy-cases.json`), at the memory level the source measured.\n")
        .append("Regenerate this page with `./vramcalc accuracy --output docs/accuracy.md`; the test suite runs the same cases\n")
        .append("(`AccuracySuiteTest`) and fails when an asserted row leaves its tolerance or when this page is stale.\n\n");
    sb.append("## Summary\n\nErrors are (estimated − measured) / measured. The median and worst are over the asserted checks; the last column is the worst\n")
        .append("of the checks reported without a tolerance (their sources leave a setting open; see the notes).\n\n")
        .append("| engine | checks | asserted | median absolute error | worst absolute error | worst reported-only |\n|---|---:|---:|---:|---:|---:|\n");
    Map<String, List<Check>> byEngine = new LinkedHashMap<>();
    for (Check c : checks) {
      byEngine.computeIfAbsent(c.engine(), k -> new ArrayList<>()).add(c);
    }
    for (Map.Entry<String, List<Check>> e : byEngine.entrySet()) {
      List<Double> errors = new ArrayList<>();
      double reportedWorst = -1;
      for (Check c : e.getValue()) {
        if (c.asserted()) {
          errors.add(Math.abs(c.error()));
        } else {
          reportedWorst = Math.max(reportedWorst, Math.abs(c.error()));
        }
      }
      errors.sort(Double::compare);
      String median = errors.isEmpty() ? "—" : String.format(Locale.ROOT, "%.1f%%", 100 * (errors.size() % 2 == 1 ? errors.get(errors.size() / 2)
          : (errors.get(errors.size() / 2 - 1) + errors.get(errors.size() / 2)) / 2));
      String worst = errors.isEmpty() ? "—" : String.format(Locale.ROOT, "%.1f%%", 100 * errors.get(errors.size() - 1));
      sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s |%n", e.getKey(), e.getValue().size(), errors.size(), median, worst,
          reportedWorst < 0 ? "—" : String.format(Locale.ROOT, "%.1f%%", reportedWorst * 100)));
    }
    sb.append("\n## Cases\n\n| case | model | engine | setting | quantity | measured | estimated | error | tolerance |\n|---|---|---|---|---|---:|---:|---:|---:|\n");
    for (Check c : checks) {
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %+.1f%% | %s |%n", c.caseId(), c.model(), c.engine(), c.setting().replace("|", "/"),
          c.name(), num(c.measured(), c.unit()), num(c.estimated(), c.unit()), c.error() * 100,
          c.tolerance() == null ? "reported" : String.format(Locale.ROOT, "±%.0f%%", c.tolerance() * 100)));
    }
    sb.append("\n## Sources and notes\n\n");
    String last = null;
    for (Check c : checks) {
      if (c.caseId().equals(last)) {
        continue;
      }
      last = c.caseId();
      sb.append("- **").append(c.caseId()).append("**: ").append(c.source());
      if (c.note() != null) {
        sb.append(". ").append(c.note());
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
