package dev.vramcalc.cli;

import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.hardware.GpuCatalog;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import dev.vramcalc.io.json.JsonWriter;
import dev.vramcalc.io.report.Documents;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** Lists the GPU catalog. */
@Command(name = "gpus", mixinStandardHelpOptions = true, description = "List the GPU catalog: memory, usable memory, bandwidth, throughput, price.")
final class GpusCommand implements Callable<Integer> {

  @Mixin OutputOptions output;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    GpuCatalog catalog = GpuCatalogReader.bundled();
    if (output.json) {
      spec.commandLine().getOut().println(JsonWriter.write(Documents.gpus(catalog)));
      return ExitCodes.OK;
    }
    String u = output.unit();
    Table t = new Table(false, false, true, true, true, true, false);
    t.row("id", "name", "memory " + u, "usable " + u, "GB/s", "BF16 TFLOP/s", "price");
    t.rule();
    for (Gpu g : catalog.all()) {
      String price = g.priceUsd() != null ? String.format(Locale.ROOT, "$%,.0f", g.priceUsd())
          : g.priceUsdPerHour() != null ? String.format(Locale.ROOT, "$%.2f/h", g.priceUsdPerHour()) : "";
      t.row(g.id(), g.name(), output.gib(g.memory()), output.gib(g.usable()) + (g.reported() == null && g.unifiedFraction() == null ? "*" : ""),
          String.format(Locale.ROOT, "%.0f", g.bandwidthGBs()), g.bf16Tflops() == null ? "" : String.format(Locale.ROOT, "%.1f", g.bf16Tflops()), price);
    }
    spec.commandLine().getOut().print(t.render());
    spec.commandLine().getOut().println(catalog.all().size() + " devices; * usable = marketed capacity (no driver-reported total found); sources: vramcalc gpus --json");
    return ExitCodes.OK;
  }
}
