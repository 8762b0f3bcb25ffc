package dev.vramcalc.core.precision;

import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.TensorSpec;

/** Returns every tensor stored in one plain element type (FP32, FP16, BF16). */
record UniformFormat(String id, String label, DataType type) implements WeightFormat {

  @Override
  public String describe() {
    return "every tensor in " + type.name() + " (" + type.blockBytes() + " bytes per parameter)";
  }

  @Override
  public Pricer pricer(Architecture arch) {
    return new Pricer() {
      @Override
      public long bytes(TensorSpec t, long[] shape) {
        return (t.fp32() ? DataType.F32 : type).bytesFor(elements(shape));
      }

      @Override
      public String typeOf(TensorSpec t) {
        return (t.fp32() ? DataType.F32 : type).name();
      }
    };
  }

  static long elements(long[] shape) {
    return dev.vramcalc.core.unit.Arith.elements(shape);
  }
}
