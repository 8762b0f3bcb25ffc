package dev.vramcalc.cli;

import java.io.PrintStream;
import java.util.function.Consumer;

/** One progress line on stderr for fetches, redrawn in place; silent with --json or without a terminal. */
final class Progress {

  /** Set by Main when the command prints JSON. */
  static volatile boolean quiet;

  private Progress() {}

  static Consumer<String> stderr() {
    if (quiet || System.console() == null) {
      return null;
    }
    PrintStream err = System.err;
    long[] last = {0};
    return message -> {
      long now = System.nanoTime();
      if (now - last[0] > 100_000_000L) {
        last[0] = now;
        String line = message.length() > 100 ? message.substring(0, 100) : message;
        err.print("\r" + line + " ".repeat(Math.max(0, 100 - line.length())) + "\r");
        err.flush();
      }
    };
  }

  /** Clears the progress line, if one was drawn. */
  static void done() {
    if (!quiet && System.console() != null) {
      System.err.print("\r" + " ".repeat(100) + "\r");
      System.err.flush();
    }
  }
}
