package dev.vramcalc.core.estimate;

import java.util.function.Supplier;

/**
 * Searches run thousands of estimates and read only their bytes: inside {@link #run} the
 * estimators skip the formula text (the same numbers, no strings). Output always comes from an
 * estimate made outside it.
 */
public final class Lean {

  private static final ThreadLocal<Boolean> ON = ThreadLocal.withInitial(() -> Boolean.FALSE);

  private Lean() {}

  /** Returns whether formulas are being skipped on this thread. */
  public static boolean on() {
    return ON.get();
  }

  /** Returns {@code text.get()}, or "" inside a lean run. */
  public static String text(Supplier<String> text) {
    return ON.get() ? "" : text.get();
  }

  /** Runs {@code work} with formulas skipped. */
  public static <T> T run(Supplier<T> work) {
    if (ON.get()) {
      return work.get();
    }
    ON.set(Boolean.TRUE);
    try {
      return work.get();
    } finally {
      ON.set(Boolean.FALSE);
    }
  }
}
