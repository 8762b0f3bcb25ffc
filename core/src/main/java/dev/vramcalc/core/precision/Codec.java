package dev.vramcalc.core.precision;

import static dev.vramcalc.core.unit.Arith.ceilDiv;

/**
 * Returns the bytes of one quantized weight matrix of {@code rows × cols} (cols = input features, the
 * axis quantization groups run along), including its scales and zero points. Stacked expert
 * matrices are priced as {@code rows = experts × out}, except where a scheme keeps per-matrix
 * constants ({@code matrices} counts them).
 */
interface Codec {

  long bytes(long matrices, long rowsPerMatrix, long cols);

  String type();

  /**
   * 8-bit integers with one fp32 scale per output row: bitsandbytes LLM.int8 (its SCB vector) and
   * compressed-tensors W8A8 channel-wise. {@code r·c + 4r}.
   */
  Codec INT8_PER_ROW = new Codec() {
    @Override
    public long bytes(long m, long r, long c) {
      long rows = Math.multiplyExact(m, r);
      return Math.addExact(Math.multiplyExact(rows, c), Math.multiplyExact(rows, 4));
    }

    @Override
    public String type() {
      return "INT8";
    }
  };

  /** FP8 E4M3 with one fp32 scale per matrix (vLLM's dynamic FP8): {@code r·c + 4}. */
  Codec FP8_PER_TENSOR = new Codec() {
    @Override
    public long bytes(long m, long r, long c) {
      return Math.addExact(Math.multiplyExact(Math.multiplyExact(m, r), c), Math.multiplyExact(m, 4));
    }

    @Override
    public String type() {
      return "FP8";
    }
  };

  /** FP8 E4M3 with one fp32 scale per output row (fbgemm_fp8, per-channel FP8): {@code r·c + 4r}. */
  Codec FP8_PER_ROW = new Codec() {
    @Override
    public long bytes(long m, long r, long c) {
      long rows = Math.multiplyExact(m, r);
      return Math.addExact(Math.multiplyExact(rows, c), Math.multiplyExact(rows, 4));
    }

    @Override
    public String type() {
      return "FP8";
    }
  };

  /** MXFP4: blocks of 32 values, 16 bytes of E2M1 codes plus one E8M0 scale byte. */
  Codec MXFP4 = new Codec() {
    @Override
    public long bytes(long m, long r, long c) {
      return Math.multiplyExact(Math.multiplyExact(m, r), DataType.MXFP4.bytesFor(c));
    }

    @Override
    public String type() {
      return "MXFP4";
    }
  };

  /**
   * NVFP4: blocks of 16 E2M1 values (8 bytes) with one FP8 E4M3 scale byte, plus a per-matrix fp32
   * global scale and fp32 input scale. {@code r·ceil(c/16)·9 + 8}.
   */
  Codec NVFP4 = new Codec() {
    @Override
    public long bytes(long m, long r, long c) {
      long blocks = ceilDiv(c, 16);
      return Math.addExact(Math.multiplyExact(Math.multiplyExact(m, r), Math.multiplyExact(blocks, 9)), Math.multiplyExact(m, 8));
    }

    @Override
    public String type() {
      return "NVFP4";
    }
  };

  /** FP8 E4M3 with fp32 scales per {@code block × block} tile (DeepSeek-V3's weight_scale_inv). */
  static Codec fp8Block(long blockRows, long blockCols) {
    return new Codec() {
      @Override
      public long bytes(long m, long r, long c) {
        long scales = Math.multiplyExact(ceilDiv(r, blockRows), ceilDiv(c, blockCols));
        return Math.multiplyExact(m, Math.addExact(Math.multiplyExact(r, c), Math.multiplyExact(scales, 4)));
      }

      @Override
      public String type() {
        return "FP8";
      }
    };
  }

  /**
   * GPTQ: {@code bits}-bit codes packed in int32 along the input axis (qweight {@code [in·bits/32,
   * out]}), per group of {@code group} inputs an fp16 scale and a packed zero per output (scales
   * {@code [in/g, out]}, qzeros {@code [in/g, out·bits/32]} int32), and the int32 g_idx {@code [in]}.
   *
   * <p>Source: AutoGPTQ / GPTQModel QuantLinear buffers; vLLM gptq.py create_weights.
   */
  static Codec gptq(int bits, long group, boolean gIdx) {
    return new Codec() {
      @Override
      public long bytes(long m, long out, long in) {
        long g = group <= 0 ? in : group;
        long groups = ceilDiv(in, g);
        long qweight = Math.multiplyExact(Math.multiplyExact(ceilDiv(Math.multiplyExact(in, bits), 32), 4), out);
        long qzeros = Math.multiplyExact(Math.multiplyExact(groups, ceilDiv(Math.multiplyExact(out, bits), 32)), 4);
        long scales = Math.multiplyExact(Math.multiplyExact(groups, out), 2);
        long idx = gIdx ? Math.multiplyExact(in, 4) : 0;
        return Math.multiplyExact(m, qweight + qzeros + scales + idx);
      }

      @Override
      public String type() {
        return "GPTQ-INT" + bits;
      }
    };
  }

  /**
   * AWQ (GEMM layout): qweight {@code [in, out·bits/32]} int32, qzeros {@code [in/g, out·bits/32]}
   * int32, scales {@code [in/g, out]} fp16.
   *
   * <p>Source: AutoAWQ WQLinear_GEMM buffers; vLLM awq.py create_weights.
   */
  static Codec awq(int bits, long group) {
    return new Codec() {
      @Override
      public long bytes(long m, long out, long in) {
        long g = group <= 0 ? in : group;
        long groups = ceilDiv(in, g);
        long packedOut = ceilDiv(Math.multiplyExact(out, bits), 32);
        long qweight = Math.multiplyExact(Math.multiplyExact(in, packedOut), 4);
        long qzeros = Math.multiplyExact(Math.multiplyExact(groups, packedOut), 4);
        long scales = Math.multiplyExact(Math.multiplyExact(groups, out), 2);
        return Math.multiplyExact(m, qweight + qzeros + scales);
      }

      @Override
      public String type() {
        return "AWQ-INT" + bits;
      }
    };
  }

  /**
   * bitsandbytes 4-bit (NF4 or FP4): two codes per byte, one absmax per 64 weights, and a 16-entry
   * fp32 code table per matrix. Without double quantization the absmax is fp32 (4 bytes per block);
   * with it, each absmax is one byte, plus one fp32 absmax per 256 blocks and one fp32 offset.
   *
   * <p>Source: bitsandbytes/functional.py quantize_4bit (blocksize 64, compress_statistics with
   * blocksize 256) and QuantState.
   */
  static Codec bnb4(String kind, boolean doubleQuant) {
    return new Codec() {
      @Override
      public long bytes(long m, long r, long c) {
        long n = Math.multiplyExact(r, c);
        long blocks = ceilDiv(n, 64);
        long codes = ceilDiv(n, 2);
        long absmax = doubleQuant ? blocks + ceilDiv(blocks, 256) * 4 + 4 : Math.multiplyExact(blocks, 4);
        long codeTable = 16 * 4;
        return Math.multiplyExact(m, codes + absmax + codeTable);
      }

      @Override
      public String type() {
        return kind + (doubleQuant ? "-DQ" : "");
      }
    };
  }
}
