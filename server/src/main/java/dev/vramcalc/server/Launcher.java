package dev.vramcalc.server;

import dev.vramcalc.cli.Main;
import java.io.PrintWriter;

/** The vramcalc executable: every CLI command, plus serve. */
public final class Launcher {

  private Launcher() {}

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    boolean serve = args.length > 0 && args[0].equals("serve");
    System.exit(Main.execute(serve || args.length == 0 || !Main.isCommand(args[0]) ? Main.commandLine(new ServeCommand()) : Main.commandLineFor(args), args, out, err));
  }
}
