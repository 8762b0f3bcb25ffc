package dev.vramcalc.core.unit;

/** Integer arithmetic the estimators share. */
public final class Arith {

  private Arith() {}

  /**
   * Returns ⌈a / b⌉ for a ≥ 0 and b > 0 without forming a + b − 1 (which can overflow): whole blocks, pages, shards or
   * chunks needed for a count. Example: 4,097 tokens in blocks of 16 → 257 blocks. (Math.ceilDiv is Java 18.)
   */
  public static long ceilDiv(long a, long b) {
    return a / b + (a % b == 0 ? 0 : 1);
  }

  /**
   * Returns the number of elements of a shape, the product of its dimensions (1 for a scalar's empty shape), throwing
   * ArithmeticException on overflow. Example: [4,096, 14,336] → 58,720,256.
   */
  public static long elements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }
}
