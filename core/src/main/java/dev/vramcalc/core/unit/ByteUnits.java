package dev.vramcalc.core.unit;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Returns human renderings and parses of byte amounts; the one place where GiB and GB are told apart.
 *
 * <p>Binary units (KiB, MiB, GiB, TiB) are powers of 1024; SI units (KB, MB, GB, TB) powers of 1000.
 * Memory vendors market "80 GB" HBM that is in fact 80 GiB, while disk vendors mean 10^9: the GPU
 * catalog therefore stores exact bytes, and this class only renders them.
 */
public enum ByteUnits {
  BINARY(1024, new String[] {"B", "KiB", "MiB", "GiB", "TiB", "PiB"}),
  SI(1000, new String[] {"B", "KB", "MB", "GB", "TB", "PB"});

  private static final Pattern AMOUNT =
      Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(b|kib|mib|gib|tib|kb|mb|gb|tb|k|m|g|t)?\\s*");

  private final long base;
  private final String[] labels;

  ByteUnits(long base, String[] labels) {
    this.base = base;
    this.labels = labels;
  }

  /** Returns the amount in the largest unit that keeps it at or above 1, with two decimals. */
  public String format(Bytes bytes) {
    double value = bytes.value();
    int unit = 0;
    while (value >= base && unit < labels.length - 1) {
      value /= base;
      unit++;
    }
    if (unit == 0) {
      return bytes.value() + " B";
    }
    return String.format(Locale.ROOT, "%.2f %s", value, labels[unit]);
  }

  /** Returns the amount in one fixed unit ("GiB" or "GB"), two decimals, without the label. */
  public String formatIn(Bytes bytes, int power) {
    double divisor = Math.pow(base, power);
    return String.format(Locale.ROOT, "%.2f", bytes.value() / divisor);
  }

  public String label(int power) {
    return labels[power];
  }

  /**
   * Returns the bytes of an amount such as {@code 24GiB}, {@code 80 GB} or {@code 1073741824}.
   *
   * <p>Binary suffixes are powers of 1024, SI suffixes powers of 1000; the single letters K, M, G
   * and T are read as binary because that is how GPU memory is meant when people write "24G".
   *
   * @throws IllegalArgumentException naming the text when it is not an amount of bytes
   */
  public static Bytes parse(String text) {
    Matcher m = AMOUNT.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not an amount of memory (examples: 24GiB, 80GB, 16G)");
    }
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    double multiplier =
        switch (unit) {
          case "b" -> 1;
          case "kib", "k" -> 1024d;
          case "mib", "m" -> 1024d * 1024;
          case "gib", "g" -> 1024d * 1024 * 1024;
          case "tib", "t" -> 1024d * 1024 * 1024 * 1024;
          case "kb" -> 1e3;
          case "mb" -> 1e6;
          case "gb" -> 1e9;
          case "tb" -> 1e12;
          default -> throw new IllegalArgumentException("unknown unit '" + unit + "'");
        };
    double value = Double.parseDouble(m.group(1)) * multiplier;
    if (value > 1e18) {
      throw new IllegalArgumentException("'" + text + "' is larger than any device (limit 1 EB)");
    }
    return new Bytes(Math.round(value));
  }
}
