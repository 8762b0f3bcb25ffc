package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.perf.StepTime;
import dev.vramcalc.core.solve.GpuFit;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import dev.vramcalc.io.json.JsonWriter;
import dev.vramcalc.io.report.Documents;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Which GPUs run the workload, how many of each, in which layout, at what price. */
@Command(name = "fit", mixinStandardHelpOptions = true, description = "Every catalog GPU with the smallest count that runs the workload (serving, or training with --train), its layout and price, cheapest first.")
final class FitCommand implements Callable<Integer> {

  @Mixin ModelOptions modelOptions;
  @Mixin OutputOptions output;
  @Mixin SharedOptions shared;
  @Mixin InferenceOptions inference;
  @Mixin TrainCommand.TrainingOptions training;

  @Option(names = "--train", description = "Fit a training run (the flags of train); without it, serving (the flags of infer).")
  boolean train;

  @Option(names = "--max-gpus", paramLabel = "N", description = "Largest count tried per GPU (default 8 for serving, 64 for training).")
  Integer maxGpus;

  @Option(names = "--budget", paramLabel = "USD", description = "Only GPUs whose purchase price for the count found is at most this.")
  Double budget;

  @Option(names = "--budget-per-hour", paramLabel = "USD", description = "Only GPUs whose hourly price for the count found is at most this.")
  Double budgetPerHour;

  @Option(names = "--segment", paramLabel = "S", description = "Only this catalog segment: consumer, workstation, datacenter, apple, …")
  String segment;

  @Option(names = "--all", description = "Also list the GPUs that cannot run it, with the reason.")
  boolean all;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Model model = modelOptions.resolve();
    int cap = maxGpus != null ? maxGpus : (train ? 64 : 8);
    if (cap < 1 || cap > 1024) {
      throw new BadInputException("max-gpus", "--max-gpus (" + cap + ") must be between 1 and 1024");
    }
    if (budget != null && !(budget >= 0)) {
      throw new BadInputException("budget", "--budget (" + budget + ") must be at least 0");
    }
    if (budgetPerHour != null && !(budgetPerHour >= 0)) {
      throw new BadInputException("budget-per-hour", "--budget-per-hour (" + budgetPerHour + ") must be at least 0");
    }
    if (shared.tp != null || shared.pp != null) {
      throw new BadInputException("tp", "fit chooses the layout for each GPU count: drop --tp and --pp (see 'vramcalc plan' to fix a layout)");
    }
    List<Gpu> gpus = new ArrayList<>();
    for (Gpu g : GpuCatalogReader.bundled().all()) {
      if (segment == null || g.segment().equalsIgnoreCase(segment)) {
        gpus.add(g);
      }
    }
    if (gpus.isEmpty()) {
      throw new BadInputException("segment", "--segment '" + segment + "' matches no catalog GPU");
    }
    List<GpuFit.Entry> entries;
    if (train) {
      TrainingWorkload w = training.workload(model, shared, 1);
      entries = GpuFit.training(model, gpus, w, cap, StepTime.DEFAULT_MFU);
    } else {
      InferenceWorkload w = inference.workload(model, shared, null);
      entries = GpuFit.serving(model, gpus, w, cap, training.gpusPerNode);
    }
    List<GpuFit.Entry> kept = new ArrayList<>();
    for (GpuFit.Entry e : entries) {
      boolean overBudget = e.fits() && ((budget != null && (e.purchaseUsd() == null || e.purchaseUsd() > budget))
          || (budgetPerHour != null && (e.usdPerHour() == null || e.usdPerHour() > budgetPerHour)));
      if (!overBudget && (e.fits() || all)) {
        kept.add(e);
      }
    }
    Map<String, Object> doc = Documents.fit(model, train ? "training" : "inference", kept, entries.size(), cap);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      out.println(JsonWriter.write(doc));
      return ExitCodes.OK;
    }
    out.println(String.format(Locale.ROOT, "%s, %s: %d of %d catalog GPUs run it with at most %d each%s", model.id(), train ? "training" : "serving",
        kept.stream().filter(GpuFit.Entry::fits).count(), entries.size(), cap, budget != null || budgetPerHour != null ? " within budget" : ""));
    Table t = new Table(false, true, false, true, true, true, true, false);
    t.row("gpu", "count", "layout", output.unit() + "/GPU", "tokens/s", "$/hour", "purchase $", "parallelism and its communication");
    t.rule();
    for (GpuFit.Entry e : kept) {
      if (!e.fits()) {
        t.row(e.gpu().id(), "—", "", "", "", "", "", e.reason());
        continue;
      }
      String comm = e.communicationSeconds() > 0 ? String.format(Locale.ROOT, "; %.3f s exposed communication per %s", e.communicationSeconds(), train ? "step" : "decode step") : "";
      t.row(e.gpu().id(), String.valueOf(e.count()), e.layout(), output.gib(e.deviceBytes()),
          e.tokensPerSecond() == null ? "—" : String.format(Locale.ROOT, "%,.0f", e.tokensPerSecond()),
          e.usdPerHour() == null ? "—" : String.format(Locale.ROOT, "%.2f", e.usdPerHour()),
          e.purchaseUsd() == null ? "—" : String.format(Locale.ROOT, "%,.0f", e.purchaseUsd()), e.parallelism() + comm);
    }
    out.print(t.render());
    out.println("memory is per GPU (the most loaded one), never summed; prices are the catalog's list or typical cloud prices; tokens/s are roofline estimates");
    return ExitCodes.OK;
  }
}
