package dev.vramcalc.core.estimate;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.unit.Bytes;
import java.util.ArrayList;
import java.util.List;

/**
 * Returns the size of a model's weights in each common format and, for a device, whether the
 * weights alone (plus the runtime context) fit under the safety margin.
 */
public final class Footprint {

  /** One format's size. */
  public record Entry(WeightFormat format, Bytes weights, Fit fit) {}

  private Footprint() {}

  /**
   * Returns the weights of every tensor of the checkpoint in a format.
   *
   * <p>Example: Llama-3.1-8B in BF16 = 8,030,261,248 × 2 = 16,060,522,496 bytes, its safetensors
   * total_size.
   */
  public static Bytes weights(Model model, WeightFormat format) {
    if (!model.hasArchitecture()) {
      if (format == Formats.FP32) {
        return Bytes.product(model.declaredParameters(), 4);
      }
      return Bytes.product(model.declaredParameters(), 2);
    }
    return Bytes.of(format.totalBytes(model.architecture(), false));
  }

  /** Returns the footprint table; with a GPU, each row has a verdict for weights plus runtime context. */
  public static List<Entry> table(Model model, Gpu gpu, double headroom) {
    List<Entry> out = new ArrayList<>();
    for (String id : Formats.FOOTPRINT) {
      WeightFormat f = Formats.named("weights", id);
      if (!model.hasArchitecture() && !(f == Formats.FP32 || f == Formats.FP16 || f == Formats.BF16)) {
        continue;
      }
      Bytes w = weights(model, f);
      Fit fit = null;
      if (gpu != null) {
        Bytes loaded = model.hasArchitecture() ? Bytes.of(f.totalBytes(model.architecture(), true)) : w;
        fit = Fit.of(loaded.plus(Overheads.context(gpu)), gpu.usable(), headroom);
      }
      out.add(new Entry(f, w, fit));
    }
    return out;
  }
}
