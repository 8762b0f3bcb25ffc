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

  /**
   * Returns the largest {@code x} in {@code [1, limit]} with {@code slack(x) >= 0}, assuming the sign
   * of the slack falls from non-negative to negative once; the slack's size guides the search. The
   * slack at 1 and 2 give a straight-line guess of the crossing, the search gallops from the guess
   * to a bracket and bisects it. For a slack linear in x (memory affine in batch or in length) it
   * costs 4 or 5 evaluations instead of about 2·log2(answer); any other shape still gets the exact answer.
   *
   * <p>Example: slack(x) = 1000 − 3x, limit 10^6: 1 and 2 give the guess 333, which holds, and 334
   * does not: 333 in 4 evaluations.
   */
  public static long largestGuided(java.util.function.LongToDoubleFunction slack, long limit) {
    if (limit < 1) {
      return 0;
    }
    double s1 = slack.applyAsDouble(1);
    if (!(s1 >= 0)) {
      return 0;
    }
    if (limit == 1) {
      return 1;
    }
    double s2 = slack.applyAsDouble(2);
    if (!(s2 >= 0)) {
      return 1;
    }
    double drop = s1 - s2;
    long guess;
    if (drop > 0 && Double.isFinite(drop)) {
      double g = 1 + Math.floor(s1 / drop);
      guess = g >= limit ? limit : (long) Math.max(2, g);
    } else {
      guess = Math.min(limit, 4);
    }
    // one secant step through (1, s1) and (guess, s(guess)): far-apart points give the slope the
    // near ones cannot when the slack is large and the step small
    double sg = slack.applyAsDouble(guess);
    if (guess > 2 && Double.isFinite(sg) && s1 - sg > 0) {
      double g = 1 + Math.floor((guess - 1) * (s1 / (s1 - sg)));
      long refined = g >= limit ? limit : (long) Math.max(2, g);
      if (refined != guess) {
        guess = refined;
        sg = slack.applyAsDouble(guess);
      }
    }
    long good;
    long bad;
    if (sg >= 0) {
      good = guess;
      bad = -1;
      long step = 1;
      while (good < limit) {
        long next = good > limit - step ? limit : good + step;
        if (slack.applyAsDouble(next) >= 0) {
          good = next;
          step = step > Long.MAX_VALUE / 4 ? step : step * 2;
        } else {
          bad = next;
          break;
        }
      }
      if (bad < 0) {
        return good;
      }
    } else {
      bad = guess;
      good = 2;
      long step = 1;
      while (bad - step > 2) {
        long next = bad - step;
        if (slack.applyAsDouble(next) >= 0) {
          good = next;
          break;
        }
        bad = next;
        step = step > Long.MAX_VALUE / 4 ? step : step * 2;
      }
    }
    while (bad - good > 1) {
      long mid = good + (bad - good) / 2;
      if (slack.applyAsDouble(mid) >= 0) {
        good = mid;
      } else {
        bad = mid;
      }
    }
    return good;
  }
}
