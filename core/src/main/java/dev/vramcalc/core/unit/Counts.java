package dev.vramcalc.core.unit;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Returns parses and renderings of large counts such as parameter totals ("7B", "8.03B", "350M"). */
public final class Counts {

  private static final Pattern COUNT = Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([kmbt])?\\s*");

  private Counts() {}

  /**
   * Returns the count written as a number with an optional K, M, B or T suffix (powers of 1000).
   *
   * @throws IllegalArgumentException naming the text when it is not a positive count
   */
  public static long parse(String text) {
    Matcher m = COUNT.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a count (examples: 7B, 350M, 8030261248)");
    }
    double multiplier =
        m.group(2) == null
            ? 1
            : switch (m.group(2).toLowerCase(Locale.ROOT)) {
              case "k" -> 1e3;
              case "m" -> 1e6;
              case "b" -> 1e9;
              default -> 1e12;
            };
    double value = Double.parseDouble(m.group(1)) * multiplier;
    if (value < 1 || value > 1e15) {
      throw new IllegalArgumentException("'" + text + "' must be between 1 and 1000T");
    }
    return Math.round(value);
  }

  /** Returns the count with a suffix and two decimals, such as {@code 8.03B}. */
  public static String format(long count) {
    if (count >= 1_000_000_000_000L) {
      return String.format(Locale.ROOT, "%.2fT", count / 1e12);
    }
    if (count >= 1_000_000_000L) {
      return String.format(Locale.ROOT, "%.2fB", count / 1e9);
    }
    if (count >= 1_000_000L) {
      return String.format(Locale.ROOT, "%.2fM", count / 1e6);
    }
    if (count >= 1_000L) {
      return String.format(Locale.ROOT, "%.2fK", count / 1e3);
    }
    return Long.toString(count);
  }

  /** Returns the count with thousands separators, such as {@code 8,030,261,248}. */
  public static String grouped(long count) {
    return String.format(Locale.ROOT, "%,d", count);
  }
}
