package dev.vramcalc.io.config;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.ConfigView;
import dev.vramcalc.core.model.Families;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.WeightFormat;
import java.util.List;

/** Returns models built from configs: the architecture from the family builders, the stored format from the config. */
public final class ModelFactory {

  private ModelFactory() {}

  public static Model fromConfigText(String text, String origin, String id, String hfId, String source, List<String> provenance) {
    return fromConfig(JsonConfig.parse(text, origin), id, hfId, source, provenance);
  }

  public static Model fromConfig(ConfigView cfg, String id, String hfId, String source, List<String> provenance) {
    try {
      Architecture arch = Families.read(cfg);
      String dtype = arch.torchDtype();
      if (dtype == null) {
        dtype = cfg.stringValue("dtype");
      }
      WeightFormat format = Formats.ofCheckpoint(cfg, dtype);
      return new Model(id, hfId, source, arch, 0, format, provenance);
    } catch (BadInputException e) {
      throw e;
    } catch (IllegalArgumentException | ArithmeticException e) {
      // a value the family rules refuse (a dropout of 1, a negative size): named, with the file
      throw new BadInputException("config", cfg.origin() + ": " + e.getMessage());
    }
  }
}
