package dev.vramcalc.server;

import dev.vramcalc.cli.Main;
import java.io.PrintWriter;

/** The vramcalc executable: every CLI command, plus serve. */
public final class Launcher {

  private Launcher() {}

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(Main.execute(Main.commandLine(new ServeCommand()), args, out, err));
  }
}
