package dev.vramcalc.core.estimate;

/**
 * Returns the fit verdict: within the safety margin, over it but within the device, or over the
 * device.
 */
public enum Verdict {
  FITS("fits"),
  TIGHT("tight"),
  DOES_NOT_FIT("does-not-fit");

  private final String label;

  Verdict(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
