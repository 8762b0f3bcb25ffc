package dev.vramcalc.io.gguf;

import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.precision.DataType;
import dev.vramcalc.core.precision.WeightFormat;
import java.util.Map;

/**
 * The weights of one GGUF file: each tensor in the ggml type the file stores it in, so the bytes of
 * every tensor (and of any shard of it) are exact, whatever mix produced the file.
 */
public final class GgufFileFormat implements WeightFormat {

  private final Map<String, DataType> types;
  private final String fileType;

  GgufFileFormat(Map<String, DataType> types, String fileType) {
    this.types = Map.copyOf(types);
    this.fileType = fileType;
  }

  @Override
  public String id() {
    return "gguf-file";
  }

  @Override
  public String label() {
    return "GGUF file" + (fileType != null ? " (" + fileType + ")" : "");
  }

  @Override
  public String describe() {
    return "each tensor in the type the GGUF header gives it" + (fileType != null ? " (file type " + fileType + ")" : "");
  }

  /** Returns the stored type of a tensor of this file. */
  public DataType typeOf(String tensor) {
    return types.get(tensor);
  }

  @Override
  public Pricer pricer(Architecture arch) {
    return new Pricer() {
      @Override
      public long bytes(TensorSpec t, long[] shape) {
        DataType dt = type(t);
        long row = shape.length == 0 ? 1 : shape[shape.length - 1];
        long elements = 1;
        for (long d : shape) {
          elements = Math.multiplyExact(elements, d);
        }
        return dt.bytesForRows(elements / row, row);
      }

      @Override
      public long extraBytes() {
        return arch.ggufRopeFreqs() * 4;
      }

      @Override
      public String typeOf(TensorSpec t) {
        return type(t).name();
      }

      private DataType type(TensorSpec t) {
        DataType dt = types.get(t.name());
        // tensors not in the file (none, for a model read from it) are priced as F16, the converter's default
        return dt != null ? dt : DataType.F16;
      }
    };
  }
}
