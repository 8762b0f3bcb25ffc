package dev.vramcalc.core.estimate;

import dev.vramcalc.core.unit.Bytes;

/**
 * Returns how device memory compares with a GPU's usable memory under the safety margin.
 *
 * <p>Source of the margin: the largest published validation of a training-memory estimator (454
 * runs) saw no out-of-memory error while the estimate stayed under 80 % of device memory, so by
 * default "fits" needs 20 % headroom; above that the result is "tight", above 100 % "does-not-fit".
 *
 * @param verdict the three-way answer
 * @param fits true when the device bytes are within the margin ({@code verdict == FITS})
 * @param usable the device's usable memory
 * @param limit {@code (1 − headroom) × usable}
 * @param headroomBytes {@code usable − device}, negative when over
 */
public record Fit(Verdict verdict, boolean fits, Bytes usable, Bytes limit, long headroomBytes, double headroom) {

  /** Returns the verdict for a need of {@code device} bytes on {@code usable} bytes with a margin. */
  public static Fit of(Bytes device, Bytes usable, double headroom) {
    Bytes limit = usable.scaledFloor(1 - headroom);
    Verdict v;
    if (device.compareTo(limit) <= 0) {
      v = Verdict.FITS;
    } else if (device.compareTo(usable) <= 0) {
      v = Verdict.TIGHT;
    } else {
      v = Verdict.DOES_NOT_FIT;
    }
    return new Fit(v, v == Verdict.FITS, usable, limit, usable.value() - device.value(), headroom);
  }

  /** Returns device memory as a share of usable memory. */
  public static double share(Bytes device, Bytes usable) {
    return device.value() / (double) usable.value();
  }
}
