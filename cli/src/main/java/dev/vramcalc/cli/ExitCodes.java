package dev.vramcalc.cli;

/** Returns the process exit codes of vramcalc. */
public final class ExitCodes {
  /** The command ran; an estimate that does not fit is still a success. */
  public static final int OK = 0;
  /** A failure outside the user's control (an internal error, an unreadable bundled file). */
  public static final int FAILURE = 1;
  /** Bad input: an unknown model or device, a flag value out of range, a malformed file. */
  public static final int BAD_INPUT = 2;

  private ExitCodes() {}
}
