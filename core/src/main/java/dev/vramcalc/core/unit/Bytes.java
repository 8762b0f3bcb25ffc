package dev.vramcalc.core.unit;

/**
 * Returns an exact, non-negative count of bytes with overflow-checked arithmetic.
 *
 * <p>Every memory figure in vramcalc is a whole number of bytes: formats round up to whole
 * blocks before they become {@code Bytes}, so no fractional byte ever appears.
 */
public record Bytes(long value) implements Comparable<Bytes> {

  public static final Bytes ZERO = new Bytes(0);
  public static final long KIB = 1024L;
  public static final long MIB = 1024L * KIB;
  public static final long GIB = 1024L * MIB;
  public static final long TIB = 1024L * GIB;

  public Bytes {
    if (value < 0) {
      throw new IllegalArgumentException("bytes (" + value + ") must not be negative");
    }
  }

  public static Bytes of(long value) {
    return new Bytes(value);
  }

  public static Bytes ofGiB(long gib) {
    return new Bytes(Math.multiplyExact(gib, GIB));
  }

  public static Bytes ofMiB(long mib) {
    return new Bytes(Math.multiplyExact(mib, MIB));
  }

  /** Returns the product of counts, each a whole number, failing loudly on overflow. */
  public static Bytes product(long... factors) {
    long result = 1;
    for (long factor : factors) {
      result = Math.multiplyExact(result, factor);
    }
    return new Bytes(result);
  }

  public Bytes plus(Bytes other) {
    return new Bytes(Math.addExact(value, other.value));
  }

  public Bytes minusOrZero(Bytes other) {
    return new Bytes(Math.max(0, value - other.value));
  }

  public Bytes times(long factor) {
    return new Bytes(Math.multiplyExact(value, factor));
  }

  /** Returns the bytes scaled by a real factor, rounded down (for budgets such as 0.9 × total). */
  public Bytes scaledFloor(double factor) {
    if (!(factor >= 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("scale factor (" + factor + ") must be a finite non-negative number");
    }
    double scaled = Math.floor(value * factor);
    if (scaled >= Long.MAX_VALUE) {
      throw new ArithmeticException("long overflow");
    }
    return new Bytes((long) scaled);
  }

  public static Bytes max(Bytes a, Bytes b) {
    return a.value >= b.value ? a : b;
  }

  public boolean isGreaterThan(Bytes other) {
    return value > other.value;
  }

  public double gib() {
    return value / (double) GIB;
  }

  public double mib() {
    return value / (double) MIB;
  }

  @Override
  public int compareTo(Bytes other) {
    return Long.compare(value, other.value);
  }

  @Override
  public String toString() {
    return ByteUnits.BINARY.format(this);
  }
}
