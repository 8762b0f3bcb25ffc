package dev.vramcalc.cli;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.unit.Counts;
import dev.vramcalc.io.catalog.ModelCatalog;
import dev.vramcalc.io.json.JsonWriter;
import dev.vramcalc.io.report.Documents;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** Lists the bundled model presets. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List the bundled model presets with their exact parameter counts.")
final class ModelsCommand implements Callable<Integer> {

  @Mixin OutputOptions output;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    ModelCatalog catalog = ModelCatalog.bundled();
    if (output.json) {
      spec.commandLine().getOut().println(JsonWriter.write(Documents.models(catalog)));
      return ExitCodes.OK;
    }
    Table t = new Table(false, false, false, true, true, false);
    t.row("id", "hugging face id", "type", "parameters", "active", "stored as");
    t.rule();
    for (ModelCatalog.Entry e : catalog.entries()) {
      Model m = catalog.load(e);
      var p = m.architecture().parameters();
      t.row(e.id(), e.hfId(), m.architecture().modelType(), Counts.format(p.total()), Counts.format(p.active()), m.checkpointFormat().label());
    }
    spec.commandLine().getOut().print(t.render());
    spec.commandLine().getOut().println(catalog.entries().size() + " presets; provenance of each config: vramcalc models --json");
    return ExitCodes.OK;
  }
}
