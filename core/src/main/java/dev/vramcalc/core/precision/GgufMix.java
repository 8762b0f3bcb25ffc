package dev.vramcalc.core.precision;

import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.Component;
import dev.vramcalc.core.model.TensorRole;
import dev.vramcalc.core.model.TensorSpec;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Returns the per-tensor types llama.cpp's quantizer gives a model for a named file type (Q4_K_M,
 * Q5_K_M, …), and the bytes that follow, exactly.
 *
 * <p>The rules, in llama.cpp's order: 1-D tensors, norms, routers and position embeddings stay F32;
 * the output head (or a tied token embedding) gets Q6_K (Q8_0 in Q8_0 files, or when its row does not
 * divide the type's block); attn_v and ffn_down get more bits on the layers {@code use_more_bits}
 * picks; attn_output and fused QKV get bumps in some mixes; 70B-class models and 8-expert models get
 * their own bumps; a type whose block does not divide the row length falls back to a 32-element type.
 * Vision towers are not part of the text GGUF and are priced at F16 (the mmproj file).
 *
 * <p>Source: ggml-org/llama.cpp:src/llama-quant.cpp, llama_tensor_get_type (rules as of llama.cpp
 * b4000–b7000, Dec 2025; the Feb 2026 refactor changes only fused-QKV and MLA kv_b tensors) and
 * tools/quantize/README.md (Llama-3.1-8B sizes, reproduced exactly by the tests).
 */
class GgufMix implements WeightFormat {

  /** The file types users name. */
  enum Ftype {
    F16(DataType.F16),
    BF16(DataType.BF16),
    Q8_0(DataType.Q8_0),
    Q6_K(DataType.Q6_K),
    Q5_K_M(DataType.Q5_K),
    Q5_K_S(DataType.Q5_K),
    Q5_1(DataType.Q5_1),
    Q5_0(DataType.Q5_0),
    Q4_K_M(DataType.Q4_K),
    Q4_K_S(DataType.Q4_K),
    Q4_1(DataType.Q4_1),
    Q4_0(DataType.Q4_0),
    IQ4_XS(DataType.IQ4_XS),
    IQ4_NL(DataType.IQ4_NL),
    Q3_K_L(DataType.Q3_K),
    Q3_K_M(DataType.Q3_K),
    Q3_K_S(DataType.Q3_K),
    Q2_K(DataType.Q2_K),
    MXFP4_MOE(DataType.MXFP4);

    final DataType base;

    Ftype(DataType base) {
      this.base = base;
    }
  }

  private final Ftype ftype;

  GgufMix(Ftype ftype) {
    this.ftype = ftype;
  }

  @Override
  public String id() {
    return ftype.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String label() {
    return "GGUF " + ftype.name();
  }

  @Override
  public String describe() {
    return "llama.cpp " + ftype.name() + " mix: per-tensor types by llama-quant rules, base " + ftype.base.name()
        + " (" + ftype.base.blockBytes() + " bytes per " + ftype.base.blockElements() + " values)";
  }

  /** Returns whether the quantizer may convert this tensor (2-D weights other than norms and routers). */
  private static boolean candidate(TensorSpec t) {
    if (t.isVector() || t.role() == TensorRole.BIAS || t.role() == TensorRole.NORM || t.role() == TensorRole.SCALAR) {
      return false;
    }
    return switch (t.role()) {
      case ROUTER, POSITION_EMBEDDING, TOKEN_TYPE_EMBEDDING, SHARED_EXPERT_GATE, ATTN_SINKS, PATCH_EMBEDDING, CLASS_EMBEDDING -> false;
      default -> t.component() != Component.VISION_TOWER && t.component() != Component.PROJECTOR;
    };
  }

  /** Returns the type the converter writes a non-candidate tensor in. */
  private static DataType sourceType(TensorSpec t) {
    if (t.component() == Component.VISION_TOWER || t.component() == Component.PROJECTOR) {
      return DataType.F16;
    }
    return t.isVector() || t.role() == TensorRole.NORM || t.role() == TensorRole.BIAS || t.role() == TensorRole.ROUTER
            || t.role() == TensorRole.POSITION_EMBEDDING || t.role() == TensorRole.TOKEN_TYPE_EMBEDDING
            || t.role() == TensorRole.SCALAR || t.role() == TensorRole.SHARED_EXPERT_GATE
        ? DataType.F32
        : DataType.F16;
  }

  /**
   * Returns {@code i < n/8 || i >= 7n/8 || (i - n/8) % 3 == 2}: the layers the K-quant mixes give
   * more bits (the first and last eighth, and every third layer between).
   */
  static boolean useMoreBits(int i, int n) {
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
  }

  /** Returns the type after llama.cpp's fallback for rows its block does not divide. */
  static DataType fallback(DataType t, long rowLength) {
    if (t.blockElements() <= 1 || rowLength % t.blockElements() == 0) {
      return t;
    }
    DataType r =
        switch (t) {
          case Q2_K, Q3_K, IQ4_XS, IQ3_S, IQ3_XXS, IQ2_XXS, IQ2_XS, IQ2_S, IQ1_S, IQ1_M -> DataType.IQ4_NL;
          case Q4_K -> DataType.Q5_0;
          case Q5_K -> DataType.Q5_1;
          case Q6_K -> DataType.Q8_0;
          default -> DataType.Q4_0;
        };
    return rowLength % r.blockElements() == 0 ? r : DataType.F16;
  }

  @Override
  public Pricer pricer(Architecture arch) {
    boolean tied = arch.tensors().stream().noneMatch(t -> t.role() == TensorRole.LM_HEAD);
    int layers = arch.dims().numLayers();
    int gqa = arch.dims().numKvHeads() > 0 ? arch.dims().numHeads() / arch.dims().numKvHeads() : 1;
    int experts = arch.dims().numExperts();
    String type = arch.modelType();
    boolean seventyB = layers == 80
        && ((type.equals("qwen2")) || ((type.equals("llama") || type.equals("mistral")) && arch.dims().numHeads() != arch.dims().numKvHeads()));
    int attnV = (int) arch.tensors().stream().filter(t -> t.role() == TensorRole.ATTN_V || t.role() == TensorRole.ATTN_QKV || t.role() == TensorRole.ATTN_KV_B).count();
    Map<TensorSpec, Integer> vOrdinal = new HashMap<>();
    int k = 0;
    for (TensorSpec t : arch.tensors()) {
      if (t.role() == TensorRole.ATTN_V) {
        vOrdinal.put(t, k++);
      }
    }
    return new Pricer() {
      @Override
      public long bytes(TensorSpec t, long[] shape) {
        DataType dt = choose(t);
        long row = shape.length == 0 ? 1 : shape[shape.length - 1];
        long rows = UniformFormat.elements(shape) / row;
        return Math.multiplyExact(rows, dt.bytesFor(row));
      }

      @Override
      public String typeOf(TensorSpec t) {
        return choose(t).name();
      }

      @Override
      public long extraBytes() {
        return arch.ggufRopeFreqs() * 4;
      }

      private DataType choose(TensorSpec t) {
        if (!candidate(t)) {
          return sourceType(t);
        }
        DataType base = ftype.base;
        if (!base.isBlockQuantized()) {
          return base;
        }
        long ne0 = t.rowLength();
        DataType r = rule(t, base, ne0);
        return fallback(r, ne0);
      }

      private DataType rule(TensorSpec t, DataType base, long ne0) {
        boolean output = t.role() == TensorRole.LM_HEAD || (tied && t.role() == TensorRole.TOKEN_EMBEDDING);
        if (output) {
          if (ftype == Ftype.MXFP4_MOE || ne0 % base.blockElements() != 0) {
            return DataType.Q8_0;
          }
          return base == DataType.Q8_0 ? DataType.Q8_0 : DataType.Q6_K;
        }
        if (ftype == Ftype.MXFP4_MOE) {
          return t.experts() > 0 ? DataType.MXFP4 : DataType.Q8_0;
        }
        if (t.role() == TensorRole.TOKEN_EMBEDDING) {
          return base;
        }
        int layer = Math.max(t.layer(), 0);
        switch (t.role()) {
          case ATTN_V -> {
            int i = vOrdinal.getOrDefault(t, layer);
            DataType r = base;
            switch (ftype) {
              case Q2_K -> r = gqa >= 4 ? DataType.Q4_K : DataType.Q3_K;
              case Q3_K_M -> r = i < 2 ? DataType.Q5_K : DataType.Q4_K;
              case Q3_K_L -> r = DataType.Q5_K;
              case IQ4_NL, IQ4_XS -> r = gqa >= 4 ? DataType.Q5_K : base;
              case Q4_K_M, Q5_K_M -> r = useMoreBits(i, attnV) ? DataType.Q6_K : base;
              case Q4_K_S -> r = i < 4 ? DataType.Q5_K : base;
              default -> {}
            }
            if (seventyB && (r == DataType.Q3_K || r == DataType.Q4_K)) {
              r = DataType.Q5_K;
            }
            if (experts == 8) {
              r = DataType.Q8_0;
            }
            return r;
          }
          case ATTN_K -> {
            return experts == 8 ? DataType.Q8_0 : base;
          }
          case MLP_DOWN, EXPERT_DOWN, SHARED_DOWN -> {
            int n = layers;
            return switch (ftype) {
              case Q2_K -> DataType.Q3_K;
              case Q3_K_M -> layer < n / 16 ? DataType.Q5_K : DataType.Q4_K;
              case Q3_K_L -> DataType.Q5_K;
              case Q4_K_M, Q5_K_M -> useMoreBits(layer, n) ? DataType.Q6_K : base;
              case IQ4_NL, IQ4_XS -> layer < n / 8 ? DataType.Q5_K : base;
              case Q4_K_S -> layer < n / 8 ? DataType.Q5_K : base;
              default -> base;
            };
          }
          case ATTN_O -> {
            if (experts == 8) {
              return switch (ftype) {
                case Q2_K, Q3_K_S, Q3_K_M, IQ4_NL, Q4_K_S, Q4_K_M, IQ4_XS -> DataType.Q5_K;
                default -> base;
              };
            }
            return switch (ftype) {
              case Q2_K -> DataType.Q3_K;
              case Q3_K_M -> DataType.Q4_K;
              case Q3_K_L -> DataType.Q5_K;
              default -> base;
            };
          }
          case ATTN_QKV -> {
            return switch (ftype) {
              case Q3_K_M, Q3_K_L -> DataType.Q4_K;
              case Q4_K_M -> DataType.Q5_K;
              case Q5_K_M -> DataType.Q6_K;
              default -> base;
            };
          }
          default -> {
            return base;
          }
        }
      }
    };
  }
}
