package dev.vramcalc.core.estimate;

import static dev.vramcalc.core.unit.Arith.ceilDiv;

import dev.vramcalc.core.workload.TrainingWorkload.Optimizer;

/**
 * Returns optimizer-state bytes per trainable tensor and the temporaries of the optimizer step.
 *
 * <p>Sources: AdamW keeps two moments (Loshchilov and Hutter 2019); bitsandbytes 8-bit optimizers
 * keep each state as uint8 with an fp32 absmax per block of 256 values and keep tensors under 4,096
 * values in 32-bit (bitsandbytes/optim/optimizer.py, min_8bit_size); Adafactor factors the second
 * moment of a matrix into row and column statistics (Shazeer and Stern 2018, §3); SGD with momentum
 * and Lion keep one state (Chen et al. 2023).
 */
public final class Optimizers {

  /** bitsandbytes blockwise 8-bit state: one fp32 absmax per this many values. */
  public static final long EIGHT_BIT_BLOCK = 256;

  /** bitsandbytes keeps tensors with fewer values than this in 32-bit states (min_8bit_size). */
  public static final long EIGHT_BIT_MIN_SIZE = 4096;

  private Optimizers() {}

  /**
   * Returns the state bytes of one trainable tensor of {@code rows × cols} values.
   *
   * @param stateBytes bytes of a full-precision state element: 4 (fp32 master path) or 2 (pure bf16)
   *     <p>Example: AdamW on a 4,096 × 4,096 matrix in fp32 states = 16,777,216 × 2 states × 4 bytes
   *     = 134,217,728 bytes (8 bytes per parameter).
   */
  public static long stateBytes(Optimizer o, long rows, long cols, int stateBytes) {
    long n = Math.multiplyExact(rows, cols);
    return switch (o) {
      case ADAMW, PAGED_ADAMW -> Math.multiplyExact(n, 2L * stateBytes);
      case ADAMW_8BIT, PAGED_ADAMW_8BIT -> n < EIGHT_BIT_MIN_SIZE ? n * 8 : 2 * (n + ceilDiv(n, EIGHT_BIT_BLOCK) * 4);
      case ADAFACTOR -> rows > 1 && cols > 1 ? Math.multiplyExact(rows + cols, 4L) : Math.multiplyExact(n, 4L);
      case ADAFACTOR_MOMENTUM -> (rows > 1 && cols > 1 ? Math.multiplyExact(rows + cols, 4L) : Math.multiplyExact(n, 4L)) + Math.multiplyExact(n, 4L);
      case SGD -> 0;
      case SGD_MOMENTUM, LION -> Math.multiplyExact(n, (long) stateBytes);
    };
  }

  /** Returns the per-parameter state bytes for display (large-matrix limit). */
  public static double bytesPerParameter(Optimizer o, int stateBytes) {
    return switch (o) {
      case ADAMW, PAGED_ADAMW -> 2.0 * stateBytes;
      case ADAMW_8BIT, PAGED_ADAMW_8BIT -> 2 + 8.0 / EIGHT_BIT_BLOCK;
      case ADAFACTOR -> 0;
      case ADAFACTOR_MOMENTUM -> 4;
      case SGD -> 0;
      case SGD_MOMENTUM, LION -> stateBytes;
    };
  }

  /**
   * Returns the temporaries of one optimizer step over {@code n} local trainable values: PyTorch's
   * foreach AdamW and Lion allocate one state-sized tensor for every parameter at once ({@code
   * _foreach_sqrt} of the second moments; the update direction for Lion); the others work tensor by
   * tensor and need at most one tensor's fp32 copy.
   *
   * <p>Source: pytorch/pytorch torch/optim/adamw.py _multi_tensor_adamw (exp_avg_sq_sqrt =
   * torch._foreach_sqrt(device_exp_avg_sqs)).
   */
  public static long stepTemporaries(Optimizer o, long n, long largestTensor, int stateBytes) {
    return switch (o) {
      case ADAMW, PAGED_ADAMW, LION -> Math.multiplyExact(n, (long) stateBytes);
      case ADAMW_8BIT, PAGED_ADAMW_8BIT, ADAFACTOR, ADAFACTOR_MOMENTUM -> Math.multiplyExact(largestTensor, 4L);
      case SGD, SGD_MOMENTUM -> 0;
    };
  }

}
