package dev.vramcalc.core.estimate;

import dev.vramcalc.core.unit.ByteUnits;
import dev.vramcalc.core.unit.Bytes;
import java.util.Locale;

/** Returns formula text with every factor labelled, such as {@code 8192 (S) × 32 (L) × 2 bytes = 1.00 GiB}. */
final class Formula {

  private final StringBuilder sb = new StringBuilder();

  static Formula of(long value, String label) {
    return new Formula().times(value, label);
  }

  Formula times(long value, String label) {
    if (sb.length() > 0) {
      sb.append(" × ");
    }
    sb.append(String.format(Locale.ROOT, "%,d", value));
    if (label != null && !label.isEmpty()) {
      sb.append(" (").append(label).append(')');
    }
    return this;
  }

  Formula text(String s) {
    sb.append(s);
    return this;
  }

  String equals(Bytes result) {
    return sb + " = " + ByteUnits.BINARY.format(result);
  }

  static String gib(Bytes b) {
    return ByteUnits.BINARY.format(b);
  }

  @Override
  public String toString() {
    return sb.toString();
  }
}
