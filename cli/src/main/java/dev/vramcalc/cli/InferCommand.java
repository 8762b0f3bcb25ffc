package dev.vramcalc.cli;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.engine.Engines;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.estimate.MemoryLevel;
import dev.vramcalc.core.estimate.Term;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.io.json.JsonWriter;
import dev.vramcalc.io.report.Documents;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** Prints the inference memory per GPU, term by term, with the fit verdict. */
@Command(name = "infer", mixinStandardHelpOptions = true, description = "Memory per GPU to serve a model: weights, KV cache, activations, logits, overheads; fit verdict.")
final class InferCommand implements Callable<Integer> {

  @Mixin ModelOptions modelOptions;
  @Mixin GpuOptions gpuOptions;
  @Mixin OutputOptions output;

  @Mixin SharedOptions shared;
  @Mixin InferenceOptions inference;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Model model = modelOptions.resolve();
    Gpu gpu = gpuOptions.required("infer", true);
    InferenceWorkload workload = inference.workload(model, shared, gpuOptions.given());
    InferenceEstimate e = Engines.estimate(model, gpu, workload);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      out.println(JsonWriter.write(Documents.infer(e)));
      return ExitCodes.OK;
    }
    render(out, e, inference.seqLenOrigin(shared, model));
    return ExitCodes.OK;
  }

  void render(PrintWriter out, InferenceEstimate e, String seqLenOrigin) {
    String u = output.unit();
    InferenceWorkload w = e.workload();
    Gpu g = e.gpu();
    out.println(e.model().id() + (e.model().hfId() != null && !e.model().hfId().equals(e.model().id()) ? " (" + e.model().hfId() + ")" : "")
        + " on " + (w.tp() * w.pp() > 1 ? (w.tp() * w.pp()) + " × " : "") + g.name());
    out.println(String.format(Locale.ROOT, "batch %d × %,d tokens%s, weights %s, KV cache %s%s%s, %s engine",
        w.batch(), w.seqLen(), seqLenOrigin != null ? " (" + seqLenOrigin + ")" : "", e.weightFormat().label(), w.kvCache().id(),
        w.tp() > 1 ? ", tensor parallel " + w.tp() : "", w.pp() > 1 && w.engine() instanceof EngineSettings.Generic ? ", pipeline parallel " + w.pp() : "",
        w.engine().name()));
    if (e.engine() instanceof dev.vramcalc.core.estimate.EngineDetails.LlamaCpp l) {
      Table dt = new Table(false, false, true, true, true);
      dt.row("device", "layers", "model MiB", "KV MiB", "compute MiB");
      dt.rule();
      for (var d : l.devices()) {
        dt.row(d.name(), d.endLayer() > 0 ? d.firstLayer() + "–" + (d.endLayer() - 1) + (d.output() ? " + output" : "") : (d.output() ? "output" : "none"),
            String.format(Locale.ROOT, "%.2f", d.modelBufferBytes() / 1048576.0), String.format(Locale.ROOT, "%.2f", d.kvBufferBytes() / 1048576.0),
            String.format(Locale.ROOT, "%.2f", d.computeBufferBytes() / 1048576.0));
      }
      dt.row("host", "", String.format(Locale.ROOT, "%.2f", l.hostModelBytes() / 1048576.0), "", String.format(Locale.ROOT, "%.2f", l.hostComputeBytes() / 1048576.0));
      out.print(dt.render());
    }
    out.println();
    Table t = new Table(false, true, false);
    t.row("component", u, "formula");
    t.rule();
    List<String> sources = new ArrayList<>();
    for (MemoryLevel level : MemoryLevel.values()) {
      for (Term term : e.terms()) {
        if (term.level() != level) {
          continue;
        }
        sources.add(term.name() + ": " + term.source());
        t.row(term.name() + (term.estimated() ? " ~" : ""), output.gib(term.bytes()), term.formula());
      }
      switch (level) {
        case ALLOCATED -> t.row("= allocated", output.gib(e.allocated()), "live tensors at the peak (torch max_memory_allocated)");
        case RESERVED -> t.row("= reserved", output.gib(e.reserved()), "what the allocator holds (torch max_memory_reserved)");
        case DEVICE -> t.row("= device", output.gib(e.device()), "what nvidia-smi shows for the process");
      }
      t.rule();
    }
    out.print(t.render());
    double share = 100.0 * e.device().value() / g.usable().value();
    out.println(String.format(Locale.ROOT, "verdict: %s — %s %s of %s %s usable per GPU (%.1f%%; %s); 'fits' needs at most %s %s (%d%% margin); headroom %s%s %s",
        e.fit().verdict().label(), output.gib(e.device()), u, output.gib(g.usable()), u, share, g.usableBasis(),
        output.gib(e.fit().limit()), u, Math.round(w.headroom() * 100), e.fit().headroomBytes() < 0 ? "-" : "",
        output.gib(Math.abs(e.fit().headroomBytes())), u));
    for (String n : e.notes()) {
      out.println("note: " + n);
    }
    out.println("~ estimated; other terms are exact arithmetic on the model's shapes. Sources:");
    for (String s : sources) {
      out.println("  " + s);
    }
  }
}
