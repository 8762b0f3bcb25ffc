package dev.vramcalc.server;

import dev.vramcalc.cli.Main;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import dev.vramcalc.io.catalog.ModelCatalog;
import java.io.PrintWriter;

/** The vramcalc executable: every CLI command, plus serve. */
public final class Launcher {

  private Launcher() {}

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    // a named one-shot command is built alone; serve, help and anything unknown get every command
    boolean command = args.length > 0 && Main.isCommand(args[0]);
    if (command) {
      prefetch(args);
    }
    System.exit(Main.execute(command ? Main.commandLineFor(args) : Main.commandLine(new ServeCommand()), args, out, err));
  }

  /**
   * Reads the bundled catalogs, and the preset the command names when it is one, on a second thread while picocli
   * builds the command on this one (each takes tens of milliseconds of a one-shot run). Nothing depends on it: the
   * command reads the same catalogs through the same once-only loaders, waiting for a read in flight rather than
   * repeating it, and reports any error itself.
   */
  static void prefetch(String[] args) {
    Thread t = new Thread(() -> {
      try {
        GpuCatalogReader.bundled();
        ModelCatalog catalog = ModelCatalog.bundled();
        ModelCatalog.Entry named = args.length > 1 ? catalog.find(args[1]) : null;
        if (named != null) {
          catalog.load(named);
        }
      } catch (RuntimeException e) {
        // the command meets the same problem and names it
      }
    }, "vramcalc-prefetch");
    t.setDaemon(true);
    t.start();
  }
}
