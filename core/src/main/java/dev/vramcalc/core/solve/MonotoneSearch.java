package dev.vramcalc.core.solve;

import java.util.function.LongPredicate;

/**
 * Returns the largest integer for which a monotone predicate holds ("fits"), by doubling to bracket it
 * and bisecting: O(log n) evaluations, never a scan.
 */
public final class MonotoneSearch {

  private MonotoneSearch() {}

  /**
   * Returns the largest {@code x} in {@code [1, limit]} with {@code fits(x)}, assuming {@code fits}
   * is true up to some value and false after it; 0 when {@code fits(1)} is false.
   *
   * <p>Example: for {@code x -> x * x <= 1000} and limit 1,000,000 the answer is 31, found in about
   * 2 × log2(31) evaluations.
   */
  public static long largest(LongPredicate fits, long limit) {
    if (limit < 1 || !fits.test(1)) {
      return 0;
    }
    long good = 1;
    long bad = -1;
    while (bad < 0) {
      long next = good >= limit / 2 ? limit : good * 2;
      if (next == good) {
        return good;
      }
      if (fits.test(next)) {
        good = next;
        if (good == limit) {
          return good;
        }
      } else {
        bad = next;
      }
    }
    while (bad - good > 1) {
      long mid = good + (bad - good) / 2;
      if (fits.test(mid)) {
        good = mid;
      } else {
        bad = mid;
      }
    }
    return good;
  }
}
