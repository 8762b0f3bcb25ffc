package dev.vramcalc.core.unit;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Returns parses and renderings of large counts such as parameter totals ("7B", "8.03B", "350M"). */
public final class Counts {

  private static final Pattern COUNT = Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([kmbgt]i?)?\\s*");

  private Counts() {}

  /**
   * Returns the count written as a number with an optional K, M, B (or G) or T suffix (powers of 1000) or Ki, Mi, Bi
   * (Gi) or Ti (powers of 1024), at most 1000T.
   *
   * @throws IllegalArgumentException naming the text when it is not a positive count
   */
  public static long parse(String text) {
    return parse(text, 1e15, "1000T");
  }

  /**
   * Returns the count as {@link #parse(String)} reads it, at most {@code max} (written {@code maxText} in the error): the
   * one reader of --params, --tokens and --global-batch. Example: "4Mi" → 4,194,304; "2T" → 2,000,000,000,000.
   */
  public static long parse(String text, double max, String maxText) {
    Matcher m = COUNT.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a count (examples: 7B, 350M, 8030261248)");
    }
    double multiplier =
        m.group(2) == null
            ? 1
            : switch (m.group(2).toLowerCase(Locale.ROOT)) {
              case "k" -> 1e3;
              case "ki" -> 1024.0;
              case "m" -> 1e6;
              case "mi" -> 1024.0 * 1024;
              case "b", "g" -> 1e9;
              case "bi", "gi" -> 1024.0 * 1024 * 1024;
              case "t" -> 1e12;
              default -> 1024.0 * 1024 * 1024 * 1024;
            };
    double value = Double.parseDouble(m.group(1)) * multiplier;
    if (!(value >= 1 && value <= max)) {
      throw new IllegalArgumentException("'" + text + "' must be between 1 and " + maxText);
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
