package dev.vramcalc.cli;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.Footprint;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.Component;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.unit.Counts;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.io.json.JsonWriter;
import dev.vramcalc.io.report.Documents;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints exact parameter counts and the weights' footprint in every common format. */
@Command(name = "params", mixinStandardHelpOptions = true, description = "Exact parameter count by component, and the weights in every precision.")
final class ParamsCommand implements Callable<Integer> {

  @Mixin ModelOptions modelOptions;
  @Mixin GpuOptions gpuOptions;
  @Mixin OutputOptions output;

  @Option(names = "--weights", paramLabel = "FORMAT", description = "Format for weight_bytes (default: the checkpoint's own).")
  String weights;

  @Option(names = "--headroom", paramLabel = "FRACTION", description = "Safety margin for the fit verdict (default 0.2: the 80%% rule).")
  double headroom = InferenceWorkload.DEFAULT_HEADROOM;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Model model = modelOptions.resolve();
    WeightFormat format = weights == null ? null : Formats.named("weights", weights);
    Gpu gpu = gpuOptions.device();
    if (!(headroom >= 0 && headroom < 1)) {
      throw new dev.vramcalc.core.BadInputException("headroom", "--headroom (" + headroom + ") must be at least 0 and below 1");
    }
    Map<String, Object> doc = Documents.params(model, format, gpu, headroom);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      out.println(JsonWriter.write(doc));
      return ExitCodes.OK;
    }
    String u = output.unit();
    out.println(model.id() + (model.hfId() != null && !model.hfId().equals(model.id()) ? " (" + model.hfId() + ")" : "")
        + (model.hasArchitecture() ? " — " + model.architecture().modelType() + ", " + Documents.attentionKind(model.architecture()) : ""));
    out.println();
    if (model.hasArchitecture()) {
      Architecture.Parameters p = model.architecture().parameters();
      Table t = new Table(false, true, true);
      t.row("component", "parameters", "share");
      t.rule();
      for (Map.Entry<Component, Long> e : p.breakdown().entrySet()) {
        t.row(e.getKey().key(), Counts.grouped(e.getValue()), String.format(Locale.ROOT, "%.1f%%", 100.0 * e.getValue() / p.total()));
      }
      t.rule();
      t.row("total", Counts.grouped(p.total()), "100.0%");
      if (p.active() != p.total()) {
        t.row("active per token", Counts.grouped(p.active()), String.format(Locale.ROOT, "%.1f%%", 100.0 * p.active() / p.total()));
      }
      out.print(t.render());
    } else {
      out.println("parameters: " + Counts.grouped(model.parameters()) + " (given; the architecture is unknown)");
    }
    out.println();
    out.println("stored as " + model.checkpointFormat().label() + ": " + output.gib((Long) doc.get("weight_bytes")) + " " + u
        + " (" + Counts.grouped((Long) doc.get("weight_bytes")) + " bytes" + (format != null ? " in " + format.label() : "") + ")");
    out.println();
    Table f = new Table(false, true, true, false);
    f.row("precision", u, "bits/param", gpu == null ? "" : "weights + context on " + gpu.id());
    f.rule();
    for (Footprint.Entry e : Footprint.table(model, gpu, headroom)) {
      double bits = e.weights().value() * 8.0 / model.parameters();
      f.row(e.format().label(), output.gib(e.weights()), String.format(Locale.ROOT, "%.2f", bits), e.fit() == null ? "" : e.fit().verdict().label());
    }
    out.print(f.render());
    if (gpu != null) {
      out.println("fit: weights plus the runtime context against " + output.gib(gpu.usable()) + " " + u + " usable (" + gpu.usableBasis()
          + ") with a " + Math.round(headroom * 100) + "% margin; 'vramcalc infer' adds the KV cache and activations");
    }
    if (model.hasArchitecture()) {
      for (String n : model.architecture().notes()) {
        out.println("note: " + n);
      }
    }
    out.println("sources:");
    for (String p : model.provenance()) {
      out.println("  " + p);
    }
    return ExitCodes.OK;
  }
}
