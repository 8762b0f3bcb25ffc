package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.io.json.JsonWriter;
import dev.vramcalc.io.logs.Reconciler;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Prints each number an engine log reports beside vramcalc's estimate of the same setup. */
@Command(name = "reconcile", mixinStandardHelpOptions = true, description = "Read a vLLM or llama.cpp startup log and compare each reported number with the estimate.")
final class ReconcileCommand implements Callable<Integer> {

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "The engine log ('-' for standard input), and any nvidia-smi or torch.cuda.memory_summary() snapshots of the same run.")
  List<String> files;

  @Option(names = "--model", paramLabel = "MODEL", description = "The model, when the log does not say it.") String model;
  @Option(names = "--gpu", paramLabel = "ID", description = "The GPU, when the log does not say it.") String gpu;
  @Option(names = "--gpu-memory-utilization", paramLabel = "F", description = "vLLM's budget share, when the log does not say it.") Double util;
  @Option(names = "--max-model-len", paramLabel = "N") Long maxModelLen;
  @Option(names = {"--tp", "--tensor-parallel-size"}, paramLabel = "N") Integer tp;
  @Option(names = "--weights", paramLabel = "FORMAT", description = "The weights format, when the log does not say it.") String weights;
  @Option(names = "--vllm-version", paramLabel = "V") String vllmVersion;

  @Mixin OutputOptions output;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private static String read(String file) {
    try {
      if (file.equals("-")) {
        return new String(System.in.readNBytes((int) MAX_LOG_BYTES), StandardCharsets.UTF_8);
      }
      Path p = Path.of(file);
      if (!Files.isRegularFile(p)) {
        throw new BadInputException("log", "no such file: " + file);
      }
      if (Files.size(p) > MAX_LOG_BYTES) {
        throw new BadInputException("log", file + ": larger than the " + MAX_LOG_BYTES + "-byte limit for a log");
      }
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (java.nio.charset.MalformedInputException e) {
      throw new BadInputException("log", file + ": not UTF-8 text");
    } catch (IOException e) {
      throw new BadInputException("log", file + ": cannot read (" + e.getMessage() + ")");
    }
  }

  /** Largest log read (a startup log is a few hundred kilobytes). */
  static final long MAX_LOG_BYTES = 32L << 20;

  @Override
  public Integer call() {
    List<String[]> texts = new ArrayList<>();
    for (String file : files) {
      texts.add(new String[] {read(file), file});
    }
    Reconciler.Result r = Reconciler.reconcile(texts, new Reconciler.Overrides(model, gpu, util, maxModelLen, tp, weights, vllmVersion));
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("engine", r.log().engine());
      doc.put("model", r.model().id());
      doc.put("settings", r.log().settings());
      List<Object> rows = new ArrayList<>();
      for (Reconciler.Row row : r.rows()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("quantity", row.quantity());
        m.put("label", row.label());
        m.put("reported", row.reported());
        m.put("estimated", row.estimated());
        m.put("relative_error", row.relativeError());
        m.put("unit", row.bytes() ? "bytes" : "count");
        rows.add(m);
      }
      doc.put("rows", rows);
      doc.put("notes", r.notes());
      out.println(JsonWriter.write(doc));
      return ExitCodes.OK;
    }
    out.println(r.log().engine() + " log: " + r.model().id() + " on " + r.gpu().id());
    Table t = new Table(false, true, true, true);
    t.row("reported by the engine", "engine", "vramcalc", "difference");
    t.rule();
    for (Reconciler.Row row : r.rows()) {
      Double err = row.relativeError();
      t.row(row.label(), Reconciler.show(row.reported(), row.bytes()), row.estimated() == null ? "—" : Reconciler.show(row.estimated(), row.bytes()),
          err == null ? "not estimated" : String.format(Locale.ROOT, "%+.1f%%", err * 100));
    }
    out.print(t.render());
    for (String n : r.notes()) {
      out.println("note: " + n);
    }
    return ExitCodes.OK;
  }
}
