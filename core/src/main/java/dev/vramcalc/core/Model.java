package dev.vramcalc.core;

import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.WeightFormat;
import java.util.List;

/**
 * Returns a model as vramcalc knows it: its name, where it came from, its exact architecture (or,
 * for a bare parameter count, none), and the format its published weights are stored in.
 *
 * @param id the name the user gave or the catalog's id
 * @param hfId the Hugging Face id when known, else null
 * @param origin where the shape came from ({@code catalog}, {@code config.json}, {@code flags}, …)
 * @param architecture the exact shape; null for a bare {@code --params} count
 * @param declaredParameters the count given by {@code --params}; 0 when an architecture is known
 * @param checkpointFormat how the published weights are stored
 * @param provenance where each number comes from, one line each
 */
public record Model(
    String id,
    String hfId,
    String origin,
    Architecture architecture,
    long declaredParameters,
    WeightFormat checkpointFormat,
    List<String> provenance) {

  public Model {
    provenance = List.copyOf(provenance);
    if (architecture == null && declaredParameters <= 0) {
      throw new IllegalArgumentException("a model needs an architecture or a parameter count");
    }
    if (checkpointFormat == null) {
      checkpointFormat = Formats.BF16;
    }
  }

  /** Returns a model known only by its parameter count ({@code --params 7B}). */
  public static Model ofParameters(long parameters, WeightFormat format) {
    return new Model("custom-" + parameters, null, "--params", null, parameters, format,
        List.of("parameter count from --params; the architecture is unknown, so only weight sizes can be computed"));
  }

  public boolean hasArchitecture() {
    return architecture != null;
  }

  /** Returns the exact parameter count (or the declared one). */
  public long parameters() {
    return architecture != null ? architecture.parameters().total() : declaredParameters;
  }
}
